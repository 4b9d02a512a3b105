// Nothing acknowledged is lost: the receiving chat client runs in its own process on SQLite and is
// killed with SIGKILL (1) after the agent committed a message and acknowledged it to the relay but
// before the chat committed it, and (2) after the chat committed it but before its acknowledgement
// to the agent was stored. Restarted, it shows the message exactly once either way.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestClient, type TestRelay, newClient, next, startRelay } from './client-helpers'

const src = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url))
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

// The receiver. Commands on stdin, one JSON line each; JSON lines out.
const CHILD = `
import * as readline from 'node:readline'
import { createChatClient } from ${JSON.stringify(src('chat-protocol/src/index.ts'))}
import { nodeConnect } from ${JSON.stringify(src('smp/src/client/node.ts'))}
import { openSqliteStorage } from ${JSON.stringify(src('storage/src/sqlite.ts'))}

const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n')
let mode = 'normal'
const storage = await openSqliteStorage({ path: process.env.NO_LOSS_DB })
const client = await createChatClient({
  storage,
  servers: [process.env.NO_LOSS_RELAY],
  connect: nodeConnect,
  signAlg: 'ed25519',
  retryInterval: { initialMs: 50, increaseAfterMs: 500, maxMs: 300, factor: 1.5 },
  smpClient: { reconnect: { initialDelayMs: 50, maxDelayMs: 300 } },
  profile: { displayName: 'bob', fullName: '' },
  testHooks: {
    async beforeMessage(e) {
      out({ agentMessage: e.msgId, redelivered: e.redelivered === true })
      if (mode !== 'kill-before-chat-commit') return
      // the agent has committed the message; give its relay ACK time to land, then stop here
      await new Promise((r) => setTimeout(r, 300))
      out({ paused: e.msgId })
      await new Promise(() => undefined)
    },
  },
})
client.on('contactConnected', () => out({ event: 'connected' }))
client.on('newMessage', (e) => {
  out({ event: 'newMessage', text: e.item.text })
  // committed by the chat, acknowledgement to the agent not yet made: die right here
  if (mode === 'kill-after-chat-commit') process.kill(process.pid, 'SIGKILL')
})
out({ ready: true })
for await (const line of readline.createInterface({ input: process.stdin })) {
  const cmd = JSON.parse(line)
  if (cmd.cmd === 'mode') {
    mode = cmd.mode
    out({ mode })
  } else if (cmd.cmd === 'connect') {
    await client.connect(cmd.link)
  } else if (cmd.cmd === 'history') {
    const [ct] = await client.contacts()
    const items = await client.history(ct.contactId)
    const unacked = (await storage.read((tx) => tx.range('agent.unacked'))).length
    out({ history: items.map((i) => i.text), unacked })
  }
}
await client.close()
await storage.close()
process.exit(0)
`

interface Child {
  readonly lines: Record<string, unknown>[]
  send(cmd: Record<string, unknown>): void
  /** The first line (from the start) matching `pred`. */
  wait(pred: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>
  kill(): Promise<void>
  stop(): Promise<void>
}

let relay: TestRelay
let dir: string
let script: string

beforeAll(async () => {
  relay = await startRelay()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-no-loss-'))
  script = path.join(dir, 'receiver.mts')
  fs.writeFileSync(script, CHILD)
})
afterAll(async () => {
  await relay.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

async function startChild(db: string): Promise<Child> {
  const proc: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', script],
    { cwd: repoRoot, env: { ...process.env, NO_LOSS_DB: db, NO_LOSS_RELAY: relay.address } },
  )
  let stderr = ''
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const lines: Record<string, unknown>[] = []
  const waiters = new Set<() => void>()
  readline.createInterface({ input: proc.stdout }).on('line', (l) => {
    lines.push(JSON.parse(l) as Record<string, unknown>)
    for (const w of [...waiters]) w()
  })
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const child: Child = {
    lines,
    send: (cmd) => proc.stdin.write(`${JSON.stringify(cmd)}\n`),
    wait: (pred, ms = 15_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = lines.find(pred)
          if (hit === undefined) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve(hit)
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(
            new Error(`child: no matching line within ${ms} ms; got ${JSON.stringify(lines)}; ${stderr}`),
          )
        }, ms)
        waiters.add(check)
        check()
      }),
    async kill() {
      proc.kill('SIGKILL')
      await exited
    },
    async stop() {
      proc.stdin.end()
      await exited
    },
  }
  await child.wait((l) => l.ready === true, 30_000)
  return child
}

