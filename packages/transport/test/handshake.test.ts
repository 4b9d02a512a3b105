import { fromHex, toHex } from '@simplex-ts/core'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BadSessionError,
  ConnectionClosedError,
  HandshakeIdentityError,
  HandshakeParseError,
  HandshakeVersionError,
  checkClientHello,
  clientHandshake,
  createTransport,
  decodeClientHello,
  decodeServerHello,
  encodeBlock,
  encodeClientHello,
  encodeServerHello,
  memoryChannelPair,
  negotiateClientVersion,
  serverHandshake,
} from '../src/index'

const sessionId = new Uint8Array(32).fill(7)
const keyHash = new Uint8Array(32).fill(9)

describe('hello blocks', () => {
  it('matches the observed layout (server 1–4, TLS 1.3 session id)', () => {
    const s = encodeServerHello({ versionRange: { min: 1, max: 4 }, sessionId })
    expect(toHex(s.subarray(0, 5))).toBe('0001000420')
    expect(s.length).toBe(37)
    const c = encodeClientHello({ version: 4, keyHash })
    expect(toHex(c.subarray(0, 3))).toBe('000420')
    expect(c.length).toBe(35)
  })

  it('parses strictly: a trailing byte, a short field, an inverted range are PARSE errors', () => {
    const c = encodeClientHello({ version: 4, keyHash })
    expect(() => decodeClientHello(Uint8Array.of(...c, 0))).toThrow(HandshakeParseError)
    expect(() => decodeClientHello(c.subarray(0, 34))).toThrow(HandshakeParseError)
    expect(() => decodeServerHello(fromHex('0004000100'))).toThrow(HandshakeParseError)
    expect(decodeServerHello(fromHex('0001000400')).sessionId.length).toBe(0)
  })

  it('negotiates the highest common version, checks identity before version', () => {
    expect(negotiateClientVersion({ min: 1, max: 4 }, { min: 2, max: 3 })).toBe(3)
    expect(negotiateClientVersion({ min: 1, max: 4 }, { min: 4, max: 9 })).toBe(4)
    expect(() => negotiateClientVersion({ min: 1, max: 4 }, { min: 5, max: 6 })).toThrow(
      HandshakeVersionError,
    )
    const ours = { versionRange: { min: 1, max: 4 }, keyHash }
    expect(checkClientHello({ version: 2, keyHash }, ours)).toBe(2)
    expect(() => checkClientHello({ version: 5, keyHash }, ours)).toThrow(HandshakeVersionError)
    expect(() => checkClientHello({ version: 5, keyHash: sessionId }, ours)).toThrow(HandshakeIdentityError)
  })

  it('property: hello decoders accept exactly their encodings and throw only PARSE', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        for (const [dec, enc] of [
          [decodeServerHello, encodeServerHello],
          [decodeClientHello, encodeClientHello],
        ] as const) {
          let hello: ReturnType<typeof dec>
          try {
            hello = dec(bytes)
          } catch (e) {
            expect(e).toBeInstanceOf(HandshakeParseError)
            continue
          }
          expect((enc as (h: typeof hello) => Uint8Array)(hello)).toEqual(bytes)
        }
      }),
      { numRuns: 10_000 },
    )
  })

  it('property: round trips', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ maxLength: 255 }),
        (a, b, bytes) => {
          const versionRange = { min: Math.min(a, b), max: Math.max(a, b) }
          expect(decodeServerHello(encodeServerHello({ versionRange, sessionId: bytes }))).toEqual({
            versionRange,
            sessionId: bytes,
          })
          expect(decodeClientHello(encodeClientHello({ version: a, keyHash: bytes }))).toEqual({
            version: a,
            keyHash: bytes,
          })
        },
      ),
      { numRuns: 10_000 },
    )
  })
})

describe('handshake over an in-memory channel pair', () => {
  const run = async (clientRange: { min: number; max: number }, clientKeyHash = keyHash) => {
    const [c, s] = memoryChannelPair({ sessionId })
    const server = serverHandshake(s, { keyHash, sessionId }).catch((e: unknown) => e)
    const client = await clientHandshake(c, {
      keyHash: clientKeyHash,
      versionRange: clientRange,
      sessionId,
    }).catch((e: unknown) => e)
    // a failed client closes its side, as the connect functions do
    if (client instanceof Error) await c.close()
    return { c, s, server: await server, client }
  }

  for (const v of [1, 2, 3, 4]) {
    it(`agrees on v${v} and exchanges a batch`, async () => {
      const { c, s, server, client } = await run({ min: 1, max: v })
      expect(server).toBe(v)
      expect(client).toMatchObject({ version: v, sessionId, serverVersionRange: { min: 1, max: 4 } })
      const ct = createTransport(c, {
        role: 'client',
        sessionId,
        version: v,
        keyHash,
        serverVersionRange: { min: 1, max: 4 },
      })
      const st = createTransport(s, {
        role: 'server',
        sessionId,
        version: v,
        keyHash,
        serverVersionRange: { min: 1, max: 4 },
      })
      expect(ct.batch).toBe(v >= 4)
      await ct.sendTransmissions([Uint8Array.of(1), Uint8Array.of(2, 2)])
      const it = st.transmissions()[Symbol.asyncIterator]()
      const first = await it.next()
      expect(first.value).toEqual(v >= 4 ? [Uint8Array.of(1), Uint8Array.of(2, 2)] : [Uint8Array.of(1)])
      await ct.close()
      await st.close()
    })
  }

  it('fails VERSION on the client when ranges do not overlap; the server sees the close', async () => {
    const { server, client } = await run({ min: 5, max: 6 })
    expect(client).toBeInstanceOf(HandshakeVersionError)
    expect(server).toBeInstanceOf(ConnectionClosedError)
  })

  it('fails IDENTITY on the server for a wrong key hash', async () => {
    const { server } = await run({ min: 1, max: 4 }, sessionId)
    expect(server).toBeInstanceOf(HandshakeIdentityError)
  })

  it('fails SESSION on the client when the server hello carries another session id', async () => {
    const [c, s] = memoryChannelPair()
    await s.sendBlock(encodeServerHello({ versionRange: { min: 1, max: 4 }, sessionId: keyHash }))
    await expect(clientHandshake(c, { keyHash, sessionId })).rejects.toBeInstanceOf(BadSessionError)
  })

  it('fails PARSE on garbage and ends with CLOSED on EOF', async () => {
    const [c, s] = memoryChannelPair()
    const garbage = encodeBlock(new Uint8Array(100).fill(0xee))
    await s.sendBlock(garbage.subarray(0, 200))
    await expect(clientHandshake(c, { keyHash })).rejects.toBeInstanceOf(HandshakeParseError)
    const [c2, s2] = memoryChannelPair()
    await s2.close()
    await expect(clientHandshake(c2, { keyHash })).rejects.toBeInstanceOf(ConnectionClosedError)
  })
})
