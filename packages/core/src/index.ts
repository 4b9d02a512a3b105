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
export { EventHub } from './events'
export { abortable } from './abort'

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
export { defaultCrypto } from './crypto/default'
export { nobleCrypto } from './crypto/noble'
export { constantTimeEqual } from './crypto/compare'
export {
  PUBLIC_KEY_SIZE,
  PRIVATE_KEY_SIZE,
  SIGNATURE_SIZE,
  DH_SECRET_SIZE,
  AES_KEY_SIZE,
  AES_IV_SIZE,
  AUTH_TAG_SIZE,
  CB_NONCE_SIZE,
} from './crypto/params'
export {
  type PublicKey,
  type PrivateKey,
  encodePublicKey,
  encodePrivateKey,
  decodePublicKey,
  decodePublicVerifyKey,
  decodePublicDhKey,
  decodePublicKeyOf,
  decodePrivateKey,
  decodePrivateSignKey,
  decodePrivateDhKey,
  decodePrivateKeyOf,
  keyPairFromPrivate,
  encodePublicKeyStr,
  parsePublicKeyStr,
  encodePrivateKeyStr,
  parsePrivateKeyStr,
  encodePrivateKeyJson,
  parsePrivateKeyJson,
} from './crypto/keys'
export { type Signature, decodeSignature, decodeOptionalSignature, sign, verify } from './crypto/signature'
export { dh } from './crypto/dh'
export { cbEncrypt, cbDecrypt, cbNonce, randomCbNonce } from './crypto/box'
export { encryptAEAD, decryptAEAD, encryptAES, decryptAES } from './crypto/aead'
export { type Hkdf3Output, hkdf3 } from './crypto/kdf'
// --- end crypto ---
