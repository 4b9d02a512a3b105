/**
 * Agent messages: the plaintext inside the double ratchet (and the conn info of the
 * handshake confirmations), with the sequence number and hash chain that let the receiver
 * judge the integrity of what it gets.
 *
 * ```
 * AgentMessage = 'I' ‖ Tail connInfo                          ; AgentConnInfo
 *              / 'D' ‖ NonEmpty SMPQueueInfo ‖ Tail connInfo  ; AgentConnInfoReply (v2 joiner)
 *              / 'M' ‖ APrivHeader ‖ AMessage
 * APrivHeader  = i64 sndMsgId ‖ str8 prevMsgHash               ; hash empty or SHA-256
 * AMessage     = 'H' / 'R' ‖ NonEmpty SMPQueueInfo / 'M' ‖ Tail body
 * ```
 *
 * The encodings are the same for agent versions 1 and 2; the version decides which messages a
 * party sends (`D` only with the duplex handshake, `REPLY` only without).
 *
 * @see ../shared/spec/agent.md §6.2, §9
 */
import {
  type CryptoProvider,
  DecodeError,
  type Decoder,
  Encoder,
  decodeAll,
  equalBytes,
} from '@simplex-ts/core'
import { AgentMessageError } from './errors'
import { type SmpQueueInfo, decodeSmpQueueInfo, encodeSmpQueueInfo } from './queue-info'

/**
 * A non-empty list (the reference's `NonEmpty`): a count byte of at least 1 on the wire.
 * @see ../shared/spec/agent.md §1
 */
export type NonEmpty<T> = readonly [T, ...T[]]

/**
 * The agent's private header of a regular message (`APrivHeader`).
 * @see ../shared/spec/agent.md §6.2, §9
 */
export interface APrivHeader {
  /** The sender's sequential message id (`AgentMsgId`, a signed 64-bit integer). */
  readonly sndMsgId: bigint
  /** SHA-256 of the sender's previous encoded agent message, or empty for none. */
  readonly prevMsgHash: Uint8Array
}

/**
 * A message between agents once the queues are set up (`AMessage`).
 * @see ../shared/spec/agent.md §6.2
 */
export type AMessage =
  | {
      /** `HELLO`: the first message on a queue, proves it is secured. */
      readonly type: 'HELLO'
    }
  | {
      /** `REPLY`: the joiner's reply queue in the v1 handshake. */
      readonly type: 'REPLY'
      /** The reply queues (v3.1 sends and uses one). */
      readonly smpQueues: NonEmpty<SmpQueueInfo>
    }
  | {
      /** `A_MSG`: a client message. */
      readonly type: 'A_MSG'
      /** The client's body (for SimpleX Chat, a chat message). */
      readonly body: Uint8Array
    }

/**
 * The plaintext of a ratchet message (`AgentMessage`).
 * @see ../shared/spec/agent.md §6.2
 */
export type AgentMessage =
  | {
      /** `AgentConnInfo` (`'I'`): conn info in a confirmation (v1 joiner, and the initiator). */
      readonly type: 'AgentConnInfo'
      /** The profile or other information the client attaches to the connection. */
      readonly connInfo: Uint8Array
    }
  | {
      /** `AgentConnInfoReply` (`'D'`): the v2 joiner's confirmation with its reply queue. */
      readonly type: 'AgentConnInfoReply'
      /** The joiner's reply queues (v3.1 sends and uses one). */
      readonly smpQueues: NonEmpty<SmpQueueInfo>
      /** The joiner's conn info. */
      readonly connInfo: Uint8Array
    }
  | {
      /** `AgentMessage` (`'M'`): HELLO, REPLY or A_MSG with the private header. */
      readonly type: 'AgentMessage'
      /** Sequence number and hash chain. */
      readonly header: APrivHeader
      /** The message. */
      readonly message: AMessage
    }

/**
 * Append an {@link AMessage}.
 * @see ../shared/spec/agent.md §6.2
 * @throws EncodeError on an empty or over-long queue list; as {@link encodeSmpQueueInfo}.
 */
