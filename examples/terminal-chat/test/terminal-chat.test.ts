// terminal-chat driven as a user would, through stdin/stdout of child processes: two chats
// through one relay connect with /c and /c <link>, exchange a message and a quoted reply, edit
// and delete; errors read well and change nothing; a restart on the same SQLite store keeps the
// profile, the contact and the history; the first-run profile prompt and the embedded relay.
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
const main = path.join(root, 'examples/terminal-chat/src/main.ts')

class Chat {
  readonly lines: string[] = []
  readonly child: ChildProcessWithoutNullStreams
  readonly #waiters = new Set<() => void>()
  #seen = 0
  stderr = ''

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main, ...args], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    })
    readline.createInterface({ input: this.child.stdout }).on('line', (l) => {
      this.lines.push(l)
      for (const w of this.#waiters) w()
    })
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString()
    })
  }

  type(line: string): void {
    this.child.stdin.write(`${line}\n`)
  }

  /** The next line (after the last one returned) matching `re`. */
  line(re: RegExp, ms = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.lines.findIndex((x, j) => j >= this.#seen && re.test(x))
        if (i < 0) return
        this.#seen = i + 1
        clearTimeout(timer)
        this.#waiters.delete(check)
        resolve(this.lines[i] as string)
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(check)
        reject(new Error(`no line ${re} within ${ms} ms; got:\n${this.lines.join('\n')}\n${this.stderr}`))
      }, ms)
      this.#waiters.add(check)
      check()
    })
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode)
    return new Promise((r) => this.child.once('exit', (code) => r(code)))
  }
}

let relay: RunningServer
let dir: string
const chats: Chat[] = []
function chat(args: string[]): Chat {
  const c = new Chat(args)
  chats.push(c)
  return c
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'terminal-chat-'))
  relay = await startServer({
    credentials: generateServerCredentials({ alg: 'ed25519' }),
    host: '127.0.0.1',
    bindHost: '127.0.0.1',
    port: 0,
  })
})
afterAll(async () => {
  for (const c of chats) if (c.child.exitCode === null) c.child.kill('SIGKILL')
  await relay.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

it('two chats connect by invitation, talk, reply, edit and delete; errors are readable; a restart keeps everything', async () => {
  const aliceDb = path.join(dir, 'alice.db')
  let alice = chat(['--store', aliceDb, '--server', relay.address, '--name', 'alice'])
  const bob = chat(['--store', path.join(dir, 'bob.db'), '--server', relay.address, '--name', 'bob'])
  await Promise.all([alice.line(/^Type \/help for usage info/), bob.line(/^Type \/help for usage info/)])
  expect(alice.lines).toContain('Current user: alice')

  alice.type('/help')
  await alice.line(/^Using the simplex-ts terminal chat$/)
  await alice.line(/^\s+`?\/quit/)

  alice.type('/c')
  await alice.line(/^pass this invitation link to your contact/)
  const link = await alice.line(/^https:\/\/simplex\.chat\/invitation#\/\?/)
  bob.type(`/c ${link}`)
  await bob.line(/^confirmation sent!$/)
  await Promise.all([alice.line(/^bob: contact is connected$/), bob.line(/^alice: contact is connected$/)])

  alice.type('@bob hello, Bob')
  expect(await alice.line(/@bob hello/)).toMatch(/^\d\d:\d\d @bob hello, Bob$/)
  expect(await bob.line(/alice> /)).toMatch(/^\d\d:\d\d alice> hello, Bob$/)

  // a quoted reply: the quote on the first line, the reply indented below
  bob.type('> @alice (hello) hi Alice!')
  expect(await alice.line(/bob> /)).toMatch(/^\d\d:\d\d bob> > hello, Bob$/)
  expect(await alice.line(/hi Alice!/)).toBe('      hi Alice!')
  // text without a command goes to the active contact (the last one in the conversation)
  alice.type('how are you?')
  expect(await bob.line(/alice> how/)).toMatch(/alice> how are you\?$/)

  // edit and delete own messages by their beginning
  alice.type('! @bob (how) how are you doing?')
  await alice.line(/^message updated$/)
  expect(await bob.line(/alice> \[edited\]/)).toMatch(/alice> \[edited\] how are you doing\?$/)
  alice.type('\\ @bob how')
  await alice.line(/^message deleted$/)
  await bob.line(/alice> \[deleted\] how are you doing\?$/)

  // errors are one readable line each, and the chat goes on
  alice.type('@carol hi')
  await alice.line(/^no contact carol$/)
  alice.type('/c https://example.com/not-a-link')
  await alice.line(/^Connection link is invalid\.$/)
  alice.type('/frobnicate')
  await alice.line(/^bad chat command: unknown command \/frobnicate$/)
  alice.type('> @bob (no such text) reply')
  await alice.line(/^message not found - reply is not sent$/)
  alice.type('/sa')
  await alice.line(/^no chat address, to create: \/ad$/)
  alice.type('/cs')
  await alice.line(/^bob$/)

  // quit, and start again on the same store: same profile, contact and history
  alice.type('/q')
  expect(await alice.exited()).toBe(0)
  bob.type('@alice are you there?')
  alice = chat(['--store', aliceDb, '--server', relay.address])
  await alice.line(/^Current user: alice$/)
  await alice.line(/^1 contact connected/)
  await alice.line(/bob> are you there\?$/)
  alice.type('/tail @bob 3')
  await alice.line(/bob> > hello, Bob$/)
  await alice.line(/^\d\d:\d\d @bob \[deleted\] $/)
  await alice.line(/bob> are you there\?$/)
  alice.child.stdin.end() // Ctrl-D
  expect(await alice.exited()).toBe(0)
  bob.type('/quit')
  expect(await bob.exited()).toBe(0)
}, 60_000)

it('asks for a profile on first run and starts an embedded relay without --server', async () => {
  const store = path.join(dir, 'carol.db')
  const carol = chat(['--store', store, '--relay-port', '0'])
  await carol.line(/^started an embedded relay smp:\/\//)
  await carol.line(/^No user profiles found/)
  carol.type('carol smith') // refused: a display name has no spaces
  carol.type('carol')
  carol.type('Carol Smith')
  await carol.line(/^Current user: carol \(Carol Smith\)$/)
  expect(carol.lines.some((l) => l.includes('display name has space(s)'))).toBe(true)
  carol.type('/ad')
  await carol.line(/^Your new chat address is created!$/)
  await carol.line(/^https:\/\/simplex\.chat\/contact#\/\?/)
  carol.type('/p carol_s Carol S.')
  await carol.line(/^user profile is changed to carol_s \(Carol S\.\) \(your contacts are notified\)$/)
  carol.type('/q')
  expect(await carol.exited()).toBe(0)
  expect(fs.existsSync(`${store}.relay/smp-server.ini`)).toBe(true)
})

it('refuses bad options with the usage', async () => {
  const c = chat(['--server', 'smp://nope'])
  expect(await c.exited()).toBe(2)
  expect(c.stderr).toMatch(/missing --store <file>|--server: expected smp:\/\//)
  expect(c.stderr).toMatch(/usage: pnpm terminal-chat --store <file>/)
})
