/**
 * SMP command semantics, independent of the wire: queues, subscriptions,
 * delivery of one message at a time, ACK, GET, notifier subscriptions.
 * The relay ({@link ./relay}) parses and verifies transmissions, calls these
 * methods and encodes their results for the connection's SMP version.
 *
 * Every change is applied to the in-memory store and appended to the logs
 * synchronously; the caller must await {@link ServerStore.commit} before
 * sending any answer, so an answered change is durable.
 *
 * @see ../shared/spec/smp.md §10–11
 */
import type { CryptoProvider } from '@simplex-ts/core'
import type { SmpErrorType } from './errors'
import { idKey } from './ids'
import type { Message } from './messages'
import type { ServerStore } from './persistence'
import type { QueueRec } from './queues'

/** Size of queue, notifier and message ids (`queueIdBytes`, `msgIdBytes`). @see ../shared/spec/smp.md §11.7 */
export const ID_BYTES = 24
/** Maximum `SEND` body (`maxMessageLength`). @see ../shared/spec/smp.md §5 */
export const MAX_MESSAGE_LENGTH = 16088

/** A transmission the broker initiates towards a connection. @see ../shared/spec/smp.md §6 */
export type BrokerEvent =
  /** Push of the next message of a subscribed queue (entity = recipient id). */
  | { readonly type: 'MSG'; readonly queue: QueueRec; readonly msg: Message }
  /** The subscription moved to another connection (entity = recipient or notifier id). */
  | { readonly type: 'END'; readonly entityId: Uint8Array }
  /** A message with the notify flag arrived (entity = notifier id). */
  | {
      readonly type: 'NMSG'
      readonly notifierId: Uint8Array
      readonly rcvNtfDhSecret: Uint8Array
      readonly msg: Message
    }

/** The answer to one command. @see ../shared/spec/smp.md §6 */
export type BrokerResult =
  | { readonly type: 'OK' }
  | { readonly type: 'PONG' }
  | { readonly type: 'ERR'; readonly error: SmpErrorType }
  /** `IDS`: the new queue's ids and the server's raw X25519 public key. */
  | {
      readonly type: 'IDS'
      readonly recipientId: Uint8Array
      readonly senderId: Uint8Array
      readonly serverDhKey: Uint8Array
    }
  /** `NID`: the notifier id and the server's raw X25519 public key for notifications. */
  | { readonly type: 'NID'; readonly notifierId: Uint8Array; readonly serverNtfDhKey: Uint8Array }
  /** `MSG` as the answer to `SUB`/`GET`/`ACK`. */
  | { readonly type: 'MSG'; readonly queue: QueueRec; readonly msg: Message }

const OK: BrokerResult = Object.freeze({ type: 'OK' })
const err = (error: SmpErrorType): BrokerResult => ({ type: 'ERR', error })

/**
 * State of one queue on one connection (the reference's `Sub`). Kept to three
 * fields: there is no per-subscription timer, thread or closure.
 */
interface Sub {
  /** Created by `GET` (the reference's `ProhibitSub`): `SUB` is then prohibited on this connection. */
  readonly get: boolean
  /** Id of the delivered, not yet acknowledged message. */
  delivered: Uint8Array | undefined
  /** Subscribed with nothing outstanding and an empty queue: the next arriving message is pushed. */
  waiting: boolean
}

/** One connected client as the broker sees it. */
export class BrokerSession {
  /** Where server-initiated transmissions go. */
  readonly #push: (ev: BrokerEvent) => void
  /** Subscriptions (and `GET` states) by recipient-id key. @internal managed by {@link Broker} */
  readonly subs = new Map<string, Sub>()
  /** Notifier subscriptions by notifier-id key. @internal managed by {@link Broker} */
  readonly ntfSubs = new Set<string>()
  /** `false` once the connection is gone. */
  connected = true

  /** @param push receives server-initiated transmissions for this connection */
  constructor(push: (ev: BrokerEvent) => void) {
    this.#push = push
  }

  /** Send a server-initiated transmission to this connection. */
  push(ev: BrokerEvent): void {
    if (this.connected) this.#push(ev)
  }
}