async function history(child: Child): Promise<{ history: string[]; unacked: number }> {
  const n = child.lines.length
  child.send({ cmd: 'history' })
  await child.wait((l) => child.lines.indexOf(l) >= n && 'history' in l)
  return child.lines.slice(n).find((x) => 'history' in x) as { history: string[]; unacked: number }
}

/** The history once the agent has stored the acknowledgements (they are batched). */
async function settledHistory(child: Child): Promise<{ history: string[]; unacked: number }> {
  for (let i = 0; ; i++) {
    const h = await history(child)
    if (h.unacked === 0 || i === 50) return h
    await new Promise((r) => setTimeout(r, 20))
  }
}

const newMessages = (c: Child): string[] =>
  c.lines.filter((l) => l.event === 'newMessage').map((l) => l.text as string)

describe('chat client: no loss when the process is killed between the agent and the chat', () => {
  it('shows a message exactly once after SIGKILL before, and after, the chat commit', async () => {
    const db = path.join(dir, 'bob.db')
    const alice: TestClient = await newClient(relay, { displayName: 'alice' })
    let bob = await startChild(db)
    const inv = await alice.createInvitation()
    const aCon = next(alice, 'contactConnected')
    bob.send({ cmd: 'connect', link: inv.link })
    const ab = (await aCon).contact
    await bob.wait((l) => l.event === 'connected')
    await alice.sendText(ab.contactId, 'before')
    await bob.wait((l) => l.event === 'newMessage' && l.text === 'before')

    // (1) killed after the agent's commit (and its relay ACK), before the chat's commit
    bob.send({ cmd: 'mode', mode: 'kill-before-chat-commit' })
    await bob.wait((l) => l.mode === 'kill-before-chat-commit')
    await alice.sendText(ab.contactId, 'in the gap')
    await bob.wait((l) => 'paused' in l)
    await bob.kill()
    expect(newMessages(bob)).toEqual(['before'])

    bob = await startChild(db)
    await bob.wait((l) => l.event === 'newMessage' && l.text === 'in the gap')
    // it came from the agent's store, emitted again after the restart
    expect(bob.lines.filter((l) => 'agentMessage' in l)).toEqual([
      { agentMessage: expect.any(Number), redelivered: true },
    ])
    await alice.sendText(ab.contactId, 'after')
    await bob.wait((l) => l.event === 'newMessage' && l.text === 'after')
    expect(await settledHistory(bob)).toEqual({ history: ['before', 'in the gap', 'after'], unacked: 0 })

    // (2) killed after the chat's commit, before its acknowledgement reached the agent's store
    bob.send({ cmd: 'mode', mode: 'kill-after-chat-commit' })
    await bob.wait((l) => l.mode === 'kill-after-chat-commit')
    await alice.sendText(ab.contactId, 'committed')
    await bob.wait((l) => l.event === 'newMessage' && l.text === 'committed')
    await bob.kill()

    bob = await startChild(db)
    // the agent emits it again; the chat skips it by its agent id and acknowledges it
    await bob.wait((l) => l.redelivered === true)
    expect(await settledHistory(bob)).toEqual({
      history: ['before', 'in the gap', 'after', 'committed'],
      unacked: 0,
    })
    expect(newMessages(bob)).toEqual([])
    await bob.stop()

    // a clean restart: nothing comes back any more
    bob = await startChild(db)
    expect(await history(bob)).toEqual({
      history: ['before', 'in the gap', 'after', 'committed'],
      unacked: 0,
    })
    expect(bob.lines.filter((l) => 'agentMessage' in l)).toEqual([])
    await bob.stop()
    await alice.close()
  }, 90_000)
})
