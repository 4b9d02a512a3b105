/**
 * The client message envelope: the per-queue end-to-end layer a sender puts
 * in the `SEND` body. The server never reads it, but every reference client
 * produces and expects it.
 *
 * ```
 * ClientMsgEnvelope = PubHeader ‖ nonce(24) ‖ Tail(encClientMessage)
 * PubHeader         = u16 clientVersion ‖ Maybe(str8(X25519 SPKI))     ; the key only in confirmations
 * encClientMessage  = crypto_box(e2eDhSecret, nonce, pad(ClientMessage, 15936 | 16032))
 * ClientMessage     = PrivHeader ‖ Tail(body)
 * PrivHeader        = 'K' ‖ str8(sender verify key SPKI)   ; confirmation: the key for KEY
 *                   / '_'                                 ; any other message
 * ```
 *
 * @see ../shared/spec/smp.md §8.4
 */
import {
  CB_NONCE_SIZE,
  type CryptoProvider,
  type Decoder,
  EncodeError,
  Encoder,
  cbDecrypt,
  cbEncrypt,
  decodeAll,
  randomCbNonce,
} from '@simplex-ts/core'
import {
  type PublicDhKey,
  type PublicVerifyKey,
  decodeDhKeyField,
  decodeVerifyKeyField,
  encodeKeyField,
} from './keys'
import { SMP_CLIENT_VERSION } from './version'

/** Padded length of the encrypted client message when the header carries the sender's DH key. */
export const E2E_ENC_CONFIRMATION_LENGTH = 15936
/** Padded length of the encrypted client message otherwise. */
export const E2E_ENC_MESSAGE_LENGTH = 16032

/** The envelope's clear header (`PubHeader`). */
export interface PubHeader {
  /** SMP client envelope version (1 at v3.1.2). */
  readonly version: number
  /** The sender's per-queue X25519 key, sent only in the first message (confirmation). */
  readonly e2ePubDhKey?: PublicDhKey | undefined
}

/** The client message envelope (`ClientMsgEnvelope`), the `SEND` body of reference clients. */
export interface ClientMsgEnvelope {
  /** The clear header. */
  readonly header: PubHeader
  /** 24-byte crypto_box nonce, random per message. */
  readonly nonce: Uint8Array
  /** The encrypted {@link ClientMessage}. */
  readonly encBody: Uint8Array
}

/** The private header (`PrivHeader`). */
export type PrivHeader =
  | {
      /** A confirmation: tells the recipient the sender's key to secure the queue with (`KEY`). */
      readonly type: 'confirmation'
      /** The sender's command verification key. */
      readonly senderKey: PublicVerifyKey
    }
  | {
      /** Any other message. */
      readonly type: 'empty'
    }

/** The decrypted client message (`ClientMessage`). */
export interface ClientMessage {
  /** The private header. */
  readonly privHeader: PrivHeader
  /** What the agent carries (agent.md). */
  readonly body: Uint8Array
}

/**
 * Append a `PubHeader`.
 * @throws EncodeError on a version outside u16; CryptoKeyError on a malformed key.
 */
export function encodePubHeader(e: Encoder, h: PubHeader): void {
  e.u16(h.version).maybe(h.e2ePubDhKey, encodeKeyField)
}

/**
 * Read a `PubHeader`.
 * @throws DecodeError on malformed input or a key that is not X25519.
 */
export function decodePubHeader(d: Decoder): PubHeader {
  const version = d.u16()
  const e2ePubDhKey = d.maybe((d) => decodeDhKeyField(d, 'x25519'))
  return e2ePubDhKey === undefined ? { version } : { version, e2ePubDhKey }
}

/**
 * Encode a client message envelope.
 * @throws EncodeError when the nonce is not 24 bytes; as {@link encodePubHeader}.
 */
export function encodeClientMsgEnvelope(env: ClientMsgEnvelope): Uint8Array {
  if (env.nonce.length !== CB_NONCE_SIZE) {
    throw new EncodeError(`expected ${CB_NONCE_SIZE}-byte nonce, got ${env.nonce.length}`)
  }
  const e = new Encoder(env.encBody.length + 80)
  encodePubHeader(e, env.header)
  return e.raw(env.nonce).raw(env.encBody).finish()
}

