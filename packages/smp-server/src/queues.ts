/**
 * The queue store: queue records indexed by recipient, sender and notifier id.
 *
 * @see ../shared/spec/smp.md §11.1 (queue record), §10 (notifier credentials)
 */
import type { SmpErrorType } from './errors'
import { idKey } from './ids'

/** `active`, or `off` after `OFF` (sending is refused, the recipient may still drain). */
export type QueueStatus = 'active' | 'off'

/** Notifier credentials added by `NKEY`. @see ../shared/spec/smp.md §10 */
export interface NtfCreds {
  /** 24-byte notifier id (entity of `NSUB`). */
  readonly notifierId: Uint8Array
  /** Notifier signature verification key, DER SPKI (Ed25519 or Ed448). */
  readonly notifierKey: Uint8Array
  /** Raw 32-byte X25519 secret shared with the recipient, encrypts `NMSG` metadata. */
  readonly rcvNtfDhSecret: Uint8Array
}

/**
 * One queue, as the reference's `QueueRec`. Ids are 24 bytes; keys are DER SPKI
 * as they travel on the wire and in the store log.
 * @see ../shared/spec/smp.md §11.1
 */
export interface QueueRec {
  /** Recipient id (entity of recipient commands). */
  readonly recipientId: Uint8Array
  /** Recipient verification key, DER SPKI. */
  readonly recipientKey: Uint8Array
  /** Raw 32-byte X25519 secret shared with the recipient; encrypts delivered messages. */
  readonly rcvDhSecret: Uint8Array
  /** Sender id (entity of `SEND`). */
  readonly senderId: Uint8Array
  /** Sender verification key set by `KEY`; unset while the queue is unsecured. */
  senderKey: Uint8Array | undefined
  /** Notifier credentials set by `NKEY`, cleared by `NDEL`. */
  notifier: NtfCreds | undefined
  /** Queue status. */
  status: QueueStatus
}

/** Which id space an entity id is looked up in. */
export type Party = 'recipient' | 'sender' | 'notifier'

/** Outcome of a store change: `undefined` on success, else the SMP error to answer. */
export type StoreResult = SmpErrorType | 'DUPLICATE' | undefined

/**
 * In-memory queue store with the reference's rules: ids unique across
 * recipient and sender ids, one sender key per queue, notifier ids unique.
 * Failed changes leave the store untouched.
 * @see ../shared/spec/smp.md §11
 */
export class QueueStore {
  readonly #queues = new Map<string, QueueRec>()
  readonly #senders = new Map<string, QueueRec>()
  readonly #notifiers = new Map<string, QueueRec>()

  /** Number of queues. */
  get size(): number {
    return this.#queues.size
  }

  /** Every queue record (for compaction and saving). */
  queues(): IterableIterator<QueueRec> {
    return this.#queues.values()
  }

  /** Add a new queue; `'DUPLICATE'` when its recipient or sender id is taken. */
  addQueue(q: QueueRec): StoreResult {
    const rk = idKey(q.recipientId)
    const sk = idKey(q.senderId)
    if (this.#queues.has(rk) || this.#senders.has(sk) || rk === sk) return 'DUPLICATE'
    if (q.notifier !== undefined && this.#notifiers.has(idKey(q.notifier.notifierId))) return 'DUPLICATE'
    this.#queues.set(rk, q)
    this.#senders.set(sk, q)
    if (q.notifier !== undefined) this.#notifiers.set(idKey(q.notifier.notifierId), q)
    return undefined
  }

  /** Look a queue up by an entity id of the given party. */
  getQueue(party: Party, id: Uint8Array): QueueRec | undefined {
    const k = idKey(id)
    switch (party) {
      case 'recipient':
        return this.#queues.get(k)
      case 'sender':
        return this.#senders.get(k)
      case 'notifier':
        return this.#notifiers.get(k)
    }
  }

  /** Set the sender key once (`KEY`); `AUTH` for an unknown queue or an already secured one. */
  secureQueue(recipientId: Uint8Array, senderKey: Uint8Array): StoreResult {
    const q = this.#queues.get(idKey(recipientId))
    if (q === undefined || q.senderKey !== undefined) return 'AUTH'
    q.senderKey = senderKey
    return undefined
  }

  /** Set (or replace) the notifier credentials (`NKEY`); `'DUPLICATE'` if the notifier id is taken. */
  addQueueNotifier(recipientId: Uint8Array, creds: NtfCreds): StoreResult {
    const nk = idKey(creds.notifierId)
    if (this.#notifiers.has(nk)) return 'DUPLICATE'
    const q = this.#queues.get(idKey(recipientId))
    if (q === undefined) return 'AUTH'
    if (q.notifier !== undefined) this.#notifiers.delete(idKey(q.notifier.notifierId))
    q.notifier = creds
    this.#notifiers.set(nk, q)
    return undefined
  }

  /** Remove the notifier credentials (`NDEL`); `AUTH` for an unknown queue. */
  deleteQueueNotifier(recipientId: Uint8Array): StoreResult {
    const q = this.#queues.get(idKey(recipientId))
    if (q === undefined) return 'AUTH'
    if (q.notifier !== undefined) this.#notifiers.delete(idKey(q.notifier.notifierId))
    q.notifier = undefined
    return undefined
  }

  /** Mark the queue `off` (`OFF`); `AUTH` for an unknown queue. */
  suspendQueue(recipientId: Uint8Array): StoreResult {
    const q = this.#queues.get(idKey(recipientId))
    if (q === undefined) return 'AUTH'
    q.status = 'off'
    return undefined
  }

  /** Delete the queue and all its ids (`DEL`); `AUTH` for an unknown queue. */
  deleteQueue(recipientId: Uint8Array): QueueRec | SmpErrorType {
    const rk = idKey(recipientId)
    const q = this.#queues.get(rk)
    if (q === undefined) return 'AUTH'
    this.#queues.delete(rk)
    this.#senders.delete(idKey(q.senderId))
    if (q.notifier !== undefined) this.#notifiers.delete(idKey(q.notifier.notifierId))
    return q
  }
}
