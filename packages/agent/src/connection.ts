/**
 * The stored shape of a connection: its receive and send queues with their
 * statuses, the X3DH keys the initiator keeps until it allows the connection,
 * and the per-connection message counters and hashes.
 *
 * @see ../shared/spec/agent.md §8, §9
 */
import type { KeyPair, SignAlg } from '@simplex-ts/core'
import type { MsgIntegrity } from './messages'

/**
 * Status of a receive queue: `new` → (`confirmed`) → `secured` → `active`; `disabled` after `OFF`.
 * @see ../shared/spec/agent.md §8
 */
export type RcvQueueStatus = 'new' | 'confirmed' | 'secured' | 'active' | 'disabled'

/**
 * Status of a send queue: `new` → `confirmed` (confirmation accepted by the relay) → `active` (HELLO accepted).
 * @see ../shared/spec/agent.md §8
 */
export type SndQueueStatus = 'new' | 'confirmed' | 'active'

/** A queue this agent receives on. */
export interface RcvQueueRecord {
  /** The relay's address text. */
  readonly server: string
  readonly rcvId: Uint8Array
  readonly sndId: Uint8Array
  readonly rcvAuthKey: KeyPair<SignAlg>
  readonly rcvDhSecret: Uint8Array
  /** This side's per-queue X25519 key (its public half is in the link / queue info). */
  readonly e2eDhKey: KeyPair<'x25519'>
  /** The crypto_box secret with the sender, once its key is known. */
  readonly e2eDhSecret?: Uint8Array | undefined
  readonly status: RcvQueueStatus
  /** The peer's command key to secure the queue with (`KEY`), while status is `confirmed`. */
  readonly senderKey?: { readonly alg: SignAlg; readonly publicKey: Uint8Array } | undefined
  /** The relay's id of the last message processed on this queue (duplicate detection on redelivery). */
  readonly lastBrokerId?: Uint8Array | undefined
}

/** A queue this agent sends to. */
export interface SndQueueRecord {
  readonly server: string
  readonly sndId: Uint8Array
  /** The key that signs `SEND` (the peer secures its queue with the public half). */
  readonly sndAuthKey: KeyPair<SignAlg>
  /** This side's per-queue X25519 key; the public half travels in the confirmation's PubHeader. */
  readonly e2eDhKey: KeyPair<'x25519'>
  readonly e2eDhSecret: Uint8Array
  readonly status: SndQueueStatus
}

/** What a connection record holds. */
export interface ConnRecord {
  readonly connId: string
  /** `invitation` for a duplex connection, `contact` for an address. */
  readonly mode: 'invitation' | 'contact'
  /** Whether this side created the invitation (it allows the joiner's confirmation). */
  readonly initiator: boolean
  /** The agreed agent version (0 while unknown, before the initiator sees a confirmation). */
  readonly agentVersion: number
  /** v2 "duplex" handshake. */
  readonly duplex: boolean
  readonly rcvQueue?: RcvQueueRecord | undefined
  readonly sndQueue?: SndQueueRecord | undefined
  /** The initiator's X3DH key pairs until it allows the connection. */
  readonly e2eKeys?: { readonly key1: KeyPair<'x448'>; readonly key2: KeyPair<'x448'> } | undefined
  /** The initiator's own connection info, kept for the v1 confirmation it sends after REPLY. */
  readonly ownInfo?: Uint8Array | undefined
  /** When the v1 HELLO was queued (ms), for the HELLO timeout. */
  readonly helloAt?: number | undefined
  readonly connected: boolean
  readonly lastInternalId: number
  readonly lastInternalSndId: number
  readonly lastInternalRcvId: number
  readonly lastExternalSndId: number
  readonly lastSndHash: Uint8Array
  readonly lastRcvHash: Uint8Array
  readonly createdAt: number
}

/** Kinds of stored outgoing messages. */
export type PendingKind = 'confirmation' | 'hello' | 'reply' | 'message'

/** One message in a connection's send queue: ratchet-encrypted once, re-boxed per attempt. */
export interface PendingMessage {
  readonly internalId: number
  readonly kind: PendingKind
  /** The AgentMsgEnvelope / AgentConfirmation bytes. */
  readonly envelope: Uint8Array
  readonly notification: boolean
  readonly queuedAt: number
}

/** The initiator's pending confirmation: everything needed to allow the connection. */
export interface PendingConfirmation {
  readonly confId: string
  readonly connId: string
  readonly senderKey: { readonly alg: SignAlg; readonly publicKey: Uint8Array }
  readonly e2eDhSecret: Uint8Array
  /** The ratchet initialised from this confirmation (binary form). */
  readonly ratchet: Uint8Array
  readonly info: Uint8Array
  /** The joiner's reply queue (v2), its `SMPQueueInfo` encoding. */
  readonly replyQueue?: Uint8Array | undefined
  readonly agentVersion: number
  readonly duplex: boolean
}

/** A contact request received on an address. */
export interface ContactInvitation {
  readonly invitationId: string
  readonly connId: string
  /** The requester's invitation link. */
  readonly connReq: string
  readonly info: Uint8Array
}

/** A received message as stored. */
export interface StoredRcvMessage {
  readonly internalId: number
  readonly sndMsgId: number
  readonly brokerMsgId: Uint8Array
  readonly brokerTs: number
  readonly integrity?: MsgIntegrity | undefined
  readonly body: Uint8Array
}
