import {
  CBDecryptError,
  CryptoLargeMsgError,
  DecodeError,
  Decoder,
  Encoder,
  base64urlEncode,
  decodeAll,
  encodePublicKey,
  nobleCrypto,
} from '@simplex-ts/core'
import { nativeCrypto } from '@simplex-ts/core/native'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type ClientMessage,
  type SmpQueueUri,
  decodeClientMessage,
  decodeClientMsgEnvelope,
  decodeNMsgMeta,
  decodePubHeader,
  decodeRcvMsgBody,
  decodeSmpServer,
  decryptDeliveredMessage,
  decryptNMsgMeta,
  encodeClientMessage,
  encodeClientMsgEnvelope,
  encodeNMsgMeta,
  encodeRcvMsgBody,
  encodeSmpServer,
  encryptDeliveredMessage,
  encryptNMsgMeta,
  formatQueueUri,
  formatSmpServer,
  openClientMessage,
  parseQueueUri,
  parseSmpServer,
  parseSrvLoc,
  sealClientMessage,
} from '../src/index'
import { RUNS, bytesArb, dhKeyArb, flagsArb, smpServerArb, verifyKeyArb, versionArb } from './arbitraries'

const tsArb = fc.integer({ min: -(2 ** 40), max: 2 ** 40 })

/** Accept a decoder's value or its typed error; anything else fails the property. */
function onlyDecodeErrors(f: () => unknown): void {
  try {
    f()
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e
  }
}