/** Options of {@link Broker}. */
export interface BrokerOptions {
  /** Crypto provider for ids and per-queue DH keys. */
  readonly crypto: CryptoProvider
  /** `false` answers `NEW` with `AUTH` (the reference's `allowNewQueues`). Default `true`. */
  readonly allowNewQueues?: boolean
}

/**
 * The command semantics of the reference server over a {@link ServerStore}.
 * @see ../shared/spec/smp.md §10–11
 */
export class Broker {
  /** The state. */
  readonly store: ServerStore
  readonly #crypto: CryptoProvider
  readonly #allowNew: boolean
  /** Subscribed connection per recipient id. */
  readonly #subscribers = new Map<string, BrokerSession>()
  /** Notifier-subscribed connection per notifier id. */
  readonly #notifiers = new Map<string, BrokerSession>()

  /** @param store state to operate on; @param opts crypto and policy */
  constructor(store: ServerStore, opts: BrokerOptions) {
    this.store = store
    this.#crypto = opts.crypto
    this.#allowNew = opts.allowNewQueues ?? true
  }

  /** Number of queues with a subscribed connection. */
  get subscriptionCount(): number {
    return this.#subscribers.size
  }

  /** A new connection. */
  connect(push: (ev: BrokerEvent) => void): BrokerSession {
    return new BrokerSession(push)
  }

