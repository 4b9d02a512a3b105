/**
 * Call signalling payloads (`x.call.*`): call type and capabilities, the
 * caller's DH key, and the WebRTC session / ICE candidates (lz-string text,
 * opaque here).
 *
 * @see ../shared/spec/chat.md §2.8
 * @see ../shared/spec/calls.md §2, §3, §5
 */
import { ChatEncodeError } from './errors'
import {
  type JsonRecord,
  type Read,
  bytesJson,
  boolJson,
  enumJson,
  invalid,
  objectJson,
  readBool,
  readBytes,
  readEnum,
  readRecord,
  readText,
  textJson,
} from './fields'

/** A call's id (`CallId`): opaque bytes chosen by the caller (16 random bytes in the reference). */
export type CallId = Uint8Array

/** Call media (`CallMedia`). */
export type CallMedia = 'audio' | 'video'

/** Both media values. */
export const CALL_MEDIA: readonly CallMedia[] = ['audio', 'video']

/** What the sender's WebRTC side supports (`CallCapabilities`). */
export interface CallCapabilities {
  /** Whether it can encrypt media frames end to end. */
  readonly encryption: boolean
}

/** Media and capabilities of one side (`CallType`). */
export interface CallType {
  readonly media: CallMedia
  readonly capabilities: CallCapabilities
}

/** An SDP offer or answer with its ICE candidates (`WebRTCSession`), both lz-string `compressToBase64` text. */
export interface WebRTCSession {
  /** Compressed JSON of the `RTCSessionDescriptionInit`. */
  readonly rtcSession: string
  /** Compressed JSON of the gathered ICE candidates. */
  readonly rtcIceCandidates: string
}

/** Later ICE candidates (`WebRTCExtraInfo`). */
export interface WebRTCExtraInfo {
  /** Compressed JSON of the candidates. */
  readonly rtcIceCandidates: string
}

/** `x.call.inv` payload (`CallInvitation`). */
export interface CallInvitation {
  readonly callType: CallType
  /** Caller's raw 32-byte X25519 public key (SPKI-wrapped on the wire); absent when not encrypting. */
  readonly callDhPubKey?: Uint8Array
}

/** `x.call.offer` payload, sent by the callee (`CallOffer`). */
export interface CallOffer {
  readonly callType: CallType
  readonly rtcSession: WebRTCSession
  /** Callee's raw 32-byte X25519 public key; present only when the callee encrypts. */
  readonly callDhPubKey?: Uint8Array
}

/** `x.call.answer` payload, sent by the caller (`CallAnswer`). */
export interface CallAnswer {
  readonly rtcSession: WebRTCSession
}

/** `x.call.extra` payload (`CallExtraInfo`). */
export interface CallExtraInfo {
  readonly rtcExtraInfo: WebRTCExtraInfo
}

/** DER SubjectPublicKeyInfo prefix of an X25519 key; the 32 raw bytes follow. */
const X25519_SPKI_PREFIX = Uint8Array.of(
  0x30,
  0x2a,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x03,
  0x21,
  0x00,
)
const X25519_KEY_SIZE = 32

/** Read an X25519 public key written as base64url of its SPKI DER; returns the raw 32 bytes. */
export const readX25519PublicKey: Read<Uint8Array> = (v, path) => {
  const der = readBytes(v, path)
  const n = X25519_SPKI_PREFIX.length
  if (der.length !== n + X25519_KEY_SIZE || X25519_SPKI_PREFIX.some((b, k) => der[k] !== b)) {
    invalid(
      path,
      `expected an X25519 SubjectPublicKeyInfo of ${n + X25519_KEY_SIZE} bytes, got ${der.length}`,
    )
  }
  return der.slice(n)
}

/** The wire form of a raw X25519 public key. @throws ChatEncodeError unless it has 32 bytes. */
export function x25519PublicKeyJson(key: Uint8Array, what: string): string {
  if (!(key instanceof Uint8Array) || key.length !== X25519_KEY_SIZE) {
    throw new ChatEncodeError(`${what} must be a 32-byte X25519 public key`)
  }
  const der = new Uint8Array(X25519_SPKI_PREFIX.length + X25519_KEY_SIZE)
  der.set(X25519_SPKI_PREFIX)
  der.set(key, X25519_SPKI_PREFIX.length)
  return bytesJson(der, what)
}

