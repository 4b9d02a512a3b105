import { latin1 } from '@simplex-ts/core'
import fc from 'fast-check'
import type {
  Command,
  ErrorType,
  MsgFlags,
  PublicDhKey,
  PublicVerifyKey,
  Response,
  SmpServer,
  SmpVersion,
} from '../src/index'
import { ERROR_TYPES } from '../src/index'

/** Every property runs at least this often (the project's floor for decoders). */
export const RUNS = { numRuns: 10_000 }

export const versionArb: fc.Arbitrary<SmpVersion> = fc.constantFrom(1, 2, 3, 4)

export const bytesArb = (maxLength: number, minLength = 0): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength, maxLength })

export const verifyKeyArb: fc.Arbitrary<PublicVerifyKey> = fc.oneof(
  bytesArb(32, 32).map((publicKey) => ({ alg: 'ed25519' as const, publicKey })),
  bytesArb(57, 57).map((publicKey) => ({ alg: 'ed448' as const, publicKey })),
)

export const dhKeyArb: fc.Arbitrary<PublicDhKey> = bytesArb(32, 32).map((publicKey) => ({
  alg: 'x25519' as const,
  publicKey,
}))

export const flagsArb: fc.Arbitrary<MsgFlags> = fc.boolean().map((notification) => ({ notification }))

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ type: fc.constant('NEW' as const), rcvAuthKey: verifyKeyArb, rcvDhKey: dhKeyArb }),
  fc.constantFrom(
    { type: 'SUB' as const },
    { type: 'NDEL' as const },
    { type: 'GET' as const },
    { type: 'OFF' as const },
    { type: 'DEL' as const },
    { type: 'PING' as const },
    { type: 'NSUB' as const },
  ),
  fc.record({ type: fc.constant('KEY' as const), sndAuthKey: verifyKeyArb }),
  fc.record({ type: fc.constant('NKEY' as const), ntfAuthKey: verifyKeyArb, rcvNtfDhKey: dhKeyArb }),
  fc.record({ type: fc.constant('ACK' as const), msgId: bytesArb(255) }),
  fc.record({ type: fc.constant('SEND' as const), flags: flagsArb, body: bytesArb(300) }),
)

export const errorTypeArb: fc.Arbitrary<ErrorType> = fc.constantFrom(...ERROR_TYPES)

const tsArb = fc.integer({ min: -(2 ** 40), max: 2 ** 40 })

export const responseArb: fc.Arbitrary<Response> = fc.oneof(
  fc.record({
    type: fc.constant('IDS' as const),
    rcvId: bytesArb(255),
    sndId: bytesArb(255),
    srvDhKey: dhKeyArb,
  }),
  fc.record({
    type: fc.constant('MSG' as const),
    msgId: bytesArb(255),
    msgTs: tsArb,
    msgFlags: flagsArb,
    encBody: bytesArb(300),
  }),
  fc.record({ type: fc.constant('NID' as const), notifierId: bytesArb(255), srvNtfDhKey: dhKeyArb }),
  fc.record({ type: fc.constant('NMSG' as const), nonce: bytesArb(24, 24), encMeta: bytesArb(255) }),
  fc.constantFrom({ type: 'END' as const }, { type: 'OK' as const }, { type: 'PONG' as const }),
  fc.record({ type: fc.constant('ERR' as const), error: errorTypeArb }),
)

/** A host as the text grammar allows it: Latin-1, none of `: # , ; / SP`, non-empty. */
export const hostArb: fc.Arbitrary<string> = fc
  .array(
    fc.integer({ min: 0x21, max: 0xff }).filter((c) => !':#,;/'.includes(String.fromCharCode(c))),
    { minLength: 1, maxLength: 40 },
  )
  .map((cs) => String.fromCharCode(...cs))

export const portArb: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc.integer({ min: 0, max: 99999 }).map(String),
)

export const smpServerArb: fc.Arbitrary<SmpServer> = fc.record({
  scheme: fc.constant('smp' as const),
  host: hostArb,
  port: portArb,
  keyHash: bytesArb(64, 1),
})

/** Random bytes, or random bytes behind a valid tag (to reach the parameter parsers). */
export function taggedBytesArb(tags: readonly string[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    bytesArb(200),
    fc
      .tuple(fc.constantFrom(...tags), fc.boolean(), bytesArb(200))
      .map(([tag, sp, rest]) => Uint8Array.from([...latin1(tag), ...(sp ? [0x20] : []), ...rest])),
  )
}
