/**
 * Sizes of every key, nonce and tag of the stack, and the boundary checks both
 * providers share, so that a bad input fails with the same class and the same
 * message whichever implementation runs.
 *
 * @see ../shared/spec/smp.md §2.2–2.5
 */
import { CryptoIVError, CryptoKeyError } from '../errors'
import type { DhAlg, KeyAlg, SignAlg } from './provider'

/** Raw public key length per algorithm (RFC 8032 / RFC 7748). @see ../shared/spec/smp.md §2.2 */
export const PUBLIC_KEY_SIZE: Readonly<Record<KeyAlg, number>> = {
  ed25519: 32,
  ed448: 57,
  x25519: 32,
  x448: 56,
}

/** Raw private key length per algorithm (RFC 8032 seed / RFC 7748 scalar). @see ../shared/spec/smp.md §2.2 */
export const PRIVATE_KEY_SIZE: Readonly<Record<KeyAlg, number>> = {
  ed25519: 32,
  ed448: 57,
  x25519: 32,
  x448: 56,
}

/** Signature length per algorithm: the reference infers the algorithm from it. @see ../shared/spec/smp.md §2.3 */
export const SIGNATURE_SIZE: Readonly<Record<SignAlg, number>> = {
  ed25519: 64,
  ed448: 114,
}

/** Raw DH shared secret length per algorithm. @see ../shared/spec/smp.md §2.2 */
export const DH_SECRET_SIZE: Readonly<Record<DhAlg, number>> = {
  x25519: 32,
  x448: 56,
}

/** AES-256 key length. @see ../shared/spec/agent.md §7.5 */
export const AES_KEY_SIZE = 32
/** IV length the reference accepts for AES-256-GCM (one AES block). @see ../shared/spec/agent.md §7.5 */
export const AES_IV_SIZE = 16
/** Shortest GCM IV the providers accept (noble's lower bound; the reference needs exactly 16). */
export const GCM_MIN_IV_SIZE = 8
/** AES-GCM / Poly1305 tag length. @see ../shared/spec/smp.md §2.5 */
export const AUTH_TAG_SIZE = 16
/** XSalsa20 nonce length (`CbNonce`). @see ../shared/spec/smp.md §2.5 */
export const CB_NONCE_SIZE = 24
/** XSalsa20-Poly1305 key length. */
export const SECRETBOX_KEY_SIZE = 32

const ALG_NAMES: Readonly<Record<KeyAlg, string>> = {
  ed25519: 'Ed25519',
  ed448: 'Ed448',
  x25519: 'X25519',
  x448: 'X448',
}

/** Display name of an algorithm, as the reference spells it (`Ed25519`, `X448`…). */
export function algName(alg: KeyAlg): string {
  return ALG_NAMES[alg]
}

/** `true` for the two signature algorithms. */
export function isSignAlg(alg: KeyAlg): alg is SignAlg {
  return alg === 'ed25519' || alg === 'ed448'
}

/** `true` for the two DH algorithms. */
export function isDhAlg(alg: KeyAlg): alg is DhAlg {
  return alg === 'x25519' || alg === 'x448'
}

function checkAlg(alg: unknown, accept: (a: KeyAlg) => boolean, what: string): void {
  if (typeof alg !== 'string' || !Object.hasOwn(ALG_NAMES, alg) || !accept(alg as KeyAlg)) {
    throw new CryptoKeyError(`unsupported ${what} algorithm ${String(alg)}`)
  }
}

/** @throws CryptoKeyError unless `alg` is `ed25519` or `ed448`. */
export function checkSignAlg(alg: SignAlg): void {
  checkAlg(alg, isSignAlg, 'signature')
}

/** @throws CryptoKeyError unless `alg` is `x25519` or `x448`. */
export function checkDhAlg(alg: DhAlg): void {
  checkAlg(alg, isDhAlg, 'DH')
}

/**
 * Whether a verification can be attempted at all: a signature algorithm, with a
 * public key and a signature of its sizes (`verify` is `false` otherwise, never a throw).
 */
export function verifiable(alg: SignAlg, publicKey: Uint8Array, signature: Uint8Array): boolean {
  return (
    (alg === 'ed25519' || alg === 'ed448') &&
    publicKey.length === PUBLIC_KEY_SIZE[alg] &&
    signature.length === SIGNATURE_SIZE[alg]
  )
}

function checkBytes(value: unknown, size: number, what: string, error: new (message: string) => Error): void {
  if (!(value instanceof Uint8Array)) throw new error(`expected ${size}-byte ${what}, got ${typeof value}`)
  if (value.length !== size) throw new error(`expected ${size}-byte ${what}, got ${value.length}`)
}

/** @throws CryptoKeyError unless `key` is a raw public key of `alg`. */
export function checkPublicKey(alg: KeyAlg, key: Uint8Array): void {
  checkBytes(key, PUBLIC_KEY_SIZE[alg], `${ALG_NAMES[alg]} public key`, CryptoKeyError)
}

/** @throws CryptoKeyError unless `key` is a raw private key of `alg`. */
export function checkPrivateKey(alg: KeyAlg, key: Uint8Array): void {
  checkBytes(key, PRIVATE_KEY_SIZE[alg], `${ALG_NAMES[alg]} private key`, CryptoKeyError)
}

/** @throws CryptoKeyError unless `key` is 32 bytes. */
export function checkAesKey(key: Uint8Array): void {
  checkBytes(key, AES_KEY_SIZE, 'AES-256 key', CryptoKeyError)
}

/** @throws CryptoIVError unless `iv` has at least {@link GCM_MIN_IV_SIZE} bytes. */
export function checkGcmIv(iv: Uint8Array): void {
  if (!(iv instanceof Uint8Array)) throw new CryptoIVError(`expected AES-GCM IV bytes, got ${typeof iv}`)
  if (iv.length < GCM_MIN_IV_SIZE) {
    throw new CryptoIVError(`expected AES-GCM IV of at least ${GCM_MIN_IV_SIZE} bytes, got ${iv.length}`)
  }
}

/** @throws CryptoKeyError unless `key` is a 32-byte XSalsa20-Poly1305 key. */
export function checkSecretboxKey(key: Uint8Array): void {
  checkBytes(key, SECRETBOX_KEY_SIZE, 'XSalsa20-Poly1305 key', CryptoKeyError)
}

/** @throws CryptoKeyError unless `secret` is a 32-byte X25519 shared secret. */
export function checkX25519Secret(secret: Uint8Array): void {
  checkBytes(secret, DH_SECRET_SIZE.x25519, 'X25519 shared secret', CryptoKeyError)
}

/** @throws CryptoIVError unless `nonce` is 24 bytes. */
export function checkCbNonce(nonce: Uint8Array): void {
  checkBytes(nonce, CB_NONCE_SIZE, 'XSalsa20 nonce', CryptoIVError)
}

/** @throws RangeError unless `length` is an integer in `0..max` (a programming error, not bad data). */
export function checkLength(length: number, max: number, what: string): void {
  if (!Number.isSafeInteger(length) || length < 0 || length > max) {
    throw new RangeError(`${what} length must be an integer in 0..${max}, got ${length}`)
  }
}

/** HKDF-SHA512 can produce at most 255 hash blocks (RFC 5869 §2.3). */
export const HKDF_SHA512_MAX = 255 * 64
