/**
 * The Node provider: `node:crypto` (OpenSSL) for every primitive Node has;
 * for XSalsa20-Poly1305, which OpenSSL lacks, libsodium's WebAssembly build
 * (the shared noble code when WebAssembly is unavailable), and the noble
 * HSalsa20 (once per queue secret, so not worth a call into wasm).
 *
 * Node-only: reachable through `@simplex-ts/core/native` and, on Node, the
 * `#default-crypto` import behind `defaultCrypto()`; never from a browser bundle.
 *
 * @see ../shared/spec/smp.md §2.2–2.5
 */
import {
  type KeyObject,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hash,
  hkdfSync,
  randomFillSync,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
} from 'node:crypto'
import { AESDecryptError, CryptoKeyError } from '../errors'
import { PKCS8_PREFIX, SPKI_PREFIX, withPrefix } from './der'
import { cryptoBoxBeforeNm, secretbox, secretboxOpen } from './nacl'
import {
  AUTH_TAG_SIZE,
  HKDF_SHA512_MAX,
  verifiable,
  algName,
  checkAesKey,
  checkDhAlg,
  checkGcmIv,
  checkLength,
  checkPrivateKey,
  checkPublicKey,
  checkSignAlg,
} from './params'
import type { AesGcmSealed, CryptoProvider, DhAlg, KeyAlg, KeyPair, SignAlg } from './provider'
import { loadSodiumSecretbox } from './sodium'

/** libsodium's secretbox, loaded once with this module (about 30 ms); `undefined` without WebAssembly. */
const sodium = await loadSodiumSecretbox()

// Node's hkdfSync refuses info longer than this; longer info takes the HMAC path.
const NODE_HKDF_MAX_INFO = 1024
// Node's randomFillSync fills at most 2^31-1 bytes per call.
const RANDOM_CHUNK = 0x7fffffff

/** A zero-copy `Uint8Array` view of a Node `Buffer`, so callers never see `Buffer` in results. */
function bytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/** A `Buffer` over the same memory, for the `node:crypto` key parsers that want one. */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

/**
 * Parsed KeyObjects, keyed by the caller's key array. Importing a raw key costs a
 * scalar multiplication (OpenSSL derives the public point), more than the signature
 * itself, and callers sign and verify with the same stored key again and again.
 * Each entry keeps a copy of the bytes it was built from, so a key array changed in
 * place is re-imported instead of reusing a stale object; entries die with the array.
 */
interface CachedKey {
  readonly alg: KeyAlg
  readonly raw: Uint8Array
  readonly key: KeyObject
}
const privateKeys = new WeakMap<Uint8Array, CachedKey>()
const publicKeys = new WeakMap<Uint8Array, CachedKey>()

function cached(cache: WeakMap<Uint8Array, CachedKey>, alg: KeyAlg, raw: Uint8Array, make: () => KeyObject) {
  const hit = cache.get(raw)
  if (hit !== undefined && hit.alg === alg && timingSafeEqual(hit.raw, raw)) return hit.key
  const key = make()
  cache.set(raw, { alg, raw: raw.slice(), key })
  return key
}

function privateKeyObject(alg: KeyAlg, raw: Uint8Array): KeyObject {
  checkPrivateKey(alg, raw)
  return cached(privateKeys, alg, raw, () =>
    createPrivateKey({ key: asBuffer(withPrefix(PKCS8_PREFIX[alg], raw)), format: 'der', type: 'pkcs8' }),
  )
}

function publicKeyObject(alg: KeyAlg, raw: Uint8Array): KeyObject {
  checkPublicKey(alg, raw)
  return cached(publicKeys, alg, raw, () =>
    createPublicKey({ key: asBuffer(withPrefix(SPKI_PREFIX[alg], raw)), format: 'der', type: 'spki' }),
  )
}

/** The raw public key held by a private KeyObject (JWK export is far cheaper than DER here). */
function rawPublicKey(key: KeyObject): Uint8Array {
  const { x } = key.export({ format: 'jwk' })
  return bytes(Buffer.from(x!, 'base64url'))
}

function generateKeyPair<A extends KeyAlg>(alg: A): KeyPair<A> {
  // OpenSSL's own generation (clamped scalars for X25519/X448) is cheaper than importing random bytes.
  // (The four overloads differ only in the algorithm literal; one of them types the call.)
  const { privateKey: key } = generateKeyPairSync(alg as 'ed25519')
  const { d, x } = key.export({ format: 'jwk' })
  const privateKey = bytes(Buffer.from(d!, 'base64url'))
  const publicKey = bytes(Buffer.from(x!, 'base64url'))
  privateKeys.set(privateKey, { alg, raw: privateKey.slice(), key })
  return { alg, publicKey, privateKey }
}

