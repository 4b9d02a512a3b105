/**
 * Key wire encodings, as the reference writes and reads them: public keys as
 * DER SubjectPublicKeyInfo, private keys as DER PKCS#8, each decoder checking
 * the algorithm the field allows (any key, a signature key, a DH key, or one
 * exact algorithm).
 *
 * Keys are plain `{ alg, publicKey }` / `{ alg, privateKey }` records of raw
 * bytes, so a provider's {@link KeyPair} is both a {@link PublicKey} and a
 * {@link PrivateKey}.
 *
 * @see ../shared/spec/smp.md §2.2, §2.6
 */
import { fromLatin1, latin1 } from '../codec'
import { CryptoKeyError } from '../errors'
import { base64urlDecode, base64urlEncode, base64urlParse } from '../strings'
import { PKCS8_PREFIX, SPKI_PREFIX, parsePkcs8, parseSpki, withPrefix } from './der'
import { algName, checkPrivateKey, checkPublicKey, isDhAlg, isSignAlg } from './params'
import type { CryptoProvider, DhAlg, KeyAlg, KeyPair, SignAlg } from './provider'

/** A raw public key with its algorithm (`APublicKey` in the reference). */
export interface PublicKey<A extends KeyAlg = KeyAlg> {
  /** The key's algorithm. */
  readonly alg: A
  /** Raw RFC 8032 / RFC 7748 public key. */
  readonly publicKey: Uint8Array
}

/** A raw private key with its algorithm (`APrivateKey` in the reference). */
export interface PrivateKey<A extends KeyAlg = KeyAlg> {
  /** The key's algorithm. */
  readonly alg: A
  /** Raw RFC 8032 seed / RFC 7748 scalar. */
  readonly privateKey: Uint8Array
}

function checkKeyAlg(alg: KeyAlg): void {
  if (!isSignAlg(alg) && !isDhAlg(alg)) throw new CryptoKeyError(`unsupported key algorithm ${String(alg)}`)
}

/**
 * DER SubjectPublicKeyInfo of a public key (44 bytes for Ed25519/X25519, 69 for Ed448, 68 for X448).
 * @see ../shared/spec/smp.md §2.2
 * @throws CryptoKeyError when the key is not the size of its algorithm.
 */
export function encodePublicKey(key: PublicKey): Uint8Array {
  checkKeyAlg(key.alg)
  checkPublicKey(key.alg, key.publicKey)
  return withPrefix(SPKI_PREFIX[key.alg], key.publicKey)
}

/**
 * DER PKCS#8 (v0, no public key) of a private key (48 bytes for Ed25519/X25519, 73 for Ed448, 72 for X448).
 * @see ../shared/spec/smp.md §2.2
 * @throws CryptoKeyError when the key is not the size of its algorithm.
 */
export function encodePrivateKey(key: PrivateKey): Uint8Array {
  checkKeyAlg(key.alg)
  checkPrivateKey(key.alg, key.privateKey)
  return withPrefix(PKCS8_PREFIX[key.alg], key.privateKey)
}

/**
 * Decode a DER SubjectPublicKeyInfo of any of the four algorithms.
 * The point itself is not validated, as in the reference: a bad point fails later, in verify or DH.
 * @see ../shared/spec/smp.md §2.2
 * @throws DecodeError on malformed DER, truncation or trailing bytes.
 * @throws CryptoKeyError on an unknown algorithm or a key of the wrong size.
 */
export function decodePublicKey(der: Uint8Array): PublicKey {
  const { alg, key } = parseSpki(der)
  return { alg, publicKey: key }
}

/**
 * Decode a public key where a signature key is expected (`APublicVerifyKey`): Ed25519 or Ed448.
 * @see ../shared/spec/smp.md §2.2
 * @throws DecodeError on malformed DER; CryptoKeyError on an X25519/X448 or unknown key.
 */
export function decodePublicVerifyKey(der: Uint8Array): PublicKey<SignAlg> {
  const key = decodePublicKey(der)
  if (!isSignAlg(key.alg)) throw new CryptoKeyError('key does not support signature algorithms')
  return key as PublicKey<SignAlg>
}

/**
 * Decode a public key where a DH key is expected (`APublicDhKey`): X25519 or X448.
 * @see ../shared/spec/smp.md §2.2
 * @throws DecodeError on malformed DER; CryptoKeyError on an Ed25519/Ed448 or unknown key.
 */
export function decodePublicDhKey(der: Uint8Array): PublicKey<DhAlg> {
  const key = decodePublicKey(der)
  if (!isDhAlg(key.alg)) throw new CryptoKeyError('key does not support DH algorithms')
  return key as PublicKey<DhAlg>
}

/**
 * Decode a public key of exactly algorithm `alg` (`PublicKey a` in the reference).
 * @see ../shared/spec/smp.md §2.2
 * @throws DecodeError on malformed DER; CryptoKeyError on a key of another algorithm.
 */
export function decodePublicKeyOf<A extends KeyAlg>(alg: A, der: Uint8Array): PublicKey<A> {
  const key = decodePublicKey(der)
  if (key.alg !== alg) throw new CryptoKeyError(`expected ${algName(alg)} key, got ${algName(key.alg)}`)
  return key as PublicKey<A>
}

/**
 * Decode a DER PKCS#8 private key of any of the four algorithms (v0 or v1, as the reference's parser).
 * @see ../shared/spec/smp.md §2.2
 * @throws DecodeError on malformed DER, truncation or trailing bytes.
 * @throws CryptoKeyError on an unknown algorithm or a key of the wrong size.
 */
