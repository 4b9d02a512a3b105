// The relay process is killed with SIGKILL in the middle of a conversation and started again on the
// same store: every message the relay accepted (a `delivered` event) reaches the other side, every
// message queued meanwhile goes out after the restart, in order, none twice.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import * as readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { MessageEvent } from '../src/events'
import { connectPair, newAgent, next, str, text } from './agent-helpers'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const serverCli = path.join(root, 'packages/smp-server/src/cli.ts')
const nodeArgs = ['--conditions=source', '--import', 'tsx', serverCli]
let dir: string
let address: string
let child: ChildProcess | undefined

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

async function startRelayProcess(): Promise<void> {
  const c = spawn(process.execPath, [...nodeArgs, 'start', '--store-dir', dir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  child = c
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('relay did not start')), 20_000)
    readline.createInterface({ input: c.stdout as NodeJS.ReadableStream }).on('line', (l) => {
      if (l.startsWith('smp-server smp://')) {
        clearTimeout(t)
        resolve()
      }
    })
  })
}

async function kill9(): Promise<void> {
  const c = child
  if (c === undefined) return
  const exited = new Promise((r) => c.once('exit', r))
  c.kill('SIGKILL')
  await exited
  child = undefined
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-kill-'))
  const port = await freePort()
  const out = execFileSync(
    process.execPath,
    [...nodeArgs, 'init', '--store-dir', dir, '--host', '127.0.0.1', '--port', String(port)],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
  address = out.trim().split('\n').at(-1) as string
  // survive kill -9 without the cost of fsync per command
  const ini = path.join(dir, 'smp-server.ini')
  fs.writeFileSync(ini, fs.readFileSync(ini, 'utf8').replace(/durability:\s*\w+/, 'durability: write'))
  await startRelayProcess()
}, 60_000)

afterAll(async () => {
  await kill9()
  fs.rmSync(dir, { recursive: true, force: true })
})

it('loses nothing the relay accepted when it is killed with SIGKILL mid-conversation', async () => {
  const alice = await newAgent([address])
  const bob = await newAgent([address])
  const { a, b } = await connectPair(alice, bob)
  const N = 60
  const toBob: MessageEvent[] = []
  const toAlice: MessageEvent[] = []
  // a message whose ACK died with the relay comes again, flagged and with its old id: skip those
  bob.on('message', (e) => {
    if (e.redelivered !== true) toBob.push(e)
  })
  alice.on('message', (e) => {
    if (e.redelivered !== true) toAlice.push(e)
  })
  const delivered = new Set<number>()
  alice.on('delivered', (e) => delivered.add(e.msgId))

  const ids: number[] = []
  for (let i = 0; i < N; i++) {
    ids.push(await alice.sendMessage(a, text(`m${i}`)))
    await bob.sendMessage(b, text(`r${i}`))
    if (i === N / 2) {
      await kill9()
      // messages keep being queued while the relay is gone
    }
    if (i === N / 2 + 10) {
      const up = next(alice, 'up', () => true, 30_000)
      await startRelayProcess()
      await up
    }
  }
  const deadline = Date.now() + 30_000
  while ((toBob.length < N || toAlice.length < N) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100))
  expect(toBob.map((e) => str(e.body))).toEqual(Array.from({ length: N }, (_, i) => `m${i}`))
  expect(toAlice.map((e) => str(e.body))).toEqual(Array.from({ length: N }, (_, i) => `r${i}`))
  expect(toBob.every((e) => e.integrity === null)).toBe(true)
  expect(ids.every((id) => delivered.has(id))).toBe(true)
  await alice.close()
  await bob.close()
}, 90_000)
