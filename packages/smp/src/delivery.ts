/**
 * The server's re-encryption of a stored message for its recipient, and the
 * recipient's decryption, per negotiated version:
 *
 * ```
 * v1, v2:  encBody = crypto_box(rcvDhSecret, msgId, pad(body, 16090))                         ; 16106 bytes
 * v3+:     encBody = crypto_box(rcvDhSecret, msgId, pad(i64 ts ‖ flags ‖ ' ' ‖ body, 16106))  ; 16122 bytes
 * ```
 *
 * v3 moved the timestamp and flags from the clear `MSG` header into the
 * encrypted envelope, so an observer sees neither; the constant size hides the
 * body length. The nonce is the message id (right-padded with zeros or
 * truncated to 24 bytes).
 *
 * @see ../shared/spec/smp.md §8.1–8.3
 */
import { type CryptoProvider, Decoder, Encoder, cbDecrypt, cbEncrypt, cbNonce } from '@simplex-ts/core'
import { MAX_MESSAGE_LENGTH } from './commands'
import { SmpLargeMsgError } from './errors'
import { type MsgFlags, decodeMsgFlags, encodeMsgFlags } from './flags'
import type { MsgResponse } from './responses'
import { SMP_VERSION_ENCRYPTED_META, type SmpVersion, checkSmpVersion } from './version'

/** Padded plaintext length of a delivered body at SMP v1/v2 (body only). */
export const RCV_BODY_PADDED_LENGTH_V1 = 16090
/** Padded plaintext length of a delivered body at SMP v3+ (metadata and body). */
export const RCV_BODY_PADDED_LENGTH = 16106
/** Length of the v3+ clear-text metadata before the body inside the envelope: i64 ts, flag byte, space. */
export const RCV_META_LENGTH = 10

/** A message as the server stores it (the reference's `Message`). */
export interface StoredMessage {
  /** Server-assigned message id (24 random bytes in the reference). */
  readonly msgId: Uint8Array
  /** Server receive time, seconds since the epoch. */
  readonly msgTs: number
  /** The sender's flags. */
  readonly msgFlags: MsgFlags
  /** The sender's body (≤ 16088 bytes). */
  readonly body: Uint8Array
}

/** The plaintext of a v3+ delivered body (`RcvMsgBody` / `ClientRcvMsgBody`). */
export interface RcvMsgBody {
  /** Server receive time, seconds since the epoch. */
  readonly msgTs: number
  /** The sender's flags. */
  readonly msgFlags: MsgFlags
  /** The sender's body. */
  readonly body: Uint8Array
}

/** A delivered message as the recipient recovers it, whatever the version. */
export interface ReceivedMessage extends RcvMsgBody {
  /** The server's message id (for `ACK` and duplicate detection). */
  readonly msgId: Uint8Array
}

function checkBodyLength(body: Uint8Array): void {
  if (body.length > MAX_MESSAGE_LENGTH) {
    throw new SmpLargeMsgError(`message body of ${body.length} bytes exceeds ${MAX_MESSAGE_LENGTH}`)
  }
}

/**
 * Encode the v3+ envelope plaintext `i64 ts ‖ flags ‖ ' ' ‖ body` (`encodeRcvMsgBody`).
 * @throws SmpLargeMsgError when the body is longer than 16088 bytes.
 */
export function encodeRcvMsgBody(b: RcvMsgBody): Uint8Array {
  checkBodyLength(b.body)
  const e = new Encoder(RCV_META_LENGTH + b.body.length).systemTime(b.msgTs)
  encodeMsgFlags(e, b.msgFlags)
  return e.u8(0x20).raw(b.body).finish()
}

/**
 * Decode the v3+ envelope plaintext (`clientRcvMsgBodyP`): i64 ts, the flags
 * (further non-space flag bytes skipped), a space, and the rest as the body.
 * @throws DecodeError on malformed input.
 */
export function decodeRcvMsgBody(bytes: Uint8Array): RcvMsgBody {
  const d = new Decoder(bytes)
  const msgTs = d.systemTime()
  const msgFlags = decodeMsgFlags(d)
  d.expectChar(' ')
  return { msgTs, msgFlags, body: d.tail().slice() }
}

/**
 * The server's side: encrypt a stored message for a recipient connection of `version`
 * (`encryptMsg`) and build the `MSG` to send.
 * @param rcvDhSecret the queue's raw X25519 secret, `X25519(serverQueuePriv, rcvDhKey)`.
 * @throws SmpLargeMsgError when the body is longer than 16088 bytes.
 * @throws CryptoKeyError when the secret is not 32 bytes.
 * @throws VersionIncompatibleError when `version` is not 1–4.
 */
export function encryptDeliveredMessage(
  crypto: CryptoProvider,
  rcvDhSecret: Uint8Array,
  msg: StoredMessage,
  version: SmpVersion,
): MsgResponse {
  const v = checkSmpVersion(version)
  checkBodyLength(msg.body)
  const nonce = cbNonce(msg.msgId)
  const encBody =
    v < SMP_VERSION_ENCRYPTED_META
      ? cbEncrypt(crypto, rcvDhSecret, nonce, msg.body, RCV_BODY_PADDED_LENGTH_V1)
      : cbEncrypt(crypto, rcvDhSecret, nonce, encodeRcvMsgBody(msg), RCV_BODY_PADDED_LENGTH)
  return { type: 'MSG', msgId: msg.msgId, msgTs: msg.msgTs, msgFlags: msg.msgFlags, encBody }
}

/**
 * The recipient's side: decrypt a received `MSG` of a connection of `version`. At v1/v2 the
 * timestamp (and at v2 the flags) come from the clear header; at v3+ from inside the envelope.
 * @param rcvDhSecret the queue's raw X25519 secret, `X25519(rcvDhPriv, srvDhKey)` from `IDS`.
 * @throws CBDecryptError when the body is not authentic; CryptoLargeMsgError when its padding is malformed.
 * @throws DecodeError when the v3+ envelope plaintext is malformed.
 * @throws VersionIncompatibleError when `version` is not 1–4.
 */
export function decryptDeliveredMessage(
  crypto: CryptoProvider,
  rcvDhSecret: Uint8Array,
  msg: Pick<MsgResponse, 'msgId' | 'msgTs' | 'msgFlags' | 'encBody'>,
  version: SmpVersion,
): ReceivedMessage {
  const v = checkSmpVersion(version)
  const plaintext = cbDecrypt(crypto, rcvDhSecret, cbNonce(msg.msgId), msg.encBody)
  if (v < SMP_VERSION_ENCRYPTED_META) {
    return { msgId: msg.msgId, msgTs: msg.msgTs, msgFlags: msg.msgFlags, body: plaintext }
  }
  return { msgId: msg.msgId, ...decodeRcvMsgBody(plaintext) }
}
