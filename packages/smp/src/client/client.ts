/**
 * The SMP client: one connection to one relay, commands correlated by
 * `corrId` (ASCII decimal counters, as the reference client), concurrent
 * commands coalesced into v4 batches, typed results, one event stream for
 * what the relay pushes, automatic reconnection with exponential backoff and
 * jitter that resubscribes every queue the client held, and a `close()` that
 * releases the socket and every timer.
 *
 * Browser-safe: the carrier comes from an injected {@link SmpConnect}
 * (WebSocket through the global constructor by default; TLS from
 * `@simplex-ts/smp/node`).
 *
 * @see ../shared/spec/smp.md §3–§6, §10, §11, §14
 * @see ../shared/spec/transport.md §8, §10
 */
import {
  EventHub,
  type CryptoProvider,
  type KeyPair,
  type SignAlg,
  type VersionRange,
  defaultCrypto,
  fromLatin1,
  latin1,
} from '@simplex-ts/core'
import { LargeMsgError, type Transport, startKeepAlive } from '@simplex-ts/transport'
import { type SmpServer, parseSmpServer } from '../address'
import type { Command, CommandTag } from '../commands'
import { type ReceivedMessage, decryptDeliveredMessage } from '../delivery'
import { smpErrorFromType } from '../errors'
import type { PrivateSignKey, PublicVerifyKey } from '../keys'
import type { MsgResponse, Response } from '../responses'
import { encodeCommandTransmission, parseResponseTransmission } from '../transmission'
import { SMP_SERVER_VERSION_RANGE, type SmpVersion, checkSmpVersion } from '../version'
import { type SmpConnect, webSocketConnect } from './connect'
import {
  SmpClientClosedError,
  SmpConnectionLostError,
  SmpResponseTimeoutError,
  SmpUnexpectedResponseError,
} from './errors'
import type { SmpClientEvent } from './events'
import type { NotifierCredentials, QueueNotifier, RecipientCredentials, SmpQueue } from './queue'

/** The reference client's per-command response timeout (5 s). */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 5000
/** The reference client's connect + handshake timeout (`tcpTimeout`, 5 s). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000

/** Reconnection schedule: delay `min(maxDelayMs, initialDelayMs × factor^attempt)`, each ± `jitter`. */
export interface ReconnectOptions {
  /** Delay before the first attempt (default 250 ms). */
  readonly initialDelayMs?: number
  /** Cap on the delay (default 30 s). */
  readonly maxDelayMs?: number
  /** Growth per failed attempt (default 2). */
  readonly factor?: number
  /** Random spread as a fraction of the delay, 0–1 (default 0.2), so many clients do not retry in step. */
  readonly jitter?: number
}

/** Options of {@link createSmpClient}. */
export interface SmpClientOptions {
  /** The relay: an `smp://<keyHash>@<host>[:<port>]` address or its parsed form. */
  readonly server: SmpServer | string
  /** Opens connections (default: {@link webSocketConnect}; TLS with `@simplex-ts/smp/node`). */
  readonly connect?: SmpConnect
  /** Crypto provider (default: the platform's). */
  readonly crypto?: CryptoProvider
  /** SMP versions to offer (default 1–4; the highest common one is used). */
  readonly versionRange?: VersionRange
  /** Algorithm of the recipient keys `createQueue` generates (default `ed25519`; the reference agent uses `ed448`). */
  readonly signAlg?: SignAlg
  /** Per-command response timeout (default 5000 ms). */
  readonly responseTimeoutMs?: number
  /** Connect + handshake timeout (default 5000 ms). */
  readonly connectTimeoutMs?: number
  /** Reconnection after a lost connection (default on); `false` ends the client instead. */
  readonly reconnect?: ReconnectOptions | false
  /** Keep-alive `PING` interval (default 600 s, the reference's); `0` disables it. */
  readonly pingIntervalMs?: number
  /** Closes the client when aborted (also aborts the first connection attempt). */
  readonly signal?: AbortSignal
}

/** Options of {@link SmpClient.send}. */
export interface SendOptions {
  /** The sender key given to `KEY`; omit for the unsigned messages an unsecured queue takes. */
  readonly signKey?: PrivateSignKey
  /** Ask the relay to notify the queue's notifier (`NMSG`); default `false`. */
  readonly notification?: boolean
}