/** Read a {@link CallType}. */
export const readCallType: Read<CallType> = readRecord((f) => ({
  media: f.req('media', readEnum(CALL_MEDIA, 'CallMedia')),
  capabilities: f.req(
    'capabilities',
    readRecord((c) => ({ encryption: c.req('encryption', readBool) })),
  ),
}))

/** Read a {@link WebRTCSession}. */
export const readWebRTCSession: Read<WebRTCSession> = readRecord((f) => ({
  rtcSession: f.req('rtcSession', readText),
  rtcIceCandidates: f.req('rtcIceCandidates', readText),
}))

/** Read a {@link CallInvitation}. */
export const readCallInvitation: Read<CallInvitation> = readRecord((f) => {
  const callType = f.req('callType', readCallType)
  const callDhPubKey = f.opt('callDhPubKey', readX25519PublicKey)
  return callDhPubKey === undefined ? { callType } : { callType, callDhPubKey }
})

/** Read a {@link CallOffer}. */
export const readCallOffer: Read<CallOffer> = readRecord((f) => {
  const callType = f.req('callType', readCallType)
  const rtcSession = f.req('rtcSession', readWebRTCSession)
  const callDhPubKey = f.opt('callDhPubKey', readX25519PublicKey)
  return callDhPubKey === undefined ? { callType, rtcSession } : { callType, rtcSession, callDhPubKey }
})

/** Read a {@link CallAnswer}. */
export const readCallAnswer: Read<CallAnswer> = readRecord((f) => ({
  rtcSession: f.req('rtcSession', readWebRTCSession),
}))

/** Read a {@link CallExtraInfo}. */
export const readCallExtraInfo: Read<CallExtraInfo> = readRecord((f) => ({
  rtcExtraInfo: f.req(
    'rtcExtraInfo',
    readRecord((x) => ({ rtcIceCandidates: x.req('rtcIceCandidates', readText) })),
  ),
}))

function callTypeJson(t: CallType, what: string): JsonRecord {
  objectJson(t, what)
  const caps = objectJson(t.capabilities, `${what}.capabilities`)
  return {
    media: enumJson(t.media, CALL_MEDIA, `${what}.media`),
    capabilities: { encryption: boolJson(caps.encryption, `${what}.capabilities.encryption`) },
  }
}

function webRTCSessionJson(s: WebRTCSession, what: string): JsonRecord {
  objectJson(s, what)
  return {
    rtcSession: textJson(s.rtcSession, `${what}.rtcSession`),
    rtcIceCandidates: textJson(s.rtcIceCandidates, `${what}.rtcIceCandidates`),
  }
}

/** The JSON of a {@link CallInvitation}, key omitted when absent. */
export function callInvitationJson(inv: CallInvitation, what = 'invitation'): JsonRecord {
  objectJson(inv, what)
  const o: JsonRecord = { callType: callTypeJson(inv.callType, `${what}.callType`) }
  if (inv.callDhPubKey !== undefined)
    o.callDhPubKey = x25519PublicKeyJson(inv.callDhPubKey, `${what}.callDhPubKey`)
  return o
}

/** The JSON of a {@link CallOffer}, key omitted when absent. */
export function callOfferJson(offer: CallOffer, what = 'offer'): JsonRecord {
  objectJson(offer, what)
  const o: JsonRecord = {
    callType: callTypeJson(offer.callType, `${what}.callType`),
    rtcSession: webRTCSessionJson(offer.rtcSession, `${what}.rtcSession`),
  }
  if (offer.callDhPubKey !== undefined) {
    o.callDhPubKey = x25519PublicKeyJson(offer.callDhPubKey, `${what}.callDhPubKey`)
  }
  return o
}

/** The JSON of a {@link CallAnswer}. */
export function callAnswerJson(answer: CallAnswer, what = 'answer'): JsonRecord {
  objectJson(answer, what)
  return { rtcSession: webRTCSessionJson(answer.rtcSession, `${what}.rtcSession`) }
}

/** The JSON of a {@link CallExtraInfo}. */
export function callExtraInfoJson(extra: CallExtraInfo, what = 'extra'): JsonRecord {
  objectJson(extra, what)
  const x = objectJson(extra.rtcExtraInfo, `${what}.rtcExtraInfo`)
  return {
    rtcExtraInfo: { rtcIceCandidates: textJson(x.rtcIceCandidates, `${what}.rtcExtraInfo.rtcIceCandidates`) },
  }
}