export function decodePrivateKey(der: Uint8Array): PrivateKey {
  const { alg, key } = parsePkcs8(der)
  return { alg, privateKey: key }
}

/**
 * Decode a private key where a signing key is expected (`APrivateSignKey`): Ed25519 or Ed448.
 * @see ../shared/spec/smp.md §2.2
 * @throws DecodeError on malformed DER; CryptoKeyError on an X25519/X448 or unknown key.
 */
export function decodePrivateSignKey(der: Uint8Array): PrivateKey<SignAlg> {
  const key = decodePrivateKey(der)
  if (!isSignAlg(key.alg)) throw new CryptoKeyError('key does not support signature algorithms')
  return key as PrivateKey<SignAlg>
}

/**
 * Decode a private key where a DH key is expected (`APrivateDhKey`): X25519 or X448.
 * @see ../shared/spec/smp.md §2.2
 * @throws DecodeError on malformed DER; CryptoKeyError on an Ed25519/Ed448 or unknown key.
 */
export function decodePrivateDhKey(der: Uint8Array): PrivateKey<DhAlg> {
  const key = decodePrivateKey(der)
  if (!isDhAlg(key.alg)) throw new CryptoKeyError('key does not support DH algorithm')
  return key as PrivateKey<DhAlg>
}

/**
 * Decode a private key of exactly algorithm `alg` (`PrivateKey a` in the reference).
 * @see ../shared/spec/smp.md §2.2
 * @throws DecodeError on malformed DER; CryptoKeyError on a key of another algorithm.
 */
export function decodePrivateKeyOf<A extends KeyAlg>(alg: A, der: Uint8Array): PrivateKey<A> {
  const key = decodePrivateKey(der)
  if (key.alg !== alg) throw new CryptoKeyError(`expected ${algName(alg)} key, got ${algName(key.alg)}`)
  return key as PrivateKey<A>
}

/**
 * Complete a private key with its public key, as the reference does whenever it decodes one.
 * @see ../shared/spec/smp.md §2.2
 * @throws CryptoKeyError when the key is not the size of its algorithm.
 */
export function keyPairFromPrivate<A extends KeyAlg>(
  provider: CryptoProvider,
  key: PrivateKey<A>,
): KeyPair<A> {
  checkKeyAlg(key.alg)
  const publicKey = isSignAlg(key.alg)
    ? provider.signPublicKey(key.alg, key.privateKey)
    : provider.dhPublicKey(key.alg as DhAlg, key.privateKey)
  return { alg: key.alg, publicKey, privateKey: key.privateKey }
}

/**
 * Text form of a public key: base64url (padded) of its DER SubjectPublicKeyInfo, as in URIs and logs.
 * @see ../shared/spec/smp.md §2.6
 * @throws CryptoKeyError when the key is not the size of its algorithm.
 */
export function encodePublicKeyStr(key: PublicKey): string {
  return base64urlEncode(encodePublicKey(key))
}

/**
 * Parse the text form of a public key; `decode` picks the roles accepted
 * (e.g. {@link decodePublicDhKey}), any algorithm by default.
 * @see ../shared/spec/smp.md §2.6
 * @throws DecodeError on empty or invalid base64url or malformed DER; CryptoKeyError as `decode`.
 */
export function parsePublicKeyStr<K extends PublicKey = PublicKey>(
  text: string,
  decode: (der: Uint8Array) => K = decodePublicKey as (der: Uint8Array) => K,
): K {
  return decode(base64urlParse(text))
}

/**
 * Text form of a private key: base64url (padded) of its DER PKCS#8.
 * @see ../shared/spec/smp.md §2.6
 * @throws CryptoKeyError when the key is not the size of its algorithm.
 */
export function encodePrivateKeyStr(key: PrivateKey): string {
  return base64urlEncode(encodePrivateKey(key))
}

/**
 * Parse the text form of a private key; `decode` picks the roles accepted, any algorithm by default.
 * @see ../shared/spec/smp.md §2.6
 * @throws DecodeError on empty or invalid base64url or malformed DER; CryptoKeyError as `decode`.
 */
export function parsePrivateKeyStr<K extends PrivateKey = PrivateKey>(
  text: string,
  decode: (der: Uint8Array) => K = decodePrivateKey as (der: Uint8Array) => K,
): K {
  return decode(base64urlParse(text))
}

/**
 * A private key as the reference's JSON holds it (ratchet state in the agent store):
 * `base64url(ascii(base64url(PKCS#8)))`, base64url applied twice. Returns the JSON string's content.
 * @see ../shared/spec/smp.md §2.6; vectors README, keys.json "Quirk"
 * @throws CryptoKeyError when the key is not the size of its algorithm.
 */
export function encodePrivateKeyJson(key: PrivateKey): string {
  return base64urlEncode(latin1(encodePrivateKeyStr(key)))
}

/**
 * Read a private key from the reference's JSON form (base64url twice; each layer padded or not).
 * @see ../shared/spec/smp.md §2.6; vectors README, keys.json "Quirk"
 * @throws DecodeError on invalid base64url at either layer or malformed DER; CryptoKeyError as `decode`.
 */
export function parsePrivateKeyJson<K extends PrivateKey = PrivateKey>(
  text: string,
  decode: (der: Uint8Array) => K = decodePrivateKey as (der: Uint8Array) => K,
): K {
  return decode(base64urlDecode(fromLatin1(base64urlParse(text))))
}
