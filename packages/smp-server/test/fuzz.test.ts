// The relay answers any bytes with SMP errors and keeps serving: random
// transmissions, random batches and random blocks over an in-memory transport.
import { defaultCrypto } from '@simplex-ts/core'
import { encodeCommandTransmission, parseResponseTransmission } from '@simplex-ts/smp'
import { type Transport, createTransport, memoryChannelPair } from '@simplex-ts/transport'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Broker } from '../src/broker'
import { ServerStore } from '../src/persistence'
import { Relay } from '../src/relay'

const crypto = defaultCrypto()
const sessionId = new Uint8Array(32).fill(7)

function pair(version: number): { client: Transport; relay: Relay } {
  const [a, b] = memoryChannelPair({ sessionId })
  const info = { sessionId, version, keyHash: new Uint8Array(32), serverVersionRange: { min: 1, max: 4 } }
  const relay = new Relay(new Broker(ServerStore.open(), { crypto }), { crypto })
  void relay.serve(createTransport(b, { role: 'server', ...info }))
  return { client: createTransport(a, { role: 'client', ...info }), relay }
}

async function answers(client: Transport, version: number, n: number) {
  const out = []
  const it = client.transmissions()[Symbol.asyncIterator]()
  while (out.length < n) {
    const r = await it.next()
    if (r.done) throw new Error('connection closed')
    for (const t of r.value) {
      if (t instanceof Error) throw t
      const p = parseResponseTransmission(t, { sessionId, version: version as 1 | 2 | 3 | 4 })
      if (!p.ok) throw p.error
      out.push(p.command)
    }
  }
  return out
}

describe('relay robustness', () => {
  it('answers random transmissions with ERR and still answers PING (v4 and v1)', async () => {
    for (const version of [4, 1]) {
      const { client } = pair(version)
      const ping = encodeCommandTransmission(
        sessionId,
        { corrId: new Uint8Array(1), entityId: new Uint8Array(0), command: { type: 'PING' } },
        version as 1 | 4,
      )
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              fc.uint8Array({ maxLength: 300 }),
              // plausible headers with random commands
              fc
                .tuple(
                  fc.constantFrom(0, 64),
                  fc.uint8Array({ maxLength: 40 }),
                  fc.uint8Array({ maxLength: 200 }),
                )
                .map(([sigLen, entity, cmd]) =>
                  Uint8Array.from([
                    sigLen,
                    ...new Uint8Array(sigLen),
                    32,
                    ...sessionId,
                    1,
                    65,
                    entity.length,
                    ...entity,
                    ...cmd,
                  ]),
                ),
              fc
                .constantFrom('NEW ', 'SUB', 'SEND F ', 'ACK ', 'KEY ', 'NKEY ', 'GET', 'PING', 'OK', 'DEL')
                .chain((tag) =>
                  fc
                    .uint8Array({ maxLength: 80 })
                    .map((rest) =>
                      Uint8Array.from([
                        0,
                        32,
                        ...sessionId,
                        1,
                        66,
                        24,
                        ...new Uint8Array(24),
                        ...new TextEncoder().encode(tag),
                        ...rest,
                      ]),
                    ),
                ),
            ),
            { minLength: 1, maxLength: version === 4 ? 5 : 1 },
          ),
          async (ts) => {
            await client.sendTransmissions(ts)
            const got = await answers(client, version, ts.length)
            for (const g of got) expect(['ERR', 'PONG', 'OK', 'IDS']).toContain(g.type)
          },
        ),
        { numRuns: 300 },
      )
      // random whole blocks (bad batch framing, bad lengths) get ERR BLOCK or per-item errors
      await client.sendBlock(Uint8Array.of(0))
      expect(await answers(client, version, 1)).toEqual([{ type: 'ERR', error: 'BLOCK' }])
      await client.sendTransmissions([ping])
      expect(await answers(client, version, 1)).toEqual([{ type: 'PONG' }])
      await client.close()
    }
  })
})
