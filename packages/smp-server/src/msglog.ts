/**
 * Message log records. Every accepted message is appended as the reference's
 * saved-message line (`v3 <rid> <msgId> <ts> flags=<T|F> <body>`), every
 * deletion by `ACK` as `ACK <rid> <msgId>` (our addition). After compaction
 * (clean shutdown, or start) the file holds only `v3` lines: exactly the
 * reference's `smp-server-messages.log`.
 *
 * @see ../shared/spec/smp.md §13
 */
import { DecodeError } from '@simplex-ts/core'
import { b64decode, b64encode } from './b64'
import type { Message } from './messages'

/** One line of the message log. */
export type MsgLogRecord =
  | { readonly type: 'MSG'; readonly recipientId: Uint8Array; readonly msg: Message }
  | { readonly type: 'ACK'; readonly recipientId: Uint8Array; readonly msgId: Uint8Array }

/** The text line of a record (without the newline). @see ../shared/spec/smp.md §13 */
export function encodeMsgLogRecord(r: MsgLogRecord): string {
  if (r.type === 'ACK') return `ACK ${b64encode(r.recipientId)} ${b64encode(r.msgId)}`
  const m = r.msg
  return `v3 ${b64encode(r.recipientId)} ${b64encode(m.msgId)} ${m.ts} flags=${m.notify ? 'T' : 'F'} ${b64encode(m.body)}`
}

function id(token: string | undefined, what: string): Uint8Array {
  if (token === undefined || token === '') throw new DecodeError(`message log: missing ${what}`)
  return b64decode(token)
}

/**
 * Parse one message log line. Only the `v3` form is read (this relay never
 * writes the pre-v3 encrypted form).
 * @throws DecodeError on a malformed line
 */
export function parseMsgLogRecord(line: string): MsgLogRecord {
  const t = (line.endsWith('\r') ? line.slice(0, -1) : line).split(' ')
  if (t[0] === 'ACK') {
    if (t.length !== 3) throw new DecodeError('message log: bad ACK record')
    return { type: 'ACK', recipientId: id(t[1], 'rid'), msgId: id(t[2], 'msgId') }
  }
  if (t[0] !== 'v3' || t.length !== 6) throw new DecodeError('message log: bad record')
  const ts = t[3]!
  if (!/^-?[0-9]{1,16}$/.test(ts)) throw new DecodeError('message log: bad timestamp')
  const flags = t[4]!
  // the reference writes the SMP encoding of MsgFlags: one Bool byte
  if (flags !== 'flags=T' && flags !== 'flags=F') throw new DecodeError('message log: bad flags')
  return {
    type: 'MSG',
    recipientId: id(t[1], 'rid'),
    msg: { msgId: id(t[2], 'msgId'), ts: Number(ts), notify: flags === 'flags=T', body: b64decode(t[5]!) },
  }
}
