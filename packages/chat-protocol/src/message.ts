/**
 * Chat message framing (`ChatMessage` / `AppMessage`): the UTF-8 JSON object
 * `{"msgId"?, "event", "params"}` carried as an agent message body or as
 * connection info.
 *
 * Encoding is byte-exact with the reference: top-level keys in the order
 * `msgId` (omitted when absent), `event`, `params`; keys inside `params`
 * sorted. Decoding is tolerant: unknown events, unknown content types and
 * extra keys are accepted; only what the reference itself rejects is an error.
 *
 * @see ../shared/spec/chat.md §1, §3
 */
import type { SharedMsgId } from './container'
import { ChatDecodeError, ChatEncodeError } from './errors'
import { type ChatEvent, chatEventParamsJson, chatEventTag, readChatEvent } from './events'
import { Fields, bytesJson, readBytes, readObject, readText } from './fields'
import { type JsonObject, parseJson, writeJson, writeJsonString } from './json'

/**
 * Fields a received message carried that the reference does not read. They
 * are surfaced for inspection (e.g. experimental data from newer clients) and
 * never written back: the reference drops them too.
 */
export interface IgnoredFields {
  /** Top-level keys other than `msgId`, `event`, `params`. */
  readonly message?: JsonObject
  /** Keys of `params` the event does not use (including a malformed `quote`/`forward` of `x.msg.new`). */
  readonly params?: JsonObject
}

/**
 * A chat message: one {@link ChatEvent} with the optional shared message id.
 * v3 clients put a fresh `msgId` on every message body and none on connection info.
 */
export type ChatMessage = ChatEvent & {
  /** Shared id of this message; absent on connection info. */
  readonly msgId?: SharedMsgId
  /** Only on decoded messages: received fields the reference ignores. */
  readonly ignored?: IgnoredFields
}

const utf8Encoder = new TextEncoder()

/**
 * The JSON text of a chat message, exactly as the reference writes it.
 * @throws ChatEncodeError when the message holds values the reference could not have produced.
 */
export function encodeChatMessageText(message: ChatMessage): string {
  if (typeof message !== 'object' || message === null) throw new ChatEncodeError('message must be an object')
  const params = writeJson(chatEventParamsJson(message))
  const event = writeJsonString(chatEventTag(message))
  const head =
    message.msgId === undefined ? '{' : `{"msgId":${writeJsonString(bytesJson(message.msgId, 'msgId'))},`
  return `${head}"event":${event},"params":${params}}`
}

/**
 * Encode a chat message as the UTF-8 body the reference would send.
 * `ignored` is not written.
 * @throws ChatEncodeError when the message holds values the reference could not have produced.
 */
export function encodeChatMessage(message: ChatMessage): Uint8Array {
  return utf8Encoder.encode(encodeChatMessageText(message))
}

/**
 * Decode a chat message body (bytes, or text that is encoded as UTF-8 first).
 * @throws ChatDecodeError — and nothing else — when the reference would reject the body.
 */
export function decodeChatMessage(body: Uint8Array | string): ChatMessage {
  try {
    return decode(body)
  } catch (e) {
    if (e instanceof ChatDecodeError) throw e
    // a decoder must not fail in any other way; keep the cause for diagnosis
    throw new ChatDecodeError('INVALID', '$', 'unexpected failure while decoding', { cause: e })
  }
}

function decode(body: Uint8Array | string): ChatMessage {
  const top = new Fields(readObject(parseJson(body), '$'), '$')
  const msgId = top.opt('msgId', readBytes)
  const tag = top.req('event', readText)
  const params = new Fields(top.req('params', readObject), '$.params')
  const event = readChatEvent(tag, params)
  const ignoredMessage = top.unused()
  const ignoredParams = params.unused()
  const ignored: IgnoredFields | undefined =
    ignoredMessage === undefined && ignoredParams === undefined
      ? undefined
      : {
          ...(ignoredMessage === undefined ? {} : { message: ignoredMessage }),
          ...(ignoredParams === undefined ? {} : { params: ignoredParams }),
        }
  return {
    ...event,
    ...(msgId === undefined ? {} : { msgId }),
    ...(ignored === undefined ? {} : { ignored }),
  }
}

/** Outcome of {@link parseChatMessage}. */
export type ChatMessageResult =
  | { readonly ok: true; readonly message: ChatMessage }
  | { readonly ok: false; readonly error: ChatDecodeError }

/**
 * Decode without throwing, for receive loops that must ACK every body: a
 * malformed message is reported, never allowed to stall the queue.
 */
export function parseChatMessage(body: Uint8Array | string): ChatMessageResult {
  try {
    return { ok: true, message: decodeChatMessage(body) }
  } catch (e) {
    return { ok: false, error: e as ChatDecodeError }
  }
}
