/**
 * Agent benchmark, through our relay on 127.0.0.1 over TLS:
 *
 * 1. connection set-up: `createConnection` → `joinConnection` → `allowConnection` → both
 *    `connected` (v2 handshake, and v1), wall ms (median of ROUNDS) and the relay commands it took;
 * 2. end-to-end messages/s on one connection with 8 messages in flight, SQLite storage (WAL,
 *    synchronous=FULL) on both sides, 100-byte bodies, and CPU per message: of both agents in one
 *    process, then of each agent with the receiver in a process of its own (two devices on one
 *    machine); with Ed448 queue keys (the v3.1 agent's) and Ed25519 (which v3.1 relays and agents
 *    accept too), plus Ed25519 over SQLite NORMAL;
 * 3. ratchet encrypt+decrypt µs per message beside the native-crypto floor (chain HKDF + AES-GCM
 *    of the same padded size, once per side).
 *
 * Run: `pnpm bench:agent` (env BENCH_MESSAGES, BENCH_ROUNDS; BENCH_PARTS=setup,throughput,two,ratchet
 * and BENCH_SIGN=ed448,ed25519 choose what runs). Numbers are for issue notes and docs, never for
 * assertions.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import {
  type Agent,
  E2E_ENC_USER_MSG_LENGTH,
  type Ratchet,
  createAgent,
  generateE2EParams,
  initRcvRatchet,
  initSndRatchet,
  rcDecrypt,
  rcEncrypt,
  x3dhRcv,
  x3dhSnd,
} from '../packages/agent/src/index'
import { nativeCrypto } from '../packages/core/src/crypto/native'
import { type CryptoProvider, latin1 } from '../packages/core/src/index'
import { nodeConnect } from '../packages/smp/src/client/node'
import { type Storage, createMemoryStorage } from '../packages/storage/src/index'
import { openSqliteStorage } from '../packages/storage/src/sqlite'

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 3000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const IN_FLIGHT = 8

const role = process.env.BENCH_ROLE
if (role === 'bob') {
  await bobProcess()
  process.exit(0)
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-agent-'))

/** Our relay in its own process (in-memory store), so its CPU is not the agents'. */
async function startRelayProcess(): Promise<{ address: string; cpuUs(): number; close(): Promise<void> }> {
  const code = [
    `import { startServer } from ${JSON.stringify(path.resolve('packages/smp-server/src/index.ts'))}`,
    `import { generateServerCredentials } from ${JSON.stringify(path.resolve('packages/transport/src/node.ts'))}`,
    "const s = await startServer({ credentials: generateServerCredentials(), host: '127.0.0.1', bindHost: '127.0.0.1', port: 0 })",
    'console.log(s.address)',
    "process.stdin.on('end', async () => { await s.close(); process.exit(0) }); process.stdin.resume()",
  ].join('\n')
  const file = path.join(dir, 'relay.mts')
  fs.writeFileSync(file, code)
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const address = await new Promise<string>((resolve, reject) => {
    child.once('exit', () => reject(new Error('relay exited')))
    readline.createInterface({ input: child.stdout }).once('line', resolve)
  })
  return {
    address,
    cpuUs: () => processCpuUs(child.pid),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve())
        child.stdin.end()
      }),
  }
}

