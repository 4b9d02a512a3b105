/**
 * SMP protocol errors: every `ErrorType` and `CommandError` of the reference
 * as a typed error class whose `code` is the error's wire text (`AUTH`,
 * `CMD SYNTAX`, …), so logs read the same as the reference's.
 *
 * The same classes serve both directions: a client turns a received
 * `ERR <type>` into one with {@link smpErrorFromType}; a server (or this
 * codec's own parsers) throws one and sends `ERR err.code` back.
 *
 * @see ../shared/spec/smp.md §7
 */
import { SimplexError, type SimplexErrorOptions } from '@simplex-ts/core'

/**
 * The reference's `CommandError`: why a command was rejected before it ran.
 * @see ../shared/spec/smp.md §7
 */
export type CommandErrorType = 'UNKNOWN' | 'SYNTAX' | 'PROHIBITED' | 'NO_AUTH' | 'HAS_AUTH' | 'NO_ENTITY'

/**
 * The reference's `ErrorType` in its wire text form (`ERR <ErrorType>`).
 * `DUPLICATE_` is internal to the reference server and never sent, but it is encodable and parsable.
 * @see ../shared/spec/smp.md §7
 */
export type ErrorType =
  | 'BLOCK'
  | 'SESSION'
  | `CMD ${CommandErrorType}`
  | 'AUTH'
  | 'QUOTA'
  | 'NO_MSG'
  | 'LARGE_MSG'
  | 'INTERNAL'
  | 'DUPLICATE_'

/** Every {@link CommandErrorType}, in the reference's declaration order. */
export const COMMAND_ERROR_TYPES: readonly CommandErrorType[] = Object.freeze([
  'UNKNOWN',
  'SYNTAX',
  'PROHIBITED',
  'NO_AUTH',
  'HAS_AUTH',
  'NO_ENTITY',
])

/** Every {@link ErrorType}, in the reference's declaration order. */
export const ERROR_TYPES: readonly ErrorType[] = Object.freeze([
  'BLOCK',
  'SESSION',
  ...COMMAND_ERROR_TYPES.map((e): ErrorType => `CMD ${e}`),
  'AUTH',
  'QUOTA',
  'NO_MSG',
  'LARGE_MSG',
  'INTERNAL',
  'DUPLICATE_',
])

/** Base of every error raised by `@simplex-ts/smp`. */
export abstract class SmpError extends SimplexError {
  override readonly layer = 'smp'
}

/**
 * An SMP protocol error: one the server sends as `ERR <code>`, or that a
 * receiving side derives while parsing a transmission (the reference's `ErrorType`).
 */
export abstract class SmpProtocolError extends SmpError {
  abstract override readonly code: ErrorType
}

/** Transmission or batch framing invalid, or a signature of invalid length (`BLOCK`). */
export class SmpBlockError extends SmpProtocolError {
  override readonly code = 'BLOCK'
}

/** The transmission's session id differs from the connection's (`SESSION`). */
export class SmpSessionError extends SmpProtocolError {
  override readonly code = 'SESSION'
}

/** Unknown command or response tag (`CMD UNKNOWN`). */
export class SmpCmdUnknownError extends SmpProtocolError {
  override readonly code = 'CMD UNKNOWN'
}

/** Known tag but malformed parameters or trailing bytes (`CMD SYNTAX`). */
export class SmpCmdSyntaxError extends SmpProtocolError {
  override readonly code = 'CMD SYNTAX'
}

/** `SUB` and `GET` mixed on one connection for one queue (`CMD PROHIBITED`). */
export class SmpCmdProhibitedError extends SmpProtocolError {
  override readonly code = 'CMD PROHIBITED'
}

/** A required signature or entity id is missing (`CMD NO_AUTH`). */
export class SmpCmdNoAuthError extends SmpProtocolError {
  override readonly code = 'CMD NO_AUTH'
}

/** A signature or entity id is present where it is not allowed (`CMD HAS_AUTH`). */
export class SmpCmdHasAuthError extends SmpProtocolError {
  override readonly code = 'CMD HAS_AUTH'
}

/** A required entity id is missing (`CMD NO_ENTITY`; the legacy text `CMD NO_QUEUE` parses to it). */
export class SmpCmdNoEntityError extends SmpProtocolError {
  override readonly code = 'CMD NO_ENTITY'
}

/** Bad signature, unknown queue, wrong id kind, suspended queue, repeated `KEY`… (`AUTH`). Permanent. */
export class SmpAuthError extends SmpProtocolError {
  override readonly code = 'AUTH'
}

/**
 * The queue holds its maximum number of messages (`QUOTA`). Retriable: the
 * reference agent retries sending until the recipient drains the queue.
 */
export class SmpQuotaError extends SmpProtocolError {
  override readonly code = 'QUOTA'
  override readonly retriable: boolean = true
}

/** `ACK` with nothing delivered, or with a different msgId (`NO_MSG`). */
export class SmpNoMsgError extends SmpProtocolError {
  override readonly code = 'NO_MSG'
}

/** Message body longer than 16088 bytes (`LARGE_MSG`). */
export class SmpLargeMsgError extends SmpProtocolError {
  override readonly code = 'LARGE_MSG'
}

/** Internal server error, e.g. id collision retries exhausted (`INTERNAL`). */
export class SmpInternalError extends SmpProtocolError {
  override readonly code = 'INTERNAL'
}

/** The reference server's internal `DUPLICATE_` (never sent by it; kept so every `ErrorType` maps). */
export class SmpDuplicateError extends SmpProtocolError {
  override readonly code = 'DUPLICATE_'
}

type SmpProtocolErrorClass = new (message: string, options?: SimplexErrorOptions) => SmpProtocolError

const ERROR_CLASSES: Readonly<Record<ErrorType, SmpProtocolErrorClass>> = {
  BLOCK: SmpBlockError,
  SESSION: SmpSessionError,
  'CMD UNKNOWN': SmpCmdUnknownError,
  'CMD SYNTAX': SmpCmdSyntaxError,
  'CMD PROHIBITED': SmpCmdProhibitedError,
  'CMD NO_AUTH': SmpCmdNoAuthError,
  'CMD HAS_AUTH': SmpCmdHasAuthError,
  'CMD NO_ENTITY': SmpCmdNoEntityError,
  AUTH: SmpAuthError,
  QUOTA: SmpQuotaError,
  NO_MSG: SmpNoMsgError,
  LARGE_MSG: SmpLargeMsgError,
  INTERNAL: SmpInternalError,
  DUPLICATE_: SmpDuplicateError,
}

/** `true` when `s` is the wire text of an {@link ErrorType}. */
export function isErrorType(s: string): s is ErrorType {
  return Object.hasOwn(ERROR_CLASSES, s)
}

/**
 * The typed error for an {@link ErrorType}, e.g. for an `ERR` response a client received.
 * @param message defaults to `SMP error <type>`.
 */
export function smpErrorFromType(
  type: ErrorType,
  message?: string,
  options?: SimplexErrorOptions,
): SmpProtocolError {
  const Class = ERROR_CLASSES[type]
  return new Class(message ?? `SMP error ${type}`, options)
}

/** Type guard: `true` when `e` is an {@link SmpProtocolError} (optionally of the given type). */
export function isSmpProtocolError(e: unknown, type?: ErrorType): e is SmpProtocolError {
  return e instanceof SmpProtocolError && (type === undefined || e.code === type)
}
