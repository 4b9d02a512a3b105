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

type Listener<E> = (event: E) => void

/** Fan-out of events to listeners and to async iterators, each buffering from its creation. */
export class EventHub<E extends { readonly type: string }> {
  readonly #listeners = new Set<Listener<E>>()
  readonly #enders = new Set<() => void>()
  #ended = false

  emit(event: E): void {
    if (this.#ended) return
    for (const l of [...this.#listeners]) {
      try {
        l(event)
      } catch (e) {
        // a listener's bug must not break the agent's processing loop
        queueMicrotask(() => {
          throw e
        })
      }
    }
  }

  on<T extends E['type']>(type: T, fn: (event: Extract<E, { type: T }>) => void): () => void {
    const l: Listener<E> = (e) => {
      if (e.type === type) fn(e as Extract<E, { type: T }>)
    }
    this.#listeners.add(l)
    return () => this.#listeners.delete(l)
  }

  onAny(fn: (event: E) => void): () => void {
    this.#listeners.add(fn)
    return () => this.#listeners.delete(fn)
  }

  iterate(signal?: AbortSignal): AsyncIterableIterator<E> {
    const buffer: E[] = []
    let wake: ((r: IteratorResult<E, undefined>) => void) | undefined
    let done = this.#ended
    const listener: Listener<E> = (e) => {
      if (wake) {
        const w = wake
        wake = undefined
        w({ value: e, done: false })
      } else buffer.push(e)
    }
    const finish = (): void => {
      done = true
      this.#listeners.delete(listener)
      this.#enders.delete(finish)
      signal?.removeEventListener('abort', finish)
      if (wake) {
        const w = wake
        wake = undefined
        w({ value: undefined, done: true })
      }
    }
    if (!done) {
      this.#listeners.add(listener)
      this.#enders.add(finish)
      if (signal?.aborted) finish()
      else signal?.addEventListener('abort', finish, { once: true })
    }
    const it: AsyncIterableIterator<E> = {
      next: () => {
        const e = buffer.shift()
        if (e !== undefined) return Promise.resolve({ value: e, done: false })
        if (done) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve) => {
          wake = resolve
        })
      },
      return: () => {
        buffer.length = 0
        finish()
        return Promise.resolve({ value: undefined, done: true })
      },
      [Symbol.asyncIterator]: () => it,
    }
    return it
  }

  end(): void {
    if (this.#ended) return
    this.#ended = true
    for (const f of [...this.#enders]) f()
    this.#listeners.clear()
  }
}