/**
 * A connected SMP client. Every command resolves with its typed result or
 * rejects with the relay's `ERR` as an `SmpProtocolError` subclass (`code`
 * `AUTH`, `QUOTA`, `NO_MSG`…), `SmpResponseTimeoutError`,
 * `SmpConnectionLostError` (retriable: the connection dropped while it
 * waited), `SmpUnexpectedResponseError` or `SmpClientClosedError`.
 * @see ../shared/spec/smp.md §5
 */
export interface SmpClient {
  /** The relay's address. */
  readonly server: SmpServer
  /** Whether a connection is up right now. */
  readonly connected: boolean
  /** The SMP version of the current connection (the last one while reconnecting). */
  readonly version: SmpVersion
  /** The session id of the current connection. */
  readonly sessionId: Uint8Array
  /**
   * `NEW`: create a queue with fresh recipient keys; the relay subscribes this
   * connection to it (messages arrive as `message` events).
   * @param options.signAlg the recipient key algorithm (default: the client's).
   */
  createQueue(options?: { readonly signAlg?: SignAlg }): Promise<SmpQueue>
  /** `KEY`: secure the queue with the sender's key; from then on `SEND` must be signed with it. */
  secureQueue(queue: RecipientCredentials, senderKey: PublicVerifyKey): Promise<void>
  /**
   * `SUB`: subscribe this connection (another connection holding it gets `END`).
   * The head message, if any, arrives as a `message` event; the client
   * resubscribes after reconnecting.
   */
  subscribe(queue: RecipientCredentials): Promise<void>
  /** `SEND`: send a message (≤ 16088 bytes) to a queue by its sender id. */
  send(sndId: Uint8Array, body: Uint8Array, options?: SendOptions): Promise<void>
  /** `ACK`: acknowledge a delivered message; the next one (if any) arrives as a `message` event. */
  ack(queue: RecipientCredentials, msgId: Uint8Array): Promise<void>
  /**
   * `GET`: fetch the head message without subscribing (`undefined` when the
   * queue is empty); acknowledge it with `ack` before getting the next.
   */
  get(queue: RecipientCredentials): Promise<ReceivedMessage | undefined>
  /** `OFF`: suspend the queue: senders get `AUTH`, the recipient can still read it. */
  suspend(queue: RecipientCredentials): Promise<void>
  /** `DEL`: delete the queue and its messages; the client forgets its subscription. */
  delete(queue: RecipientCredentials): Promise<void>
  /**
   * `NKEY`: create (or replace) the queue's notifier credentials.
   * @param notifierKey the public key that will verify `NSUB`.
   * @param rcvNtfDhKey the recipient's X25519 key pair (default: a fresh one).
   */
  enableNotifications(
    queue: RecipientCredentials,
    notifierKey: PublicVerifyKey,
    rcvNtfDhKey?: KeyPair<'x25519'>,
  ): Promise<QueueNotifier>
  /** `NDEL`: delete the queue's notifier credentials. */
  disableNotifications(queue: RecipientCredentials): Promise<void>
  /** `NSUB`: receive this queue's `NMSG` as `notification` events (resubscribed after reconnecting). */
  subscribeNotifications(notifier: NotifierCredentials): Promise<void>
  /** `PING`: round trip to the relay. */
  ping(): Promise<void>
  /** The event stream from now on; it finishes when the client closes. */
  events(): AsyncIterableIterator<SmpClientEvent>
  /** Call `fn` for each event of `type`; returns the function that stops it. */
  on<T extends SmpClientEvent['type']>(
    type: T,
    fn: (event: Extract<SmpClientEvent, { type: T }>) => void,
  ): () => void
  /** Close the connection, stop reconnecting, fail waiting commands, end the event stream. Idempotent. */
  close(): Promise<void>
}

const EMPTY = new Uint8Array(0)

/** A byte id as a map key. */
function idKey(id: Uint8Array): string {
  return fromLatin1(id)
}

interface Pending {
  readonly tag: CommandTag
  readonly queue: RecipientCredentials | undefined
  readonly resolve: (r: Response) => void
  readonly reject: (e: unknown) => void
  readonly timer: ReturnType<typeof setTimeout>
}

interface Outgoing {
  readonly corrId: string
  readonly bytes: Uint8Array
}