  /** A connection closed: its subscriptions end; delivered-but-unacknowledged messages stay queued. */
  disconnect(s: BrokerSession): void {
    s.connected = false
    for (const k of s.subs.keys()) if (this.#subscribers.get(k) === s) this.#subscribers.delete(k)
    for (const k of s.ntfSubs) if (this.#notifiers.get(k) === s) this.#notifiers.delete(k)
    s.subs.clear()
    s.ntfSubs.clear()
  }

  /**
   * `NEW`: create a queue keyed by the recipient's verification key (DER SPKI)
   * and X25519 DH key (raw), subscribe the creating connection, answer `IDS`.
   * @see ../shared/spec/smp.md §11.2, §8.1
   */
  newQueue(s: BrokerSession, recipientKey: Uint8Array, rcvDhKey: Uint8Array): BrokerResult {
    if (!this.#allowNew) return err('AUTH')
    const kp = this.#crypto.generateDhKeyPair('x25519')
    let rcvDhSecret: Uint8Array
    try {
      rcvDhSecret = this.#crypto.dh('x25519', kp.privateKey, rcvDhKey)
    } catch {
      return err('CMD SYNTAX')
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const q: QueueRec = {
        recipientId: this.#crypto.randomBytes(ID_BYTES),
        recipientKey,
        rcvDhSecret,
        senderId: this.#crypto.randomBytes(ID_BYTES),
        senderKey: undefined,
        notifier: undefined,
        status: 'active',
      }
      if (this.store.queues.addQueue(q) !== undefined) continue
      this.store.logQueue({ type: 'CREATE', queue: q })
      this.subscribe(s, q)
      return { type: 'IDS', recipientId: q.recipientId, senderId: q.senderId, serverDhKey: kp.publicKey }
    }
    return err('INTERNAL')
  }

  #deliver(sub: Sub, q: QueueRec): BrokerResult {
    if (sub.waiting) return OK
    const head = this.store.msgs.peekMsgQueue(q.recipientId)?.peek()
    if (head === undefined) {
      sub.waiting = true
      return OK
    }
    sub.delivered = head.msgId
    return { type: 'MSG', queue: q, msg: head }
  }

  /**
   * `SUB`: take the queue's subscription (the previous connection gets `END`)
   * and deliver the head message, or `OK` and push the next arrival.
   * @see ../shared/spec/smp.md §11.4
   */
  subscribe(s: BrokerSession, q: QueueRec): BrokerResult {
    const k = idKey(q.recipientId)
    let sub = s.subs.get(k)
    if (sub === undefined) {
      sub = { get: false, delivered: undefined, waiting: false }
      s.subs.set(k, sub)
      const prev = this.#subscribers.get(k)
      this.#subscribers.set(k, s)
      if (prev !== undefined && prev !== s) {
        prev.subs.delete(k)
        prev.push({ type: 'END', entityId: q.recipientId })
      }
    } else if (sub.get) {
      return err('CMD PROHIBITED')
    } else {
      sub.delivered = undefined
    }
    return this.#deliver(sub, q)
  }

  /**
   * `GET`: the head message without subscribing, or `OK` when empty.
   * @see ../shared/spec/smp.md §11.5
   */
  getMessage(s: BrokerSession, q: QueueRec): BrokerResult {
    const k = idKey(q.recipientId)
    let sub = s.subs.get(k)
    if (sub === undefined) {
      sub = { get: true, delivered: undefined, waiting: false }
      s.subs.set(k, sub)
    } else if (!sub.get) {
      return err('CMD PROHIBITED')
    }
    sub.delivered = undefined
    const head = this.store.msgs.peekMsgQueue(q.recipientId)?.peek()
    if (head === undefined) return OK
    sub.delivered = head.msgId
    return { type: 'MSG', queue: q, msg: head }
  }

  /**
   * `ACK`: acknowledge the delivered message (`msgId` empty in v1: whichever
   * was delivered), delete it if still at the head, then deliver the next one
   * on a subscription (`OK` after `GET`).
   * @see ../shared/spec/smp.md §11.6
   */
  acknowledge(s: BrokerSession, q: QueueRec, msgId: Uint8Array): BrokerResult {
    const sub = s.subs.get(idKey(q.recipientId))
    const delivered = sub?.delivered
    if (sub === undefined || delivered === undefined) return err('NO_MSG')
    if (msgId.length !== 0 && !bytesEqual(msgId, delivered)) return err('NO_MSG')
    sub.delivered = undefined
    const mq = this.store.msgs.peekMsgQueue(q.recipientId)
    const head = mq?.peek()
    if (mq !== undefined && head !== undefined && mq.tryDelete(msgId)) {
      this.store.logMsg({ type: 'ACK', recipientId: q.recipientId, msgId: head.msgId })
      if (mq.length === 0) this.store.msgs.release(q.recipientId)
    }
    return sub.get ? OK : this.#deliver(sub, q)
  }

  /**
   * `SEND`: store the message (after purging expired ones; `QUOTA` when full),
   * push it to a waiting subscriber and, if flagged, `NMSG` to the notifier subscriber.
   * @see ../shared/spec/smp.md §11.3, §11.7, §10
   */
  send(q: QueueRec, notify: boolean, body: Uint8Array): BrokerResult {
    if (body.length > MAX_MESSAGE_LENGTH) return err('LARGE_MSG')
    if (q.status !== 'active') return err('AUTH')
    const now = this.store.now()
    const mq = this.store.msgs.getMsgQueue(q.recipientId)
    if (this.store.messageTtl !== null) mq.deleteExpired(now - this.store.messageTtl)
    if (mq.isFull()) return err('QUOTA')
    // a copy: the parsed body is a view into the received block, which must not stay alive with the message
    const msg: Message = { msgId: this.#crypto.randomBytes(ID_BYTES), ts: now, notify, body: body.slice() }
    mq.write(msg)
    this.store.logMessage(q.recipientId, msg)
    if (notify && q.notifier !== undefined) {
      const ns = this.#notifiers.get(idKey(q.notifier.notifierId))
      ns?.push({
        type: 'NMSG',
        notifierId: q.notifier.notifierId,
        rcvNtfDhSecret: q.notifier.rcvNtfDhSecret,
        msg,
      })
    }
    const k = idKey(q.recipientId)
    const subscriber = this.#subscribers.get(k)
    const sub = subscriber?.subs.get(k)
    if (subscriber !== undefined && sub?.waiting === true) {
      const head = mq.peek()!
      sub.waiting = false
      sub.delivered = head.msgId
      subscriber.push({ type: 'MSG', queue: q, msg: head })
    }
    return OK
  }

  /**
   * `KEY`: secure the queue with the sender's key (once; again → `AUTH`).
   * @see ../shared/spec/smp.md §11.3
   */
  secureQueue(q: QueueRec, senderKey: Uint8Array): BrokerResult {
    const r = this.store.queues.secureQueue(q.recipientId, senderKey)
    if (r !== undefined) return err('AUTH')
    this.store.logQueue({ type: 'SECURE', recipientId: q.recipientId, senderKey })
    return OK
  }

  /**
   * `NKEY`: (re)create notifier credentials; the previous notifier id stops working.
   * @see ../shared/spec/smp.md §10
   */
  addNotifier(q: QueueRec, notifierKey: Uint8Array, rcvNtfDhKey: Uint8Array): BrokerResult {
    const kp = this.#crypto.generateDhKeyPair('x25519')
    let rcvNtfDhSecret: Uint8Array
    try {
      rcvNtfDhSecret = this.#crypto.dh('x25519', kp.privateKey, rcvNtfDhKey)
    } catch {
      return err('CMD SYNTAX')
    }
    const old = q.notifier?.notifierId
    for (let attempt = 0; attempt < 3; attempt++) {
      const creds = { notifierId: this.#crypto.randomBytes(ID_BYTES), notifierKey, rcvNtfDhSecret }
      const r = this.store.queues.addQueueNotifier(q.recipientId, creds)
      if (r === 'DUPLICATE') continue
      if (r !== undefined) return err(r)
      if (old !== undefined) this.#dropNotifierSub(old)
      this.store.logQueue({ type: 'NOTIFIER', recipientId: q.recipientId, creds })
      return { type: 'NID', notifierId: creds.notifierId, serverNtfDhKey: kp.publicKey }
    }
    return err('INTERNAL')
  }

  #dropNotifierSub(notifierId: Uint8Array): void {
    const k = idKey(notifierId)
    const s = this.#notifiers.get(k)
    if (s === undefined) return
    this.#notifiers.delete(k)
    s.ntfSubs.delete(k)
  }

  /**
   * `NDEL`: remove notifier credentials; the notifier subscriber is not told.
   * @see ../shared/spec/smp.md §10
   */
  deleteNotifier(q: QueueRec): BrokerResult {
    const old = q.notifier?.notifierId
    const r = this.store.queues.deleteQueueNotifier(q.recipientId)
    if (r !== undefined) return err('AUTH')
    if (old !== undefined) this.#dropNotifierSub(old)
    this.store.logQueue({ type: 'NDELETE', recipientId: q.recipientId })
    return OK
  }

  /**
   * `OFF`: suspend the queue (no further `SEND`; messages still deliverable).
   * @see ../shared/spec/smp.md §11.8
   */
  suspendQueue(q: QueueRec): BrokerResult {
    if (this.store.queues.suspendQueue(q.recipientId) !== undefined) return err('AUTH')
    this.store.logQueue({ type: 'SUSPEND', recipientId: q.recipientId })
    return OK
  }

  /**
   * `DEL`: delete the queue, its notifier id and its messages; the subscriber is not told.
   * @see ../shared/spec/smp.md §11.8
   */
  deleteQueue(q: QueueRec): BrokerResult {
    const r = this.store.queues.deleteQueue(q.recipientId)
    if (typeof r === 'string') return err(r)
    this.store.msgs.delMsgQueue(q.recipientId)
    const k = idKey(q.recipientId)
    const subscriber = this.#subscribers.get(k)
    if (subscriber !== undefined) {
      this.#subscribers.delete(k)
      subscriber.subs.delete(k)
    }
    if (r.notifier !== undefined) this.#dropNotifierSub(r.notifier.notifierId)
    this.store.logQueue({ type: 'DELETE', recipientId: q.recipientId })
    return OK
  }

  /**
   * `NSUB`: become the queue's notifier subscriber (the previous one gets `END`).
   * @see ../shared/spec/smp.md §10
   */
  subscribeNotifications(s: BrokerSession, q: QueueRec): BrokerResult {
    const nid = q.notifier?.notifierId
    if (nid === undefined) return err('AUTH')
    const k = idKey(nid)
    if (!s.ntfSubs.has(k)) {
      s.ntfSubs.add(k)
      const prev = this.#notifiers.get(k)
      this.#notifiers.set(k, s)
      if (prev !== undefined && prev !== s) {
        prev.ntfSubs.delete(k)
        prev.push({ type: 'END', entityId: nid })
      }
    }
    return OK
  }

  /** Purge expired messages from every queue (the reference runs this every 12 h). Returns how many. */
  expireMessages(): number {
    const ttl = this.store.messageTtl
    if (ttl === null) return 0
    const old = this.store.now() - ttl
    let n = 0
    for (const [, q] of this.store.msgs.entries()) n += q.deleteExpired(old)
    return n
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
