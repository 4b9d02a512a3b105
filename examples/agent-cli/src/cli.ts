/**
 * `pnpm agent-cli --store <file> --server <smp address> [--server …] [--agent-version 1]`
 *
 * A JSON-lines agent for debugging and scripting: one command object per line
 * on stdin, one event object per line on stdout. State lives in a SQLite file,
 * so a stopped tool started again with the same `--store` continues every
 * connection. A failing command prints `{"event":"error",…}` and the tool goes
 * on; unknown fields are ignored. Closing stdin stops it.
 *
 * @see ../../../shared/spec/agent.md §12
 */
import * as readline from 'node:readline'
import { type Agent, type AgentEvent, createAgent } from '@simplex-ts/agent'
import { isSimplexError } from '@simplex-ts/core'
import { nodeConnect } from '@simplex-ts/smp/node'
import { openSqliteStorage } from '@simplex-ts/storage/sqlite'

type Json = Record<string, unknown>

const encoder = new TextEncoder()
const decoder = new TextDecoder()

function out(obj: Json, written?: () => void): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`, written === undefined ? undefined : () => written())
}

function fail(e: unknown, extra: Json = {}): void {
  const code = isSimplexError(e) ? e.code : e instanceof CliError ? 'CLI' : 'INTERNAL'
  out({ event: 'error', code, message: e instanceof Error ? e.message : String(e), ...extra })
}

class CliError extends Error {}

function usage(): never {
  process.stderr.write(
    'usage: agent-cli --store <file> --server <smp://…> [--server …] [--agent-version 1|2]\n',
  )
  process.exit(2)
}

function parseArgs(argv: readonly string[]): { store: string; servers: string[]; agentVersion?: number } {
  let store: string | undefined
  const servers: string[] = []
  let agentVersion: number | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const v = argv[i + 1]
    if (a === '--store' && v !== undefined) store = v
    else if (a === '--server' && v !== undefined) servers.push(v)
    else if (a === '--agent-version' && (v === '1' || v === '2')) agentVersion = Number(v)
    else if (a === '--') continue
    else usage()
    i++
  }
  if (store === undefined || servers.length === 0) usage()
  return agentVersion === undefined ? { store, servers } : { store, servers, agentVersion }
}

/** The JSON line of an agent event (binary fields as UTF-8 text). */
function eventLine(e: AgentEvent): Json | undefined {
  switch (e.type) {
    case 'confirmation':
      return { event: 'confirmation', conn: e.connId, confirmation: e.confId, info: decoder.decode(e.info) }
    case 'request':
      // answer with accept/reject on the request's id; `address` is the contact address connection
      return { event: 'request', conn: e.invitationId, address: e.connId, info: decoder.decode(e.info) }
    case 'info':
      return { event: 'info', conn: e.connId, info: decoder.decode(e.info) }
    case 'connected':
      return { event: 'connected', conn: e.connId }
    case 'message':
      return {
        event: 'message',
        conn: e.connId,
        msg: e.msgId,
        text: decoder.decode(e.body),
        ...(e.integrity === null ? {} : { integrity: e.integrity.type }),
        ...(e.redelivered === true ? { redelivered: true } : {}),
      }
    case 'sent':
      return { event: 'sent', conn: e.connId, msg: e.msgId }
    case 'delivered':
      return { event: 'delivered', conn: e.connId, msg: e.msgId }
    case 'message-error':
      return {
        event: 'error',
        conn: e.connId,
        msg: e.msgId,
        code: isSimplexError(e.error) ? e.error.code : 'INTERNAL',
        message: e.error.message,
      }
    case 'down':
    case 'up':
      return { event: e.type, server: e.server, conns: e.connIds }
    case 'end':
      return { event: 'end', conn: e.connId }
    case 'error':
      return {
        event: 'error',
        ...(e.connId === undefined ? {} : { conn: e.connId }),
        code: isSimplexError(e.error) ? e.error.code : 'INTERNAL',
        message: e.error.message,
      }
  }
}

function field(cmd: Json, name: string): string {
  const v = cmd[name]
  if (typeof v !== 'string') throw new CliError(`"${name}" must be a string`)
  return v
}

function optText(cmd: Json, name: string): Uint8Array {
  const v = cmd[name]
  if (v === undefined) return new Uint8Array(0)
  if (typeof v !== 'string') throw new CliError(`"${name}" must be a string`)
  return encoder.encode(v)
}

async function run(agent: Agent, cmd: Json): Promise<void> {
  switch (cmd.cmd) {
    case 'create': {
      const { connId, link } = await agent.createConnection()
      return out({ event: 'invitation', conn: connId, link })
    }
    case 'address': {
      const { connId, link } = await agent.createAddress()
      return out({ event: 'address', conn: connId, link })
    }
    case 'join': {
      const conn = await agent.joinConnection(field(cmd, 'link'), optText(cmd, 'info'))
      return out({ event: 'joined', conn })
    }
    case 'accept': {
      const id = field(cmd, 'conn')
      try {
        // a contact request: joining its invitation makes a new connection
        const conn = await agent.acceptContact(id, optText(cmd, 'info'))
        return out({ event: 'joined', conn, request: id })
      } catch (e) {
        if (!isSimplexError(e, 'CONN NOT_FOUND')) throw e
      }
      await agent.allowConnection(id, optText(cmd, 'info'))
      return out({ event: 'accepted', conn: id })
    }
    case 'reject': {
      await agent.rejectContact(field(cmd, 'conn'))
      return out({ event: 'rejected', conn: cmd.conn })
    }
    case 'send': {
      // the agent's own `sent` event reports the message id
      await agent.sendMessage(field(cmd, 'conn'), optText(cmd, 'text'))
      return
    }
    case 'suspend': {
      await agent.suspendConnection(field(cmd, 'conn'))
      return out({ event: 'suspended', conn: cmd.conn })
    }
    case 'delete': {
      await agent.deleteConnection(field(cmd, 'conn'))
      return out({ event: 'deleted', conn: cmd.conn })
    }
    case 'list': {
      const conns = await agent.listConnections()
      return out({ event: 'connections', conns })
    }
    default:
      throw new CliError(`unknown command ${JSON.stringify(cmd.cmd)}`)
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const storage = await openSqliteStorage({ path: args.store })
  const agent = await createAgent({
    storage,
    servers: args.servers,
    connect: nodeConnect,
    // a message is acknowledged to the agent once its line is written: one printed before the
    // process dies is not printed again, one not yet printed comes back (`redelivered`) on restart
    appAck: 'manual',
    ...(args.agentVersion === undefined ? {} : { agentVersionRange: { min: 1, max: args.agentVersion } }),
  })
  const events = agent.events()
  const pump = (async () => {
    for await (const e of events) {
      const line = eventLine(e)
      if (line === undefined) continue
      if (e.type !== 'message') out(line)
      else
        out(line, () => {
          agent.ackMessage(e.connId, e.msgId).catch((err: unknown) => {
            if (!isSimplexError(err, 'AGENT_CLOSED')) fail(err, { conn: e.connId })
          })
        })
    }
  })()
  out({ event: 'ready', servers: args.servers })
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })
  for await (const line of rl) {
    if (line.trim() === '') continue
    let cmd: unknown
    try {
      cmd = JSON.parse(line)
    } catch (e) {
      fail(new CliError(`not JSON: ${e instanceof Error ? e.message : String(e)}`))
      continue
    }
    if (cmd === null || typeof cmd !== 'object' || Array.isArray(cmd)) {
      fail(new CliError('a command is a JSON object'))
      continue
    }
    try {
      await run(agent, cmd as Json)
    } catch (e) {
      fail(e, typeof (cmd as Json).conn === 'string' ? { conn: (cmd as Json).conn } : {})
    }
  }
  await agent.close()
  await pump
  await storage.close()
}

main().catch((e) => {
  fail(e)
  process.exit(1)
})
