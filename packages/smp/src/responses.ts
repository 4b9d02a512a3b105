/**
 * SMP server messages (`BrokerMsg`): responses to commands and the
 * server-initiated `MSG`, `END` and `NMSG`, with their per-version encodings.
 *
 * @see ../shared/spec/smp.md §6, §7, §9
 */
import { CB_NONCE_SIZE, type Decoder, EncodeError, Encoder } from '@simplex-ts/core'
import { parseParams, splitTag } from './commands'
import { type ErrorType, SmpCmdUnknownError, isErrorType } from './errors'
import { type MsgFlags, NO_MSG_FLAGS, decodeMsgFlags, encodeMsgFlags } from './flags'
import { type PublicDhKey, decodeDhKeyField, encodeKeyField } from './keys'
import { type SmpVersion, checkSmpVersion } from './version'

/** `IDS`: the new queue's ids and the server's per-queue DH key (response to `NEW`). */
export interface IdsResponse {
  readonly type: 'IDS'
  /** Recipient id (24 bytes from the reference server). */
  readonly rcvId: Uint8Array
  /** Sender id (24 bytes from the reference server). */
  readonly sndId: Uint8Array
  /** The server's X25519 key for this queue's delivery encryption. */
  readonly srvDhKey: PublicDhKey
}

/**
 * `MSG`: a message delivered to the recipient. The same value encodes for every
 * version: v1 sends `msgTs` in clear, v2 `msgTs` and `msgFlags`, v3+ neither
 * (they travel inside `encBody`, and decode here as 0 and no flags).
 */
export interface MsgResponse {
  readonly type: 'MSG'
  /** Server-assigned message id (24 bytes), also the delivery encryption nonce. */
  readonly msgId: Uint8Array
  /** Server receive time, seconds since the epoch (in clear only at v1/v2; 0 when decoded at v3+). */
  readonly msgTs: number
  /** The sender's flags (in clear only at v2; no flags when decoded at v1 or v3+). */
  readonly msgFlags: MsgFlags
  /** The body as re-encrypted by the server for the recipient (see `delivery.ts`). */
  readonly encBody: Uint8Array
}

/** `NID`: the new notifier id and the server's notification DH key (response to `NKEY`). */
export interface NidResponse {
  readonly type: 'NID'
  /** Notifier id (24 bytes from the reference server). */
  readonly notifierId: Uint8Array
  /** The server's X25519 key for the notification metadata encryption. */
  readonly srvNtfDhKey: PublicDhKey
}

/** `NMSG`: a message notification sent to the notifier's connection. */
export interface NmsgResponse {
  readonly type: 'NMSG'
  /** The 24-byte crypto_box nonce. */
  readonly nonce: Uint8Array
  /** The encrypted `NMsgMeta` (144 bytes from the reference server; see `notifications.ts`). */
  readonly encMeta: Uint8Array
}

/** `END`: this connection lost the queue's (or notifier's) subscription to another connection. */
export interface EndResponse {
  readonly type: 'END'
}
/** `OK`: the command succeeded. */
export interface OkResponse {
  readonly type: 'OK'
}
/** `ERR`: the command failed. */
export interface ErrResponse {
  readonly type: 'ERR'
  /** The error, in wire text form. */
  readonly error: ErrorType
}
/** `PONG`: answer to `PING`. */
export interface PongResponse {
  readonly type: 'PONG'
}

/** Any SMP server message. */
export type Response =
  | IdsResponse
  | MsgResponse
  | NidResponse
  | NmsgResponse
  | EndResponse
  | OkResponse
  | ErrResponse
  | PongResponse

/** A server message tag. */
export type ResponseTag = Response['type']

/** Every server message tag, in the reference's order. */
export const RESPONSE_TAGS: readonly ResponseTag[] = Object.freeze([
  'IDS',
  'MSG',
  'NID',
  'NMSG',
  'END',
  'OK',
  'ERR',
  'PONG',
])

const SP = 0x20

/**
 * Encode a server message for the negotiated version (`encodeProtocol`).
 * @throws EncodeError on a malformed key, an over-long `str8` field or a nonce that is not 24 bytes.
 * @throws VersionIncompatibleError when `version` is not 1–4.
 */
export function encodeResponse(res: Response, version: SmpVersion): Uint8Array {
  const e = new Encoder(responseCapacity(res))
  writeResponse(e, res, version)
  return e.finish()
}

/** An encoder capacity that holds `res` without growing (plus `extra` bytes). */
export function responseCapacity(res: Response, extra = 0): number {
  return (res.type === 'MSG' ? res.encBody.length + 64 : 128) + extra
}