/** CPU time (user + system, µs) of another process, from /proc (Linux; NaN elsewhere). */
function processCpuUs(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${String(pid)}/stat`, 'latin1')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux)
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return Number.NaN
  }
}

const relay = await startRelayProcess()

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b)
  return v[Math.floor(v.length / 2)] ?? Number.NaN
}

function once<T>(agent: Agent, type: 'confirmation' | 'connected'): Promise<T> {
  return new Promise((resolve) => {
    const off = agent.on(type, (e) => {
      off()
      resolve(e as T)
    })
  })
}

async function newAgent(
  storage: Storage,
  agentVersion = 2,
  signAlg: 'ed448' | 'ed25519' = 'ed448',
): Promise<Agent> {
  return createAgent({
    storage,
    signAlg,
    servers: [relay.address],
    connect: nodeConnect,
    agentVersionRange: { min: 1, max: agentVersion },
    ...(process.env.BENCH_WINDOW === undefined ? {} : { sendWindow: Number(process.env.BENCH_WINDOW) }),
  })
}

function commands(a: Agent): number {
  return Object.values(a.stats().commands).reduce((x, y) => x + y, 0)
}

async function connect(alice: Agent, bob: Agent): Promise<{ a: string; b: string }> {
  const { connId: a, link } = await alice.createConnection()
  const conf = once<{ confId: string }>(alice, 'confirmation')
  const con = Promise.all([once(alice, 'connected'), once(bob, 'connected')])
  const b = await bob.joinConnection(link, latin1('bob'))
  await alice.allowConnection((await conf).confId, latin1('alice'))
  await con
  return { a, b }
}

/** Set-up time and relay commands, agents already running and connected to the relay. */
async function setup(v: number): Promise<{ ms: number; commands: number }> {
  const alice = await newAgent(createMemoryStorage(), v)
  const bob = await newAgent(createMemoryStorage(), v)
  await connect(alice, bob) // warm-up: TLS connections to the relay, JIT
  const times: number[] = []
  let cmds = 0
  for (let i = 0; i < ROUNDS; i++) {
    const c0 = commands(alice) + commands(bob)
    const t0 = performance.now()
    await connect(alice, bob)
    times.push(performance.now() - t0)
    cmds = commands(alice) + commands(bob) - c0
  }
  await alice.close()
  await bob.close()
  return { ms: median(times), commands: cmds }
}

/** Messages/s, and CPU µs per message of the agents (together) and of the relay. */
interface Throughput {
  readonly perSec: number
  readonly cpuUs: number
  readonly relayUs: number
}

/** {@link Throughput} with each agent's own CPU µs per message. */
interface Throughput2 extends Throughput {
  readonly senderUs: number
  readonly receiverUs: number
}

/**
 * Send MESSAGES 100-byte messages from `alice` on `connId`, keeping IN_FLIGHT sent and not yet
 * received (`onReceived` is wired to the receiver by `subscribe`); the wall time, this process's
 * CPU and the relay's CPU µs per message.
 */
async function pumpMessages(
  alice: Agent,
  connId: string,
  subscribe: (onReceived: () => void) => void,
): Promise<{ secs: number; cpu: NodeJS.CpuUsage; relayUs: number }> {
  const body = new Uint8Array(100).fill(0x61)
  const relay0 = relay.cpuUs()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let sent = 0
  let received = 0
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (sent - received < IN_FLIGHT && sent < MESSAGES) {
        sent++
        void alice.sendMessage(connId, body)
      }
    }
    subscribe(() => {
      if (++received === MESSAGES) resolve()
      else pump()
    })
    pump()
  })
  const secs = (performance.now() - t0) / 1000
  return { secs, cpu: process.cpuUsage(cpu0), relayUs: (relay.cpuUs() - relay0) / MESSAGES }
}

async function throughput(synchronous: 'full' | 'normal', signAlg: 'ed448' | 'ed25519'): Promise<Throughput> {
  const tag = `${synchronous}-${signAlg}`
  const sa = await openSqliteStorage({ path: path.join(dir, `alice-${tag}.db`), synchronous })
  const sb = await openSqliteStorage({ path: path.join(dir, `bob-${tag}.db`), synchronous })
  const alice = await newAgent(sa, 2, signAlg)
  const bob = await newAgent(sb, 2, signAlg)
  const { a } = await connect(alice, bob)
  const { secs, cpu, relayUs } = await pumpMessages(alice, a, (onReceived) => bob.on('message', onReceived))
  await alice.close()
  await bob.close()
  await sa.close()
  await sb.close()
  // CPU of this process: both agents (the relay runs in its own)
  return { perSec: MESSAGES / secs, cpuUs: (cpu.user + cpu.system) / MESSAGES, relayUs }
}

/**
 * The receiving agent in its own process (`BENCH_ROLE=bob`): joins the link read from stdin,
 * prints `connected`, one `m` per message, and its CPU time when stdin ends.
 */
async function bobProcess(): Promise<void> {
  const env = process.env
  const storage = await openSqliteStorage({
    path: env.BENCH_DB as string,
    synchronous: env.BENCH_SYNC as 'full' | 'normal',
  })
  const bob = await createAgent({
    storage,
    servers: [env.BENCH_RELAY as string],
    connect: nodeConnect,
    signAlg: env.BENCH_SIGN as 'ed448' | 'ed25519',
  })
  const lines = readline.createInterface({ input: process.stdin })
  const it = lines[Symbol.asyncIterator]()
  const link = (await it.next()).value as string
  bob.on('connected', () => process.stdout.write('connected\n'))
  let buffered = ''
  let scheduled = false
  bob.on('message', () => {
    buffered += 'm\n'
    if (scheduled) return
    scheduled = true
    setImmediate(() => {
      process.stdout.write(buffered)
      buffered = ''
      scheduled = false
    })
  })
  const cpu0 = process.cpuUsage()
  await bob.joinConnection(link, latin1('bob'))
  while (!(await it.next()).done) {}
  const cpu = process.cpuUsage(cpu0)
  await bob.close()
  await storage.close()
  process.stdout.write(`cpu ${cpu.user + cpu.system}\n`)
}

/** As {@link throughput} with the receiver in its own process (two devices on one machine). */
async function throughputTwoProcesses(
  synchronous: 'full' | 'normal',
  signAlg: 'ed448' | 'ed25519',
): Promise<Throughput2> {
  const tag = `${synchronous}-${signAlg}-2p`
  const sa = await openSqliteStorage({ path: path.join(dir, `alice-${tag}.db`), synchronous })
  const alice = await newAgent(sa, 2, signAlg)
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', fileURLToPath(import.meta.url)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        ...process.env,
        BENCH_ROLE: 'bob',
        BENCH_RELAY: relay.address,
        BENCH_DB: path.join(dir, `bob-${tag}.db`),
        BENCH_SYNC: synchronous,
        BENCH_SIGN: signAlg,
      },
    },
  )
  let onLine: (l: string) => void = () => undefined
  readline.createInterface({ input: child.stdout }).on('line', (l) => onLine(l))
  const waitLine = (pred: (l: string) => boolean): Promise<string> =>
    new Promise((resolve) => {
      onLine = (l) => {
        if (pred(l)) resolve(l)
      }
    })
  const { connId: a, link } = await alice.createConnection()
  const conf = once<{ confId: string }>(alice, 'confirmation')
  const aCon = once(alice, 'connected')
  const bCon = waitLine((l) => l === 'connected')
  child.stdin.write(`${link}\n`)
  await alice.allowConnection((await conf).confId, latin1('alice'))
  await Promise.all([aCon, bCon])
  const { secs, cpu, relayUs } = await pumpMessages(alice, a, (onReceived) => {
    onLine = (l) => {
      if (l === 'm') onReceived()
    }
  })
  const bobCpu = waitLine((l) => l.startsWith('cpu '))
  child.stdin.end()
  const bobUs = Number((await bobCpu).slice(4))
  await alice.close()
  await sa.close()
  const senderUs = cpu.user + cpu.system
  return {
    perSec: MESSAGES / secs,
    cpuUs: (senderUs + bobUs) / MESSAGES,
    relayUs,
    senderUs: senderUs / MESSAGES,
    receiverUs: bobUs / MESSAGES,
  }
}

function ratchetCost(p: CryptoProvider): { ours: number; floor: number } {
  const L = E2E_ENC_USER_MSG_LENGTH
  const plaintext = new Uint8Array(143).fill(0x61)
  const a = generateE2EParams(p, 1)
  const b = generateE2EParams(p, 1)
  let bob: Ratchet = initSndRatchet(
    p,
    a.params.key2,
    p.generateDhKeyPair('x448'),
    x3dhSnd(p, b.keyPair1, b.keyPair2, a.params),
  )
  let alice: Ratchet = initRcvRatchet(a.keyPair2, x3dhRcv(p, a.keyPair1, a.keyPair2, b.params))
  const ours = (): void => {
    const e = rcEncrypt(p, bob, L, plaintext)
    const d = rcDecrypt(p, alice, [], e.message)
    if (!d.ok) throw new Error('decrypt failed')
    bob = e.state
    alice = d.state
  }
  ours()
  const ck = p.randomBytes(32)
  const info = latin1('SimpleXChainRatchet')
  const salt = new Uint8Array(0)
  const ad = p.randomBytes(235)
  const padded = new Uint8Array(L)
  const floor = (): void => {
    const ks = p.hkdfSha512(salt, ck, info, 96)
    const sealed = p.aesGcmEncrypt(ks.subarray(32, 64), ks.subarray(64, 80), ad, padded)
    const kr = p.hkdfSha512(salt, ck, info, 96)
    p.aesGcmDecrypt(kr.subarray(32, 64), kr.subarray(64, 80), ad, sealed.ciphertext, sealed.authTag)
  }
  const samples: Record<'ours' | 'floor', number[]> = { ours: [], floor: [] }
  const deadline = performance.now() + 3000
  while (performance.now() < deadline) {
    for (const [name, op] of [
      ['ours', ours],
      ['floor', floor],
    ] as const) {
      const t0 = process.cpuUsage()
      for (let i = 0; i < 20; i++) op()
      const t = process.cpuUsage(t0)
      samples[name].push((t.user + t.system) / 20)
    }
  }
  return { ours: median(samples.ours), floor: median(samples.floor) }
}

const parts = new Set((process.env.BENCH_PARTS ?? 'setup,throughput,two,ratchet').split(','))
/** Which signature algorithms the throughput parts run (env BENCH_SIGN, e.g. `ed448`). */
const algs = (process.env.BENCH_SIGN ?? 'ed448,ed25519').split(',') as ('ed448' | 'ed25519')[]
const none = { ms: Number.NaN, commands: Number.NaN }
const v2 = parts.has('setup') ? await setup(2) : none
const v1 = parts.has('setup') ? await setup(1) : none
const noTp = { perSec: Number.NaN, cpuUs: Number.NaN, relayUs: Number.NaN }
const noTp2 = { ...noTp, senderUs: Number.NaN, receiverUs: Number.NaN }
const tp = new Map<string, Throughput>()
const tp2 = new Map<string, Throughput2>()
for (const alg of algs) {
  if (parts.has('throughput')) tp.set(`full-${alg}`, await throughput('full', alg))
  if (parts.has('throughput') && alg === 'ed25519') tp.set(`normal-${alg}`, await throughput('normal', alg))
  if (parts.has('two')) tp2.set(`full-${alg}`, await throughputTwoProcesses('full', alg))
}
const rc = parts.has('ratchet') ? ratchetCost(nativeCrypto) : { ours: Number.NaN, floor: Number.NaN }
await relay.close()
fs.rmSync(dir, { recursive: true, force: true })

const ALG = { ed448: 'Ed448', ed25519: 'Ed25519' } as const
const rows: [string, string, string, string][] = [
  ['measure', 'simplex-ts', 'target', 'reference agent v3.1'],
  ['set-up, v2 handshake (median ms)', v2.ms.toFixed(1), '≤ 60', '130–170'],
  ['relay commands per v2 set-up', String(v2.commands), '', ''],
  ['set-up, v1 handshake (median ms)', v1.ms.toFixed(1), '', ''],
  ['relay commands per v1 set-up', String(v1.commands), '', ''],
]
for (const alg of algs) {
  const full = tp.get(`full-${alg}`) ?? noTp
  rows.push(
    [
      `E2E msgs/s (1 conn, ${IN_FLIGHT} in flight, SQLite FULL, ${ALG[alg]})`,
      full.perSec.toFixed(0),
      alg === 'ed448' ? '≥ 1,000' : '',
      alg === 'ed448' ? '≈ 100' : '',
    ],
    [
      'CPU µs per message (both agents, one process)',
      full.cpuUs.toFixed(0),
      '',
      alg === 'ed448' ? '≈ 8,000' : '',
    ],
    ['relay CPU µs per message (its own process)', full.relayUs.toFixed(0), '', ''],
  )
  const normal = tp.get(`normal-${alg}`)
  if (normal !== undefined)
    rows.push(
      [`E2E msgs/s (SQLite WAL NORMAL, ${ALG[alg]})`, normal.perSec.toFixed(0), '', ''],
      ['CPU µs per message (both agents, one process)', normal.cpuUs.toFixed(0), '', ''],
      ['relay CPU µs per message', normal.relayUs.toFixed(0), '', ''],
    )
  const two = tp2.get(`full-${alg}`) ?? noTp2
  rows.push(
    [`E2E msgs/s, receiver in its own process (FULL, ${ALG[alg]})`, two.perSec.toFixed(0), '', ''],
    ['CPU µs per message: sender agent', two.senderUs.toFixed(0), '', ''],
    ['CPU µs per message: receiver agent', two.receiverUs.toFixed(0), '', ''],
    ['relay CPU µs per message', two.relayUs.toFixed(0), '', ''],
  )
}
rows.push(
  ['ratchet enc+dec µs (native)', rc.ours.toFixed(1), '', ''],
  ['floor: HKDF + AES-GCM µs (native)', rc.floor.toFixed(1), '', ''],
  ['ratchet / floor', `${(rc.ours / rc.floor).toFixed(2)}×`, '≤ 1.5×', ''],
)
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)))
const line = (r: readonly string[]): string =>
  `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`
console.log(line(rows[0]!))
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`)
for (const r of rows.slice(1)) console.log(line(r))
process.exit(0)
