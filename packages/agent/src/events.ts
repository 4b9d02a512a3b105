/**
 * The agent's one event stream: connection life (confirmation, request, info,
 * connected, down/up, end), messages and their delivery (message, sent,
 * delivered), and errors no caller awaits. Readable as an `AsyncIterable` or
 * through `on(type, fn)`.
 *
 * @see ../shared/spec/agent.md §12
 */
import type { MsgIntegrity } from './messages'

/**
 * The initiator received the joiner's confirmation (`CONF`): answer with `allowConnection`.
 * @see ../shared/spec/agent.md §8.1
 */
export interface ConfirmationEvent {
  readonly type: 'confirmation'
  readonly connId: string
  /** The pending confirmation's id (pass it to `allowConnection`). */
  readonly confId: string
  /** The joiner's connection info (its profile, for a chat application). */
  readonly info: Uint8Array
}

/**
 * A contact request arrived at an address (`REQ`): answer with `acceptContact` / `rejectContact`.
 * @see ../shared/spec/agent.md §8.4
 */
export interface RequestEvent {
  readonly type: 'request'
  /** The contact address connection the request arrived on. */
  readonly connId: string
  /** The invitation's id (pass it to `acceptContact` / `rejectContact`). */
  readonly invitationId: string
  /** The requester's connection info. */
  readonly info: Uint8Array
}

/**
 * The joiner received the initiator's confirmation (`INFO`).
 * @see ../shared/spec/agent.md §8.1
 */
export interface InfoEvent {
  readonly type: 'info'
  readonly connId: string
  readonly info: Uint8Array
}

/**
 * Both queues of the connection are active: messages can flow both ways (`CON`).
 * @see ../shared/spec/agent.md §8.1
 */
export interface ConnectedEvent {
  readonly type: 'connected'
  readonly connId: string
}

/**
 * A message from the peer, already stored (and acknowledged to the relay). With
 * `appAck: 'manual'`, pass `msgId` to `ackMessage` once the application has processed it.
 * @see ../shared/spec/agent.md §10.2
 */
export interface MessageEvent {
  readonly type: 'message'
  readonly connId: string
  /** This side's internal id of the message. */
  readonly msgId: number
  /** The peer's send id of the message. */
  readonly sndMsgId: number
  /** The relay's message id. */
  readonly brokerMsgId: Uint8Array
  /** The relay's timestamp (seconds since the epoch). */
  readonly brokerTs: number
  /** The integrity verdict (`null` when the id and hash chain are as expected). */
  readonly integrity: MsgIntegrity
  /** The message body (the agent message body bytes). */
  readonly body: Uint8Array
  /**
   * Set when the message is emitted again with the same `msgId`: the relay delivered it again
   * after the agent had stored it (its ACK was lost), or (`appAck: 'manual'`) the application had
   * not acknowledged it when the agent started or a relay connection came back. Skip it if you
   * processed it, and acknowledge it either way.
   */
  readonly redelivered?: boolean
}

/**
 * A message was encrypted and stored in the send queue (returned id), not yet accepted by the relay.
 * @see ../shared/spec/agent.md §10.1
 */
export interface SentEvent {
  readonly type: 'sent'
  readonly connId: string
  readonly msgId: number
}

/**
 * The relay accepted a message (`SENT` of the reference).
 * @see ../shared/spec/agent.md §10.1
 */
export interface DeliveredEvent {
  readonly type: 'delivered'
  readonly connId: string
  readonly msgId: number
}

/**
 * A message could not be delivered and was dropped (`MERR`).
 * @see ../shared/spec/agent.md §10.1
 */
export interface MessageErrorEvent {
  readonly type: 'message-error'
  readonly connId: string
  readonly msgId: number
  readonly error: Error
}

/**
 * The connection to a relay was lost (`DOWN`) or is back with every queue resubscribed (`UP`).
 * @see ../shared/spec/agent.md §10.3
 */
export interface ServerEvent {
  readonly type: 'down' | 'up'
  /** The relay's address. */
  readonly server: string
  /** Connections with a receive queue on it. */
  readonly connIds: readonly string[]
}

/**
 * Another client took the subscription of this connection's receive queue (`END`).
 * @see ../shared/spec/agent.md §10.3
 */
export interface EndEvent {
  readonly type: 'end'
  readonly connId: string
}

/**
 * A failure no caller awaits (a message that did not decrypt, a handshake step that failed).
 * @see ../shared/spec/agent.md §10.2
 */
export interface ErrorEvent {
  readonly type: 'error'
  /** The connection concerned, when there is one. */
  readonly connId: string | undefined
  readonly error: Error
}

/**
 * Every event of an agent. Consumers should ignore event types they do not know.
 * @see ../shared/spec/agent.md §12
 */
export type AgentEvent =
  | ConfirmationEvent
  | RequestEvent
  | InfoEvent
  | ConnectedEvent
  | MessageEvent
  | SentEvent
  | DeliveredEvent
  | MessageErrorEvent
  | ServerEvent
  | EndEvent
  | ErrorEvent

/**
 * The type names of {@link AgentEvent}.
 * @see ../shared/spec/agent.md §12
 */
export type AgentEventType = AgentEvent['type']
