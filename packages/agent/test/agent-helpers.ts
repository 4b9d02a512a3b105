// Shared fixtures of the agent tests: our relay over real TLS on 127.0.0.1, agents over memory or
// SQLite storage, and waiting for events with a deadline.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { type RunningServer, startServer } from '@simplex-ts/smp-server'
import { nodeConnect } from '@simplex-ts/smp/node'
import { type Storage, createMemoryStorage } from '@simplex-ts/storage'
import { generateServerCredentials } from '@simplex-ts/transport/node'
import { type Agent, type AgentOptions, createAgent } from '../src/agent'
import type { AgentEvent, AgentEventType } from '../src/events'

const credentials = generateServerCredentials()

export interface TestRelay {
  readonly address: string
  readonly port: number
  readonly storeDir: string
  readonly server: RunningServer
  start(): Promise<void>
  stop(): Promise<void>
  close(): Promise<void>
}

/** Our relay with a store folder (so it can be stopped and started again on the same port). */
export async function startRelay(): Promise<TestRelay> {
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-relay-'))
  const base = {
    credentials,
    storeDir,
    host: '127.0.0.1',
    bindHost: '127.0.0.1',
    durability: 'write' as const,
  }
  let server = await startServer({ ...base, port: 0 })
  const port = server.port
  let running = true
  return {
    address: server.address,
    port,
    storeDir,
    get server() {
      return server
    },
    async start() {
      server = await startServer({ ...base, port })
      running = true
    },
    async stop() {
      if (running) await server.close()
      running = false
    },
    async close() {
      if (running) await server.close()
      running = false
      fs.rmSync(storeDir, { recursive: true, force: true })
    },
  }
}

/** Fast retries for tests. */
export const FAST = {
  connect: nodeConnect,
  retryInterval: { initialMs: 50, increaseAfterMs: 500, maxMs: 300, factor: 1.5 },
  smpClient: { reconnect: { initialDelayMs: 50, maxDelayMs: 300 } },
} satisfies Partial<AgentOptions>

export async function newAgent(
  relay: { address: string } | readonly string[],
  options: Partial<AgentOptions> = {},
): Promise<Agent & { readonly storage: Storage; readonly log: AgentEvent[] }> {
  const servers = 'address' in relay ? [relay.address] : relay
  const storage = options.storage ?? createMemoryStorage()
  const agent = await createAgent({ ...FAST, ...options, storage, servers })
  const log: AgentEvent[] = []
  const it = agent.events()
  void (async () => {
    for await (const e of it) log.push(e)
  })()
  return Object.assign(agent, { storage, log })
}

/** The next event of `type` (matching `pred`; redelivered messages skipped) from now, or fail after `ms`. */
export function next<T extends AgentEventType>(
  agent: Agent,
  type: T,
  pred: (e: Extract<AgentEvent, { type: T }>) => boolean = () => true,
  ms = 10_000,
): Promise<Extract<AgentEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no ${type} event within ${ms} ms`))
    }, ms)
    const off = agent.on(type, (e) => {
      if ((e as { redelivered?: boolean }).redelivered === true || !pred(e)) return
      clearTimeout(timer)
      off()
      resolve(e)
    })
  })
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s)
export const str = (b: Uint8Array): string => new TextDecoder().decode(b)

/** Connect two agents with the handshake their versions agree; returns both connection ids. */
export async function connectPair(alice: Agent, bob: Agent): Promise<{ a: string; b: string }> {
  const { connId: a, link } = await alice.createConnection()
  const conf = next(alice, 'confirmation', (e) => e.connId === a)
  const bInfo = next(bob, 'info')
  const b = await bob.joinConnection(link, text('bob profile'))
  const c = await conf
  const aCon = next(alice, 'connected', (e) => e.connId === a)
  const bCon = next(bob, 'connected', (e) => e.connId === b)
  await alice.allowConnection(c.confId, text('alice profile'))
  await bInfo
  await Promise.all([aCon, bCon])
  return { a, b }
}
