/**
 * Platform default provider. `#default-crypto` is a package.json `imports`
 * entry whose `node` condition points at the native provider and whose
 * `default` points at noble, so a browser bundle never reaches `node:crypto`.
 */
import { platformCrypto } from '#default-crypto'
import type { CryptoProvider } from './provider'

/**
 * The provider for this runtime: `nativeCrypto` (OpenSSL through `node:crypto`)
 * on Node, `nobleCrypto` (pure JS) everywhere else. Resolved once, when the
 * package is loaded; pass `nobleCrypto` / `nativeCrypto` explicitly to choose.
 *
 * @see ../shared/spec/smp.md §2.2–2.5
 */
export function defaultCrypto(): CryptoProvider {
  return platformCrypto
}