/** One live connection: the transport and its correlation state. */
class Connection {
  readonly transport: Transport
  readonly version: SmpVersion
  readonly pending = new Map<string, Pending>()
  outbox: Outgoing[] = []
  flushScheduled = false
  /** A write is in progress (the socket is above its buffer limit): later commands wait and go together. */
  writing = false
  nextCorrId = 0
  lost = false
  stopKeepAlive: () => void = () => {}

  constructor(transport: Transport) {
    this.transport = transport
    this.version = checkSmpVersion(transport.version)
  }
}

const defer: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => (globalThis as unknown as { setImmediate: (f: () => void) => void }).setImmediate(fn)
    : (fn) => setTimeout(fn, 0)

class Client implements SmpClient {
  readonly server: SmpServer
  readonly #crypto: CryptoProvider
  readonly #connect: SmpConnect
  readonly #versionRange: VersionRange
  readonly #signAlg: SignAlg
  readonly #responseTimeoutMs: number
  readonly #connectTimeoutMs: number
  readonly #reconnect: Required<ReconnectOptions> | undefined
  readonly #pingIntervalMs: number
  readonly #hub = new EventHub<SmpClientEvent>()
  readonly #abort = new AbortController()
  /** Queues this client wants subscribed, by recipient id. */
  readonly #subs = new Map<string, RecipientCredentials>()
  /** Notifier subscriptions this client wants, by notifier id. */
  readonly #ntfSubs = new Map<string, NotifierCredentials>()
  #conn: Connection
  #lastConn: Connection
  #closed = false
  #closing: Promise<void> | undefined
  #waiters: { resolve: (c: Connection) => void; reject: (e: unknown) => void }[] = []
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined
  readonly #readers = new Set<Promise<void>>()
  readonly #onUserAbort: () => void
  readonly #userSignal: AbortSignal | undefined

  constructor(options: SmpClientOptions, server: SmpServer, crypto: CryptoProvider, transport: Transport) {
    this.server = server
    this.#crypto = crypto
    this.#connect = options.connect ?? webSocketConnect
    this.#versionRange = options.versionRange ?? SMP_SERVER_VERSION_RANGE
    this.#signAlg = options.signAlg ?? 'ed25519'
    this.#responseTimeoutMs = options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    this.#reconnect =
      options.reconnect === false
        ? undefined
        : {
            initialDelayMs: options.reconnect?.initialDelayMs ?? 250,
            maxDelayMs: options.reconnect?.maxDelayMs ?? 30_000,
            factor: options.reconnect?.factor ?? 2,
            jitter: Math.min(1, Math.max(0, options.reconnect?.jitter ?? 0.2)),
          }
    this.#pingIntervalMs = options.pingIntervalMs ?? 600_000
    this.#conn = this.#attach(transport)
    this.#lastConn = this.#conn
    this.#userSignal = options.signal
    this.#onUserAbort = () => void this.close()
    options.signal?.addEventListener('abort', this.#onUserAbort, { once: true })
  }

  get connected(): boolean {
    return !this.#closed && !this.#conn.lost
  }

  get version(): SmpVersion {
    return this.#lastConn.version
  }

  get sessionId(): Uint8Array {
    return this.#lastConn.transport.sessionId
  }

  // --- connection life ---

  #attach(transport: Transport): Connection {
    const conn = new Connection(transport)
    this.#conn = conn
    this.#lastConn = conn
    if (this.#pingIntervalMs > 0) {
      const ka = startKeepAlive(() => this.#command(conn, 'PING', { type: 'PING' }, EMPTY, undefined), {
        intervalMs: this.#pingIntervalMs,
        onError: () => {},
      })
      conn.stopKeepAlive = () => ka.stop()
    }
    const reader = this.#read(conn)
    this.#readers.add(reader)
    void reader.finally(() => this.#readers.delete(reader))
    return conn
  }