describe('delivered body (decodeRcvMsgBody)', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(tsArb, flagsArb, bytesArb(200), (msgTs, msgFlags, body) => {
        expect(decodeRcvMsgBody(encodeRcvMsgBody({ msgTs, msgFlags, body }))).toEqual({
          msgTs,
          msgFlags,
          body,
        })
      }),
      RUNS,
    )
  })
  it('reads any bytes or throws DecodeError', () => {
    fc.assert(
      fc.property(bytesArb(40), (b) => onlyDecodeErrors(() => decodeRcvMsgBody(b))),
      RUNS,
    )
  })
  it('decryption of arbitrary bytes fails only with the typed crypto errors', () => {
    const secret = new Uint8Array(32).fill(9)
    fc.assert(
      fc.property(bytesArb(24, 1), bytesArb(64), versionArb, (msgId, encBody, v) => {
        const msg = { msgId, msgTs: 0, msgFlags: { notification: false }, encBody }
        expect(() => decryptDeliveredMessage(nobleCrypto, secret, msg, v)).toThrow(CBDecryptError)
      }),
      RUNS,
    )
  })
  it('server encryption and client decryption agree at every version (both providers)', () => {
    fc.assert(
      fc.property(
        bytesArb(32, 32),
        bytesArb(30, 1),
        tsArb,
        flagsArb,
        bytesArb(100),
        versionArb,
        (s, id, ts, f, b, v) => {
          const stored = { msgId: id, msgTs: ts, msgFlags: f, body: b }
          const res = encryptDeliveredMessage(nativeCrypto, s, stored, v)
          expect(res.encBody).toHaveLength(v <= 2 ? 16106 : 16122)
          const got = decryptDeliveredMessage(nobleCrypto, s, res, v)
          expect(got.body).toEqual(b)
          expect(got.msgTs).toBe(ts)
          expect(got.msgFlags).toEqual(f)
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('notification metadata (decodeNMsgMeta)', () => {
  it('round-trips, with or without trailing bytes', () => {
    fc.assert(
      fc.property(bytesArb(255), tsArb, bytesArb(20), (msgId, msgTs, extra) => {
        const enc = encodeNMsgMeta({ msgId, msgTs })
        expect(decodeNMsgMeta(Uint8Array.from([...enc, ...extra]))).toEqual({ msgId, msgTs })
      }),
      RUNS,
    )
  })
  it('reads any bytes or throws DecodeError', () => {
    fc.assert(
      fc.property(bytesArb(60), (b) => onlyDecodeErrors(() => decodeNMsgMeta(b))),
      RUNS,
    )
  })
  it('encrypts to 144 bytes and decrypts back', () => {
    fc.assert(
      fc.property(bytesArb(32, 32), bytesArb(24, 24), bytesArb(24), tsArb, (s, n, msgId, msgTs) => {
        const enc = encryptNMsgMeta(nativeCrypto, s, n, { msgId, msgTs })
        expect(enc).toHaveLength(144)
        expect(decryptNMsgMeta(nobleCrypto, s, n, enc)).toEqual({ msgId, msgTs })
      }),
      { numRuns: 500 },
    )
  })
  it('decryption of arbitrary bytes fails only with typed errors', () => {
    fc.assert(
      fc.property(bytesArb(200), (b) => {
        try {
          decryptNMsgMeta(nobleCrypto, new Uint8Array(32), new Uint8Array(24), b)
        } catch (e) {
          if (!(e instanceof CBDecryptError || e instanceof CryptoLargeMsgError || e instanceof DecodeError))
            throw e
        }
      }),
      RUNS,
    )
  })
})

const privHeaderArb = fc.oneof(
  fc.constant({ type: 'empty' as const }),
  verifyKeyArb.map((senderKey) => ({ type: 'confirmation' as const, senderKey })),
)
const clientMessageArb: fc.Arbitrary<ClientMessage> = fc.record({
  privHeader: privHeaderArb,
  body: bytesArb(100),
})

describe('client message envelope', () => {
  it('ClientMessage round-trips', () => {
    fc.assert(
      fc.property(clientMessageArb, (cm) => {
        expect(decodeClientMessage(encodeClientMessage(cm))).toEqual(cm)
      }),
      RUNS,
    )
  })
  it('ClientMsgEnvelope round-trips', () => {
    const arb = fc.record({
      header: fc.oneof(
        fc.integer({ min: 0, max: 0xffff }).map((version) => ({ version })),
        fc.record({ version: fc.integer({ min: 0, max: 0xffff }), e2ePubDhKey: dhKeyArb }),
      ),
      nonce: bytesArb(24, 24),
      encBody: bytesArb(100),
    })
    fc.assert(
      fc.property(arb, (env) => {
        expect(decodeClientMsgEnvelope(encodeClientMsgEnvelope(env))).toEqual(env)
      }),
      RUNS,
    )
  })
  it('the decoders read any bytes or throw DecodeError', () => {
    fc.assert(
      fc.property(bytesArb(120), (b) => {
        onlyDecodeErrors(() => decodeClientMessage(b))
        onlyDecodeErrors(() => decodeClientMsgEnvelope(b))
        onlyDecodeErrors(() => decodePubHeader(new Decoder(b)))
      }),
      RUNS,
    )
  })
  it('seal and open agree (confirmation and message sizes)', () => {
    fc.assert(
      fc.property(
        bytesArb(32, 32),
        fc.option(dhKeyArb, { nil: undefined }),
        clientMessageArb,
        (s, k, message) => {
          const body = sealClientMessage(nativeCrypto, { e2eDhSecret: s, e2ePubDhKey: k, message })
          expect(body).toHaveLength(k === undefined ? 16075 : 16024)
          expect(openClientMessage(nobleCrypto, s, decodeClientMsgEnvelope(body))).toEqual(message)
        },
      ),
      { numRuns: 200 },
    )
  })
})

const queueUriArb: fc.Arbitrary<SmpQueueUri> = fc.record({
  smpServer: smpServerArb,
  senderId: bytesArb(30, 1),
  clientVRange: fc.constant({ min: 1, max: 1 }),
  dhPublicKey: dhKeyArb,
})

describe('server addresses and queue URIs', () => {
  it('text and binary server addresses round-trip', () => {
    fc.assert(
      fc.property(smpServerArb, (srv) => {
        expect(parseSmpServer(formatSmpServer(srv))).toEqual(srv)
        const e = new Encoder()
        encodeSmpServer(e, srv)
        expect(decodeAll(e.finish(), decodeSmpServer)).toEqual(srv)
      }),
      RUNS,
    )
  })
  it('queue URIs round-trip, also in the versioned query form', () => {
    fc.assert(
      fc.property(queueUriArb, fc.integer({ min: 1, max: 9 }), (uri, max) => {
        // format is injective, so comparing texts compares every field (and is cheaper than deep equality)
        const text = formatQueueUri(uri)
        const parsed = parseQueueUri(text)
        expect(formatQueueUri(parsed)).toBe(text)
        expect(parsed.clientVRange).toEqual({ min: 1, max: 1 })
        const [base] = text.split('#')
        const key = base64urlEncode(encodePublicKey(uri.dhPublicKey))
        const versioned = parseQueueUri(`${base}#/?v=1-${max}&dh=${encodeURIComponent(key)}`)
        expect(formatQueueUri(versioned)).toBe(text)
        expect(versioned.clientVRange).toEqual({ min: 1, max })
      }),
      RUNS,
    )
  })
  it('the text parsers read any string or throw DecodeError', () => {
    const kh = 'lKJvp9E1xMuiPEqy1xUmKWdLL8eukOXAAD9HbqcE-Jc='
    const textArb = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ maxLength: 60 }).map((s) => `smp://${kh}@${s}`),
      fc.string({ maxLength: 60 }).map((s) => `smp://${kh}@host:5223/IPkxswsgdGilJUnfGOXpPXGoZWGeAld_${s}`),
    )
    fc.assert(
      fc.property(textArb, (s) => {
        onlyDecodeErrors(() => parseSmpServer(s))
        onlyDecodeErrors(() => parseQueueUri(s))
        onlyDecodeErrors(() => parseSrvLoc(s))
      }),
      RUNS,
    )
  })
  it('the binary server decoder reads any bytes or throws DecodeError', () => {
    fc.assert(
      fc.property(bytesArb(80), (b) => onlyDecodeErrors(() => decodeAll(b, decodeSmpServer))),
      RUNS,
    )
  })
})