/**
 * Append the encoding of `res` to `e` (what {@link encodeResponse} returns), so
 * a transmission can be written in one buffer.
 * @throws EncodeError and VersionIncompatibleError as {@link encodeResponse}.
 */
export function writeResponse(e: Encoder, res: Response, version: SmpVersion): void {
  const v = checkSmpVersion(version)
  e.ascii(res.type)
  switch (res.type) {
    case 'IDS':
      e.u8(SP).str8(res.rcvId).str8(res.sndId)
      encodeKeyField(e, res.srvDhKey)
      break
    case 'MSG':
      e.u8(SP).str8(res.msgId)
      if (v === 1) e.systemTime(res.msgTs)
      else if (v === 2) {
        e.systemTime(res.msgTs)
        encodeMsgFlags(e, res.msgFlags)
        e.u8(SP)
      }
      e.raw(res.encBody)
      break
    case 'NID':
      e.u8(SP).str8(res.notifierId)
      encodeKeyField(e, res.srvNtfDhKey)
      break
    case 'NMSG':
      if (res.nonce.length !== CB_NONCE_SIZE) {
        throw new EncodeError(`expected ${CB_NONCE_SIZE}-byte NMSG nonce, got ${res.nonce.length}`)
      }
      e.u8(SP).raw(res.nonce).str8(res.encMeta)
      break
    case 'ERR':
      e.u8(SP).ascii(res.error)
      break
    case 'END':
    case 'OK':
    case 'PONG':
      break
  }
}

function isResponseTag(tag: string): tag is ResponseTag {
  return (RESPONSE_TAGS as readonly string[]).includes(tag)
}

function space(d: Decoder): void {
  d.expectChar(' ')
}

/** Read one space-delimited word (possibly empty), as the reference's `takeTill (== ' ')`. */
function word(d: Decoder): string {
  let s = ''
  while (d.remaining > 0 && d.peek() !== SP) s += String.fromCharCode(d.u8())
  return s
}

/**
 * Read an `ErrorType` in wire text; the legacy `CMD NO_QUEUE` reads as `CMD NO_ENTITY`.
 * @throws DecodeError on an unknown error name.
 */
export function decodeErrorType(d: Decoder): ErrorType {
  const at = d.offset
  const w = word(d)
  if (w === 'CMD') {
    space(d)
    const c = word(d)
    const t = c === 'NO_QUEUE' ? 'CMD NO_ENTITY' : `CMD ${c}`
    if (isErrorType(t)) return t
  } else if (isErrorType(w)) {
    return w
  }
  return d.fail(`bad error type at ${at}`)
}

/**
 * Decode a server message as a client does for the negotiated version (`parseProtocol`).
 * @throws SmpCmdUnknownError when the tag is not a server message tag (including command tags).
 * @throws SmpCmdSyntaxError when the parameters are malformed, a key has the wrong algorithm, or bytes trail.
 * @throws VersionIncompatibleError when `version` is not 1–4.
 */
export function decodeResponse(bytes: Uint8Array, version: SmpVersion): Response {
  const v = checkSmpVersion(version)
  const { tag, params } = splitTag(bytes)
  if (!isResponseTag(tag))
    throw new SmpCmdUnknownError(`unknown response ${JSON.stringify(tag.slice(0, 16))}`)
  return parseParams(tag, params, (d): Response => {
    switch (tag) {
      case 'IDS': {
        space(d)
        const rcvId = d.str8().slice()
        const sndId = d.str8().slice()
        const srvDhKey = decodeDhKeyField(d, 'x25519')
        return { type: 'IDS', rcvId, sndId, srvDhKey }
      }
      case 'MSG': {
        space(d)
        const msgId = d.str8().slice()
        let msgTs = 0
        let msgFlags = NO_MSG_FLAGS
        if (v === 1) msgTs = d.systemTime()
        else if (v === 2) {
          msgTs = d.systemTime()
          msgFlags = decodeMsgFlags(d)
          space(d)
        }
        return { type: 'MSG', msgId, msgTs, msgFlags, encBody: d.tail().slice() }
      }
      case 'NID': {
        space(d)
        const notifierId = d.str8().slice()
        return { type: 'NID', notifierId, srvNtfDhKey: decodeDhKeyField(d, 'x25519') }
      }
      case 'NMSG': {
        space(d)
        const nonce = d.bytes(CB_NONCE_SIZE).slice()
        return { type: 'NMSG', nonce, encMeta: d.str8().slice() }
      }
      case 'ERR':
        space(d)
        return { type: 'ERR', error: decodeErrorType(d) }
      case 'END':
      case 'OK':
      case 'PONG':
        return { type: tag }
    }
  })
}
