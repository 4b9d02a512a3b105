// Two agent-cli processes connected through our relay (TLS on 127.0.0.1), driven line by line as
// the README shows; then one is restarted on its store file and the conversation continues.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { type RunningServer, startServer } from '@simplex-ts/smp-server'
import { generateServerCredentials } from '@simplex-ts/transport/node'
import { afterAll, beforeAll, expect, it } from 'vitest'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const cli = path.join(root, 'examples/agent-cli/src/cli.ts')
type Line = Record<string, unknown>

class Proc {
  readonly lines: Line[] = []
  readonly #waiters: { pred: (l: Line) => boolean; resolve: (l: Line) => void }[] = []
  readonly child: ChildProcessWithoutNullStreams
  #seen = 0

  constructor(store: string, server: string) {
    this.child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', cli, '--store', store, '--server', server],
      {
        cwd: root,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    )
    readline.createInterface({ input: this.child.stdout }).on('line', (text) => {
      const l = JSON.parse(text) as Line
      this.lines.push(l)
      const i = this.#waiters.findIndex((w) => w.pred(l))
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(l)
    })
    this.child.stderr.on('data', (d) => process.stderr.write(d))
  }

  send(cmd: Line): void {
    this.child.stdin.write(`${JSON.stringify(cmd)}\n`)
  }

  /** The first line from the start matching `pred` not returned before. */
  wait(pred: (l: Line) => boolean, ms = 20_000): Promise<Line> {
    const found = this.lines.slice(this.#seen).find(pred)
    if (found !== undefined) {
      this.#seen = this.lines.indexOf(found) + 1
      return Promise.resolve(found)
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching line; got ${JSON.stringify(this.lines)}`)), ms)
      this.#waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(t)
          this.#seen = this.lines.length
          resolve(l)
        },
      })
    })
  }

  async kill9(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r))
    this.child.kill('SIGKILL')
    await exited
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r))
    this.child.stdin.end()
    await exited
  }
}

const ev =
  (event: string, extra: Line = {}) =>
  (l: Line) =>
    l.event === event && Object.entries(extra).every(([k, v]) => l[k] === v)

let relay: RunningServer
let dir: string

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-cli-'))
  relay = await startServer({
    credentials: generateServerCredentials(),
    host: '127.0.0.1',
    bindHost: '127.0.0.1',
    port: 0,
  })
})
afterAll(async () => {
  await relay.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

it('connects two processes, exchanges messages, survives a restart, deletes', async () => {
  const alice = new Proc(path.join(dir, 'alice.db'), relay.address)
  let bob = new Proc(path.join(dir, 'bob.db'), relay.address)
  await Promise.all([alice.wait(ev('ready')), bob.wait(ev('ready'))])

  alice.send({ cmd: 'create' })
  const inv = await alice.wait(ev('invitation'))
  expect(inv.link).toMatch(/^https:\/\/simplex\.chat\/invitation#/)
  bob.send({ cmd: 'join', link: inv.link, info: 'bob' })
  const joined = await bob.wait(ev('joined'))
  const conf = await alice.wait(ev('confirmation', { conn: inv.conn }))
  expect(conf.info).toBe('bob')
  alice.send({ cmd: 'accept', conn: inv.conn, info: 'alice' })
  await alice.wait(ev('accepted'))
  expect((await bob.wait(ev('info'))).info).toBe('alice')
  await Promise.all([
    alice.wait(ev('connected', { conn: inv.conn })),
    bob.wait(ev('connected', { conn: joined.conn })),
  ])

  alice.send({ cmd: 'send', conn: inv.conn, text: 'hi bob ✓' })
  const sent = await alice.wait(ev('sent'))
  expect(sent.msg).toBe(4) // as the README's session shows: conf, HELLO in, HELLO out, then this
  await alice.wait(ev('delivered', { msg: sent.msg }))
  const got = await bob.wait(ev('message'))
  expect(got.text).toBe('hi bob ✓')
  expect(got.msg).toBe(4)

  // errors are reported and the tool goes on
  bob.send({ cmd: 'send', conn: 'nope', text: 'x' })
  expect((await bob.wait(ev('error'))).code).toBe('CONN NOT_FOUND')
  bob.child.stdin.write('not json\n')
  expect((await bob.wait(ev('error'))).code).toBe('CLI')

  // bob restarts on his store file and continues the conversation
  await bob.stop()
  alice.send({ cmd: 'send', conn: inv.conn, text: 'while you were away' })
  await alice.wait(ev('delivered'))
  bob = new Proc(path.join(dir, 'bob.db'), relay.address)
  expect((await bob.wait(ev('message'))).text).toBe('while you were away')
  bob.send({ cmd: 'send', conn: joined.conn, text: 'back' })
  expect((await alice.wait(ev('message'))).text).toBe('back')

  alice.send({ cmd: 'delete', conn: inv.conn })
  await alice.wait(ev('deleted'))
  alice.send({ cmd: 'list' })
  expect((await alice.wait(ev('connections'))).conns).toEqual([])
  await Promise.all([alice.stop(), bob.stop()])
})

it('loses no message when the receiving process is killed with SIGKILL mid-stream', async () => {
  const alice = new Proc(path.join(dir, 'alice2.db'), relay.address)
  let bob = new Proc(path.join(dir, 'bob2.db'), relay.address)
  await Promise.all([alice.wait(ev('ready')), bob.wait(ev('ready'))])
  alice.send({ cmd: 'create' })
  const inv = await alice.wait(ev('invitation'))
  bob.send({ cmd: 'join', link: inv.link, info: 'bob' })
  await alice.wait(ev('confirmation'))
  alice.send({ cmd: 'accept', conn: inv.conn, info: 'alice' })
  await Promise.all([alice.wait(ev('connected')), bob.wait(ev('connected'))])

  const N = 100
  for (let i = 0; i < N; i++) alice.send({ cmd: 'send', conn: inv.conn, text: `m${i}` })
  // kill bob while messages are arriving
  await bob.wait(ev('message', { text: 'm5' }))
  await bob.kill9()
  const before = bob.lines.filter((l) => l.event === 'message')
  bob = new Proc(path.join(dir, 'bob2.db'), relay.address)
  await bob.wait(ev('message', { text: `m${N - 1}` }), 30_000)
  const after = bob.lines.filter((l) => l.event === 'message')
  // every message exactly once by id (a redelivered one keeps its id), in order
  const byId = new Map<unknown, unknown>()
  for (const l of [...before, ...after]) {
    if (byId.has(l.msg)) expect(byId.get(l.msg)).toBe(l.text)
    byId.set(l.msg, l.text)
  }
  expect([...byId.values()]).toEqual(Array.from({ length: N }, (_, i) => `m${i}`))
  expect(after.every((l) => l.integrity === undefined)).toBe(true)
  // a message printed again after the restart is marked so, and never printed twice in one run
  const printed = new Set(before.map((l) => l.msg))
  expect(after.filter((l) => printed.has(l.msg)).every((l) => l.redelivered === true)).toBe(true)
  expect(new Set(after.map((l) => l.msg)).size).toBe(after.length)
  await Promise.all([alice.stop(), bob.stop()])
})
