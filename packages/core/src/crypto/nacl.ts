/**
 * NaCl `crypto_box_beforenm` and `crypto_secretbox` (XSalsa20-Poly1305) over
 * `@noble/ciphers`. Node has no Salsa20, so both providers use this code.
 *
 * @see ../shared/spec/smp.md §2.5
 */
import { hsalsa, xsalsa20poly1305 } from '@noble/ciphers/salsa.js'
import { CBDecryptError } from '../errors'
import { AUTH_TAG_SIZE, checkCbNonce, checkSecretboxKey, checkX25519Secret } from './params'

// 'expand 32-byte k': the Salsa20 constant that HSalsa20 mixes with the key.
const SIGMA = new Uint32Array(new TextEncoder().encode('expand 32-byte k').buffer)
const ZERO_INPUT = new Uint32Array(4)

/**
 * HSalsa20(secret, 16 zero bytes): NaCl `crypto_box_beforenm` on a raw X25519 secret.
 * @see ../shared/spec/smp.md §2.5
 * @throws CryptoKeyError when the secret is not 32 bytes.
 */
export function cryptoBoxBeforeNm(dhSecret: Uint8Array): Uint8Array {
  checkX25519Secret(dhSecret)
  // hsalsa reads native-endian words of the byte strings; a copy gives an aligned buffer.
  const key = new Uint32Array(dhSecret.slice().buffer)
  const out = new Uint32Array(8)
  hsalsa(SIGMA, key, ZERO_INPUT, out)
  key.fill(0)
  return new Uint8Array(out.buffer)
}

/**
 * XSalsa20-Poly1305 seal, `tag(16) ‖ ciphertext` (libsodium `crypto_secretbox_easy` layout).
 * @see ../shared/spec/smp.md §2.5
 * @throws CryptoKeyError when the key is not 32 bytes; CryptoIVError when the nonce is not 24 bytes.
 */
export function secretbox(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkSecretboxKey(key)
  checkCbNonce(nonce)
  return xsalsa20poly1305(key, nonce).encrypt(plaintext)
}

/**
 * Open a `tag ‖ ciphertext` secretbox; the tag is checked (in constant time) before anything is returned.
 * @see ../shared/spec/smp.md §2.5
 * @throws CBDecryptError when shorter than a tag or not authentic.
 * @throws CryptoKeyError when the key is not 32 bytes; CryptoIVError when the nonce is not 24 bytes.
 */
export function secretboxOpen(key: Uint8Array, nonce: Uint8Array, box: Uint8Array): Uint8Array {
  checkSecretboxKey(key)
  checkCbNonce(nonce)
  if (box.length < AUTH_TAG_SIZE) {
    throw new CBDecryptError(`secretbox of ${box.length} bytes is shorter than its ${AUTH_TAG_SIZE}-byte tag`)
  }
  try {
    return xsalsa20poly1305(key, nonce).decrypt(box)
  } catch (cause) {
    throw new CBDecryptError('secretbox authentication failed', { cause })
  }
}
