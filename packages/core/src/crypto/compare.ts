/**
 * Constant-time byte comparison, for tags, key hashes and any other secret
 * that an attacker could otherwise learn byte by byte from timing.
 */

/**
 * Compare two byte arrays in time that depends only on their lengths.
 *
 * Lengths are public (they are visible on the wire), so arrays of different
 * lengths return `false` at once; equal-length arrays are always read in full.
 * `CryptoProvider.constantTimeEqual` is the same contract, backed by
 * `timingSafeEqual` in the native provider.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}
