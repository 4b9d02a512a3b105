/**
 * The crypto provider interface: every primitive the SimpleX stack needs,
 * implemented twice (native `node:crypto`, pure-JS `@noble/*`), chosen once
 * at construction and never per call.
 *
 * All keys in this interface are raw bytes (RFC 7748 / RFC 8032 encodings);
 * the wire encodings (DER SPKI / PKCS#8) live in `keys.ts`.
 * All operations are synchronous: both implementations are.
 * Inputs are checked at this boundary: a key, secret or nonce of the wrong
 * size throws `CryptoKeyError` / `CryptoIVError` with the same message in both
 * implementations (`expected 56-byte X448 public key, got 55`).
 *
 * @see ../shared/spec/smp.md §2.2–2.5
 */

/** Signature algorithms used by SMP (RFC 8032; Ed448 with an empty context). */
export type SignAlg = 'ed25519' | 'ed448'
/** Diffie-Hellman algorithms used by SMP (X25519) and the agent's X3DH / ratchet (X448). */
export type DhAlg = 'x25519' | 'x448'
/** Any asymmetric algorithm of the stack. */
export type KeyAlg = SignAlg | DhAlg

/** A raw key pair of algorithm `A`. */
export interface KeyPair<A extends KeyAlg = KeyAlg> {
  /** The algorithm of both keys. */
  readonly alg: A
  /** Raw public key (32 bytes for ed25519/x25519, 57 for ed448, 56 for x448). */
  readonly publicKey: Uint8Array
  /** Raw private key (32 bytes for ed25519/x25519, 57 for ed448, 56 for x448). */
  readonly privateKey: Uint8Array
}

/** AES-256-GCM output: ciphertext (same length as the plaintext) and the 16-byte tag. */
export interface AesGcmSealed {
  /** Ciphertext, same length as the plaintext. */
  readonly ciphertext: Uint8Array
  /** 16-byte authentication tag. */
  readonly authTag: Uint8Array
}

/** The primitives every layer uses. Implementations: `nativeCrypto` (node), `nobleCrypto` (everywhere). */
export interface CryptoProvider {
  /** Implementation name, for diagnostics and benchmarks. */
  readonly name: string
  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array
  /** SHA-256 digest. */
  sha256(data: Uint8Array): Uint8Array
  /** SHA-512 digest. */
  sha512(data: Uint8Array): Uint8Array
  /** HKDF-SHA512 (RFC 5869) producing `length` bytes. */
  hkdfSha512(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array

  /** Generate a signature key pair. */
  generateSignKeyPair<A extends SignAlg>(alg: A): KeyPair<A>
  /** Derive the raw public key from a raw private signature key. */
  signPublicKey(alg: SignAlg, privateKey: Uint8Array): Uint8Array
  /** Deterministic RFC 8032 signature (64 bytes Ed25519, 114 bytes Ed448). */
  sign(alg: SignAlg, privateKey: Uint8Array, message: Uint8Array): Uint8Array
  /** Verify a signature; `false` for any invalid input, never throws. */
  verify(alg: SignAlg, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean

  /** Generate a DH key pair. */
  generateDhKeyPair<A extends DhAlg>(alg: A): KeyPair<A>
  /** Derive the raw public key from a raw private DH key. */
  dhPublicKey(alg: DhAlg, privateKey: Uint8Array): Uint8Array
  /** Raw X25519/X448 shared secret (32 / 56 bytes). Throws `CryptoKeyError` on invalid keys. */
  dh(alg: DhAlg, privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array

  /**
   * AES-256-GCM encryption with a 16-byte tag. Any IV of 8 bytes or more (SimpleX uses 16-byte IVs;
   * a length other than 12 derives J0 through GHASH).
   * Throws `CryptoKeyError` for a key that is not 32 bytes, `CryptoIVError` for a shorter IV.
   */
  aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): AesGcmSealed
  /**
   * AES-256-GCM decryption; throws `AESDecryptError` when authentication fails or the tag is not
   * 16 bytes, and the same key / IV errors as {@link CryptoProvider.aesGcmEncrypt}.
   */
  aesGcmDecrypt(
    key: Uint8Array,
    iv: Uint8Array,
    ad: Uint8Array,
    ciphertext: Uint8Array,
    authTag: Uint8Array,
  ): Uint8Array

  /** HSalsa20 with a zero 16-byte input: NaCl `crypto_box_beforenm` applied to a raw DH secret. */
  cryptoBoxBeforeNm(dhSecret: Uint8Array): Uint8Array
  /** NaCl secretbox (XSalsa20-Poly1305): returns `tag(16) ‖ ciphertext`. */
  secretbox(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** Open a NaCl secretbox (`tag ‖ ciphertext`); throws `CBDecryptError` when authentication fails. */
  secretboxOpen(key: Uint8Array, nonce: Uint8Array, box: Uint8Array): Uint8Array

  /** Compare two byte arrays in time independent of their contents (`false` at once if lengths differ). */
  constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean
}
