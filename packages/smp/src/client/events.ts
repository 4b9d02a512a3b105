/**
 * The SMP client's one event stream: everything the relay pushes (delivered
 * messages, notifications, lost subscriptions) and the connection's life
 * (disconnected, reconnected, background errors), readable as an
 * `AsyncIterable` or through `on(type, fn)`.
 *
 * @see ../shared/spec/smp.md §6, §11.4, §14
 */
import type { ReceivedMessage } from '../delivery'
import type { SmpVersion } from '../version'
import type { RecipientCredentials } from './queue'

/**
 * A message delivered on a subscribed queue (pushed, or as the answer to
 * `SUB`/`ACK`), already decrypted for the negotiated version. Acknowledge it
 * with `ack(queue, message.msgId)` to get the next one: the relay holds back
 * further messages of the queue until then. A message delivered but not
 * acknowledged before a disconnect is delivered again (same `msgId`).
 */
export interface SmpMessageEvent {
  readonly type: 'message'
  /** The queue's recipient id. */
  readonly rcvId: Uint8Array
  /** The queue as it was subscribed (pass it to `ack`). */
  readonly queue: RecipientCredentials
  /** The decrypted message. */
  readonly message: ReceivedMessage
}

/**
 * `NMSG` for a notifier subscription: the encrypted metadata of the message
 * that triggered it. Only the recipient can read it (`decryptNMsgMeta` with
 * the queue's `rcvNtfDhSecret`).
 */
export interface SmpNotificationEvent {
  readonly type: 'notification'
  /** The notifier id. */
  readonly notifierId: Uint8Array
  /** The 24-byte nonce. */
  readonly nonce: Uint8Array
  /** The encrypted `NMsgMeta` (144 bytes). */
  readonly encMeta: Uint8Array
}

/**
 * `END`: another connection took this queue's (or notifier's) subscription.
 * The client forgets the subscription and does not resubscribe it.
 */
export interface SmpEndEvent {
  readonly type: 'end'
  /** Whose subscription ended: a recipient queue or a notifier subscription. */
  readonly party: 'recipient' | 'notifier'
  /** The recipient id or the notifier id. */
  readonly entityId: Uint8Array
}

/** The connection was lost; commands waiting for a response failed with `SmpConnectionLostError`. */
export interface SmpDisconnectedEvent {
  readonly type: 'disconnected'
  /** Why, when the transport ended with an error. */
  readonly error: Error | undefined
  /** Whether the client will try to reconnect. */
  readonly reconnecting: boolean
}

/** The client is connected again and has resubscribed every queue it held. */
export interface SmpReconnectedEvent {
  readonly type: 'reconnected'
  /** The version negotiated on the new connection. */
  readonly version: SmpVersion
  /** How many reconnection attempts it took. */
  readonly attempts: number
  /** Queue subscriptions renewed. */
  readonly resubscribed: number
  /** Notifier subscriptions renewed. */
  readonly renotified: number
  /** Subscriptions the relay refused (each also reported as an `error` event) and that were dropped. */
  readonly failed: number
}

/**
 * A failure no caller awaits: a delivered message that does not decrypt, a
 * resubscription the relay refused, a reconnection attempt that failed, an
 * unsolicited error from the relay.
 */
export interface SmpErrorEvent {
  readonly type: 'error'
  /** The typed error. */
  readonly error: Error
  /** The queue, notifier or message entity concerned, when there is one. */
  readonly entityId: Uint8Array | undefined
}

/** Every event of an SMP client. Unknown future event types should be ignored by consumers. */
export type SmpClientEvent =
  | SmpMessageEvent
  | SmpNotificationEvent
  | SmpEndEvent
  | SmpDisconnectedEvent
  | SmpReconnectedEvent
  | SmpErrorEvent

/** The type names of {@link SmpClientEvent}. */
export type SmpClientEventType = SmpClientEvent['type']
