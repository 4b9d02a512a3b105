/**
 * Notification metadata at the SMP layer: what the server encrypts into
 * `NMSG` for the recipient (the notifier relays it without being able to read
 * it), telling the recipient which message triggered the push.
 *
 * ```
 * NMsgMeta    = str8(msgId) ‖ i64(ts)                               ; parsers allow trailing bytes
 * encNMsgMeta = crypto_box(rcvNtfDhSecret, nonce, pad(NMsgMeta, 128)) ; 144 bytes
 * ```
 *
 * @see ../shared/spec/smp.md §10
 */
import { type CryptoProvider, Decoder, Encoder, cbDecrypt, cbEncrypt, randomCbNonce } from '@simplex-ts/core'
import type { NmsgResponse } from './responses'

/** Padded plaintext length of the notification metadata. */
export const NMSG_META_PADDED_LENGTH = 128

/** The notification metadata (`NMsgMeta`). */
export interface NMsgMeta {
  /** The id of the message that triggered the notification. */
  readonly msgId: Uint8Array
  /** Its server receive time, seconds since the epoch. */
  readonly msgTs: number
}

/**
 * Encode `str8(msgId) ‖ i64(ts)`.
 * @throws EncodeError when the msgId is longer than 255 bytes.
 */
export function encodeNMsgMeta(meta: NMsgMeta): Uint8Array {
  return new Encoder(48).str8(meta.msgId).systemTime(meta.msgTs).finish()
}

/**
 * Decode the metadata; bytes after the timestamp are ignored (room for future fields).
 * @throws DecodeError on truncated input.
 */
export function decodeNMsgMeta(bytes: Uint8Array): NMsgMeta {
  const d = new Decoder(bytes)
  const msgId = d.str8().slice()
  return { msgId, msgTs: d.systemTime() }
}

/**
 * Encrypt the metadata with the queue's notification secret: 144 bytes.
 * @param rcvNtfDhSecret raw X25519 secret, `X25519(srvNtfPriv, rcvNtfDhKey)`.
 * @throws CryptoKeyError / CryptoIVError on a bad secret or nonce size.
 */
export function encryptNMsgMeta(
  crypto: CryptoProvider,
  rcvNtfDhSecret: Uint8Array,
  nonce: Uint8Array,
  meta: NMsgMeta,
): Uint8Array {
  return cbEncrypt(crypto, rcvNtfDhSecret, nonce, encodeNMsgMeta(meta), NMSG_META_PADDED_LENGTH)
}

/**
 * The recipient's side: decrypt and decode the metadata of an `NMSG`.
 * @param rcvNtfDhSecret raw X25519 secret, `X25519(rcvNtfDhPriv, srvNtfDhKey)` from `NID`.
 * @throws CBDecryptError when not authentic; CryptoLargeMsgError on bad padding; DecodeError on bad metadata.
 */
export function decryptNMsgMeta(
  crypto: CryptoProvider,
  rcvNtfDhSecret: Uint8Array,
  nonce: Uint8Array,
  encMeta: Uint8Array,
): NMsgMeta {
  return decodeNMsgMeta(cbDecrypt(crypto, rcvNtfDhSecret, nonce, encMeta))
}

/**
 * The server's side: build the `NMSG` for a message, with a fresh random nonce
 * (the reference's `mkMessageNotification`).
 * @throws CryptoKeyError on a bad secret size.
 */
export function createMessageNotification(
  crypto: CryptoProvider,
  rcvNtfDhSecret: Uint8Array,
  meta: NMsgMeta,
): NmsgResponse {
  const nonce = randomCbNonce(crypto)
  return { type: 'NMSG', nonce, encMeta: encryptNMsgMeta(crypto, rcvNtfDhSecret, nonce, meta) }
}
