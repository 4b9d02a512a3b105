/**
 * Errors raised by the SMP relay itself (configuration, certificates, sockets,
 * persistence). Protocol errors answered to clients (`ERR AUTH`, `ERR QUOTA`…)
 * are values of {@link SmpErrorType}, never thrown.
 */
import { SimplexError, type SimplexErrorOptions } from '@simplex-ts/core'

/** Base of every error thrown by `@simplex-ts/smp-server`. */
export abstract class SmpServerError extends SimplexError {
  override readonly layer = 'smp-server'
}

/** The configuration file is missing a required value or holds a malformed one. */
export class ServerConfigError extends SmpServerError {
  override readonly code = 'CONFIG'
  /** The config file in question, when known. */
  readonly file: string | undefined
  constructor(message: string, options?: SimplexErrorOptions & { file?: string }) {
    super(message, options)
    this.file = options?.file
  }
}

/** The command line could not be understood (unknown command or option, missing value). */
export class CliUsageError extends SmpServerError {
  override readonly code = 'USAGE'
}

/** `init` was run on a folder that already holds a server configuration. */
export class AlreadyInitializedError extends SmpServerError {
  override readonly code = 'ALREADY_INITIALIZED'
}

/** `start` was run on a folder without a server configuration. */
export class NotInitializedError extends SmpServerError {
  override readonly code = 'NOT_INITIALIZED'
}

/** A certificate or key file the server needs is missing or unreadable. */
export class CertificateMissingError extends SmpServerError {
  override readonly code = 'CERTIFICATE_MISSING'
  /** The missing file. */
  readonly file: string
  constructor(message: string, file: string, options?: SimplexErrorOptions) {
    super(message, options)
    this.file = file
  }
}

/** The saved `fingerprint` file does not match the CA certificate (the reference's "Stored fingerprint is invalid"). */
export class FingerprintMismatchError extends SmpServerError {
  override readonly code = 'FINGERPRINT'
}

/** The TCP port the server should listen on is already taken. */
export class PortInUseError extends SmpServerError {
  override readonly code = 'PORT_IN_USE'
  override readonly retriable = true
  /** The port that could not be bound. */
  readonly port: number
  constructor(port: number, options?: SimplexErrorOptions) {
    super(`port ${port} is already in use`, options)
    this.port = port
  }
}

/** A store log or message log could not be read, written or synced. */
export class StoreLogError extends SmpServerError {
  override readonly code = 'STORE_LOG'
}

/** An operation was attempted on a store that was already closed. */
export class StoreClosedError extends SmpServerError {
  override readonly code = 'STORE_CLOSED'
}

/**
 * SMP error types the relay answers with (`ERR <type>`), spelled as on the wire.
 * @see ../shared/spec/smp.md §7
 */
export type SmpErrorType =
  | 'BLOCK'
  | 'SESSION'
  | 'CMD UNKNOWN'
  | 'CMD SYNTAX'
  | 'CMD PROHIBITED'
  | 'CMD NO_AUTH'
  | 'CMD HAS_AUTH'
  | 'CMD NO_ENTITY'
  | 'AUTH'
  | 'QUOTA'
  | 'NO_MSG'
  | 'LARGE_MSG'
  | 'INTERNAL'
