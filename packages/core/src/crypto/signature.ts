/**
 * Signatures as SMP carries them: raw RFC 8032 bytes whose length alone names
 * the algorithm (64 → Ed25519, 114 → Ed448).
 *
 * @see ../shared/spec/smp.md §2.3
 */
import { CryptoSignatureError } from '../errors'
import type { PrivateKey, PublicKey } from './keys'
import { SIGNATURE_SIZE, checkSignAlg } from './params'
import type { CryptoProvider, SignAlg } from './provider'

/** A signature with the algorithm its length implies (`ASignature` in the reference). */
export interface Signature<A extends SignAlg = SignAlg> {
  /** Ed25519 (64 bytes) or Ed448 (114 bytes). */
  readonly alg: A
  /** Raw signature bytes. */
  readonly bytes: Uint8Array
}

/**
 * Read a signature, deciding the algorithm from its length as the reference does.
 * @see ../shared/spec/smp.md §2.3
 * @throws CryptoSignatureError when the length is neither 64 nor 114 (the reference's "bad signature size").
 */
export function decodeSignature(bytes: Uint8Array): Signature {
  if (bytes.length === SIGNATURE_SIZE.ed25519) return { alg: 'ed25519', bytes }
  if (bytes.length === SIGNATURE_SIZE.ed448) return { alg: 'ed448', bytes }
  throw new CryptoSignatureError(`bad signature size: ${bytes.length} bytes, expected 64 or 114`)
}

/**
 * Read an optional signature as SMP transmissions carry it: no bytes means unsigned.
 * @see ../shared/spec/smp.md §2.3
 * @throws CryptoSignatureError when a non-empty signature is neither 64 nor 114 bytes.
 */
export function decodeOptionalSignature(bytes: Uint8Array): Signature | undefined {
  return bytes.length === 0 ? undefined : decodeSignature(bytes)
}

/**
 * Sign `message` (RFC 8032, Ed448 with an empty context); deterministic.
 * @see ../shared/spec/smp.md §2.3
 * @throws CryptoKeyError when the key is not an Ed25519/Ed448 key of the right size.
 */
export function sign<A extends SignAlg>(
  provider: CryptoProvider,
  key: PrivateKey<A>,
  message: Uint8Array,
): Signature<A> {
  checkSignAlg(key.alg)
  return { alg: key.alg, bytes: provider.sign(key.alg, key.privateKey, message) }
}

/**
 * Verify a signature. `false` when the signature's algorithm differs from the key's (as the reference,
 * which the server then reports as `AUTH`), and for any invalid key or signature; never throws.
 * @see ../shared/spec/smp.md §2.3, §4.2
 */
export function verify(
  provider: CryptoProvider,
  key: PublicKey<SignAlg>,
  signature: Signature,
  message: Uint8Array,
): boolean {
  if (key.alg !== signature.alg) return false
  return provider.verify(key.alg, key.publicKey, message, signature.bytes)
}