function randomBytes(length: number): Uint8Array {
  checkLength(length, Number.MAX_SAFE_INTEGER, 'random')
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i += RANDOM_CHUNK) randomFillSync(out, i, Math.min(RANDOM_CHUNK, length - i))
  return out
}

/** RFC 5869 over HMAC-SHA512, for the inputs `hkdfSync` refuses. */
function hkdfHmac(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = createHmac('sha512', salt).update(ikm).digest()
  const out = new Uint8Array(length)
  let block: Uint8Array = new Uint8Array(0)
  for (let i = 0, counter = 1; i < length; i += 64, counter++) {
    block = createHmac('sha512', prk).update(block).update(info).update(Uint8Array.of(counter)).digest()
    out.set(block.subarray(0, Math.min(64, length - i)), i)
  }
  return out
}

/** The Node provider: OpenSSL through `node:crypto`, libsodium (wasm) for XSalsa20-Poly1305. */
export const nativeCrypto: CryptoProvider = Object.freeze<CryptoProvider>({
  name: sodium === undefined ? 'native (noble secretbox)' : 'native',

  randomBytes,

  // one-shot crypto.hash (Node ≥ 20.12) halves the per-call cost of createHash on short inputs
  sha256: (data) => bytes(hash('sha256', data, 'buffer')),
  sha512: (data) => bytes(hash('sha512', data, 'buffer')),

  hkdfSha512(salt, ikm, info, length) {
    checkLength(length, HKDF_SHA512_MAX, 'HKDF-SHA512 output')
    if (length === 0) return new Uint8Array(0)
    if (info.length > NODE_HKDF_MAX_INFO) return hkdfHmac(salt, ikm, info, length)
    return new Uint8Array(hkdfSync('sha512', ikm, salt, info, length))
  },

  generateSignKeyPair<A extends SignAlg>(alg: A): KeyPair<A> {
    checkSignAlg(alg)
    return generateKeyPair(alg)
  },

  signPublicKey(alg, privateKey) {
    checkSignAlg(alg)
    return rawPublicKey(privateKeyObject(alg, privateKey))
  },

  sign(alg, privateKey, message) {
    checkSignAlg(alg)
    return bytes(nodeSign(null, message, privateKeyObject(alg, privateKey)))
  },

  verify(alg, publicKey, message, signature) {
    if (!verifiable(alg, publicKey, signature)) return false
    try {
      return nodeVerify(null, message, publicKeyObject(alg, publicKey), signature)
    } catch {
      return false
    }
  },

  generateDhKeyPair<A extends DhAlg>(alg: A): KeyPair<A> {
    checkDhAlg(alg)
    return generateKeyPair(alg)
  },

  dhPublicKey(alg, privateKey) {
    checkDhAlg(alg)
    return rawPublicKey(privateKeyObject(alg, privateKey))
  },

  dh(alg, privateKey, publicKey) {
    checkDhAlg(alg)
    const priv = privateKeyObject(alg, privateKey)
    const pub = publicKeyObject(alg, publicKey)
    try {
      return bytes(diffieHellman({ privateKey: priv, publicKey: pub }))
    } catch (cause) {
      // OpenSSL refuses an all-zero result, i.e. a low-order public key.
      throw new CryptoKeyError(`${algName(alg)} public key gives an all-zero shared secret`, { cause })
    }
  },

  aesGcmEncrypt(key, iv, ad, plaintext): AesGcmSealed {
    checkAesKey(key)
    checkGcmIv(iv)
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: AUTH_TAG_SIZE })
    cipher.setAAD(ad)
    const ciphertext = bytes(cipher.update(plaintext))
    cipher.final()
    return { ciphertext, authTag: bytes(cipher.getAuthTag()) }
  },

  aesGcmDecrypt(key, iv, ad, ciphertext, authTag) {
    checkAesKey(key)
    checkGcmIv(iv)
    if (authTag.length !== AUTH_TAG_SIZE) {
      throw new AESDecryptError(`expected ${AUTH_TAG_SIZE}-byte AES-GCM tag, got ${authTag.length}`)
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: AUTH_TAG_SIZE })
    decipher.setAAD(ad)
    decipher.setAuthTag(authTag)
    const plaintext = decipher.update(ciphertext)
    try {
      decipher.final()
    } catch (cause) {
      plaintext.fill(0)
      throw new AESDecryptError('AES-GCM authentication failed', { cause })
    }
    return bytes(plaintext)
  },

  cryptoBoxBeforeNm,
  secretbox: sodium?.secretbox ?? secretbox,
  secretboxOpen: sodium?.secretboxOpen ?? secretboxOpen,

  constantTimeEqual(a, b) {
    return a.length === b.length && timingSafeEqual(a, b)
  },
})

/** The provider `#default-crypto` resolves to on Node: {@link nativeCrypto}. */
export { nativeCrypto as platformCrypto }
