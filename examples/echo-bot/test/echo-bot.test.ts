// The echo bot as a user runs it: a child process on a SQLite store with its embedded relay
// (no --server); a chat client connects through the printed address and gets its text echoed
// back; the bot restarts on the same store with the same address and carries on.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { type ChatClient, type ChatClientEvent, createChatClient } from '@simplex-ts/chat-protocol'
import { nodeConnect } from '@simplex-ts/smp/node'
import { createMemoryStorage } from '@simplex-ts/storage'
import { afterAll, beforeAll, expect, it } from 'vitest'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const main = path.join(root, 'examples/echo-bot/src/main.ts')

class BotProcess {
  readonly lines: string[] = []
  readonly child: ChildProcessWithoutNullStreams
  readonly #waiters = new Set<() => void>()
  stderr = ''

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main, ...args], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    readline.createInterface({ input: this.child.stdout }).on('line', (l) => {
      this.lines.push(l)
      for (const w of this.#waiters) w()
    })
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString()
    })
  }

  /** The first line (from the start) matching `re`, waiting for it. */
  line(re: RegExp, ms = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const l = this.lines.find((x) => re.test(x))
        if (l === undefined) return
        clearTimeout(timer)
        this.#waiters.delete(check)
        resolve(l)
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(check)
        reject(new Error(`no line ${re} within ${ms} ms; got:\n${this.lines.join('\n')}\n${this.stderr}`))
      }, ms)
      this.#waiters.add(check)
      check()
    })
  }

  /** SIGTERM and the exit code. */
  stop(): Promise<number | null> {
    const exited = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)))
    this.child.kill('SIGTERM')
    return exited
  }
}

function next<T extends ChatClientEvent['type']>(
  c: ChatClient,
  type: T,
  ms = 15_000,
): Promise<Extract<ChatClientEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms)
    const off = c.on(type, (e) => {
      clearTimeout(timer)
      off()
      resolve(e)
    })
  })
}

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'echo-bot-'))
})
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

it('prints its address, echoes a client, and keeps its address across a restart', async () => {
  const store = path.join(dir, 'bot.db')
  // any free port for the embedded relay: 5223 may be another test's
  let bot = new BotProcess(['--store', store, '--name', 'echo', '--relay-port', '0'])
  const relayLine = await bot.line(/embedded relay smp:\/\//)
  const relay = /(smp:\/\/\S+)/.exec(relayLine)?.[1] as string
  const address = await bot.line(/^simplex:\/contact#\/\?/)
  expect(address).toBe(address.trim())
  expect(fs.existsSync(`${store}.relay/smp-server.ini`)).toBe(true)

  const user = await createChatClient({
    storage: createMemoryStorage(),
    servers: [relay],
    connect: nodeConnect,
    profile: { displayName: 'carol', fullName: 'Carol' },
    retryInterval: { initialMs: 50, increaseAfterMs: 500, maxMs: 300, factor: 1.5 },
    smpClient: { reconnect: { initialDelayMs: 50, maxDelayMs: 300 } },
  })
  user.on('error', () => undefined)
  try {
    const connected = next(user, 'contactConnected')
    const welcome = next(user, 'newMessage')
    await user.connect(address)
    const { contact } = await connected
    expect(contact.profile.displayName).toBe('echo')
    expect((await welcome).item.text).toMatch(/echo bot/)
    await bot.line(/carol connected/)

    const echo = next(user, 'newMessage')
    await user.sendText(contact.contactId, 'hello, bot ✓')
    const e = await echo
    expect(e.item.text).toBe('hello, bot ✓')
    expect(e.item.content.type).toBe('text')
    await bot.line(/carol> hello, bot ✓/)
    expect(await bot.stop()).toBe(0)

    // a message sent while the bot (and its relay) is down is delivered once it is back: the
    // same store gives the same address on the same relay
    const back = next(user, 'newMessage', 30_000)
    await user.sendText(contact.contactId, 'are you back?')
    bot = new BotProcess(['--store', store])
    expect(await bot.line(/^simplex:\/contact#\/\?/)).toBe(address)
    await bot.line(/running with 1 contact/)
    expect((await back).item.text).toBe('are you back?')
    expect(await bot.stop()).toBe(0)
  } finally {
    await user.close()
    if (bot.child.exitCode === null) await bot.stop()
  }
}, 60_000)

it('refuses bad arguments with a readable message', async () => {
  const bot = new BotProcess(['--name', 'two words', '--store', path.join(dir, 'x.db')])
  const code = await new Promise<number | null>((r) => bot.child.once('exit', (c) => r(c)))
  expect(code).toBe(2)
  expect(bot.stderr).toMatch(/--name: a display name is one word without spaces/)
  expect(bot.stderr).toMatch(/usage: pnpm echo-bot --store <file>/)
})
