/**
 * The pure-JS crypto provider over `@noble/curves`, `@noble/ciphers` and
 * `@noble/hashes`: runs in every JS runtime, browsers included.
 *
 * @see ../shared/spec/smp.md §2.2–2.5
 */
import { gcm } from '@noble/ciphers/aes.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { ed448, x448 } from '@noble/curves/ed448.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { AESDecryptError, CryptoKeyError } from '../errors'
import { constantTimeEqual } from './compare'
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
import type { AesGcmSealed, CryptoProvider, DhAlg, KeyPair, SignAlg } from './provider'

const SIGNERS = { ed25519, ed448 } as const
const DH = { x25519, x448 } as const

// getRandomValues fills at most 65536 bytes per call.
const RANDOM_CHUNK = 65536

function randomBytes(length: number): Uint8Array {
  checkLength(length, Number.MAX_SAFE_INTEGER, 'random')
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i += RANDOM_CHUNK) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(length, i + RANDOM_CHUNK)))
  }
  return out
}

function dh(alg: DhAlg, privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  checkDhAlg(alg)
  checkPrivateKey(alg, privateKey)
  checkPublicKey(alg, publicKey)
  try {
    return DH[alg].getSharedSecret(privateKey, publicKey)
  } catch (cause) {
    // noble refuses an all-zero result, i.e. a low-order public key.
    throw new CryptoKeyError(`${algName(alg)} public key gives an all-zero shared secret`, { cause })
  }
}

/**
 * The pure-JS provider: `@noble/*` for every primitive.
 *
 * Ed25519 verification uses noble's ZIP-215 rules, which accept small-order and
 * non-canonically encoded public keys as OpenSSL and the reference (cryptonite)
 * do; strict mode would reject them and disagree with both. Only crafted
 * signatures with torsion components can still verify differently (noble checks
 * the cofactored equation, OpenSSL and cryptonite the cofactorless one).
 */
export const nobleCrypto: CryptoProvider = Object.freeze<CryptoProvider>({
  name: 'noble',

  randomBytes,

  sha256: (data) => sha256(data),
  sha512: (data) => sha512(data),

  hkdfSha512(salt, ikm, info, length) {
    checkLength(length, HKDF_SHA512_MAX, 'HKDF-SHA512 output')
    return hkdf(sha512, ikm, salt, info, length)
  },

  generateSignKeyPair<A extends SignAlg>(alg: A): KeyPair<A> {
    checkSignAlg(alg)
    const privateKey = SIGNERS[alg].utils.randomSecretKey()
    return { alg, publicKey: SIGNERS[alg].getPublicKey(privateKey), privateKey }
  },

  signPublicKey(alg, privateKey) {
    checkSignAlg(alg)
    checkPrivateKey(alg, privateKey)
    return SIGNERS[alg].getPublicKey(privateKey)
  },

  sign(alg, privateKey, message) {
    checkSignAlg(alg)
    checkPrivateKey(alg, privateKey)
    return SIGNERS[alg].sign(message, privateKey)
  },

  verify(alg, publicKey, message, signature) {
    if (!verifiable(alg, publicKey, signature)) return false
    try {
      return alg === 'ed25519'
        ? ed25519.verify(signature, message, publicKey, { zip215: true })
        : ed448.verify(signature, message, publicKey)
    } catch {
      return false
    }
  },

  generateDhKeyPair<A extends DhAlg>(alg: A): KeyPair<A> {
    checkDhAlg(alg)
    const privateKey = DH[alg].utils.randomSecretKey()
    return { alg, publicKey: DH[alg].getPublicKey(privateKey), privateKey }
  },

  dhPublicKey(alg, privateKey) {
    checkDhAlg(alg)
    checkPrivateKey(alg, privateKey)
    return DH[alg].getPublicKey(privateKey)
  },

  dh,

  aesGcmEncrypt(key, iv, ad, plaintext): AesGcmSealed {
    checkAesKey(key)
    checkGcmIv(iv)
    const sealed = gcm(key, iv, ad).encrypt(plaintext)
    const split = sealed.length - AUTH_TAG_SIZE
    return { ciphertext: sealed.subarray(0, split), authTag: sealed.subarray(split) }
  },

  aesGcmDecrypt(key, iv, ad, ciphertext, authTag) {
    checkAesKey(key)
    checkGcmIv(iv)
    if (authTag.length !== AUTH_TAG_SIZE) {
      throw new AESDecryptError(`expected ${AUTH_TAG_SIZE}-byte AES-GCM tag, got ${authTag.length}`)
    }
    const sealed = new Uint8Array(ciphertext.length + AUTH_TAG_SIZE)
    sealed.set(ciphertext)
    sealed.set(authTag, ciphertext.length)
    try {
      return gcm(key, iv, ad).decrypt(sealed)
    } catch (cause) {
      throw new AESDecryptError('AES-GCM authentication failed', { cause })
    }
  },

  cryptoBoxBeforeNm,
  secretbox,
  secretboxOpen,
  constantTimeEqual,
})

/** The provider `#default-crypto` resolves to outside Node: {@link nobleCrypto}. */
export { nobleCrypto as platformCrypto }