export function encodeAMessage(e: Encoder, m: AMessage): Encoder {
  switch (m.type) {
    case 'HELLO':
      return e.ascii('H')
    case 'REPLY':
      return e.ascii('R').nonEmpty(m.smpQueues, encodeSmpQueueInfo)
    case 'A_MSG':
      return e.ascii('M').raw(m.body)
  }
}

/**
 * Read an {@link AMessage}; `A_MSG` takes the rest of the input.
 * @see ../shared/spec/agent.md §6.2
 * @throws DecodeError on an unknown tag, an empty queue list or a malformed queue.
 */
export function decodeAMessage(d: Decoder): AMessage {
  const tag = d.u8()
  switch (tag) {
    case 0x48 /* H */:
      return { type: 'HELLO' }
    case 0x52 /* R */:
      return { type: 'REPLY', smpQueues: d.nonEmpty(decodeSmpQueueInfo) }
    case 0x4d /* M */:
      return { type: 'A_MSG', body: d.tail().slice() }
    default:
      return d.fail('bad AMsgType')
  }
}

/**
 * Append an {@link APrivHeader}.
 * @see ../shared/spec/agent.md §6.2
 * @throws EncodeError when `sndMsgId` is not a signed 64-bit integer or the hash is over 255 bytes.
 */
export function encodeAPrivHeader(e: Encoder, h: APrivHeader): Encoder {
  return e.i64(h.sndMsgId).str8(h.prevMsgHash)
}

/**
 * Read an {@link APrivHeader} (any hash length, as the reference).
 * @see ../shared/spec/agent.md §6.2
 * @throws DecodeError on truncated input.
 */
export function decodeAPrivHeader(d: Decoder): APrivHeader {
  const sndMsgId = d.i64()
  return { sndMsgId, prevMsgHash: d.str8().slice() }
}

/**
 * Encode an {@link AgentMessage}: the plaintext to ratchet-encrypt, and the bytes whose SHA-256
 * becomes the next `prevMsgHash`.
 * @see ../shared/spec/agent.md §6.2
 * @throws EncodeError on an empty or over-long queue list or an out-of-range field;
 *   CryptoKeyError on a malformed queue key.
 */
export function encodeAgentMessage(m: AgentMessage): Uint8Array {
  const e = new Encoder(m.type === 'AgentMessage' ? bodyLength(m.message) + 64 : m.connInfo.length + 256)
  switch (m.type) {
    case 'AgentConnInfo':
      e.ascii('I').raw(m.connInfo)
      break
    case 'AgentConnInfoReply':
      e.ascii('D').nonEmpty(m.smpQueues, encodeSmpQueueInfo).raw(m.connInfo)
      break
    case 'AgentMessage':
      encodeAMessage(encodeAPrivHeader(e.ascii('M'), m.header), m.message)
      break
  }
  return e.finish()
}

function bodyLength(m: AMessage): number {
  return m.type === 'A_MSG' ? m.body.length : 256
}

/**
 * Decode an {@link AgentMessage} (the whole input).
 * @see ../shared/spec/agent.md §6.2
 * @throws AgentMessageError (`AGENT A_MESSAGE`) on any malformed input; the DecodeError is its `cause`.
 */
export function decodeAgentMessage(bytes: Uint8Array): AgentMessage {
  return asAgentMessageError(() => decodeAll(bytes, readAgentMessage))
}

function readAgentMessage(d: Decoder): AgentMessage {
  const tag = d.u8()
  switch (tag) {
    case 0x49 /* I */:
      return { type: 'AgentConnInfo', connInfo: d.tail().slice() }
    case 0x44 /* D */:
      {
        const smpQueues = d.nonEmpty(decodeSmpQueueInfo)
        return { type: 'AgentConnInfoReply', smpQueues, connInfo: d.tail().slice() }
      }
    case 0x4d /* M */:
      {
        const header = decodeAPrivHeader(d)
        return { type: 'AgentMessage', header, message: decodeAMessage(d) }
      }
    default:
      return d.fail('bad AgentMessage')
  }
}

