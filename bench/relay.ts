/**
 * Relay benchmark: SEND → MSG → ACK throughput through our SMP relay, and its
 * memory per idle subscribed queue and across a long run of messages.
 *
 * Run: `pnpm bench:relay` (node --conditions=source --import tsx bench/relay.ts)
 *   [--durability fsync|write] [--unsigned] [--seconds N] [--cpu-prof]
 *
 * The relay runs in a child process (started with `startServer`, the store
 * folder's default configuration: store log and message log on, fsync
 * durability), so client CPU and memory never count as the relay's. The
 * clients (this process, native crypto) use the SMP client of
 * `@simplex-ts/smp`, TLS and SMP v4. Each queue is secured with its own
 * Ed25519 sender key and every SEND is signed (`--unsigned`: unsecured
 * queues, unsigned SENDs). Each queue keeps 8 messages in flight: a message
 * leaves flight when its MSG arrives (and is ACKed), and then the next SEND
 * for that queue goes out. Queues are spread over the clients as recipients;
 * each queue's 8 sending slots are spread over the clients too.
 *
 * Targets are twice the reference relay v3.1 under the same load on this
 * machine class (2 cores): ≈1,000 msgs/s with 1 queue, 1,200–1,600 with 10–100
 * queues; ≈16.5 KB per subscribed queue; ≈40 KB kept per delivered message.
 * Numbers are for issue notes and docs, never for assertions.
 */
import { type ChildProcess, fork } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { nativeCrypto } from '../packages/core/src/crypto/native'
import type { KeyPair, SignAlg } from '../packages/core/src/index'
import type { SmpClient, SmpQueue } from '../packages/smp/src/index'
import { createSmpClient } from '../packages/smp/src/client/node'
import type { startServer as StartServer } from '../packages/smp-server/src/index'
import {
  generateServerCredentials,
  loadServerCredentials,
  writeServerCredentials,
} from '../packages/transport/src/node'

const crypto = nativeCrypto
const IN_FLIGHT = 8

// --- the relay child ---

interface MemReport {
  readonly rss: number
  readonly heapUsed: number
  readonly external: number
  readonly arrayBuffers: number
}

type ToChild = { type: 'mem'; id: number } | { type: 'stop' }
type FromChild = { type: 'ready'; address: string } | { type: 'mem'; id: number; mem: MemReport }

async function relayChild(dir: string, durability: 'fsync' | 'write' | 'memory'): Promise<void> {
  const credentials = await loadServerCredentials(dir)
  // BENCH_RELAY_MODULE: measure another build of the relay (a path to a module exporting startServer)
  const modulePath = process.env.BENCH_RELAY_MODULE ?? '../packages/smp-server/src/index'
  const { startServer } = (await import(modulePath)) as { startServer: typeof StartServer }
  const server = await startServer({
    credentials,
    host: '127.0.0.1',
    bindHost: '127.0.0.1',
    port: 0,
    ...(durability === 'memory' ? {} : { storeDir: dir, durability }),
    crypto,
  })
  const send = (m: FromChild): void => void process.send?.(m)
  const gc = (globalThis as { gc?: () => void }).gc
  process.on('message', (m: ToChild) => {
    if (m.type === 'mem') {
      // a few full collections, with turns of the event loop between them for finalizers
      const collect = async (): Promise<void> => {
        for (let i = 0; i < 3; i++) {
          gc?.()
          await new Promise((r) => setTimeout(r, 20))
        }
        const u = process.memoryUsage()
        send({
          type: 'mem',
          id: m.id,
          mem: { rss: u.rss, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers },
        })
      }
      void collect()
    } else if (m.type === 'stop') {
      void server.close().then(() => process.exit(0))
    }
  })
  send({ type: 'ready', address: server.address })
}

// --- the driver ---

class Relay {
  readonly child: ChildProcess
  readonly address: string
  #id = 0

  private constructor(child: ChildProcess, address: string) {
    this.child = child
    this.address = address
  }

