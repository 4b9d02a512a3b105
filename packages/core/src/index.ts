/**
 * `@simplex-ts/core`: the shared vocabulary of every simplex-ts layer.
 * @packageDocumentation
 */
export {
  SimplexError,
  type SimplexErrorOptions,
  isSimplexError,
  CoreError,
  DecodeError,
  EncodeError,
  VersionIncompatibleError,
  CryptoLargeMsgError,
  CBDecryptError,
  AESDecryptError,
  CryptoIVError,
  CryptoKeyError,
  CryptoSignatureError,
} from './errors'
export { pad, unpad } from './pad'

// --- codec ---
// --- end codec ---

// --- crypto ---
export type { AesGcmSealed, CryptoProvider, DhAlg, KeyAlg, KeyPair, SignAlg } from './crypto/provider'
// --- end crypto ---
