/**
 * The double ratchet's key derivation: HKDF-SHA512 with 96 output bytes
 * split into three 32-byte keys.
 *
 * @see ../shared/spec/agent.md §7.3
 */
import type { CryptoProvider } from './provider'

/** Three 32-byte outputs of {@link hkdf3}. */
export type Hkdf3Output = readonly [Uint8Array, Uint8Array, Uint8Array]

/**
 * `HKDF-SHA512(salt, ikm, info)` to 96 bytes, split 32/32/32 (the reference's `hkdf3`).
 * The root KDF uses info `SimpleXRootRatchet`, the chain KDF an empty salt and `SimpleXChainRatchet`.
 */
export function hkdf3(
  provider: CryptoProvider,
  salt: Uint8Array,
  ikm: Uint8Array,
  info: Uint8Array,
): Hkdf3Output {
  const out = provider.hkdfSha512(salt, ikm, info, 96)
  return [out.subarray(0, 32), out.subarray(32, 64), out.subarray(64, 96)]
}
