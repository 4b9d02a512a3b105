/**
 * The ratchet state as the reference agent stores it (`ratchets.ratchet_state`,
 * `conn_confirmations.ratchet_state`): aeson's generic JSON of `Ratchet 'X448`,
 * fields in declaration order, byte strings as padded base64url, `null` for an
 * absent chain — and the private ratchet key base64url-encoded **twice**
 * (base64url of the base64url text of its PKCS#8 DER), a quirk of v3.1.
 *
 * @see ../shared/spec/archive.md §2.1
 */
import {
  type CryptoProvider,
  DecodeError,
  base64urlEncode,
  base64urlParse,
  decodePrivateKeyOf,
  decodePublicKeyOf,
  encodePrivateKey,
  encodePublicKey,
  fromLatin1,
  keyPairFromPrivate,
  latin1,
} from '@simplex-ts/core'
import type { Ratchet, RcvRatchet, SndRatchet } from '../ratchet'

/**
 * The JSON value of a ratchet state, as {@link ratchetToJson} builds it.
 * @see ../shared/spec/archive.md §2.1
 */
export interface RatchetJson {
  rcVersion: [number, number]
  rcAD: string
  rcDHRs: string
  rcRK: string
  rcSnd: { rcDHRr: string; rcCKs: string; rcHKs: string } | null
  rcRcv: { rcCKr: string; rcHKr: string } | null
  rcNs: number
  rcNr: number
  rcPN: number
  rcNHKs: string
  rcNHKr: string
}

/**
 * The reference's JSON value of a state (keys in the reference's order).
 * @see ../shared/spec/archive.md §2.1
 * @throws CryptoKeyError when a ratchet key is not 56 bytes.
 */
export function ratchetToJson(rc: Ratchet): RatchetJson {
  const b64 = base64urlEncode
  return {
    rcVersion: [rc.rcVersion.min, rc.rcVersion.max],
    rcAD: b64(rc.rcAD),
    rcDHRs: b64(latin1(b64(encodePrivateKey({ alg: 'x448', privateKey: rc.rcDHRs.privateKey })))),
    rcRK: b64(rc.rcRK),
    rcSnd:
      rc.rcSnd === null
        ? null
        : {
            rcDHRr: b64(encodePublicKey({ alg: 'x448', publicKey: rc.rcSnd.rcDHRr })),
            rcCKs: b64(rc.rcSnd.rcCKs),
            rcHKs: b64(rc.rcSnd.rcHKs),
          },
    rcRcv: rc.rcRcv === null ? null : { rcCKr: b64(rc.rcRcv.rcCKr), rcHKr: b64(rc.rcRcv.rcHKr) },
    rcNs: rc.rcNs,
    rcNr: rc.rcNr,
    rcPN: rc.rcPN,
    rcNHKs: b64(rc.rcNHKs),
    rcNHKr: b64(rc.rcNHKr),
  }
}

/**
 * The stored JSON text of a state, byte for byte what the v3.1 agent writes (compact aeson output).
 * @see ../shared/spec/archive.md §2.1
 * @throws CryptoKeyError when a ratchet key is not 56 bytes.
 */
export function encodeRatchetJson(rc: Ratchet): string {
  return JSON.stringify(ratchetToJson(rc))
}

/**
 * Read a state from its stored JSON text (or an already parsed value), as the reference's
 * `FromJSON` does: unknown fields ignored, a missing chain read as absent. The private key's
 * public half is recomputed with `provider` (one X448 base-point multiplication).
 * @see ../shared/spec/archive.md §2.1
 * @throws DecodeError on invalid JSON, a missing or mistyped field, bad base64url, a number out
 *   of the u16/u32 range, a key of the wrong algorithm, or a chain/header key that is not 32 bytes.
 */
export function decodeRatchetJson(provider: CryptoProvider, json: string | unknown): Ratchet {
  let value: unknown = json
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json)
    } catch (cause) {
      throw new DecodeError('ratchet state is not valid JSON', { cause })
    }
  }
  const o = object(value, 'Ratchet')
  const version = o.rcVersion
  if (!Array.isArray(version) || version.length !== 2) throw new DecodeError('rcVersion: expected [min, max]')
  const min = word(version[0], 0xffff, 'rcVersion')
  const max = word(version[1], 0xffff, 'rcVersion')
  if (min > max) throw new DecodeError('bad VersionRange')
  const privDer = base64urlParse(fromLatin1(bytes(o.rcDHRs, 'rcDHRs')))
  const rcDHRs = keyPairFromPrivate(
    provider,
    keyOrDecodeError(() => decodePrivateKeyOf('x448', privDer), 'rcDHRs'),
  )
  const snd = o.rcSnd === undefined || o.rcSnd === null ? null : object(o.rcSnd, 'rcSnd')
  const rcv = o.rcRcv === undefined || o.rcRcv === null ? null : object(o.rcRcv, 'rcRcv')
  const rcSnd: SndRatchet | null =
    snd === null
      ? null
      : Object.freeze({
          rcDHRr: keyOrDecodeError(() => decodePublicKeyOf('x448', bytes(snd.rcDHRr, 'rcDHRr')), 'rcDHRr')
            .publicKey,
          rcCKs: key32(snd.rcCKs, 'rcCKs'),
          rcHKs: key32(snd.rcHKs, 'rcHKs'),
        })
  const rcRcv: RcvRatchet | null =
    rcv === null
      ? null
      : Object.freeze({ rcCKr: key32(rcv.rcCKr, 'rcCKr'), rcHKr: key32(rcv.rcHKr, 'rcHKr') })
  return Object.freeze({
    rcVersion: Object.freeze({ min, max }),
    rcAD: bytes(o.rcAD, 'rcAD'),
    rcDHRs: rcDHRs as Ratchet['rcDHRs'],
    rcRK: bytes(o.rcRK, 'rcRK'),
    rcSnd,
    rcRcv,
    rcNs: word(o.rcNs, 0xffffffff, 'rcNs'),
    rcNr: word(o.rcNr, 0xffffffff, 'rcNr'),
    rcPN: word(o.rcPN, 0xffffffff, 'rcPN'),
    rcNHKs: key32(o.rcNHKs, 'rcNHKs'),
    rcNHKr: key32(o.rcNHKr, 'rcNHKr'),
  })
}

function object(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new DecodeError(`${name}: expected an object`)
  return v as Record<string, unknown>
}

function bytes(v: unknown, name: string): Uint8Array {
  if (typeof v !== 'string') throw new DecodeError(`${name}: expected a base64url string`)
  try {
    return base64urlParse(v)
  } catch (cause) {
    throw new DecodeError(`${name}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}

function key32(v: unknown, name: string): Uint8Array {
  const b = bytes(v, name)
  if (b.length !== 32) throw new DecodeError(`${name}: expected a 32-byte key, got ${b.length}`)
  return b
}

function word(v: unknown, max: number, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new DecodeError(`${name}: expected an integer in 0..${max}`)
  }
  return v
}

function keyOrDecodeError<T>(f: () => T, name: string): T {
  try {
    return f()
  } catch (cause) {
    if (cause instanceof DecodeError) throw cause
    throw new DecodeError(`${name}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}
