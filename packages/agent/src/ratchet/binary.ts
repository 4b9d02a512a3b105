/**
 * A compact binary encoding of the ratchet state for simplex-ts's own storage
 * (about 390 bytes instead of about 560 of JSON). Unlike the reference's JSON
 * it keeps the public half of the ratchet key, so loading a state needs no
 * X448 computation. Not a wire format: official archives use the JSON of
 * `json.ts`.
 *
 * Layout: `'R' u8 format(1) ‖ u16 vmin ‖ u16 vmax ‖ Large(AD) ‖ str8(DHRs priv) ‖ str8(DHRs pub) ‖
 * str8(RK) ‖ opt(str8 DHRr ‖ str8 CKs ‖ str8 HKs) ‖ opt(str8 CKr ‖ str8 HKr) ‖ u32 Ns ‖ u32 Nr ‖
 * u32 PN ‖ str8(NHKs) ‖ str8(NHKr)`.
 *
 * @see ../shared/spec/agent.md §7.4
 */
import { type Decoder, DecodeError, type Encoder } from '@simplex-ts/core'
import type { Ratchet, RcvRatchet, SndRatchet } from '../ratchet'

const MAGIC = 0x52 // 'R'
const FORMAT = 1

/**
 * Write a state in the compact binary form.
 * @throws EncodeError when a field exceeds its length prefix.
 * @see ../shared/spec/agent.md §7.4
 */
export function encodeRatchet(e: Encoder, rc: Ratchet): Encoder {
  e.u8(MAGIC).u8(FORMAT).versionRange(rc.rcVersion).large(rc.rcAD)
  e.str8(rc.rcDHRs.privateKey).str8(rc.rcDHRs.publicKey).str8(rc.rcRK)
  e.maybe(rc.rcSnd ?? undefined, (e, s) => e.str8(s.rcDHRr).str8(s.rcCKs).str8(s.rcHKs))
  e.maybe(rc.rcRcv ?? undefined, (e, r) => e.str8(r.rcCKr).str8(r.rcHKr))
  return e.u32(rc.rcNs).u32(rc.rcNr).u32(rc.rcPN).str8(rc.rcNHKs).str8(rc.rcNHKr)
}

/**
 * Read a state written by {@link encodeRatchet}. Byte fields are copied out of the input.
 * @throws DecodeError on a bad tag, an unknown format version, truncation, or key sizes that
 *   are not X448 (56) / 32-byte keys.
 * @see ../shared/spec/agent.md §7.4
 */
export function decodeRatchet(d: Decoder): Ratchet {
  if (d.u8() !== MAGIC) d.fail('not a ratchet state')
  const format = d.u8()
  if (format !== FORMAT) d.fail(`unknown ratchet state format ${format}`)
  const rcVersion = Object.freeze(d.versionRange())
  const rcAD = d.large().slice()
  const privateKey = sized(d, 56, 'X448 private key')
  const publicKey = sized(d, 56, 'X448 public key')
  const rcRK = d.str8().slice()
  const rcSnd: SndRatchet | null =
    d.maybe((d) =>
      Object.freeze({
        rcDHRr: sized(d, 56, 'X448 public key'),
        rcCKs: sized(d, 32, 'key'),
        rcHKs: sized(d, 32, 'key'),
      }),
    ) ?? null
  const rcRcv: RcvRatchet | null =
    d.maybe((d) => Object.freeze({ rcCKr: sized(d, 32, 'key'), rcHKr: sized(d, 32, 'key') })) ?? null
  const rcNs = d.u32()
  const rcNr = d.u32()
  const rcPN = d.u32()
  const rcNHKs = sized(d, 32, 'key')
  const rcNHKr = sized(d, 32, 'key')
  return Object.freeze({
    rcVersion,
    rcAD,
    rcDHRs: Object.freeze({ alg: 'x448' as const, privateKey, publicKey }),
    rcRK,
    rcSnd,
    rcRcv,
    rcNs,
    rcNr,
    rcPN,
    rcNHKs,
    rcNHKr,
  })
}

function sized(d: Decoder, n: number, what: string): Uint8Array {
  const at = d.offset
  const b = d.str8()
  if (b.length !== n) throw new DecodeError(`expected ${n}-byte ${what}, got ${b.length}`, { offset: at })
  return b.slice()
}
