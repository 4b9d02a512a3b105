/**
 * Agent envelopes: what an agent puts in the body of a client message (inside the per-queue
 * crypto_box of smp's `ClientMessage`).
 *
 * ```
 * AgentConfirmation = u16 agentVersion ‖ 'C' ‖ Maybe E2ERatchetParams ‖ Tail encConnInfo
 * AgentMsgEnvelope  = u16 agentVersion ‖ 'M' ‖ Tail encAgentMessage
 * AgentInvitation   = u16 agentVersion ‖ 'I' ‖ Large(invitation link text) ‖ Tail connInfo
 * ```
 *
 * `encConnInfo` and `encAgentMessage` are ratchet messages of a padded {@link AgentMessage};
 * the invitation's conn info is only protected by the per-queue box.
 *
 * @see ../shared/spec/agent.md §6.1
 */
import { DecodeError, type Decoder, Encoder, decodeAll, fromLatin1, latin1 } from '@simplex-ts/core'
import type { ClientMessage } from '@simplex-ts/smp'
import { decodeClientMessage } from '@simplex-ts/smp'
import { CmdSyntaxError } from './errors'
import { type InvitationRequest, formatConnectionRequest, parseInvitationRequest } from './links'
import { asAgentMessageError } from './messages'
import { type E2ERatchetParams, decodeE2ERatchetParams, encodeE2ERatchetParams } from './x3dh'

/**
 * An agent envelope (`AgentMsgEnvelope`), one of three kinds.
 * @see ../shared/spec/agent.md §6.1
 */
export type AgentMsgEnvelope =
  | {
      /** `AgentConfirmation` (`'C'`): the first message on a new queue. */
      readonly type: 'AgentConfirmation'
      /** The agreed agent version; the receiver checks it against its range. */
      readonly agentVersion: number
      /** The joiner's X3DH keys (only in the joiner's confirmation). */
      readonly e2eEncryption?: E2ERatchetParams | undefined
      /** Ratchet message of `pad(AgentMessage, 14848)`. */
      readonly encConnInfo: Uint8Array
    }
  | {
      /** `AgentMsgEnvelope` (`'M'`): every message after the confirmations. */
      readonly type: 'AgentMsgEnvelope'
      /** The connection's agent version (not checked by the receiver). */
      readonly agentVersion: number
      /** Ratchet message of `pad(AgentMessage, 15856)`. */
      readonly encAgentMessage: Uint8Array
    }
  | {
      /** `AgentInvitation` (`'I'`): a contact request sent to a contact address. */
      readonly type: 'AgentInvitation'
      /** The agreed agent version (not checked by the receiver). */
      readonly agentVersion: number
      /** The requester's own new invitation link. */
      readonly connReq: InvitationRequest
      /** The requester's conn info, not ratchet-encrypted. */
      readonly connInfo: Uint8Array
    }

/**
 * Encode an agent envelope.
 * @see ../shared/spec/agent.md §6.1
 * @throws EncodeError when the version is not a u16 or the link is over 65535 bytes;
 *   CryptoKeyError on a malformed key.
 */
export function encodeAgentMsgEnvelope(env: AgentMsgEnvelope): Uint8Array {
  switch (env.type) {
    case 'AgentConfirmation': {
      const e = new Encoder(env.encConnInfo.length + 160).version(env.agentVersion).ascii('C')
      return e.maybe(env.e2eEncryption, encodeE2ERatchetParams).raw(env.encConnInfo).finish()
    }
    case 'AgentMsgEnvelope':
      return new Encoder(env.encAgentMessage.length + 8)
        .version(env.agentVersion)
        .ascii('M')
        .raw(env.encAgentMessage)
        .finish()
    case 'AgentInvitation': {
      const link = latin1(formatConnectionRequest(env.connReq))
      return new Encoder(link.length + env.connInfo.length + 8)
        .version(env.agentVersion)
        .ascii('I')
        .large(link)
        .raw(env.connInfo)
        .finish()
    }
  }
}

/**
 * Decode an agent envelope (the whole input) as the reference does: any version, and for an
 * invitation a link that must parse as an invitation link.
 * @see ../shared/spec/agent.md §6.1
 * @throws AgentMessageError (`AGENT A_MESSAGE`) on any malformed input, including a bad link.
 */
export function decodeAgentMsgEnvelope(bytes: Uint8Array): AgentMsgEnvelope {
  return asAgentMessageError(() => decodeAll(bytes, (d) => readAgentMsgEnvelope(d, true)))
}

/**
 * {@link decodeAgentMsgEnvelope} whose `encAgentMessage` / `encConnInfo` are views into `bytes`
 * (the agent's receive path: 16 KB not copied once more).
 * @throws AgentMessageError as {@link decodeAgentMsgEnvelope}.
 */
export function decodeAgentMsgEnvelopeView(bytes: Uint8Array): AgentMsgEnvelope {
  return asAgentMessageError(() => decodeAll(bytes, (d) => readAgentMsgEnvelope(d, false)))
}

/** Bytes before `encAgentMessage` in an `AgentMsgEnvelope`: `u16 agentVersion ‖ 'M'`. */
export const AGENT_MSG_ENVELOPE_HEADER_LENGTH = 3

/**
 * Frame a ratchet message as an `AgentMsgEnvelope` in place: `buf` holds
 * {@link AGENT_MSG_ENVELOPE_HEADER_LENGTH} free bytes then the message; the header is written into
 * them and `buf` returned (the same bytes as {@link encodeAgentMsgEnvelope}, without a copy).
 * @throws EncodeError when `agentVersion` is not a u16.
 */
export function frameAgentMsgEnvelope(buf: Uint8Array, agentVersion: number): Uint8Array {
  const header = new Encoder(AGENT_MSG_ENVELOPE_HEADER_LENGTH).version(agentVersion).ascii('M').finish()
  buf.set(header)
  return buf
}

function readAgentMsgEnvelope(d: Decoder, copy: boolean): AgentMsgEnvelope {
  const rest = (): Uint8Array => (copy ? d.tail().slice() : d.tail())
  const agentVersion = d.version()
  const tag = d.u8()
  switch (tag) {
    case 0x43 /* C */:
      {
        const e2eEncryption = d.maybe(decodeE2ERatchetParams)
        const encConnInfo = rest()
        return e2eEncryption === undefined
          ? { type: 'AgentConfirmation', agentVersion, encConnInfo }
          : { type: 'AgentConfirmation', agentVersion, e2eEncryption, encConnInfo }
      }
    case 0x4d /* M */:
      return { type: 'AgentMsgEnvelope', agentVersion, encAgentMessage: rest() }
    case 0x49 /* I */:
      {
        const at = d.offset
        const link = d.large()
        let connReq: InvitationRequest
        try {
          connReq = parseInvitationRequest(fromLatin1(link))
        } catch (cause) {
          if (cause instanceof CmdSyntaxError) throw new DecodeError(cause.message, { offset: at, cause })
          throw cause
        }
        return { type: 'AgentInvitation', agentVersion, connReq, connInfo: d.tail().slice() }
      }
    default:
      return d.fail('bad AgentMsgEnvelope')
  }
}

/**
 * Decode the client message an agent receives (smp's `ClientMessage`: private header and body),
 * reporting failures as the agent does.
 * @see ../shared/spec/agent.md §5
 * @throws AgentMessageError (`AGENT A_MESSAGE`) on an unknown header or a malformed sender key.
 */
export function decodeAgentClientMessage(bytes: Uint8Array): ClientMessage {
  return asAgentMessageError(() => decodeClientMessage(bytes))
}
