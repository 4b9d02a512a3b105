/**
 * `crypto_box` as SMP uses it everywhere: pad, then NaCl secretbox keyed by
 * HSalsa20 of the raw X25519 secret, tag first.
 *
 * @see ../shared/spec/smp.md §2.5
 */
import { pad, unpad } from '../pad'
import { CB_NONCE_SIZE, checkCbNonce } from './params'
import type { CryptoProvider } from './provider'

/**
 * Encrypt `pad(message, paddedLength)` with NaCl `crypto_box` keyed by a raw X25519 shared secret.
 * Returns `tag(16) ‖ ciphertext`, `paddedLength + 16` bytes (the reference's `cbEncrypt`).
 * @see ../shared/spec/smp.md §2.5
 * @throws CryptoLargeMsgError when the message does not fit `paddedLength`.
 * @throws CryptoKeyError when the secret is not 32 bytes; CryptoIVError when the nonce is not 24 bytes.
 */
export function cbEncrypt(
  provider: CryptoProvider,
  dhSecret: Uint8Array,
  nonce: Uint8Array,
  message: Uint8Array,
  paddedLength: number,
): Uint8Array {
  checkCbNonce(nonce)
  const key = provider.cryptoBoxBeforeNm(dhSecret)
  return provider.secretbox(key, nonce, pad(message, paddedLength))
}

/**
 * Authenticate, decrypt and unpad a `crypto_box` packet (the reference's `cbDecrypt`).
 * Padding is read only after the tag has been verified.
 * @see ../shared/spec/smp.md §2.5
 * @throws CBDecryptError when the packet is shorter than 16 bytes or not authentic.
 * @throws CryptoLargeMsgError when the authentic content is not validly padded.
 * @throws CryptoKeyError when the secret is not 32 bytes; CryptoIVError when the nonce is not 24 bytes.
 */
export function cbDecrypt(
  provider: CryptoProvider,
  dhSecret: Uint8Array,
  nonce: Uint8Array,
  packet: Uint8Array,
): Uint8Array {
  checkCbNonce(nonce)
  const key = provider.cryptoBoxBeforeNm(dhSecret)
  return unpad(provider.secretboxOpen(key, nonce, packet))
}

/**
 * A 24-byte nonce from any bytes: longer input is truncated, shorter is right-padded with zeros
 * (the reference's `cbNonce`, used where a message id serves as the nonce).
 * @see ../shared/spec/smp.md §2.5, §8.2
 */
export function cbNonce(bytes: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(CB_NONCE_SIZE)
  nonce.set(bytes.subarray(0, CB_NONCE_SIZE))
  return nonce
}

/**
 * A fresh random 24-byte nonce (the reference's `randomCbNonce`).
 * @see ../shared/spec/smp.md §2.5
 */
export function randomCbNonce(provider: CryptoProvider): Uint8Array {
  return provider.randomBytes(CB_NONCE_SIZE)
}