  static async start(dir: string, durability: string, profile: boolean): Promise<Relay> {
    const self = fileURLToPath(import.meta.url)
    const child = fork(self, ['--relay', dir, durability], {
      execArgv: [
        '--expose-gc',
        '--conditions=source',
        '--import',
        'tsx',
        ...(profile
          ? ['--cpu-prof', `--cpu-prof-dir=${path.join(process.cwd(), '.tmp', 'relay-prof')}`]
          : []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const address = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)))
      child.on('message', (m: FromChild) => {
        if (m.type === 'ready') resolve(m.address)
      })
    })
    return new Relay(child, address)
  }

  /** The relay's memory after full collections. */
  mem(): Promise<MemReport> {
    const id = this.#id++
    return new Promise((resolve) => {
      const on = (m: FromChild): void => {
        if (m.type === 'mem' && m.id === id) {
          this.child.off('message', on)
          resolve(m.mem)
        }
      }
      this.child.on('message', on)
      this.child.send({ type: 'mem', id } satisfies ToChild)
    })
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r))
    this.child.send({ type: 'stop' } satisfies ToChild)
    await exited
  }
}

interface Load {
  readonly clients: SmpClient[]
  readonly queues: SmpQueue[]
  readonly senderKeys: (KeyPair<SignAlg> | undefined)[]
}

async function inChunks<T>(n: number, chunk: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < n; i += chunk) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(chunk, n - i) }, (_, k) => f(i + k)))))
  }
  return out
}

async function connectClients(address: string, clients: number): Promise<SmpClient[]> {
  return Promise.all(
    Array.from({ length: clients }, () =>
      createSmpClient({ server: address, crypto, responseTimeoutMs: 60_000, connectTimeoutMs: 30_000 }),
    ),
  )
}

async function createQueues(cs: SmpClient[], queues: number, signed: boolean): Promise<Load> {
  const clients = cs.length
  const qs = await inChunks(queues, 500, (i) => cs[i % clients]!.createQueue())
  const senderKeys = qs.map(() => (signed ? crypto.generateSignKeyPair('ed25519') : undefined))
  if (signed) await inChunks(queues, 500, (i) => cs[i % clients]!.secureQueue(qs[i]!, senderKeys[i]!))
  return { clients: cs, queues: qs, senderKeys }
}

async function setup(address: string, clients: number, queues: number, signed: boolean): Promise<Load> {
  return createQueues(await connectClients(address, clients), queues, signed)
}

async function teardown(load: Load): Promise<void> {
  const n = load.clients.length
  await inChunks(load.queues.length, 500, (i) => load.clients[i % n]!.delete(load.queues[i]!))
  await Promise.all(load.clients.map((c) => c.close()))
}

/**
 * Drive SEND → MSG → ACK with 8 messages in flight per queue; count deliveries
 * in the measured window (after `warmupMs`), or until `total` deliveries.
 */
async function drive(
  load: Load,
  bodySize: number,
  opts: { relayPid: number; warmupMs: number; measureMs?: number; total?: number },
): Promise<{ rate: number; delivered: number; cpu: { relay: number; client: number } }> {
  const { clients, queues, senderKeys } = load
  const n = clients.length
  const body = crypto.randomBytes(bodySize)
  const index = new Map<string, number>()
  for (const [i, q] of queues.entries()) index.set(Buffer.from(q.rcvId).toString('latin1'), i)
  const slot = new Array<number>(queues.length).fill(0)
  let running = true
  let counting = false
  let delivered = 0
  let total = 0
  let inFlight = 0
  let failure: unknown
  let done: (() => void) | undefined
  const sendNext = (i: number): void => {
    const from = clients[(i + slot[i]!++) % n]!
    const key = senderKeys[i]
    inFlight++
    from.send(queues[i]!.sndId, body, key ? { signKey: key } : {}).catch((e: unknown) => {
      failure ??= e
    })
  }
  const offs = clients.map((c) =>
    c.on('message', (e) => {
      const i = index.get(Buffer.from(e.rcvId).toString('latin1'))
      if (i === undefined) return
      inFlight--
      total++
      if (counting) delivered++
      c.ack(e.queue, e.message.msgId).catch((err: unknown) => {
        failure ??= err
      })
      if (opts.total !== undefined && total >= opts.total) running = false
      if (running) sendNext(i)
      else if (inFlight === 0) done?.()
    }),
  )
  for (let i = 0; i < queues.length; i++) for (let s = 0; s < IN_FLIGHT; s++) sendNext(i)
  await sleep(opts.warmupMs)
  counting = true
  const t0 = performance.now()
  const cpu0 = { relay: cpuSeconds(opts.relayPid), client: cpuSeconds(process.pid) }
  if (opts.measureMs !== undefined) {
    await sleep(opts.measureMs)
    running = false
  } else {
    while (running && failure === undefined) await sleep(50)
  }
  const elapsed = (performance.now() - t0) / 1000
  const cpu = {
    relay: (cpuSeconds(opts.relayPid) - cpu0.relay) / elapsed,
    client: (cpuSeconds(process.pid) - cpu0.client) / elapsed,
  }
  counting = false
  const measured = delivered
  await Promise.race([new Promise<void>((r) => (done = r)), sleep(30_000)])
  for (const off of offs) off()
  if (failure !== undefined) throw failure
  return { rate: measured / elapsed, delivered: measured, cpu }
}

