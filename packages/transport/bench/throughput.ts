/**
 * Loopback throughput of the transports beside the floor (the same bytes
 * written on a bare TLS socket with the same profile). Prints a table.
 * Run: node --conditions=source --import tsx packages/transport/bench/throughput.ts
 */
import * as tls from 'node:tls'
import { SMP_BLOCK_SIZE, type Transport } from '../src/index'
import {
  type ListenOptions,
  TLS_PROFILE,
  type TransportServer,
  generateServerCredentials,
  serverTlsOptions,
  tlsConnect,
  tlsListen,
  wsConnectNode,
  wsListen,
} from '../src/node'

const BLOCKS = 4000
const creds = generateServerCredentials({ alg: 'ed25519' })

async function floor(): Promise<number> {
  const server = tls.createServer(serverTlsOptions(creds, false), (s) => {
    let n = 0
    s.on('data', (c: Buffer) => {
      n += c.length
      if (n >= BLOCKS * SMP_BLOCK_SIZE) s.end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  const c = tls.connect({
    host: '127.0.0.1',
    port,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.3',
    ciphers: TLS_PROFILE.ciphersTls13,
    ecdhCurve: TLS_PROFILE.ecdhCurve,
    sigalgs: TLS_PROFILE.sigalgs,
  })
  await new Promise((r) => c.once('secureConnect', r))
  c.setNoDelay(true)
  const block = new Uint8Array(SMP_BLOCK_SIZE)
  const t0 = performance.now()
  for (let i = 0; i < BLOCKS; i++) if (!c.write(block)) await new Promise((r) => c.once('drain', r))
  await new Promise((r) => c.once('end', r))
  const ms = performance.now() - t0
  c.destroy()
  server.close()
  return ms
}

async function run(
  listen: (o: ListenOptions) => Promise<TransportServer>,
  connect: (port: number) => Promise<Transport>,
  perCall: number,
): Promise<number> {
  let done!: () => void
  const finished = new Promise<void>((r) => (done = r))
  const server = await listen({
    credentials: creds,
    host: '127.0.0.1',
    port: 0,
    onConnection: async (t) => {
      let n = 0
      for await (const _ of t.blocks()) if (++n === BLOCKS) break
      done()
    },
  })
  const client = await connect(server.port)
  const tr = new Uint8Array(perCall === 1 ? 16000 : 5000)
  const t0 = performance.now()
  for (let i = 0; i < BLOCKS; i++) {
    if (perCall === 1) await client.sendBlock(tr)
    else await client.sendTransmissions([tr, tr, tr])
  }
  await finished
  const ms = performance.now() - t0
  await client.close()
  await server.close()
  return ms
}

/** Best of three: loopback timings on a shared machine are noisy. */
async function best(f: () => Promise<number>): Promise<number> {
  let m = Number.POSITIVE_INFINITY
  for (let i = 0; i < 3; i++) m = Math.min(m, await f())
  return m
}
const tlsC = (port: number) => tlsConnect({ host: '127.0.0.1', port, keyHash: creds.keyHash })
const wsC = (port: number) => wsConnectNode({ host: '127.0.0.1', port, keyHash: creds.keyHash })
const floorMs = await best(floor)
const rows: [string, number][] = [
  ['bare TLS socket, same profile (floor)', floorMs],
  ['tlsConnect sendBlock', await best(() => run(tlsListen, tlsC, 1))],
  ['tlsConnect sendTransmissions (v4, 3 per block)', await best(() => run(tlsListen, tlsC, 3))],
  ['wsConnectNode sendBlock', await best(() => run(wsListen, wsC, 1))],
]
console.log(`${BLOCKS} blocks of ${SMP_BLOCK_SIZE} bytes over 127.0.0.1`)
console.log('| path | ms | blocks/s | MB/s | × floor |')
console.log('|---|---:|---:|---:|---:|')
for (const [name, ms] of rows) {
  const mbs = (BLOCKS * SMP_BLOCK_SIZE) / 1e6 / (ms / 1000)
  console.log(
    `| ${name} | ${ms.toFixed(0)} | ${Math.round(BLOCKS / (ms / 1000))} | ${mbs.toFixed(0)} | ${(ms / floorMs).toFixed(2)} |`,
  )
}