  async #read(conn: Connection): Promise<void> {
    let error: Error | undefined
    try {
      for await (const items of conn.transport.transmissions()) {
        for (const item of items) {
          if (item instanceof Error) this.#emitError(item, undefined)
          else this.#receive(conn, item)
        }
      }
    } catch (e) {
      error = e instanceof Error ? e : new SmpConnectionLostError(String(e))
    }
    this.#lost(conn, error)
  }

  #lost(conn: Connection, error: Error | undefined): void {
    if (conn.lost) return
    conn.lost = true
    conn.stopKeepAlive()
    void conn.transport.close()
    const failure = this.#closed
      ? new SmpClientClosedError('client closed')
      : new SmpConnectionLostError('connection to the relay was lost', { cause: error })
    for (const p of conn.pending.values()) {
      clearTimeout(p.timer)
      p.reject(failure)
    }
    conn.pending.clear()
    conn.outbox = []
    if (this.#closed || conn !== this.#conn) return
    const reconnecting = this.#reconnect !== undefined
    this.#hub.emit({ type: 'disconnected', error, reconnecting })
    if (reconnecting) this.#scheduleReconnect(0)
    else void this.close()
  }

  #scheduleReconnect(attempt: number): void {
    const r = this.#reconnect!
    const base = Math.min(r.maxDelayMs, r.initialDelayMs * r.factor ** attempt)
    const delay = Math.max(0, base * (1 + r.jitter * (2 * Math.random() - 1)))
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined
      void this.#tryReconnect(attempt + 1)
    }, delay)
  }

  async #tryReconnect(attempts: number): Promise<void> {
    if (this.#closed) return
    let transport: Transport
    try {
      transport = await this.#open()
    } catch (e) {
      if (this.#closed) return
      this.#emitError(e, undefined)
      this.#scheduleReconnect(attempts)
      return
    }
    if (this.#closed) {
      await transport.close()
      return
    }
    const conn = this.#attach(transport)
    for (const w of this.#waiters.splice(0)) w.resolve(conn)
    const subs = [...this.#subs.values()]
    const ntfSubs = [...this.#ntfSubs.values()]
    // one tick: every SUB/NSUB goes out in as few v4 batches as fit
    const results = await Promise.allSettled([
      ...subs.map((q) => this.#command(conn, 'SUB', { type: 'SUB' }, q.rcvId, q.rcvAuthKey, q)),
      ...ntfSubs.map((n) => this.#command(conn, 'NSUB', { type: 'NSUB' }, n.notifierId, n.notifierKey)),
    ])
    let failed = 0
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return
      const isSub = i < subs.length
      const entityId = isSub ? subs[i]!.rcvId : ntfSubs[i - subs.length]!.notifierId
      // a relay's refusal (AUTH: the queue is gone) drops the subscription; a lost connection will retry
      if (!(r.reason instanceof SmpConnectionLostError) && !(r.reason instanceof SmpClientClosedError)) {
        if (isSub) this.#subs.delete(idKey(entityId))
        else this.#ntfSubs.delete(idKey(entityId))
        failed++
      }
      this.#emitError(r.reason, entityId)
    })
    if (conn.lost || this.#closed) return
    this.#hub.emit({
      type: 'reconnected',
      version: conn.version,
      attempts,
      resubscribed: results.slice(0, subs.length).filter((r) => r.status === 'fulfilled').length,
      renotified: results.slice(subs.length).filter((r) => r.status === 'fulfilled').length,
      failed,
    })
  }

  #open(): Promise<Transport> {
    return this.#connect(this.server, {
      versionRange: this.#versionRange,
      timeoutMs: this.#connectTimeoutMs,
      signal: this.#abort.signal,
    })
  }

  /** The live connection, waiting (up to the response timeout) while reconnecting. */
  #ready(): Connection | Promise<Connection> {
    if (this.#closed) throw new SmpClientClosedError('client closed')
    if (!this.#conn.lost) return this.#conn
    return new Promise<Connection>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        reject(new SmpConnectionLostError('not connected to the relay'))
      }, this.#responseTimeoutMs)
      const waiter = {
        resolve: (c: Connection) => {
          clearTimeout(timer)
          resolve(c)
        },
        reject: (e: unknown) => {
          clearTimeout(timer)
          reject(e)
        },
      }
      this.#waiters.push(waiter)
    })
  }

  // --- commands ---

  /** Sign, queue for the next flush, and wait for the correlated response. */
  #command(
    conn: Connection,
    tag: CommandTag,
    command: Command,
    entityId: Uint8Array,
    key: PrivateSignKey | undefined,
    queue?: RecipientCredentials,
  ): Promise<Response> {
    if (conn.lost) return Promise.reject(new SmpConnectionLostError('connection to the relay was lost'))
    const corrId = String(conn.nextCorrId++)
    const bytes = encodeCommandTransmission(
      conn.transport.sessionId,
      { corrId: latin1(corrId), entityId, command },
      conn.version,
      key === undefined ? undefined : { crypto: this.#crypto, key },
    )
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (conn.pending.delete(corrId))
          reject(new SmpResponseTimeoutError(`no response to ${tag} within ${this.#responseTimeoutMs} ms`))
      }, this.#responseTimeoutMs)
      conn.pending.set(corrId, { tag, queue, resolve, reject, timer })
      conn.outbox.push({ corrId, bytes })
      if (!conn.flushScheduled) {
        conn.flushScheduled = true
        defer(() => this.#flush(conn))
      }
    })
  }

  /**
   * Send everything queued since the last flush: concurrent commands share v4
   * batches and one write. While a write waits for the socket to drain, new
   * commands accumulate and go out together once it has (back-pressure
   * without a pile of waiting writes).
   */
  #flush(conn: Connection): void {
    conn.flushScheduled = false
    const items = conn.outbox
    if (items.length === 0 || conn.lost || conn.writing) return
    conn.outbox = []
    conn.writing = true
    conn.transport.sendTransmissions(items.map((i) => i.bytes)).then(
      (tooLarge) => {
        conn.writing = false
        for (const i of tooLarge) {
          const corrId = items[i]!.corrId
          const p = conn.pending.get(corrId)
          if (p === undefined) continue
          conn.pending.delete(corrId)
          clearTimeout(p.timer)
          p.reject(new LargeMsgError(`${p.tag} transmission does not fit a block`))
        }
        if (conn.outbox.length > 0) this.#flush(conn)
      },
      (e: unknown) => {
        conn.writing = false
        this.#lost(conn, e instanceof Error ? e : undefined)
      },
    )
  }

  async #call(
    tag: CommandTag,
    command: Command,
    entityId: Uint8Array,
    key: PrivateSignKey | undefined,
    queue?: RecipientCredentials,
  ): Promise<Response> {
    const ready = this.#ready()
    const conn = ready instanceof Connection ? ready : await ready
    return this.#command(conn, tag, command, entityId, key, queue)
  }

  #receive(conn: Connection, bytes: Uint8Array): void {
    const t = parseResponseTransmission(bytes, {
      sessionId: conn.transport.sessionId,
      version: conn.version,
    })
    const corrId = t.corrId.length === 0 ? '' : fromLatin1(t.corrId)
    const p = corrId === '' ? undefined : conn.pending.get(corrId)
    if (p !== undefined) {
      conn.pending.delete(corrId)
      clearTimeout(p.timer)
    }
    if (!t.ok) {
      if (p !== undefined) p.reject(t.error)
      else this.#emitError(t.error, t.entityId.length > 0 ? t.entityId : undefined)
      return
    }
    const r = t.command
    if (p === undefined) {
      // server-initiated (empty corrId), or a response that arrived after its timeout
      switch (r.type) {
        case 'MSG':
          this.#deliver(conn, t.entityId, r, undefined)
          return
        case 'END':
          this.#ended(t.entityId)
          return
        case 'NMSG':
          this.#hub.emit({ type: 'notification', notifierId: t.entityId, nonce: r.nonce, encMeta: r.encMeta })
          return
        case 'ERR':
          this.#emitError(smpErrorFromType(r.error), t.entityId.length > 0 ? t.entityId : undefined)
          return
        default:
          if (corrId === '')
            this.#emitError(new SmpUnexpectedResponseError(`unsolicited ${r.type}`), t.entityId)
          return
      }
    }
    if (r.type === 'ERR') {
      p.reject(smpErrorFromType(r.error, `${p.tag} failed: ERR ${r.error}`))
      return
    }
    // MSG answering SUB or ACK is a delivery like a pushed one; GET's is its result
    if (r.type === 'MSG' && p.tag !== 'GET') this.#deliver(conn, t.entityId, r, p.queue)
    p.resolve(r)
  }

  #deliver(
    conn: Connection,
    rcvId: Uint8Array,
    msg: MsgResponse,
    fallback: RecipientCredentials | undefined,
  ): void {
    const queue = this.#subs.get(idKey(rcvId)) ?? fallback
    if (queue === undefined) {
      this.#emitError(new SmpUnexpectedResponseError('MSG for a queue this client does not hold'), rcvId)
      return
    }
    let message: ReceivedMessage
    try {
      message = decryptDeliveredMessage(this.#crypto, queue.rcvDhSecret, msg, conn.version)
    } catch (e) {
      this.#emitError(e, rcvId)
      return
    }
    this.#hub.emit({ type: 'message', rcvId, queue, message })
  }

  #ended(entityId: Uint8Array): void {
    const k = idKey(entityId)
    if (this.#subs.delete(k)) this.#hub.emit({ type: 'end', party: 'recipient', entityId })
    else if (this.#ntfSubs.delete(k)) this.#hub.emit({ type: 'end', party: 'notifier', entityId })
  }

  #emitError(e: unknown, entityId: Uint8Array | undefined): void {
    const error = e instanceof Error ? e : new SmpUnexpectedResponseError(String(e))
    this.#hub.emit({ type: 'error', error, entityId })
  }

  // --- the public commands ---

  async createQueue(options: { readonly signAlg?: SignAlg } = {}): Promise<SmpQueue> {
    const rcvAuthKey = this.#crypto.generateSignKeyPair(options.signAlg ?? this.#signAlg)
    const rcvDhKey = this.#crypto.generateDhKeyPair('x25519')
    const r = await this.#call('NEW', { type: 'NEW', rcvAuthKey, rcvDhKey }, EMPTY, rcvAuthKey)
    if (r.type !== 'IDS') throw unexpected('NEW', r)
    const rcvDhSecret = this.#crypto.dh('x25519', rcvDhKey.privateKey, r.srvDhKey.publicKey)
    const queue: SmpQueue = {
      rcvId: r.rcvId,
      sndId: r.sndId,
      rcvAuthKey,
      rcvDhKey,
      srvDhKey: r.srvDhKey,
      rcvDhSecret,
    }
    // the relay subscribed this connection to the new queue
    this.#subs.set(idKey(queue.rcvId), queue)
    return queue
  }

  async secureQueue(queue: RecipientCredentials, senderKey: PublicVerifyKey): Promise<void> {
    const r = await this.#call('KEY', { type: 'KEY', sndAuthKey: senderKey }, queue.rcvId, queue.rcvAuthKey)
    expectOk('KEY', r)
  }

  async subscribe(queue: RecipientCredentials): Promise<void> {
    const k = idKey(queue.rcvId)
    const had = this.#subs.get(k)
    // registered first: the answer may be the head MSG, which needs the queue's secret
    this.#subs.set(k, queue)
    try {
      const r = await this.#call('SUB', { type: 'SUB' }, queue.rcvId, queue.rcvAuthKey, queue)
      if (r.type !== 'OK' && r.type !== 'MSG') throw unexpected('SUB', r)
    } catch (e) {
      if (this.#subs.get(k) === queue) {
        if (had === undefined) this.#subs.delete(k)
        else this.#subs.set(k, had)
      }
      throw e
    }
  }

  async send(sndId: Uint8Array, body: Uint8Array, options: SendOptions = {}): Promise<void> {
    const command: Command = { type: 'SEND', flags: { notification: options.notification ?? false }, body }
    expectOk('SEND', await this.#call('SEND', command, sndId, options.signKey))
  }

  async ack(queue: RecipientCredentials, msgId: Uint8Array): Promise<void> {
    const r = await this.#call('ACK', { type: 'ACK', msgId }, queue.rcvId, queue.rcvAuthKey, queue)
    if (r.type !== 'OK' && r.type !== 'MSG') throw unexpected('ACK', r)
  }

  async get(queue: RecipientCredentials): Promise<ReceivedMessage | undefined> {
    const ready = this.#ready()
    const conn = ready instanceof Connection ? ready : await ready
    const r = await this.#command(conn, 'GET', { type: 'GET' }, queue.rcvId, queue.rcvAuthKey, queue)
    if (r.type === 'OK') return undefined
    if (r.type !== 'MSG') throw unexpected('GET', r)
    return decryptDeliveredMessage(this.#crypto, queue.rcvDhSecret, r, conn.version)
  }

  async suspend(queue: RecipientCredentials): Promise<void> {
    expectOk('OFF', await this.#call('OFF', { type: 'OFF' }, queue.rcvId, queue.rcvAuthKey))
  }

  async delete(queue: RecipientCredentials): Promise<void> {
    expectOk('DEL', await this.#call('DEL', { type: 'DEL' }, queue.rcvId, queue.rcvAuthKey))
    this.#subs.delete(idKey(queue.rcvId))
  }

  async enableNotifications(
    queue: RecipientCredentials,
    notifierKey: PublicVerifyKey,
    rcvNtfDhKey: KeyPair<'x25519'> = this.#crypto.generateDhKeyPair('x25519'),
  ): Promise<QueueNotifier> {
    const command: Command = { type: 'NKEY', ntfAuthKey: notifierKey, rcvNtfDhKey }
    const r = await this.#call('NKEY', command, queue.rcvId, queue.rcvAuthKey)
    if (r.type !== 'NID') throw unexpected('NKEY', r)
    return {
      notifierId: r.notifierId,
      srvNtfDhKey: r.srvNtfDhKey,
      rcvNtfDhKey,
      rcvNtfDhSecret: this.#crypto.dh('x25519', rcvNtfDhKey.privateKey, r.srvNtfDhKey.publicKey),
    }
  }

  async disableNotifications(queue: RecipientCredentials): Promise<void> {
    expectOk('NDEL', await this.#call('NDEL', { type: 'NDEL' }, queue.rcvId, queue.rcvAuthKey))
  }

  async subscribeNotifications(notifier: NotifierCredentials): Promise<void> {
    const k = idKey(notifier.notifierId)
    const r = await this.#call('NSUB', { type: 'NSUB' }, notifier.notifierId, notifier.notifierKey)
    expectOk('NSUB', r)
    this.#ntfSubs.set(k, notifier)
  }

  async ping(): Promise<void> {
    const r = await this.#call('PING', { type: 'PING' }, EMPTY, undefined)
    if (r.type !== 'PONG') throw unexpected('PING', r)
  }

  events(): AsyncIterableIterator<SmpClientEvent> {
    return this.#hub.iterate()
  }

  on<T extends SmpClientEvent['type']>(
    type: T,
    fn: (event: Extract<SmpClientEvent, { type: T }>) => void,
  ): () => void {
    return this.#hub.on(type, fn)
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true
      this.#userSignal?.removeEventListener('abort', this.#onUserAbort)
      this.#abort.abort()
      clearTimeout(this.#reconnectTimer)
      const closed = new SmpClientClosedError('client closed')
      for (const w of this.#waiters.splice(0)) w.reject(closed)
      const conn = this.#conn
      this.#lost(conn, undefined)
      await conn.transport.close()
      await Promise.all([...this.#readers])
      this.#hub.end()
    })()
    return this.#closing
  }
}

function unexpected(tag: CommandTag, r: Response): SmpUnexpectedResponseError {
  return new SmpUnexpectedResponseError(`unexpected response to ${tag}: ${r.type}`)
}

function expectOk(tag: CommandTag, r: Response): void {
  if (r.type !== 'OK') throw unexpected(tag, r)
}

/**
 * Connect to an SMP relay and return a client. The first connection is made
 * here (its failure rejects); later losses reconnect in the background.
 * @throws DecodeError for a malformed address string.
 * @throws the connector's typed transport errors (`UnknownCA` for a wrong
 *   identity, `VERSION`, `TIMEOUT`, `NETWORK`…) when the first connection fails.
 * @see ../shared/spec/smp.md §14
 */
export async function createSmpClient(options: SmpClientOptions): Promise<SmpClient> {
  const server = typeof options.server === 'string' ? parseSmpServer(options.server) : options.server
  const crypto = options.crypto ?? defaultCrypto()
  const connect = options.connect ?? webSocketConnect
  const signal = options.signal
  if (signal?.aborted) throw new SmpClientClosedError('aborted before connecting', { cause: signal.reason })
  const transport = await connect(server, {
    versionRange: options.versionRange ?? SMP_SERVER_VERSION_RANGE,
    timeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    signal: signal ?? new AbortController().signal,
  })
  try {
    checkSmpVersion(transport.version)
  } catch (e) {
    await transport.close()
    throw e
  }
  return new Client(options, server, crypto, transport)
}