/**
 * Decode a client message envelope. `encBody` is a view into `bytes` (no
 * 16 KB copy per message): copy it to keep it beyond the input's life.
 * @throws DecodeError on malformed input.
 */
export function decodeClientMsgEnvelope(bytes: Uint8Array): ClientMsgEnvelope {
  return decodeAll(bytes, (d) => {
    const header = decodePubHeader(d)
    const nonce = d.bytes(CB_NONCE_SIZE).slice()
    return { header, nonce, encBody: d.tail() }
  })
}

/**
 * Encode a client message: private header then the body.
 * @throws CryptoKeyError on a malformed sender key.
 */
export function encodeClientMessage(cm: ClientMessage): Uint8Array {
  const e = new Encoder(cm.body.length + 80)
  if (cm.privHeader.type === 'confirmation') {
    e.ascii('K')
    encodeKeyField(e, cm.privHeader.senderKey)
  } else e.ascii('_')
  return e.raw(cm.body).finish()
}

/**
 * Decode a client message. `body` is a view into `bytes` (no copy).
 * @throws DecodeError on an unknown header tag or a malformed (or non-signature) sender key.
 */
export function decodeClientMessage(bytes: Uint8Array): ClientMessage {
  return decodeAll(bytes, (d): ClientMessage => {
    const tag = d.u8()
    let privHeader: PrivHeader
    if (tag === 0x4b /* K */) privHeader = { type: 'confirmation', senderKey: decodeVerifyKeyField(d) }
    else if (tag === 0x5f /* _ */) privHeader = { type: 'empty' }
    else return d.fail('invalid PrivHeader')
    return { privHeader, body: d.tail() }
  })
}

/** The padded length the reference uses for an envelope with this header. */
export function e2eEncLength(header: PubHeader): number {
  return header.e2ePubDhKey === undefined ? E2E_ENC_MESSAGE_LENGTH : E2E_ENC_CONFIRMATION_LENGTH
}

/** Inputs to {@link sealClientMessage}. */
export interface SealClientMessageInput {
  /** Raw X25519 secret between the sender's and the recipient's per-queue e2e keys. */
  readonly e2eDhSecret: Uint8Array
  /** The sender's e2e public key, only for the first message (confirmation). */
  readonly e2ePubDhKey?: PublicDhKey | undefined
  /** The message to encrypt. */
  readonly message: ClientMessage
  /** Nonce to use; random by default (tests fix it). */
  readonly nonce?: Uint8Array
}

/**
 * Build the `SEND` body a reference client would (`agentCbEncrypt`): encrypt the client
 * message padded to 15936 bytes when the header carries the sender's key, else 16032,
 * and wrap it in an envelope of client version 1.
 * @throws CryptoLargeMsgError when the message does not fit; CryptoKeyError on a bad secret or key.
 */
export function sealClientMessage(crypto: CryptoProvider, input: SealClientMessageInput): Uint8Array {
  const header: PubHeader =
    input.e2ePubDhKey === undefined
      ? { version: SMP_CLIENT_VERSION }
      : { version: SMP_CLIENT_VERSION, e2ePubDhKey: input.e2ePubDhKey }
  const nonce = input.nonce ?? randomCbNonce(crypto)
  const plaintext = encodeClientMessage(input.message)
  const encBody = cbEncrypt(crypto, input.e2eDhSecret, nonce, plaintext, e2eEncLength(header))
  return encodeClientMsgEnvelope({ header, nonce, encBody })
}

/**
 * Decrypt an envelope's client message with the per-queue e2e secret.
 * @throws CBDecryptError when not authentic; CryptoLargeMsgError on bad padding; DecodeError on a bad message.
 */
export function openClientMessage(
  crypto: CryptoProvider,
  e2eDhSecret: Uint8Array,
  env: ClientMsgEnvelope,
): ClientMessage {
  return decodeClientMessage(cbDecrypt(crypto, e2eDhSecret, env.nonce, env.encBody))
}
