import { Encoder, equalBytes } from '@simplex-ts/core'
import { nativeCrypto } from '@simplex-ts/core/native'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  COMMAND_TAGS,
  type Command,
  RESPONSE_TAGS,
  SmpBlockError,
  SmpProtocolError,
  decodeRawTransmission,
  encodeCommand,
  encodeCommandTransmission,
  encodeSigned,
  encodeTransmission,
  encodeResponseTransmission,
  parseCommandBlock,
  parseCommandTransmission,
  parseResponseBlock,
  parseResponseTransmission,
  verifyCommandAuth,
} from '../src/index'
import { RUNS, bytesArb, commandArb, responseArb, taggedBytesArb, versionArb } from './arbitraries'

const sessionId = new Uint8Array(32).fill(0x11)
const crypto = nativeCrypto
const ed25519 = crypto.generateSignKeyPair('ed25519')
const ed448 = crypto.generateSignKeyPair('ed448')

/** The §4.1 table, written out independently of the implementation. */
function expectedCredentialError(cmd: Command, signed: boolean, entity: boolean): string | undefined {
  if (cmd.type === 'NEW') return !signed ? 'CMD NO_AUTH' : entity ? 'CMD HAS_AUTH' : undefined
  if (cmd.type === 'SEND') return entity ? undefined : 'CMD NO_ENTITY'
  if (cmd.type === 'PING') return signed || entity ? 'CMD HAS_AUTH' : undefined
  return signed && entity ? undefined : 'CMD NO_AUTH'
}

/** A transmission assembled from arbitrary parts: any signature length, session, ids and command bytes. */
const rawTransmissionArb = fc
  .tuple(
    fc.oneof(fc.constantFrom(0, 64, 114), fc.integer({ min: 0, max: 255 })),
    fc.boolean(),
    bytesArb(12),
    bytesArb(30),
    taggedBytesArb([...COMMAND_TAGS, ...RESPONSE_TAGS]),
  )
  .map(([sigLen, rightSession, corrId, entityId, command]) =>
    new Encoder()
      .str8(new Uint8Array(sigLen).fill(7))
      .str8(rightSession ? sessionId : sessionId.subarray(1))
      .str8(corrId)
      .str8(entityId)
      .raw(command)
      .finish(),
  )

const anyBytesArb = fc.oneof(bytesArb(300), rawTransmissionArb)

describe('decodeRawTransmission', () => {
  it('splits any bytes into the four fields or throws SmpBlockError', () => {
    fc.assert(
      fc.property(anyBytesArb, (bytes) => {
        try {
          const raw = decodeRawTransmission(bytes)
          expect(raw.signed.length + raw.signature.length + 1).toBe(bytes.length)
        } catch (e) {
          if (!(e instanceof SmpBlockError)) throw e
        }
      }),
      RUNS,
    )
  })
})

