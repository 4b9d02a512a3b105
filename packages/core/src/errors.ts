/**
 * Error base shared by every layer of simplex-ts.
 *
 * Every failure condition has its own class with a stable string `code`
 * (named as the reference implementation names it wherever it has a name),
 * so callers match on `err.code` or `instanceof`, never on message text.
 * Errors chain their origin through the standard `cause` property.
 */

/** Options accepted by every {@link SimplexError} constructor. */
export interface SimplexErrorOptions {
  /** The error that caused this one. */
  cause?: unknown
}

/**
 * Base class of every error thrown by simplex-ts.
 *
 * Subclasses fix `code` and `retriable`; `layer` names the package that raised it.
 */
export abstract class SimplexError extends Error {
  /** Stable machine-readable code, e.g. `DECODE`, `AUTH`, `CBDecryptError`. */
  abstract readonly code: string
  /** The protocol layer that raised the error (`core`, `transport`, `smp`, `agent`, `chat`, `storage`). */
  abstract readonly layer: string
  /** Whether repeating the same operation later may succeed (network loss, quota), decided once per class. */
  readonly retriable: boolean = false

  constructor(message: string, options?: SimplexErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
  }
}

/** Type guard: `true` when `e` is a {@link SimplexError} (optionally with the given code). */
export function isSimplexError(e: unknown, code?: string): e is SimplexError {
  return e instanceof SimplexError && (code === undefined || e.code === code)
}

/** Base of the errors raised by `@simplex-ts/core`. */
export abstract class CoreError extends SimplexError {
  override readonly layer = 'core'
}

/**
 * Input bytes or text could not be decoded: truncated input, trailing bytes,
 * a bad tag, a value out of range. Decoders throw nothing else.
 */
export class DecodeError extends CoreError {
  override readonly code = 'DECODE'
  /** Byte (or character) offset in the input where decoding failed, when known. */
  readonly offset: number | undefined
  constructor(message: string, options?: SimplexErrorOptions & { offset?: number }) {
    super(message, options)
    this.offset = options?.offset
  }
}

/** A value cannot be encoded: a string longer than its length prefix allows, an integer out of range. */
export class EncodeError extends CoreError {
  override readonly code = 'ENCODE'
}

/** Two version ranges have no version in common. */
export class VersionIncompatibleError extends CoreError {
  override readonly code = 'VERSION'
}

/** A message does not fit the padded length (`pad`), or a padded message is malformed (`unPad`). */
export class CryptoLargeMsgError extends CoreError {
  override readonly code = 'CryptoLargeMsgError'
}

/** `crypto_box` / secretbox authentication failed or the box is too short. */
export class CBDecryptError extends CoreError {
  override readonly code = 'CBDecryptError'
}

/** AES-256-GCM authentication failed. */
export class AESDecryptError extends CoreError {
  override readonly code = 'AESDecryptError'
}

/** An initialisation vector of the wrong size was supplied. */
export class CryptoIVError extends CoreError {
  override readonly code = 'CryptoIVError'
}

/** A key has the wrong algorithm, length or encoding for the operation. */
export class CryptoKeyError extends CoreError {
  override readonly code = 'CryptoKeyError'
}

/** A signature has an invalid length or does not match the key algorithm. */
export class CryptoSignatureError extends CoreError {
  override readonly code = 'CryptoSignatureError'
}