/**
 * The native-crypto floor per delivered message, in µs: what the relay must
 * compute (verify the signed SEND and ACK, seal the 16 KB padded body for the
 * recipient) and what the clients must (sign SEND and ACK, open the body),
 * timed here with the same provider. TLS and everything else come on top.
 */
function cryptoFloor(signed: boolean): { relayUs: number; clientUs: number } {
  // the best of three rounds after a warm-up (wasm tiers up, the JIT settles)
  const time = (n: number, f: () => void): number => {
    for (let i = 0; i < n / 2; i++) f()
    let best = Number.POSITIVE_INFINITY
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now()
      for (let i = 0; i < n; i++) f()
      best = Math.min(best, ((performance.now() - t0) * 1000) / n)
    }
    return best
  }
  const kp = crypto.generateSignKeyPair('ed25519')
  const data = crypto.randomBytes(150)
  const sig = crypto.sign('ed25519', kp.privateKey, data)
  const verify = time(2000, () => crypto.verify('ed25519', kp.publicKey, data, sig))
  const signOne = time(2000, () => crypto.sign('ed25519', kp.privateKey, data))
  const key = crypto.randomBytes(32)
  const nonce = crypto.randomBytes(24)
  const padded = crypto.randomBytes(16_106)
  const sealed = crypto.secretbox(key, nonce, padded)
  const seal = time(1000, () => crypto.secretbox(key, nonce, padded))
  const open = time(1000, () => crypto.secretboxOpen(key, nonce, sealed))
  const signatures = signed ? 2 : 1
  return { relayUs: signatures * verify + seal, clientUs: signatures * signOne + open }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  return rows
    .map((r, i) => {
      const line = r
        .map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ')
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line
    })
    .join('\n')
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const durability = args.includes('--durability') ? args[args.indexOf('--durability') + 1]! : 'fsync'
  const signed = !args.includes('--unsigned')
  const seconds = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 3
  const profile = args.includes('--cpu-prof')
  // measured before the relay starts, on a quiet process
  const floor = cryptoFloor(signed)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-relay-'))
  await writeServerCredentials(dir, generateServerCredentials())
  const relay = await Relay.start(dir, durability, profile)
  try {
    await run(relay, { signed, seconds, args, durability, floor })
  } finally {
    if (relay.child.exitCode === null) relay.child.kill('SIGKILL')
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function run(
  relay: Relay,
  {
    signed,
    seconds,
    args,
    durability,
    floor,
  }: {
    signed: boolean
    seconds: number
    args: string[]
    durability: string
    floor: { relayUs: number; clientUs: number }
  },
): Promise<void> {
  console.log(
    `relay: child process ${relay.child.pid}, ${relay.address.replace(/@.*/, '@…')} store log + message log, durability ${durability}; ` +
      `clients: SMP v4 over TLS, native crypto, ${signed ? 'signed SENDs (Ed25519 sender keys)' : 'unsigned SENDs'}; ` +
      `${IN_FLIGHT} messages in flight per queue; ${seconds} s per row after 1 s warm-up; ${os.cpus().length} cores`,
  )
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1]!.split(',').map(Number) : undefined
  const rows: string[][] = [
    [
      'clients',
      'queues',
      'body',
      'msgs/s',
      'target',
      'ratio',
      '',
      'relay CPU',
      'client CPU',
      'relay µs/msg',
      'floor µs/msg',
      'floor msgs/s',
    ],
  ]
  // all the crypto of both sides spread perfectly over the cores, and nothing else
  const floorRate = (os.cpus().length * 1e6) / (floor.relayUs + floor.clientUs)
  const ref = (queues: number): number => (queues === 1 ? 1000 : 1500)
  const memoryOnly = args.includes('--memory-only')
  const phase = (name: string): void => {
    if (args.includes('--verbose')) console.error(`${new Date().toISOString()} ${name}`)
  }
  for (const clients of memoryOnly ? [] : [1, 10]) {
    for (const queues of [1, 10, 100]) {
      for (const body of [100, 15_000]) {
        if (only && (only[0] !== clients || only[1] !== queues || only[2] !== body)) continue
        const load = await setup(relay.address, clients, queues, signed)
        const { rate, cpu } = await drive(load, body, {
          relayPid: relay.child.pid!,
          warmupMs: 1000,
          measureMs: seconds * 1000,
        })
        await teardown(load)
        const target = 2 * ref(queues)
        const ratio = rate / target
        rows.push([
          String(clients),
          String(queues),
          `${body} B`,
          rate.toFixed(0),
          String(target),
          `${ratio.toFixed(2)}×`,
          ratio >= 1 ? 'pass' : 'FAIL',
          `${(cpu.relay * 100).toFixed(0)}%`,
          `${(cpu.client * 100).toFixed(0)}%`,
          ((cpu.relay * 1e6) / rate).toFixed(0),
          floor.relayUs.toFixed(0),
          floorRate.toFixed(0),
        ])
        process.stdout.write('.')
      }
    }
  }
  process.stdout.write('\n\n')
  console.log(
    'SEND → MSG → ACK through the relay (target = 2 × reference v3.1; 10–100 queues use 1,500 msgs/s)',
  )
  console.log(table(rows))
  console.log(
    `relay µs/msg: the relay's CPU per delivered message. floor µs/msg: the native crypto the relay cannot avoid per message ` +
      `(${signed ? '2 Ed25519 verifications' : '1 Ed25519 verification'} + 1 secretbox of the 16 KB padded body). ` +
      `floor msgs/s: both sides' unavoidable crypto (client: ${floor.clientUs.toFixed(0)} µs) spread over ${os.cpus().length} cores with nothing else running.`,
  )

  if (only) {
    await relay.stop()
    return
  }
  // memory per idle subscribed queue
  phase('idle queues')
  const before = await relay.mem()
  const idleClients = await connectClients(relay.address, 10)
  const idle = await createQueues(idleClients, 10_000, false)
  phase('idle queues created')
  const withQueues = await relay.mem()
  const perQueueRss = (withQueues.rss - before.rss) / 10_000
  const perQueueHeap =
    (withQueues.heapUsed + withQueues.external - before.heapUsed - before.external) / 10_000
  await teardown(idle)
  phase('idle queues deleted')

  // memory across 60,000 messages, and after the traffic stops
  const load = await setup(relay.address, 10, 100, signed)
  const quiet = await relay.mem()
  phase('60,000 messages')
  const { rate } = await drive(load, 100, { relayPid: relay.child.pid!, warmupMs: 0, total: 60_000 })
  phase('60,000 messages done')
  const afterTraffic = await relay.mem()
  await teardown(load)
  phase('teardown done')
  await sleep(1000)
  const settled = await relay.mem()
  await relay.stop()

  const growth = (afterTraffic.rss - quiet.rss) / 60_000
  console.log('\nRelay memory (child process, after full GC)')
  console.log(
    table([
      ['measure', '', '', 'ours', 'target', 'ratio', ''],
      [
        'per idle subscribed queue (10,000 queues, RSS)',
        '',
        '',
        kb(perQueueRss),
        '≤ 4.0 KB',
        `${(perQueueRss / 4096).toFixed(2)}×`,
        perQueueRss <= 4096 ? 'pass' : 'FAIL',
      ],
      ['  same, JS heap + external', '', '', kb(perQueueHeap), '', '', ''],
      [
        `RSS growth per message over 60,000 delivered (${rate.toFixed(0)} msgs/s)`,
        '',
        '',
        `${(growth / 1024).toFixed(2)} KB`,
        '« 40 KB',
        '',
        growth < 1024 ? 'pass' : 'FAIL',
      ],
      [
        'RSS before traffic → after 60,000 → queues deleted',
        '',
        '',
        `${mb(quiet.rss)} → ${mb(afterTraffic.rss)} → ${mb(settled.rss)}`,
        '',
        '',
        '',
      ],
      [
        'JS heap before traffic → after 60,000 → queues deleted',
        '',
        '',
        `${mb(quiet.heapUsed)} → ${mb(afterTraffic.heapUsed)} → ${mb(settled.heapUsed)}`,
        '',
        '',
        settled.heapUsed <= quiet.heapUsed * 1.1 + 1024 * 1024 ? 'pass' : 'FAIL',
      ],
    ]),
  )
}

if (process.argv[2] === '--relay') {
  const d = process.argv[4]
  void relayChild(process.argv[3]!, d === 'write' || d === 'memory' ? d : 'fsync')
} else {
  main().catch((e: unknown) => {
    console.error(e)
    process.exitCode = 1
  })
}