describe('parseCommandTransmission / parseResponseTransmission', () => {
  it('never throw for any input; failures are SMP protocol errors', () => {
    fc.assert(
      fc.property(anyBytesArb, versionArb, (bytes, v) => {
        for (const r of [
          parseCommandTransmission(bytes, { sessionId, version: v }),
          parseResponseTransmission(bytes, { sessionId, version: v }),
        ]) {
          if (!r.ok) expect(r.error).toBeInstanceOf(SmpProtocolError)
        }
      }),
      RUNS,
    )
  })

  it('block parsers never throw for any block content at any version', () => {
    const batchArb = fc.array(rawTransmissionArb, { minLength: 0, maxLength: 4 }).chain((ts) =>
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()).map(([count, trailing]) => {
        const e = new Encoder().u8(count)
        for (const t of ts) e.large(t)
        if (trailing) e.u8(0)
        return e.finish()
      }),
    )
    fc.assert(
      fc.property(fc.oneof(anyBytesArb, batchArb), versionArb, (content, v) => {
        for (const rs of [
          parseCommandBlock(content, { sessionId, version: v }),
          parseResponseBlock(content, { sessionId, version: v }),
        ]) {
          expect(rs.length).toBeGreaterThan(0)
          for (const r of rs) if (!r.ok) expect(r.error).toBeInstanceOf(SmpProtocolError)
        }
      }),
      RUNS,
    )
  })

  it('round-trip commands with any signature shape, applying the credential rules of §4.1', () => {
    const arb = fc.record({
      cmd: commandArb,
      v: versionArb,
      corrId: bytesArb(8),
      entityId: fc.oneof(fc.constant(new Uint8Array(0)), bytesArb(24, 24)),
      signature: fc.oneof(fc.constant(undefined), bytesArb(64, 64), bytesArb(114, 114)),
    })
    fc.assert(
      fc.property(arb, ({ cmd, v, corrId, entityId, signature }) => {
        const command = encodeCommand(cmd, v)
        const signed = encodeSigned(sessionId, { corrId, entityId }, command)
        const r = parseCommandTransmission(encodeTransmission(signature, signed), { sessionId, version: v })
        const expected = expectedCredentialError(cmd, signature !== undefined, entityId.length > 0)
        // byte comparisons: deep equality of typed arrays is what would dominate the run time
        expect(equalBytes(r.corrId, corrId) && equalBytes(r.entityId, entityId)).toBe(true)
        if (expected !== undefined) {
          expect(r.ok ? 'ok' : r.error.code).toBe(expected)
          return
        }
        if (!r.ok) throw r.error
        expect(r.command.type).toBe(cmd.type)
        expect(equalBytes(encodeCommand(r.command, v), command)).toBe(true)
        expect(
          r.signature === undefined ? signature === undefined : equalBytes(r.signature.bytes, signature!),
        ).toBe(true)
        expect(equalBytes(r.signed, signed)).toBe(true)
      }),
      RUNS,
    )
  })

  it('signed commands verify with the signing key and fail without a queue', () => {
    const arb = fc.record({
      cmd: commandArb.filter((c) => c.type !== 'NEW' && c.type !== 'PING'),
      v: versionArb,
      key: fc.constantFrom(ed25519, ed448),
    })
    fc.assert(
      fc.property(arb, ({ cmd, v, key }) => {
        const t = { corrId: new Uint8Array(1), entityId: new Uint8Array(24).fill(1), command: cmd }
        const r = parseCommandTransmission(encodeCommandTransmission(sessionId, t, v, { crypto, key }), {
          sessionId,
          version: v,
        })
        if (!r.ok) throw r.error
        expect(r.signature?.alg).toBe(key.alg)
        expect(verifyCommandAuth(crypto, r, { recipientKey: key, senderKey: key, notifierKey: key })).toBe(
          true,
        )
        expect(verifyCommandAuth(crypto, r, undefined)).toBe(false)
      }),
      { numRuns: 1000 },
    )
  })

  it('round-trip server messages, applying the client credential rules', () => {
    const arb = fc.record({
      res: responseArb,
      v: versionArb,
      corrId: bytesArb(8),
      entityId: fc.oneof(fc.constant(new Uint8Array(0)), bytesArb(24, 24)),
    })
    fc.assert(
      fc.property(arb, ({ res, v, corrId, entityId }) => {
        const bytes = encodeResponseTransmission(sessionId, { corrId, entityId, command: res }, v)
        const r = parseResponseTransmission(bytes, { sessionId, version: v })
        const hasEntity = entityId.length > 0
        const expected =
          res.type === 'IDS' || res.type === 'ERR'
            ? undefined
            : res.type === 'PONG'
              ? hasEntity
                ? 'CMD HAS_AUTH'
                : undefined
              : hasEntity
                ? undefined
                : 'CMD NO_ENTITY'
        expect(r.ok ? undefined : r.error.code).toBe(expected)
        if (r.ok) expect(r.command.type).toBe(res.type)
      }),
      RUNS,
    )
  })
})
