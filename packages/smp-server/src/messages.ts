/**
 * The message store: a bounded FIFO of messages per queue, keyed by recipient id.
 *
 * @see ../shared/spec/smp.md §8.2 (stored message), §11.6–11.7 (ACK, quota, expiry)
 */
import { equalBytes } from '@simplex-ts/core'
import { idKey } from './ids'

/**
 * A stored message: what `SEND` carried plus the server's id and receive time.
 * @see ../shared/spec/smp.md §8.2
 */
export interface Message {
  /** 24 random bytes; also the nonce of the delivered-message encryption. */
  readonly msgId: Uint8Array
  /** Server receive time, whole seconds since the Unix epoch. */
  readonly ts: number
  /** The `SEND` notification flag (the only flag the reference keeps). */
  readonly notify: boolean
  /** The `SEND` body, ≤ 16088 bytes. */
  readonly body: Uint8Array
}

/** The reference's per-queue quota (`msgQueueQuota`). @see ../shared/spec/smp.md §11.7 */
export const MSG_QUEUE_QUOTA = 128

/**
 * Messages of one queue, oldest first, at most `quota` of them.
 * @see ../shared/spec/smp.md §11.6–11.7
 */
export class MsgQueue {
  readonly #msgs: Message[] = []
  readonly #quota: number

  /** @param quota maximum number of messages held (the reference: 128) */
  constructor(quota: number) {
    this.#quota = quota
  }

  /** Number of messages held. */
  get length(): number {
    return this.#msgs.length
  }

  /** `true` when a further `SEND` must be refused with `QUOTA`. */
  isFull(): boolean {
    return this.#msgs.length >= this.#quota
  }

  /** Append a message; `false` (and nothing changes) when full. */
  write(msg: Message): boolean {
    if (this.isFull()) return false
    this.#msgs.push(msg)
    return true
  }

  /** The oldest message, if any. */
  peek(): Message | undefined {
    return this.#msgs[0]
  }

  /**
   * Delete the head message if its id is `msgId` (an empty `msgId`, as v1 `ACK`
   * sends, matches any head). Returns whether a message was deleted.
   */
  tryDelete(msgId: Uint8Array): boolean {
    const head = this.#msgs[0]
    if (head === undefined) return false
    if (msgId.length !== 0 && !equalBytes(head.msgId, msgId)) return false
    this.#msgs.shift()
    return true
  }

  /** Delete a message by id wherever it is (log replay of an `ACK`). */
  deleteById(msgId: Uint8Array): boolean {
    const i = this.#msgs.findIndex((m) => equalBytes(m.msgId, msgId))
    if (i < 0) return false
    this.#msgs.splice(i, 1)
    return true
  }

  /** Drop messages received before `oldTs` (seconds) from the head; returns how many were dropped. */
  deleteExpired(oldTs: number): number {
    let n = 0
    while (n < this.#msgs.length && this.#msgs[n]!.ts < oldTs) n++
    if (n > 0) this.#msgs.splice(0, n)
    return n
  }

  /** All messages, oldest first (a copy). */
  messages(): Message[] {
    return this.#msgs.slice()
  }
}

/**
 * Message queues of all queues, created on first use and dropped when empty
 * to keep idle queues cheap.
 */
export class MsgStore {
  readonly #queues = new Map<string, MsgQueue>()
  readonly #quota: number

  /** @param quota per-queue quota (default {@link MSG_QUEUE_QUOTA}) */
  constructor(quota: number = MSG_QUEUE_QUOTA) {
    this.#quota = quota
  }

  /** The per-queue quota. */
  get quota(): number {
    return this.#quota
  }

  /** The queue of `recipientId`, creating it if needed. */
  getMsgQueue(recipientId: Uint8Array): MsgQueue {
    const k = idKey(recipientId)
    let q = this.#queues.get(k)
    if (q === undefined) {
      q = new MsgQueue(this.#quota)
      this.#queues.set(k, q)
    }
    return q
  }

  /** The queue of `recipientId` if it holds messages. */
  peekMsgQueue(recipientId: Uint8Array): MsgQueue | undefined {
    return this.#queues.get(idKey(recipientId))
  }

  /** Forget an empty queue (memory only: an empty queue and a missing one behave the same). */
  release(recipientId: Uint8Array): void {
    const k = idKey(recipientId)
    if (this.#queues.get(k)?.length === 0) this.#queues.delete(k)
  }

  /** Delete a queue's messages (`DEL`). */
  delMsgQueue(recipientId: Uint8Array): void {
    this.#queues.delete(idKey(recipientId))
  }

  /** Recipient-id keys and their queues. */
  entries(): IterableIterator<[string, MsgQueue]> {
    return this.#queues.entries()
  }

  /** Total number of stored messages. */
  count(): number {
    let n = 0
    for (const q of this.#queues.values()) n += q.length
    return n
  }
}
