/**
 * Message flags (`MsgFlags`): what a sender asks the server to do with a
 * message. At v3.1.2 only the notification flag exists, encoded as one
 * `Bool` byte; the parser skips any further non-space bytes, the room the
 * design reserves for up to 7 flag bytes.
 *
 * @see ../shared/spec/smp.md §5 (field types), §15
 */
import type { Decoder, Encoder } from '@simplex-ts/core'

/** Flags of a sent or delivered message. */
export interface MsgFlags {
  /** Ask the server to notify the queue's notifier (`NMSG`) when the message arrives. */
  readonly notification: boolean
}

/** No flags set (the reference's `noMsgFlags`; what v1 `SEND` and v3+ `MSG` headers imply). */
export const NO_MSG_FLAGS: MsgFlags = Object.freeze({ notification: false })

const SP = 0x20

/** Append the flags: one `'T'`/`'F'` byte. */
export function encodeMsgFlags(e: Encoder, flags: MsgFlags): void {
  e.bool(flags.notification)
}

/**
 * Read the flags: a `Bool`, then skip any bytes up to (not including) the next space or the end.
 * @throws DecodeError when the first byte is not `'T'`/`'F'`.
 */
export function decodeMsgFlags(d: Decoder): MsgFlags {
  const notification = d.bool()
  while (d.remaining > 0 && d.peek() !== SP) d.u8()
  return notification ? { notification: true } : NO_MSG_FLAGS
}
