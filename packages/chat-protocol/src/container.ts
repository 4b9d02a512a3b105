/**
 * The `x.msg.new` container: content, an optional file, and either a quote
 * of an earlier message or a forward mark; plus the shared message id that
 * quotes, edits, deletes and group file acceptance refer to.
 *
 * @see ../shared/spec/chat.md §2.6, §3.1, §4.3
 */
import { type MsgContent, msgContentJson, readMsgContent } from './content'
import { ChatDecodeError, ChatEncodeError } from './errors'
import {
  type Fields,
  type JsonRecord,
  type Read,
  boolJson,
  bytesJson,
  objectJson,
  readBool,
  readBytes,
  readRecord,
  readTime,
  timeJson,
} from './fields'
import { type FileInvitation, fileInvitationJson, readFileInvitation } from './file'
import type { MemberId } from './group'
import type { UtcTime } from './time'

/**
 * A message's id shared by all parties (`SharedMsgId`): opaque bytes,
 * base64url on the wire (the reference uses 12 random bytes).
 * @see ../shared/spec/chat.md §2.1
 */
export type SharedMsgId = Uint8Array

/** Reference to a quoted message (`MsgRef`). */
export interface MsgRef {
  /** Shared id of the quoted item; absent when it has none. */
  readonly msgId?: SharedMsgId
  /** The quoting user's timestamp of the quoted item. */
  readonly sentAt: UtcTime
  /** Whether the quoting user authored the quoted item. */
  readonly sent: boolean
  /** In groups: the author of the quoted item. */
  readonly memberId?: MemberId
}

/** A quote: reference plus (possibly reduced) copy of the quoted content (`QuotedMsg`). */
export interface QuotedMsg {
  readonly msgRef: MsgRef
  readonly content: MsgContent
}

/**
 * Parameters of `x.msg.new` (`MsgContainer`): plain, a reply (`quote`) or a
 * forward (`forward: true`); a reply cannot also be a forward.
 */
export interface MsgContainer {
  readonly content: MsgContent
  /** The offered file, for file and image messages. */
  readonly file?: FileInvitation
  /** Present on replies. */
  readonly quote?: QuotedMsg
  /** `true` on forwarded messages (parsed by v3.1, never produced by it). */
  readonly forward?: boolean
}

/** Read a {@link MsgRef}. */
export const readMsgRef: Read<MsgRef> = readRecord((f) => {
  const msgId = f.opt('msgId', readBytes)
  const sentAt = f.req('sentAt', readTime)
  const sent = f.req('sent', readBool)
  const memberId = f.opt('memberId', readBytes)
  return {
    ...(msgId === undefined ? {} : { msgId }),
    sentAt,
    sent,
    ...(memberId === undefined ? {} : { memberId }),
  }
})

/** Read a {@link QuotedMsg}. */
export const readQuotedMsg: Read<QuotedMsg> = readRecord((f) => ({
  msgRef: f.req('msgRef', readMsgRef),
  content: f.req('content', readMsgContent),
}))

/**
 * Read the container from the `params` of `x.msg.new` with the reference's
 * alternatives: a `quote` that parses makes a reply; otherwise a boolean
 * `forward` decides forward or plain; otherwise plain. A `quote` or `forward`
 * that does not parse is ignored (left unused), not an error.
 */
export function readMsgContainer(f: Fields): MsgContainer {
  const content = f.req('content', readMsgContent)
  const file = f.opt('file', readFileInvitation)
  const base = file === undefined ? { content } : { content, file }
  const quoteRaw = f.raw('quote')
  if (quoteRaw !== undefined) {
    const quote = attempt(() => readQuotedMsg(quoteRaw, f.at('quote')))
    if (quote !== undefined) {
      f.use('quote')
      return { ...base, quote }
    }
  }
  const forwardRaw = f.raw('forward')
  if (forwardRaw !== undefined) {
    const forward = attempt(() => readBool(forwardRaw, f.at('forward')))
    if (forward !== undefined) {
      f.use('forward')
      return forward ? { ...base, forward: true } : base
    }
  }
  return base
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read()
  } catch (e) {
    if (e instanceof ChatDecodeError) return undefined
    throw e
  }
}

/** The JSON of a {@link MsgRef}, optional ids omitted when absent. */
export function msgRefJson(r: MsgRef, what = 'msgRef'): JsonRecord {
  objectJson(r, what)
  const o: JsonRecord = { sentAt: timeJson(r.sentAt), sent: boolJson(r.sent, `${what}.sent`) }
  if (r.msgId !== undefined) o.msgId = bytesJson(r.msgId, `${what}.msgId`)
  if (r.memberId !== undefined) o.memberId = bytesJson(r.memberId, `${what}.memberId`)
  return o
}

/** The JSON of a {@link QuotedMsg}. */
export function quotedMsgJson(q: QuotedMsg, what = 'quote'): JsonRecord {
  objectJson(q, what)
  return {
    msgRef: msgRefJson(q.msgRef, `${what}.msgRef`),
    content: msgContentJson(q.content, `${what}.content`),
  }
}

/**
 * The `params` of `x.msg.new`.
 * @throws ChatEncodeError for a reply marked as forward, or invalid parts.
 */
export function msgContainerJson(c: MsgContainer): JsonRecord {
  objectJson(c, 'params')
  const o: JsonRecord = { content: msgContentJson(c.content) }
  if (c.file !== undefined) o.file = fileInvitationJson(c.file)
  if (c.quote !== undefined) {
    if (c.forward === true) throw new ChatEncodeError('a message cannot be both a reply and a forward')
    o.quote = quotedMsgJson(c.quote)
  } else if (c.forward !== undefined && boolJson(c.forward, 'forward')) {
    o.forward = true
  }
  return o
}
