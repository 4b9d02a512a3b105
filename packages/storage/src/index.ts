/**
 * `@simplex-ts/storage`: one transactional storage interface for the agent and
 * chat layers, the in-memory adapter, ordered-key helpers and encrypted
 * archives. The SQLite adapter is `@simplex-ts/storage/sqlite` (Node), the
 * IndexedDB adapter `@simplex-ts/storage/idb` (browsers), so a bundle only
 * pulls in the store its platform has.
 * @packageDocumentation
 */
export type { Entry, RangeOptions, ReadTx, Tx, Storage } from './storage'
export { MAX_NAMESPACE_BYTES } from './storage'
export { createMemoryStorage } from './memory'
export { compareBytes, prefixEnd } from './bytes'
export {
  encodeKey,
  decodeKey,
  type KeyPart,
  type KeyPartType,
  type KeyPartValue,
  type DecodedKey,
} from './keys'
export {
  exportArchive,
  importArchive,
  readArchive,
  inspectArchive,
  getGeneration,
  ARCHIVE_FORMAT_VERSION,
  META_NAMESPACE,
  DEFAULT_KDF,
  MAX_KDF_MEMORY,
  type KdfParams,
  type ExportOptions,
  type ImportOptions,
  type ImportResult,
  type ArchiveHeader,
  type ArchiveNamespace,
  type ArchiveContents,
} from './archive'
export {
  StorageError,
  StorageClosedError,
  TransactionClosedError,
  ReadOnlyTransactionError,
  InvalidNamespaceError,
  InvalidKeyError,
  InvalidValueError,
  InvalidRangeError,
  StorageBackendError,
  StorageBusyError,
  StorageFullError,
  PassphraseRequiredError,
  InvalidKdfParamsError,
  WrongPassphraseError,
  ArchiveTruncatedError,
  ArchiveCorruptError,
  ArchiveVersionError,
  ArchiveNotEncryptedError,
  OlderGenerationError,
} from './errors'
