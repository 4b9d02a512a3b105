/**
 * AES-256-GCM as the reference uses it (ratchet headers and bodies): a
 * 16-byte IV, a 16-byte tag, and padding inside the encryption.
 *
 * @see ../shared/spec/agent.md §7.5–7.6
 */
import { CryptoIVError } from '../errors'
import { pad, unpad } from '../pad'
import { AES_IV_SIZE, checkAesKey } from './params'
import type { AesGcmSealed, CryptoProvider } from './provider'

// The reference builds its IV with cryptonite's makeIV, which takes exactly one AES block.
function checkIv(iv: Uint8Array): void {
  if (iv.length !== AES_IV_SIZE)
    throw new CryptoIVError(`expected ${AES_IV_SIZE}-byte AES-GCM IV, got ${iv.length}`)
}

/**
 * `AES-256-GCM(key, iv, ad, pad(message, paddedLength))` (the reference's `encryptAEAD`).
 * Checks run in the reference's order: IV, key, then padding.
 * @throws CryptoIVError when the IV is not 16 bytes.
 * @throws CryptoKeyError when the key is not 32 bytes (the reference's `AESCipherError`).
 * @throws CryptoLargeMsgError when the message does not fit `paddedLength`.
 */
export function encryptAEAD(
  provider: CryptoProvider,
  key: Uint8Array,
  iv: Uint8Array,
  paddedLength: number,
  ad: Uint8Array,
  message: Uint8Array,
): AesGcmSealed {
  checkIv(iv)
  checkAesKey(key)
  return provider.aesGcmEncrypt(key, iv, ad, pad(message, paddedLength))
}

/**
 * Authenticate and decrypt, then unpad (the reference's `decryptAEAD`).
 * @throws CryptoIVError when the IV is not 16 bytes; CryptoKeyError when the key is not 32 bytes.
 * @throws AESDecryptError when authentication fails.
 * @throws CryptoLargeMsgError when the authentic content is not validly padded.
 */
export function decryptAEAD(
  provider: CryptoProvider,
  key: Uint8Array,
  iv: Uint8Array,
  ad: Uint8Array,
  ciphertext: Uint8Array,
  authTag: Uint8Array,
): Uint8Array {
  checkIv(iv)
  checkAesKey(key)
  return unpad(provider.aesGcmDecrypt(key, iv, ad, ciphertext, authTag))
}

const NO_AD = new Uint8Array(0)

/**
 * {@link encryptAEAD} with empty associated data (the reference's `encryptAES`).
 * @throws as {@link encryptAEAD}.
 */
export function encryptAES(
  provider: CryptoProvider,
  key: Uint8Array,
  iv: Uint8Array,
  paddedLength: number,
  message: Uint8Array,
): AesGcmSealed {
  return encryptAEAD(provider, key, iv, paddedLength, NO_AD, message)
}

/**
 * {@link decryptAEAD} with empty associated data (the reference's `decryptAES`).
 * @throws as {@link decryptAEAD}.
 */
export function decryptAES(
  provider: CryptoProvider,
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  authTag: Uint8Array,
): Uint8Array {
  return decryptAEAD(provider, key, iv, NO_AD, ciphertext, authTag)
}
