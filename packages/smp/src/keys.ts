/**
 * Keys as SMP command fields carry them: DER SubjectPublicKeyInfo inside
 * `str8`, each field accepting only its algorithms (X25519 for DH fields,
 * Ed25519/Ed448 for verification keys). The DER codec itself is core's.
 *
 * @see ../shared/spec/smp.md §2.2–2.3
 */
import {
  CryptoKeyError,
  DecodeError,
  type Decoder,
  type DhAlg,
  type Encoder,
  type PrivateKey,
  type PublicKey,
  type SignAlg,
  type Signature,
  decodePublicKeyOf,
  decodePublicVerifyKey,
  encodePublicKey,
} from '@simplex-ts/core'

/** A key that verifies command signatures (recipient, sender and notifier keys): Ed25519 or Ed448. */
export type PublicVerifyKey = PublicKey<SignAlg>
/** A per-queue DH key (`NEW`/`IDS`/`NKEY`/`NID`, queue URIs, `PubHeader`): X25519 only. */
export type PublicDhKey = PublicKey<'x25519'>
/** A private command-signing key (a core `KeyPair<SignAlg>` fits). */
export type PrivateSignKey = PrivateKey<SignAlg>

/** Signature length per algorithm (RFC 8032); any other non-zero length is `BLOCK`. */
const SIGNATURE_LENGTH: Readonly<Record<SignAlg, number>> = { ed25519: 64, ed448: 114 }

/**
 * Append `str8(DER SPKI)` of a key.
 * @throws CryptoKeyError when the key is not the size of its algorithm.
 */
export function encodeKeyField(e: Encoder, key: PublicKey): void {
  e.str8(encodePublicKey(key))
}

function decodeKeyField<K>(d: Decoder, decode: (der: Uint8Array) => K): K {
  const at = d.offset
  const der = d.str8()
  try {
    return decode(der)
  } catch (cause) {
    if (cause instanceof CryptoKeyError || cause instanceof DecodeError) {
      throw new DecodeError(`invalid key at ${at}: ${cause.message}`, { offset: at, cause })
    }
    throw cause
  }
}

/**
 * Read `str8(DER SPKI)` of a signature-verification key (Ed25519 or Ed448).
 * @throws DecodeError on malformed DER or a DH key.
 */
export function decodeVerifyKeyField(d: Decoder): PublicVerifyKey {
  return decodeKeyField(d, decodePublicVerifyKey)
}

/**
 * Read `str8(DER SPKI)` of a DH key of exactly `alg` (SMP fields take X25519 only).
 * @throws DecodeError on malformed DER or another algorithm.
 */
export function decodeDhKeyField<A extends DhAlg>(d: Decoder, alg: A): PublicKey<A> {
  return decodeKeyField(d, (der) => decodePublicKeyOf(alg, der))
}

/**
 * The signature a transmission carries: empty bytes mean unsigned, 64 bytes Ed25519, 114 bytes Ed448.
 * @returns `undefined` for an empty signature, `null` for any other (invalid) length.
 */
export function signatureFromBytes(bytes: Uint8Array): Signature | undefined | null {
  if (bytes.length === 0) return undefined
  if (bytes.length === SIGNATURE_LENGTH.ed25519) return { alg: 'ed25519', bytes }
  if (bytes.length === SIGNATURE_LENGTH.ed448) return { alg: 'ed448', bytes }
  return null
}