/**
 * Run a decoder and report its DecodeError as `AGENT A_MESSAGE`, as the agent reports any peer
 * message that does not parse (internal: shared by the envelope decoders).
 * @see ../shared/spec/agent.md §6, §12
 * @throws AgentMessageError in place of a DecodeError; anything else unchanged.
 */
export function asAgentMessageError<T>(decode: () => T): T {
  try {
    return decode()
  } catch (cause) {
    if (cause instanceof DecodeError) throw new AgentMessageError(cause.message, { cause })
    throw cause
  }
}

/**
 * The message type the agent stores with each message (`AgentMessageType`, column
 * `messages.msg_type`): `C` conn info, `D` conn info with reply, `H`, `R`, `M`. Not the wire tags.
 * @see ../shared/spec/agent.md §6.2
 */
export type AgentMessageType = 'C' | 'D' | 'H' | 'R' | 'M'

/**
 * The stored type of a message (`agentMessageType`).
 * @see ../shared/spec/agent.md §6.2
 */
export function agentMessageType(m: AgentMessage): AgentMessageType {
  switch (m.type) {
    case 'AgentConnInfo':
      return 'C'
    case 'AgentConnInfoReply':
      return 'D'
    case 'AgentMessage':
      return m.message.type === 'HELLO' ? 'H' : m.message.type === 'REPLY' ? 'R' : 'M'
  }
}

/**
 * The hash of an encoded agent message (`sha256Hash`): the sender stores it as the next message's
 * `prevMsgHash`, the receiver as the hash the next message must carry.
 * @see ../shared/spec/agent.md §9
 */
export function agentMessageHash(provider: CryptoProvider, encodedAgentMessage: Uint8Array): Uint8Array {
  return provider.sha256(encodedAgentMessage)
}

/**
 * Why a received message failed the integrity check (`MsgErrorType`).
 * @see ../shared/spec/agent.md §9
 */
export type MsgErrorType =
  | {
      /** Messages `fromMsgId..toMsgId` of the sender never arrived (`MsgSkipped`). */
      readonly type: 'MsgSkipped'
      /** First missing sender id. */
      readonly fromMsgId: bigint
      /** Last missing sender id. */
      readonly toMsgId: bigint
    }
  | {
      /** The sender id is lower than the previous one (`MsgBadId`). */
      readonly type: 'MsgBadId'
      /** The received sender id. */
      readonly msgId: bigint
    }
  | {
      /** The next sender id but the hash chain does not match (`MsgBadHash`). */
      readonly type: 'MsgBadHash'
    }
  | {
      /** The same sender id as the previous message (`MsgDuplicate`). */
      readonly type: 'MsgDuplicate'
    }

/**
 * The integrity verdict delivered with `MSG` (`MsgIntegrity`): `null` for `MsgOk`, else the error.
 * @see ../shared/spec/agent.md §9
 */
export type MsgIntegrity = MsgErrorType | null

/**
 * Judge a received message (`checkMsgIntegrity`) from the previous sender id and hash this
 * connection recorded and the message's own header. Delivery does not depend on the verdict.
 * @param prevExtSndId the sender id of the previous received message (0 before the first).
 * @param prevRcvMsgHash the hash of the previous received agent message (empty before the first).
 * @see ../shared/spec/agent.md §9
 */
export function checkMsgIntegrity(
  prevExtSndId: bigint,
  prevRcvMsgHash: Uint8Array,
  header: APrivHeader,
): MsgIntegrity {
  const s = header.sndMsgId
  // Int64 arithmetic as the reference's: the successor of the largest id wraps around.
  const next = BigInt.asIntN(64, prevExtSndId + 1n)
  const hashOk = equalBytes(prevRcvMsgHash, header.prevMsgHash)
  if (s === next && hashOk) return null
  if (s < prevExtSndId) return { type: 'MsgBadId', msgId: s }
  if (s === prevExtSndId) return { type: 'MsgDuplicate' }
  if (s > next) return { type: 'MsgSkipped', fromMsgId: next, toMsgId: BigInt.asIntN(64, s - 1n) }
  return { type: 'MsgBadHash' }
}
