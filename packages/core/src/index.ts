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
export {
  Encoder,
  Decoder,
  decodeAll,
  encode,
  concatBytes,
  equalBytes,
  latin1,
  fromLatin1,
  utf8,
  fromUtf8,
  toHex,
  fromHex,
} from './codec'
export {
  type VersionRange,
  versionRange,
  isInRange,
  compatibleVersion,
  negotiateVersion,
  formatVersionRange,
} from './version'
export {
  base64urlEncode,
  base64urlDecode,
  base64urlParse,
  parseWord16,
  encodeVersionRangeStr,
  parseVersionRangeStr,
  encodeStrList,
  parseStrList,
} from './strings'
// --- end codec ---

// --- crypto ---
export type { AesGcmSealed, CryptoProvider, DhAlg, KeyAlg, KeyPair, SignAlg } from './crypto/provider'
// --- end crypto ---
