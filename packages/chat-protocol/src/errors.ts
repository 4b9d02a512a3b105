/**
 * Errors of the chat protocol layer.
 *
 * Decoding a received body never throws anything but {@link ChatDecodeError}
 * (chat messages) or {@link FileChunkDecodeError} (file chunks), so a client
 * can always ACK the agent message and carry on: the v3.1 reference left a
 * queue stuck when a body failed to parse before its ACK was arranged.
 *
 * @see ../shared/spec/chat.md §1
 */
import { SimplexError, type SimplexErrorOptions } from '@simplex-ts/core'

/** Base of the errors raised by `@simplex-ts/chat-protocol`. */
export abstract class ChatError extends SimplexError {
  override readonly layer = 'chat'
}

/**
 * Why a chat message failed to decode (the detail under the stable code
 * `CEInvalidChatMessage`):
 *
 * - `JSON`: the body is not one JSON document as the reference's parser reads it
 *   (syntax, malformed UTF-8, an unpaired surrogate escape, trailing data).
 * - `MISSING`: a required key is absent.
 * - `INVALID`: a value has the wrong JSON type or a value the reference rejects
 *   (bad base64url, an unknown role, a malformed timestamp or key).
 * - `RANGE`: a value the reference accepts but this implementation cannot
 *   represent exactly (an integer beyond 2^53, a year beyond ±100,000,000).
 */
export type ChatDecodeReason = 'JSON' | 'MISSING' | 'INVALID' | 'RANGE'

/**
 * A received body is not a chat message the v3.1 reference would accept
 * (the reference's `CEInvalidChatMessage`). Unknown events, unknown content
 * types and extra fields are *not* errors; they decode to tolerant values.
 */
export class ChatDecodeError extends ChatError {
  override readonly code = 'CEInvalidChatMessage'
  /** The kind of failure, stable across versions. */
  readonly reason: ChatDecodeReason
  /** Where in the document the failure is, as a JSON path (`$.params.content.text`). */
  readonly path: string
  constructor(reason: ChatDecodeReason, path: string, message: string, options?: SimplexErrorOptions) {
    super(`${path}: ${message}`, options)
    this.reason = reason
    this.path = path
  }
}

/** A file-connection body is not a file chunk (the reference's `CEFileRcvChunk`). */
export class FileChunkDecodeError extends ChatError {
  override readonly code = 'CEFileRcvChunk'
}

/**
 * A value cannot be encoded as a chat message the reference would accept:
 * an unpaired surrogate in a string, a non-integer size, a key of the wrong
 * length, an "unknown" event or content type that reuses a known tag.
 * Refusing these keeps us from ever emitting a body that would block the
 * peer's queue.
 */
export class ChatEncodeError extends ChatError {
  override readonly code = 'ENCODE'
}
