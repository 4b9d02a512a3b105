// Memory per idle subscribed queue: create N queues over one TLS connection
// (each NEW subscribes its creator; each queue is then SUBscribed again, so
// its verified key is cached), then compare the relay's heap + array
// buffer usage before and after. Run:
//   node --expose-gc --conditions=source --import tsx packages/smp-server/bench/memory.ts [N]
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { generateServerCredentials } from '@simplex-ts/transport/node'
import { startServer } from '../src/server'
import { RawClient, crypto } from '../test/client'

const N = Number(process.argv[2] ?? 20000)
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')

function used(): { js: number; rss: number } {
  gc!()
  gc!()
  const m = process.memoryUsage()
  return { js: m.heapUsed + m.arrayBuffers, rss: m.rss }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smp-mem-'))
const server = await startServer({
  credentials: generateServerCredentials({ alg: 'ed25519' }),
  port: 0,
  storeDir: dir,
  durability: 'write',
})
const c = await RawClient.connect(server)
const rKey = crypto.generateSignKeyPair('ed25519')
const dh = crypto.generateDhKeyPair('x25519')
const newCmd = {
  command: {
    type: 'NEW' as const,
    rcvAuthKey: { alg: 'ed25519' as const, publicKey: rKey.publicKey },
    rcvDhKey: { alg: 'x25519' as const, publicKey: dh.publicKey },
  },
  key: rKey,
}
// warm up code paths and the connection
for (let i = 0; i < 200; i++) await c.call(newCmd)
const before = used()
const t0 = performance.now()
for (let done = 0; done < N; ) {
  const n = Math.min(100, N - done)
  await c.send(...Array.from({ length: n }, () => newCmd))
  const rids: Uint8Array[] = []
  for (let i = 0; i < n; i++) {
    const r = await c.next(30_000)
    if (r.command.type !== 'IDS') throw new Error(JSON.stringify(r.command))
    rids.push(r.command.rcvId)
  }
  // SUB again, as a reconnecting client does: the relay then also holds the verified key
  await c.send(...rids.map((entityId) => ({ entityId, command: { type: 'SUB' as const }, key: rKey })))
  for (let i = 0; i < n; i++) {
    const r = await c.next(30_000)
    if (r.command.type !== 'OK') throw new Error(JSON.stringify(r.command))
  }
  done += n
}
const ms = performance.now() - t0
const after = used()
const perQueue = (after.js - before.js) / N
const rssPerQueue = (after.rss - before.rss) / N
console.log('| queues | subscribed | JS heap + buffers per queue | RSS per queue | target | NEW+SUB rate |')
console.log('|---|---|---|---|---|---|')
console.log(
  `| ${N} | ${server.relay.broker.subscriptionCount} | ${perQueue.toFixed(0)} B (${(perQueue / 4096).toFixed(2)}×) | ${rssPerQueue.toFixed(0)} B (${(rssPerQueue / 4096).toFixed(2)}×) | 4096 B | ${((N / ms) * 1000).toFixed(0)}/s |`,
)
await c.close()
await server.close()
fs.rmSync(dir, { recursive: true, force: true })
