/**
 * Typed errors of `@simplex-ts/storage`.
 *
 * One class per condition, each with a stable `code`; callers match on `code`
 * or `instanceof`, never on message text. Every class has `layer = 'storage'`.
 */
import { SimplexError, type SimplexErrorOptions } from '@simplex-ts/core'

/** Base of every error raised by `@simplex-ts/storage`. */
export abstract class StorageError extends SimplexError {
  override readonly layer = 'storage'
}

/** An operation was attempted on a store after `close()` was called. */
export class StorageClosedError extends StorageError {
  override readonly code = 'STORAGE_CLOSED'
}

/**
 * A `Tx` handle was used after its transaction had committed or rolled back
 * (for example a handle leaked out of the callback, or an un-awaited call that
 * ran late). Refusing keeps transactions isolated.
 */
export class TransactionClosedError extends StorageError {
  override readonly code = 'TX_CLOSED'
}

/** `put` or `delete` was called on the handle of a read-only transaction (`read()`). */
export class ReadOnlyTransactionError extends StorageError {
  override readonly code = 'TX_READ_ONLY'
}

/** A namespace is not a non-empty, well-formed string of at most 255 UTF-8 bytes without NUL. */
export class InvalidNamespaceError extends StorageError {
  override readonly code = 'INVALID_NAMESPACE'
}

/** A key is not a `Uint8Array`. */
export class InvalidKeyError extends StorageError {
  override readonly code = 'INVALID_KEY'
}

/** A value is not a `Uint8Array`. */
export class InvalidValueError extends StorageError {
  override readonly code = 'INVALID_VALUE'
}

/** Range options are inconsistent (`gt` with `gte`, a negative `limit`, a bound that is not bytes). */
export class InvalidRangeError extends StorageError {
  override readonly code = 'INVALID_RANGE'
}

/**
 * The underlying database failed (I/O error, quota exceeded, a corrupt file,
 * a record written by something else). The original error is the `cause`.
 */
export class StorageBackendError extends StorageError {
  override readonly code = 'STORAGE_BACKEND'
}

/**
 * The database is full: the disk (SQLite `SQLITE_FULL`) or the origin's quota
 * (IndexedDB `QuotaExceededError`). The transaction was rolled back.
 */
export class StorageFullError extends StorageError {
  override readonly code = 'STORAGE_FULL'
}

/**
 * Another process holds the database's write lock longer than the busy timeout
 * (SQLite `SQLITE_BUSY`). Retrying later may succeed.
 */
export class StorageBusyError extends StorageError {
  override readonly code = 'STORAGE_BUSY'
  override readonly retriable = true
}

/** An archive operation needs a passphrase (encrypted archive, or export without `encrypt: false`). */
export class PassphraseRequiredError extends StorageError {
  override readonly code = 'PASSPHRASE_REQUIRED'
}

/** Export options are invalid: scrypt parameters outside log2N 1…30, r 1…255, p 1…16 or above 1 GiB of memory. */
export class InvalidKdfParamsError extends StorageError {
  override readonly code = 'INVALID_KDF_PARAMS'
}

/** The passphrase does not match the archive's key check: nothing was decrypted or written. */
export class WrongPassphraseError extends StorageError {
  override readonly code = 'WRONG_PASSPHRASE'
}

/** The archive is shorter than its header says: a partial download or copy. Nothing was written. */
export class ArchiveTruncatedError extends StorageError {
  override readonly code = 'ARCHIVE_TRUNCATED'
}

/**
 * The archive is not an archive (bad magic), fails its integrity check
 * (authentication tag, checksum), has trailing bytes, or its content is
 * malformed. Nothing was written.
 */
export class ArchiveCorruptError extends StorageError {
  override readonly code = 'ARCHIVE_CORRUPT'
}

/** The archive's format version (or its KDF/cipher) is not one this release reads. */
export class ArchiveVersionError extends StorageError {
  override readonly code = 'ARCHIVE_VERSION'
  /** The format version found in the archive header. */
  readonly formatVersion: number
  constructor(message: string, options: SimplexErrorOptions & { formatVersion: number }) {
    super(message, options)
    this.formatVersion = options.formatVersion
  }
}

/**
 * The archive is not encrypted but the import asked for a passphrase-protected
 * one: an unencrypted archive carries no authentication, so it is refused unless
 * `allowUnencrypted` is set.
 */
export class ArchiveNotEncryptedError extends StorageError {
  override readonly code = 'ARCHIVE_NOT_ENCRYPTED'
}

/**
 * The archive is older (lower generation) than the store it would replace.
 * Running a profile from an old copy makes ratchets diverge and two devices fight
 * over the same queues (`../shared/spec/archive.md §1.6`), so it is refused
 * unless `onOlderGeneration: 'warn'`, in which case it is returned as a warning.
 */
export class OlderGenerationError extends StorageError {
  override readonly code = 'OLDER_GENERATION'
  /** Generation recorded in the archive. */
  readonly archiveGeneration: number
  /** Generation of the store the archive would replace. */
  readonly storeGeneration: number
  constructor(
    message: string,
    options: SimplexErrorOptions & { archiveGeneration: number; storeGeneration: number },
  ) {
    super(message, options)
    this.archiveGeneration = options.archiveGeneration
    this.storeGeneration = options.storeGeneration
  }
}
