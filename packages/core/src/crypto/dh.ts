/**
 * Diffie-Hellman over typed keys: X25519 for SMP queues and the per-queue
 * crypto_box, X448 for the agent's X3DH and double ratchet.
 *
 * @see ../shared/spec/smp.md §2.2, §8.1
 */
import { CryptoKeyError } from '../errors'
import type { PrivateKey, PublicKey } from './keys'
import { algName, checkDhAlg } from './params'
import type { CryptoProvider, DhAlg } from './provider'

/**
 * The raw shared secret of `publicKey` and `privateKey` (32 bytes X25519, 56 bytes X448),
 * the reference's `dh'` (same argument order).
 * @see ../shared/spec/smp.md §2.2
 * @throws CryptoKeyError when the keys' algorithms differ or are not DH, a key has the wrong size,
 *   or the public key is of low order (all-zero secret).
 */
export function dh<A extends DhAlg>(
  provider: CryptoProvider,
  publicKey: PublicKey<A>,
  privateKey: PrivateKey<A>,
): Uint8Array {
  checkDhAlg(privateKey.alg)
  if (publicKey.alg !== privateKey.alg) {
    throw new CryptoKeyError(
      `DH between a ${algName(publicKey.alg)} public key and a ${algName(privateKey.alg)} private key`,
    )
  }
  return provider.dh(privateKey.alg, privateKey.privateKey, publicKey.publicKey)
}
