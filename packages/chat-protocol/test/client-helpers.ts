// Shared fixtures of the chat client tests: our relay over real TLS on 127.0.0.1, chat clients
// over memory or SQLite storage, and waiting for events with a deadline.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { type RunningServer, startServer } from '@simplex-ts/smp-server'
import { nodeConnect } from '@simplex-ts/smp/node'
import { type Storage, createMemoryStorage } from '@simplex-ts/storage'
import { generateServerCredentials } from '@simplex-ts/transport/node'
import { type ChatClient, type ChatClientOptions, createChatClient } from '../src/client/client'
import type { ChatClientEvent, ChatClientEventType, Contact } from '../src/client/types'

const credentials = generateServerCredentials()

export interface TestRelay {
  readonly address: string
  readonly server: RunningServer
  close(): Promise<void>
}

/** Our relay on a random port with its own store folder. */
export async function startRelay(): Promise<TestRelay> {
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-relay-'))
  const server = await startServer({
    credentials,
    storeDir,
    host: '127.0.0.1',
    bindHost: '127.0.0.1',
    port: 0,
    durability: 'write',
  })
  return {
    address: server.address,
    server,
    async close() {
      await server.close()
      fs.rmSync(storeDir, { recursive: true, force: true })
    },
  }
}

/** Fast retries for tests. */
export const FAST = {
  connect: nodeConnect,
  retryInterval: { initialMs: 50, increaseAfterMs: 500, maxMs: 300, factor: 1.5 },
  smpClient: { reconnect: { initialDelayMs: 50, maxDelayMs: 300 } },
  signAlg: 'ed25519' as const,
} satisfies Partial<ChatClientOptions>

export type TestClient = ChatClient & { readonly storage: Storage; readonly log: ChatClientEvent[] }

/** A chat client with every event logged. */
export async function newClient(
  relay: TestRelay,
  options: Partial<ChatClientOptions> & { readonly displayName?: string } = {},
): Promise<TestClient> {
  const storage = options.storage ?? createMemoryStorage()
  const { displayName, ...rest } = options
  const client = await createChatClient({
    ...FAST,
    ...(displayName === undefined ? {} : { profile: { displayName, fullName: '' } }),
    ...rest,
    storage,
    servers: [relay.address],
  })
  const log: ChatClientEvent[] = []
  client.on('error', () => undefined)
  const it = client.events()
  void (async () => {
    for await (const e of it) log.push(e)
  })()
  return Object.assign(client, { storage, log })
}

/** The next event of `type` matching `pred` from now, or fail after `ms`. */
export function next<T extends ChatClientEventType>(
  client: ChatClient,
  type: T,
  pred: (e: Extract<ChatClientEvent, { type: T }>) => boolean = () => true,
  ms = 10_000,
): Promise<Extract<ChatClientEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no ${type} event within ${ms} ms`))
    }, ms)
    const off = client.on(type, (e) => {
      if (!pred(e)) return
      clearTimeout(timer)
      off()
      resolve(e)
    })
  })
}

/** Connect two clients by a one-time invitation of `a`; returns each side's contact. */
export async function connectPair(
  a: ChatClient,
  b: ChatClient,
  options: { readonly aIncognito?: boolean; readonly bIncognito?: boolean } = {},
): Promise<{ ab: Contact; ba: Contact }> {
  const inv = await a.createInvitation({ incognito: options.aIncognito ?? false })
  const aCon = next(a, 'contactConnected')
  const bCon = next(b, 'contactConnected')
  await b.connect(inv.link as string, { incognito: options.bIncognito ?? false })
  const [x, y] = await Promise.all([aCon, bCon])
  return { ab: x.contact, ba: y.contact }
}
