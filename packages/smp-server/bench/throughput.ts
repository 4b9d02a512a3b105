// SEND → MSG → ACK throughput over TLS on 127.0.0.1, with the durability
// modes of the store: memory only, write(2) per group commit, fdatasync per
// group commit. One sender pipelines batches of SENDs (v4) over 1 or 16
// queues, one recipient connection subscribed to all ACKs every message.
// Client and relay share this process (and its core), so the figures are a
// lower bound for the relay alone. Run:
//   node --conditions=source --import tsx packages/smp-server/bench/throughput.ts [messages]
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { generateServerCredentials } from '@simplex-ts/transport/node'
import { encryptDeliveredMessage } from '@simplex-ts/smp'
import { type StartServerOptions, startServer } from '../src/server'
import { RawClient, crypto } from '../test/client'

const N = Number(process.argv[2] ?? 5000)
const BODY = new Uint8Array(1024).fill(0x61)
const credentials = generateServerCredentials({ alg: 'ed25519' })

async function run(label: string, opts: Partial<StartServerOptions>, queues = 1): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smp-tp-'))
  const server = await startServer({
    credentials,
    port: 0,
    ...opts,
    ...(opts.storeDir === '' ? { storeDir: dir } : {}),
  })
  const r = await RawClient.connect(server)
  const s = await RawClient.connect(server)
  const rKey = crypto.generateSignKeyPair('ed25519')
  const dh = crypto.generateDhKeyPair('x25519')
  const sndIds: Uint8Array[] = []
  for (let i = 0; i < queues; i++) {
    const ids = await r.call({
      command: {
        type: 'NEW',
        rcvAuthKey: { alg: 'ed25519', publicKey: rKey.publicKey },
        rcvDhKey: { alg: 'x25519', publicKey: dh.publicKey },
      },
      key: rKey,
    })
    if (ids.command.type !== 'IDS') throw new Error('NEW failed')
    sndIds.push(ids.command.sndId)
  }
  const t0 = performance.now()
  // one recipient connection subscribed to every queue ACKs each message as it comes
  const receiving = (async () => {
    let received = 0
    while (received < N) {
      const m = await r.next(60_000)
      if (m.command.type !== 'MSG') continue
      received++
      void r.send({ entityId: m.entityId, command: { type: 'ACK', msgId: m.command.msgId }, key: rKey })
    }
  })()
  let sent = 0
  let q = 0
  while (sent < N) {
    const batch = Array.from({ length: Math.min(50, N - sent) }, () => ({
      entityId: sndIds[q++ % queues]!,
      command: { type: 'SEND' as const, flags: { notification: false }, body: BODY },
    }))
    await s.send(...batch)
    let full = false
    for (let i = 0; i < batch.length; i++) {
      const a = await s.next(60_000)
      if (a.command.type === 'OK') sent++
      else if (a.command.type === 'ERR' && a.command.error === 'QUOTA') full = true
      else throw new Error(JSON.stringify(a.command))
    }
    // a queue is full (quota 128): let the recipient drain a little
    if (full) await new Promise((res) => setTimeout(res, 5))
  }
  await receiving
  const rate = (N / (performance.now() - t0)) * 1000
  await r.close()
  await s.close()
  await server.close()
  fs.rmSync(dir, { recursive: true, force: true })
  console.log(`| ${label} | ${queues} | ${N} | ${rate.toFixed(0)} msg/s |`)
  return rate
}

// the floor: what the relay must compute per message whatever its design
const secret = crypto.randomBytes(32)
const stored = { msgId: crypto.randomBytes(24), msgTs: 1, msgFlags: { notification: false }, body: BODY }
const key = crypto.generateSignKeyPair('ed25519')
const sig = crypto.sign('ed25519', key.privateKey, BODY.subarray(0, 100))
const K = 500
let t = performance.now()
for (let i = 0; i < K; i++) encryptDeliveredMessage(crypto, secret, stored, 4)
const encMs = (performance.now() - t) / K
t = performance.now()
// a fresh key copy each time: the relay imports the key on every check (equal-work verification)
for (let i = 0; i < K; i++) crypto.verify('ed25519', key.publicKey.slice(), BODY.subarray(0, 100), sig)
const verifyMs = (performance.now() - t) / K
const floor = 1000 / (encMs + verifyMs)
console.log(
  `crypto (${crypto.name}) per message: delivery encryption ${encMs.toFixed(3)} ms, ACK signature check ${verifyMs.toFixed(3)} ms`,
)
console.log(`floor (server crypto only, one core): ${floor.toFixed(0)} msg/s\n`)
console.log('| store | queues | messages (1 KB, SEND→MSG→ACK) | throughput |')
console.log('|---|---|---|---|')
await run('warm-up', {})
const mem = await run('memory only', {})
const write = await run('log, durability write', { storeDir: '', durability: 'write' })
const fsync = await run('log, durability fsync', { storeDir: '', durability: 'fsync' })
await run('memory only', {}, 16)
await run('log, durability write', { storeDir: '', durability: 'write' }, 16)
await run('log, durability fsync', { storeDir: '', durability: 'fsync' }, 16)
console.log(
  `\n1 queue vs floor: memory ${(mem / floor).toFixed(2)}, write ${(write / floor).toFixed(2)}, fsync ${(fsync / floor).toFixed(2)}`,
)
console.log(`write / memory = ${(write / mem).toFixed(2)}, fsync / memory = ${(fsync / mem).toFixed(2)}`)
