/**
 * `pnpm echo-bot --store <file> [--server smp://…]… [--name <display name>]`
 *
 * A SimpleX chat bot: prints its contact address (`simplex:/contact#/?…`, on a
 * line of its own, and as a QR code), accepts every contact request, sends a
 * welcome message, and echoes every text message back. Its profile, address,
 * contacts and history live in the SQLite file `--store`, so a restarted bot
 * keeps its address and contacts. Without `--server` it runs an embedded relay
 * on 127.0.0.1 whose state is kept in `<store>.relay/`.
 *
 * @see ../../../shared/spec/chat.md §4.2, §4.3
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { formatConnectionRequest, parseConnectionRequest } from '@simplex-ts/agent'
import { type Bot, createBot } from '@simplex-ts/chat-protocol'
import { isSimplexError } from '@simplex-ts/core'
import { type Args, UsageError, parseExampleArgs, startExampleRelay } from '@simplex-ts/example-common'
import type { RunningServer } from '@simplex-ts/smp-server'
import { nodeConnect } from '@simplex-ts/smp/node'
import type { Storage } from '@simplex-ts/storage'
import { openSqliteStorage } from '@simplex-ts/storage/sqlite'
import { renderUnicodeCompact } from 'uqr'

const USAGE =
  'usage: pnpm echo-bot --store <file> [--server smp://<key hash>@<host>[:<port>]]… [--name <name>] [--relay-port <port>]'
const WELCOME = 'Hello! I am an echo bot: send me any text and I will send it back.'

/** The link in the `simplex:` scheme (the client writes `https://simplex.chat/…`; both denote the same address). */
function simplexLink(link: string): string {
  const cr = parseConnectionRequest(link)
  const data = { ...cr.data, scheme: { type: 'simplex' as const } }
  return formatConnectionRequest(cr.mode === 'contact' ? { ...cr, data } : { ...cr, data })
}

function time(): string {
  return new Date().toTimeString().slice(0, 8)
}

function log(text: string): void {
  process.stdout.write(`${time()} ${text}\n`)
}

async function main(): Promise<void> {
  let relay: RunningServer | undefined
  let storage: Storage | undefined
  let bot: Bot | undefined
  let stopping = false
  const stop = async (code: number): Promise<void> => {
    if (stopping) return
    stopping = true
    await bot?.close()
    await storage?.close()
    await relay?.close()
    process.exit(code)
  }
  process.on('SIGINT', () => void stop(0))
  process.on('SIGTERM', () => void stop(0))
  let parsed: Args
  try {
    parsed = parseExampleArgs(process.argv.slice(2), USAGE)
  } catch (e) {
    process.stderr.write(`echo-bot: ${describe(e)}\n`)
    process.exit(2)
  }
  const { store, servers, name, relayPort } = parsed
  try {
    if (servers.length === 0) {
      const started = await startExampleRelay(store, relayPort, 'echo-bot')
      relay = started.relay
      const { dir } = started
      servers.push(relay.address)
      log(`embedded relay ${relay.address} (its state is in ${dir})`)
    }
    fs.mkdirSync(path.dirname(store), { recursive: true })
    storage = await openSqliteStorage(store)
    bot = await createBot({
      profile:
        name === undefined
          ? { displayName: 'echo', fullName: 'Echo Bot' }
          : { displayName: name, fullName: '' },
      storage,
      servers,
      connect: nodeConnect,
      welcome: WELCOME,
    })
  } catch (e) {
    process.stderr.write(`echo-bot: ${describe(e)}\n`)
    await stop(1)
    return
  }
  const b = bot
  b.on('contactConnected', ({ contact }) => log(`${contact.localDisplayName} connected`))
  // the first `up` is the start-up subscription, and every failed reconnection repeats `down`
  const down = new Set<string>()
  b.on('agent', ({ event }) => {
    if (event.type === 'down' && !down.has(event.server)) {
      down.add(event.server)
      log(`relay ${event.server} disconnected, reconnecting…`)
    }
    if (event.type === 'up' && down.delete(event.server)) log(`relay ${event.server} connected again`)
  })
  b.on('error', ({ error }) => log(`error: ${describe(error)}`))
  b.onError((contact, error) => log(`could not answer ${contact.localDisplayName}: ${describe(error)}`))
  b.onMessage(async (msg, reply) => {
    log(`${msg.contact.localDisplayName}> ${msg.text}`)
    await reply(msg.text === '' ? 'I can only echo text messages.' : msg.text)
  })

  const address = simplexLink(await b.start())
  const user = await b.client.users.active()
  const contacts = await b.client.contacts()
  process.stdout.write(
    `\n${user?.profile.displayName ?? 'echo'} is running with ${contacts.length} contact(s). Its address:\n\n` +
      `${address}\n\n${renderUnicodeCompact(address, { border: 2 })}\n\n` +
      'Connect to it from a SimpleX client with the address above; Ctrl-C stops the bot.\n',
  )
}

/** A readable one-line error: its code (when typed) and message. */
function describe(e: unknown): string {
  if (e instanceof UsageError) return `${e.message}\n${USAGE}`
  if (isSimplexError(e, 'NETWORK')) return `cannot reach the relay (${e.message})`
  if (isSimplexError(e)) return `${e.code}: ${e.message}`
  return e instanceof Error ? e.message : String(e)
}

void main()
