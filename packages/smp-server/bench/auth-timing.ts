// Time to answer ERR AUTH for a SUB: unknown queue, known queue with a bad
// signature, known queue signed with the other algorithm, and a valid SUB.
// The three failures should cost the same (smp.md §4.2). In-memory transport,
// batches of 100 commands, median of rounds. Run:
//   node --conditions=source --import tsx packages/smp-server/bench/auth-timing.ts
import { defaultCrypto } from '@simplex-ts/core'
import { type SmpVersion, encodeCommandTransmission } from '@simplex-ts/smp'
import { type Transport, createTransport, memoryChannelPair } from '@simplex-ts/transport'
import { Broker } from '../src/broker'
import { ServerStore } from '../src/persistence'
import { Relay } from '../src/relay'

const crypto = defaultCrypto()
const sessionId = new Uint8Array(32).fill(1)
const [a, b] = memoryChannelPair({ sessionId })
const info = { sessionId, version: 4, keyHash: new Uint8Array(32), serverVersionRange: { min: 1, max: 4 } }
const broker = new Broker(ServerStore.open(), { crypto })
void new Relay(broker, { crypto }).serve(createTransport(b, { role: 'server', ...info }))
const client: Transport = createTransport(a, { role: 'client', ...info })
const blocks = client.transmissions()[Symbol.asyncIterator]()

const rKey = crypto.generateSignKeyPair('ed25519')
const session = broker.connect(() => {})
const ids = broker.newQueue(
  session,
  new Uint8Array([
    ...[0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00],
    ...rKey.publicKey,
  ]),
  crypto.generateDhKeyPair('x25519').publicKey,
)
if (ids.type !== 'IDS') throw new Error('NEW failed')
broker.disconnect(session)
const rid = ids.recipientId

function sub(entityId: Uint8Array, key: { alg: 'ed25519' | 'ed448'; privateKey: Uint8Array }): Uint8Array {
  return encodeCommandTransmission(
    sessionId,
    { corrId: Uint8Array.of(1), entityId, command: { type: 'SUB' } },
    4 as SmpVersion,
    { crypto, key },
  )
}

const other = crypto.generateSignKeyPair('ed25519')
const ed448 = crypto.generateSignKeyPair('ed448')
const cases: [string, Uint8Array][] = [
  ['unknown queue (Ed25519 sig)', sub(crypto.randomBytes(24), other)],
  ['known queue, bad Ed25519 sig', sub(rid, other)],
  ['valid SUB (Ed25519)', sub(rid, rKey)],
  ['unknown queue (Ed448 sig)', sub(crypto.randomBytes(24), ed448)],
  ['known Ed25519 queue, Ed448 sig', sub(rid, ed448)],
]

async function round(t: Uint8Array): Promise<number> {
  const start = performance.now()
  await client.sendTransmissions(Array.from({ length: 100 }, () => t))
  let got = 0
  while (got < 100) {
    const r = await blocks.next()
    if (r.done) throw new Error('closed')
    got += r.value.length
  }
  return (performance.now() - start) / 100
}

console.log('| SUB | µs per command (median of 15 rounds of 100) |')
console.log('|---|---|')
for (const [, t] of cases) await round(t)
for (const [label, t] of cases) {
  const times: number[] = []
  for (let i = 0; i < 15; i++) times.push(await round(t))
  times.sort((x, y) => x - y)
  console.log(`| ${label} | ${(times[7]! * 1000).toFixed(0)} |`)
}
await client.close()
