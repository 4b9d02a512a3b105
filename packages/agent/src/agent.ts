/**
 * The agent: duplex connections made of two one-way SMP queues, the v1 and
 * v2 handshakes, contact addresses, ordered delivery with retries, atomic
 * receive (decrypt + store + ratchet in one storage transaction, then ACK),
 * and one typed event stream. Every piece of state lives in the storage
 * adapter, so a restarted agent continues every connection.
 *
 * @see ../shared/spec/agent.md §8, §9, §10, §12
 */
import {
  EventHub,
  type CryptoProvider,
  type SignAlg,
  type VersionRange,
  Encoder,
  abortable,
  base64urlEncode,
  cbDecrypt,
  decodeAll,
  defaultCrypto,
  equalBytes,
  isSimplexError,
} from '@simplex-ts/core'
import {
  type ClientMsgEnvelope,
  type RecipientCredentials,
  SMP_CLIENT_VERSION_RANGE,
  type SmpClient,
  type SmpClientOptions,
  type SmpConnect,
  type SmpMessageEvent,
  type SmpQueueUri,
  createSmpClient,
  decodeClientMsgEnvelope,
  formatSmpServer,
  parseSmpServer,
  sealClientMessage,
} from '@simplex-ts/smp'
import type { Storage, Tx } from '@simplex-ts/storage'
import { ClientPool } from './client-pool'
import type {
  ConnRecord,
  PendingConfirmation,
  PendingKind,
  PendingMessage,
  RcvQueueRecord,
  SndQueueRecord,
  StoredRcvMessage,
} from './connection'
import { Backoff, DEFAULT_RETRY_INTERVAL, type RetryInterval, classifySendError } from './delivery'
import {
  AgentClosedError,
  AgentDuplicateError,
  AgentEncryptionError,
  AgentMessageError,
  AgentProhibitedError,
  AgentVersionError,
  CERatchetDuplicateMessageError,
  CmdLargeError,
  CmdProhibitedError,
  CmdSyntaxError,
  ConnNotAcceptedError,
  ConnNotAvailableError,
  ConnNotFoundError,
} from './errors'
import type { AgentEvent, AgentEventType } from './events'
import {
  type AgentMessage,
  type AMessage,
  checkMsgIntegrity,
  decodeAgentMessage,
  encodeAgentMessage,
} from './messages'
import { type SmpQueueInfo, decodeSmpQueueInfo, encodeSmpQueueInfo, queueUriToInfo } from './queue-info'
import {
  E2E_ENC_CONN_INFO_LENGTH,
  E2E_ENC_USER_MSG_LENGTH,
  E2E_ENCRYPT_VRANGE,
  type Ratchet,
  rcDecrypt,
  rcEncrypt,
} from './ratchet'
import * as store from './store'
import {
  AGENT_MSG_ENVELOPE_HEADER_LENGTH,
  type AgentMsgEnvelope,
  decodeAgentClientMessage,
  decodeAgentMsgEnvelopeView,
  encodeAgentMsgEnvelope,
  frameAgentMsgEnvelope,
} from './envelope'
import {
  type ContactRequest,
  type InvitationRequest,
  formatConnectionRequest,
  newConnReqData,
  parseConnectionRequest,
} from './links'
import {
  AGENT_VRANGE,
  checkClientVersion,
  checkConfirmationVersion,
  isDuplexHandshake,
  negotiateContact,
  negotiateInvitation,
} from './version'
import { e2eParamsToUri, generateE2EParams, initRcvRatchet, initSndRatchet, x3dhRcv, x3dhSnd } from './x3dh'

/**
 * Options of {@link createAgent}.
 * @see ../shared/spec/agent.md §11
 */
export interface AgentOptions {
  /** Where every connection's state lives. The agent does not close it. */
  readonly storage: Storage
  /** SMP relay addresses (`smp://<key hash>@host[:port]`); new queues go to a random one. */
  readonly servers: readonly string[]
  /** Crypto provider (default: native on Node, noble elsewhere). */
  readonly crypto?: CryptoProvider
  /** How SMP clients connect (default: WebSocket; `@simplex-ts/smp/node`'s `nodeConnect` for TLS). */
  readonly connect?: SmpConnect
  /** Extra options of every SMP client (timeouts, reconnection schedule). */
  readonly smpClient?: Partial<Omit<SmpClientOptions, 'server' | 'connect' | 'crypto'>>
  /** Delivery retry interval (default: the reference's 1 s … 10 s). */
  readonly retryInterval?: RetryInterval
  /** How long a v1 HELLO keeps being retried while the peer's queue is not secured (default 2 days). */
  readonly helloTimeoutMs?: number
  /**
   * Signature algorithm of new queue keys (default Ed448, the v3.1 agent's; Ed25519 is accepted
   * by every v3.1 relay and peer and is several times cheaper per `SEND`/`ACK`).
   */
  readonly signAlg?: SignAlg
  /**
   * User messages of one connection sent pipelined before waiting for the relay's answers
   * (default 8; 1 is the reference agent's one-at-a-time). Order is kept either way: the relay
   * executes one connection's commands in order.
   */
  readonly sendWindow?: number
  /** The agent versions offered and accepted (default 1–2; `{ min: 1, max: 1 }` behaves as a v1 agent). */
  readonly agentVersionRange?: VersionRange
  /**
   * Who acknowledges received messages on the application's side (see {@link AppAckMode});
   * default `'auto'`.
   */
  readonly appAck?: AppAckMode
}

/**
 * How the application acknowledges received messages. Either way the agent stores a message and
 * acknowledges it to the relay in one step (the relay then deletes it), before emitting it.
 *
 * - `'auto'` (default): a message counts as handled once emitted. An application killed between
 *   the emit and its own commit loses that message.
 * - `'manual'`: the agent keeps each received message until the application calls
 *   {@link Agent.ackMessage} (the reference's `ACK`, sent after processing), and emits every
 *   message not acknowledged yet again, in order and with `redelivered: true`, when it starts and
 *   when a relay connection is re-established. Nothing is lost; the application skips messages it
 *   has already processed (by `msgId`, which only grows per connection).
 *
 * @see ../shared/spec/agent.md §10.2
 */
export type AppAckMode = 'auto' | 'manual'

/**
 * Options of the operations that wait for relays. Aborting stops the wait at once (the promise
 * rejects with `signal.reason`); a step already under way finishes, or undoes itself, in the
 * background, so the stored state stays consistent.
 * @see ../shared/spec/agent.md §12
 */
export interface WaitOptions {
  readonly signal?: AbortSignal | undefined
}

/**
 * A connection as the application sees it.
 * @see ../shared/spec/agent.md §8
 */
export interface ConnectionInfo {
  readonly connId: string
  readonly mode: 'invitation' | 'contact'
  readonly initiator: boolean
  /** The agreed agent version (0 until known). */
  readonly agentVersion: number
  readonly connected: boolean
  readonly rcvQueue: { readonly server: string; readonly status: string } | undefined
  readonly sndQueue: { readonly server: string; readonly status: string } | undefined
}

/**
 * The agent API.
 * @see ../shared/spec/agent.md §12
 */
export interface Agent {
  /**
   * `NEW` (invitation): create a receive queue and an invitation link to pass out of band.
   * @throws the SMP client's errors when the relay cannot be reached or refuses `NEW`.
   */
  createConnection(options?: WaitOptions): Promise<{ readonly connId: string; readonly link: string }>
  /**
   * `NEW` (contact): create a contact address (a public mailbox for contact requests).
   * @throws as {@link Agent.createConnection}.
   */
  createAddress(options?: WaitOptions): Promise<{ readonly connId: string; readonly link: string }>
  /**
   * `JOIN`: join an invitation (sends the confirmation at once) or send a contact request to an
   * address. Returns the new connection's id.
   * @throws CmdSyntaxError on a malformed link; AgentVersionError when no version is shared;
   *   the relay's errors when the confirmation cannot be sent (nothing is kept then).
   */
  joinConnection(link: string, info: Uint8Array, options?: WaitOptions): Promise<string>
  /**
   * `LET`: allow the joiner of a connection, by confirmation id or connection id.
   * @throws ConnNotFoundError when there is no pending confirmation; the relay's errors on `KEY`.
   */
  allowConnection(id: string, info: Uint8Array, options?: WaitOptions): Promise<void>
  /**
   * `ACPT`: accept a contact request (joins the requester's invitation); returns the new connection id.
   * @throws ConnNotFoundError; as {@link Agent.joinConnection}.
   */
  acceptContact(invitationId: string, info: Uint8Array, options?: WaitOptions): Promise<string>
  /**
   * `RJCT`: forget a contact request (the requester is not told).
   * @throws ConnNotFoundError.
   */
  rejectContact(invitationId: string): Promise<void>
  /**
   * `SEND`: encrypt and store a message in the connection's send queue; returns its id. `sent`
   * is emitted once stored, `delivered` once the relay accepted it.
   * @throws ConnNotFoundError; CmdProhibitedError before the connection is `connected`; CmdLargeError
   *   for a body over 15811 bytes.
   */
  sendMessage(
    connId: string,
    body: Uint8Array,
    options?: { readonly notification?: boolean },
  ): Promise<number>
  /**
   * `ACK`: the application has processed (or decided to ignore) a received message, so the agent
   * forgets it and does not emit it again (`appAck: 'manual'`). Acknowledgements are batched: the
   * promise resolves once the deletion is committed — in the next receive transaction, or in one of
   * its own within 25 ms, or by `close()` — so do not wait for each one before the next. Acknowledging a message twice, one of a deleted connection, or any
   * message with `appAck: 'auto'` does nothing.
   * @throws CmdSyntaxError when `msgId` is not a positive integer; AgentClosedError once closed;
   *   storage errors (the message is then emitted again on the next start).
   */
  ackMessage(connId: string, msgId: number): Promise<void>
  /**
   * `OFF`: suspend the receive queue (the peer's messages are refused).
   * @throws ConnNotFoundError; the relay's errors.
   */
  suspendConnection(connId: string, options?: WaitOptions): Promise<void>
  /**
   * `DEL`: delete the receive queue on its relay and every local record of the connection.
   * @throws ConnNotFoundError; the relay's errors other than `AUTH` (the queue is already gone then).
   */
  deleteConnection(connId: string, options?: WaitOptions): Promise<void>
  /**
   * One connection.
   * @throws ConnNotFoundError.
   */
  getConnection(connId: string): Promise<ConnectionInfo>
  /** Every connection. */
  listConnections(): Promise<ConnectionInfo[]>
  /** The event stream from now on; ends when the agent closes or `signal` aborts. */
  events(signal?: AbortSignal): AsyncIterableIterator<AgentEvent>
  /** Call `fn` for each event of `type`; returns the function that stops it. */
  on<T extends AgentEventType>(type: T, fn: (event: Extract<AgentEvent, { type: T }>) => void): () => void
  /** Counters for diagnostics and benchmarks: relay commands sent, by name (`NEW`, `SEND`, `ACK`…). */
  stats(): AgentStats
  /**
   * Stop delivery, close every relay connection, commit the acknowledgements made so far and end
   * the event stream. Idempotent.
   */
  close(): Promise<void>
}

/**
 * Counters of an agent.
 * @see ../shared/spec/agent.md §10
 */
export interface AgentStats {
  /** Relay commands sent since the agent started, by command name. */
  readonly commands: Readonly<Record<string, number>>
}

const HELLO_TIMEOUT_MS = 2 * 24 * 3600 * 1000
const CONF_NOTIFICATION = true
/** How long acknowledgements wait to ride along with a receive transaction before their own. */
const ACK_FLUSH_DELAY_MS = 25

/** How long the removal of accepted messages waits to ride along with another transaction. */
const SENT_FLUSH_DELAY_MS = 25

/** An application acknowledgement not yet committed, with the callers waiting for it. */
interface PendingAck {
  readonly connId: string
  readonly msgId: number
  readonly waiters: { resolve: () => void; reject: (e: unknown) => void }[]
}

function ackKey(connId: string, msgId: number): string {
  return `${connId}\n${msgId}`
}

function settleAcks(batch: readonly PendingAck[], error?: unknown): void {
  for (const a of batch) for (const w of a.waiters) error === undefined ? w.resolve() : w.reject(error)
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}

/**
 * Create an agent over a storage adapter and a list of relays, resubscribe every stored receive
 * queue and resume every pending send.
 * @throws TypeError when `servers` is empty; storage errors reading the stored connections.
 * @see ../shared/spec/agent.md §10.3, §12
 */
export async function createAgent(options: AgentOptions): Promise<Agent> {
  if (options.servers.length === 0) throw new TypeError('createAgent: at least one SMP server is required')
  for (const s of options.servers) parseSmpServer(s)
  const agent = new AgentImpl(options)
  await agent.start()
  return agent
}

class AgentImpl implements Agent {
  readonly #db: store.CachedStore
  readonly #servers: readonly string[]
  readonly #crypto: CryptoProvider
  readonly #pool: ClientPool
  readonly #hub = new EventHub<AgentEvent>()
  readonly #retry: RetryInterval
  readonly #helloTimeoutMs: number
  readonly #agentVRange: VersionRange
  readonly #sendWindow: number
  readonly #signAlg: SignAlg
  /** `server \n rcvId` → connId */
  readonly #rcvIndex = new Map<string, string>()
  readonly #locks = new Map<string, Promise<void>>()
  readonly #workers = new Map<string, { again: boolean }>()
  readonly #sleepers = new Set<() => void>()
  readonly #subscribing = new Set<string>()
  readonly #appAck: AppAckMode
  /** Application acknowledgements waiting for a transaction, by {@link ackKey}. */
  readonly #acks = new Map<string, PendingAck>()
  #ackTimer: ReturnType<typeof setTimeout> | undefined
  #ackFlush: Promise<void> | undefined
  /**
   * User messages the relay accepted whose removal from the send queue is not committed yet, by
   * connection: delivery skips them, and the removal rides on the next write transaction (or its
   * own after {@link SENT_FLUSH_DELAY_MS}) instead of costing a commit (an fsync) per window.
   */
  readonly #sent = new Map<string, Set<number>>()
  #sentTimer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor(options: AgentOptions) {
    this.#db = new store.CachedStore(options.storage)
    this.#servers = [...options.servers]
    this.#crypto = options.crypto ?? defaultCrypto()
    this.#retry = options.retryInterval ?? DEFAULT_RETRY_INTERVAL
    this.#helloTimeoutMs = options.helloTimeoutMs ?? HELLO_TIMEOUT_MS
    this.#agentVRange = options.agentVersionRange ?? AGENT_VRANGE
    this.#sendWindow = Math.max(1, Math.floor(options.sendWindow ?? 8))
    this.#signAlg = options.signAlg ?? 'ed448'
    this.#appAck = options.appAck ?? 'auto'
    const crypto = this.#crypto
    const smpOptions = options.smpClient ?? {}
    const connect = options.connect
    this.#pool = new ClientPool(
      (server) =>
        createSmpClient({
          ...smpOptions,
          server,
          crypto,
          ...(connect === undefined ? {} : { connect }),
        }),
      (server, client) => this.#attach(server, client),
    )
  }

  // --- life cycle ---

  async start(): Promise<void> {
    const conns = await this.#db.read((tx) => store.listConns(tx))
    // Messages a previous run emitted that the application never acknowledged: emitted again
    // before anything the relays deliver now (each connection's lock is taken here, first), and
    // after a macrotask, so the caller of createAgent has attached its listeners.
    const unacked = await this.#db.read((tx) => store.listUnacked(tx))
    for (const [connId, ms] of groupByConn(unacked)) {
      void this.#withLock(connId, async () => {
        await macrotask()
        this.#reemit(connId, ms)
      })
    }
    const byServer = new Map<string, string[]>()
    for (const c of conns) {
      const rq = c.rcvQueue
      if (rq !== undefined) {
        this.#rcvIndex.set(rcvKey(rq.server, rq.rcvId), c.connId)
        if (rq.status !== 'disabled') byServer.set(rq.server, [...(byServer.get(rq.server) ?? []), c.connId])
      }
    }
    for (const server of byServer.keys()) void this.#subscribeServer(server)
    for (const c of conns) {
      this.#kick(c.connId)
      if (c.rcvQueue?.status === 'confirmed' && c.rcvQueue.senderKey !== undefined)
        this.#secureLater(c.connId)
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const wake of [...this.#sleepers]) wake()
    await this.#pool.close()
    if (this.#ackTimer !== undefined) clearTimeout(this.#ackTimer)
    this.#ackTimer = undefined
    await this.#flushAcks()
    if (this.#sentTimer !== undefined) clearTimeout(this.#sentTimer)
    this.#sentTimer = undefined
    await this.#flushSent().catch(() => undefined)
    this.#hub.end()
  }

  // --- application acknowledgements ---

  ackMessage(connId: string, msgId: number): Promise<void> {
    if (typeof connId !== 'string' || !Number.isSafeInteger(msgId) || msgId < 1) {
      return Promise.reject(new CmdSyntaxError(`ackMessage: bad message id ${String(msgId)}`))
    }
    if (this.#appAck === 'auto') return Promise.resolve()
    if (this.#closed) return Promise.reject(new AgentClosedError('the agent is closed'))
    return this.#queueAck(connId, msgId)
  }

  #queueAck(connId: string, msgId: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const k = ackKey(connId, msgId)
      const a = this.#acks.get(k) ?? { connId, msgId, waiters: [] }
      a.waiters.push({ resolve, reject })
      this.#acks.set(k, a)
      if (this.#ackTimer === undefined && !this.#closed) {
        this.#ackTimer = setTimeout(() => {
          this.#ackTimer = undefined
          void this.#flushAcks()
        }, ACK_FLUSH_DELAY_MS)
      }
    })
  }

  /** Take every acknowledgement waiting; the caller deletes them in its transaction. */
  #takeAcks(): PendingAck[] {
    if (this.#acks.size === 0) return []
    const batch = [...this.#acks.values()]
    this.#acks.clear()
    return batch
  }

  /** Put back acknowledgements whose transaction failed for another reason. */
  #requeueAcks(batch: readonly PendingAck[]): void {
    for (const a of batch) {
      const k = ackKey(a.connId, a.msgId)
      const cur = this.#acks.get(k)
      if (cur === undefined) this.#acks.set(k, a)
      else cur.waiters.push(...a.waiters)
    }
    if (batch.length > 0 && this.#ackTimer === undefined && !this.#closed) {
      this.#ackTimer = setTimeout(() => {
        this.#ackTimer = undefined
        void this.#flushAcks()
      }, ACK_FLUSH_DELAY_MS)
    }
  }

  static async #writeAcks(tx: Tx, batch: readonly PendingAck[]): Promise<void> {
    for (const a of batch) await store.deleteUnacked(tx, a.connId, a.msgId)
  }

  /** Commit the waiting acknowledgements in their own transaction, one flush after another. */
  #flushAcks(): Promise<void> {
    const run = (this.#ackFlush ?? Promise.resolve()).then(async () => {
      const batch = this.#takeAcks()
      if (batch.length === 0) return
      try {
        await this.#db.transaction((tx) => AgentImpl.#writeAcks(tx, batch))
        settleAcks(batch)
      } catch (e) {
        // not deleted: the messages are emitted again on the next start, which is safe
        settleAcks(batch, e)
      }
    })
    this.#ackFlush = run
    void run.then(() => {
      if (this.#ackFlush === run) this.#ackFlush = undefined
    })
    return run
  }

  // --- accepted messages leaving the send queue ---

  /** The relay accepted these user messages: skip them from now on, remove them soon. */
  #markSent(connId: string, ids: readonly number[]): void {
    let set = this.#sent.get(connId)
    if (set === undefined) {
      set = new Set()
      this.#sent.set(connId, set)
    }
    for (const id of ids) set.add(id)
    if (this.#sentTimer === undefined && !this.#closed) {
      this.#sentTimer = setTimeout(() => {
        this.#sentTimer = undefined
        void this.#flushSent().catch((e) => this.#error(connId, e))
      }, SENT_FLUSH_DELAY_MS)
    }
  }

  /** A snapshot of {@link #sent} for a transaction to delete; {@link #sentCommitted} after its commit. */
  #takeSent(): [string, number[]][] {
    if (this.#sent.size === 0) return []
    return [...this.#sent].map(([c, ids]) => [c, [...ids]])
  }

  async #writeSent(tx: Tx, taken: readonly [string, number[]][]): Promise<void> {
    for (const [connId, ids] of taken) for (const id of ids) await this.#db.deletePending(tx, connId, id)
  }

  /** The removals of `taken` committed: these ids are gone from storage, so stop skipping them. */
  #sentCommitted(taken: readonly [string, number[]][]): void {
    for (const [connId, ids] of taken) {
      const set = this.#sent.get(connId)
      if (set === undefined) continue
      for (const id of ids) set.delete(id)
      if (set.size === 0) this.#sent.delete(connId)
    }
    if (this.#sent.size === 0 && this.#sentTimer !== undefined) {
      clearTimeout(this.#sentTimer)
      this.#sentTimer = undefined
    }
  }

  /** Remove the accepted messages in their own transaction. */
  async #flushSent(): Promise<void> {
    const taken = this.#takeSent()
    if (taken.length === 0) return
    await this.#db.transaction((tx) => this.#writeSent(tx, taken))
    this.#sentCommitted(taken)
  }

  /** Emit stored messages again, in order; with `appAck: 'auto'` they count as handled at once. */
  #reemit(connId: string, ms: readonly StoredRcvMessage[]): void {
    if (this.#closed) return
    for (const m of ms) {
      if (this.#acks.has(ackKey(connId, m.internalId))) continue
      this.#emit({
        type: 'message',
        connId,
        msgId: m.internalId,
        sndMsgId: m.sndMsgId,
        brokerMsgId: m.brokerMsgId,
        brokerTs: m.brokerTs,
        integrity: m.integrity ?? null,
        body: m.body,
        redelivered: true,
      })
      if (this.#appAck === 'auto') void this.#queueAck(connId, m.internalId).catch(() => undefined)
    }
  }

  /** After a relay connection is back: emit again what the application has not acknowledged. */
  async #reemitServer(server: string): Promise<void> {
    const conns = new Set(this.#connsOn(server))
    const unacked = await this.#db.read((tx) => store.listUnacked(tx))
    for (const [connId, ms] of groupByConn(unacked)) {
      if (conns.has(connId)) void this.#withLock(connId, async () => this.#reemit(connId, ms))
    }
  }

  events(signal?: AbortSignal): AsyncIterableIterator<AgentEvent> {
    return this.#hub.iterate(signal)
  }

  stats(): AgentStats {
    return { commands: { ...this.#pool.commands } }
  }

  on<T extends AgentEventType>(type: T, fn: (event: Extract<AgentEvent, { type: T }>) => void): () => void {
    return this.#hub.on(type, fn)
  }

  #emit(e: AgentEvent): void {
    this.#hub.emit(e)
  }

  #error(connId: string | undefined, error: unknown): void {
    if (this.#closed) return
    this.#emit({ type: 'error', connId, error: error instanceof Error ? error : new Error(String(error)) })
  }

  #checkOpen(): void {
    if (this.#closed) throw new AgentClosedError('the agent is closed')
  }

  /** Run `fn` with the connection's lock: its handshake steps, receives and sends are serialized. */
  async #withLock<T>(connId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(connId) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((r) => {
      release = r
    })
    const chained = prev.then(() => mine)
    this.#locks.set(connId, chained)
    await prev
    try {
      return await fn()
    } finally {
      release()
      if (this.#locks.get(connId) === chained) this.#locks.delete(connId)
    }
  }

  /** Wait `ms`, or less when the agent closes. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#closed) return resolve()
      const done = (): void => {
        clearTimeout(timer)
        this.#sleepers.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#sleepers.add(done)
    })
  }

  // --- relay clients ---

  #attach(server: string, client: SmpClient): void {
    client.on('message', (e) => {
      void this.#onMessage(server, e)
    })
    client.on('disconnected', () => {
      if (!this.#closed) this.#emit({ type: 'down', server, connIds: this.#connsOn(server) })
    })
    client.on('reconnected', () => {
      if (this.#closed) return
      this.#emit({ type: 'up', server, connIds: this.#connsOn(server) })
      if (this.#appAck === 'manual')
        void this.#reemitServer(server).catch((e: unknown) => this.#error(undefined, e))
      void this.#kickServer(server)
    })
    client.on('end', (e) => {
      const connId = this.#rcvIndex.get(rcvKey(server, e.entityId))
      if (connId !== undefined) this.#emit({ type: 'end', connId })
    })
  }

  #connsOn(server: string): string[] {
    const out: string[] = []
    for (const [k, connId] of this.#rcvIndex) if (k.startsWith(`${server}\n`)) out.push(connId)
    return out
  }

  async #kickServer(server: string): Promise<void> {
    const conns = await this.#db.read((tx) => store.listConns(tx))
    for (const c of conns) if (c.sndQueue?.server === server) this.#kick(c.connId)
  }

  /** Subscribe every stored receive queue of a relay, retrying while it cannot be reached. */
  async #subscribeServer(server: string): Promise<void> {
    if (this.#subscribing.has(server)) return
    this.#subscribing.add(server)
    const backoff = new Backoff(this.#retry)
    try {
      for (;;) {
        if (this.#closed) return
        try {
          const client = await this.#pool.get(server)
          const conns = await this.#db.read((tx) => store.listConns(tx))
          for (const c of conns) {
            const rq = c.rcvQueue
            if (rq === undefined || rq.server !== server || rq.status === 'disabled') continue
            try {
              await client.subscribe(rcvCreds(rq))
            } catch (e) {
              if (isSimplexError(e) && e.retriable) throw e
              if (e instanceof Error && e.name === 'SmpConnectionLostError') throw e
              this.#error(c.connId, e)
            }
          }
          this.#emit({ type: 'up', server, connIds: this.#connsOn(server) })
          return
        } catch {
          await this.#sleep(backoff.next())
        }
      }
    } finally {
      this.#subscribing.delete(server)
    }
  }

  #randomServer(): string {
    const bytes = this.#crypto.randomBytes(4)
    const n = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0
    return this.#servers[n % this.#servers.length]!
  }

  #newId(): string {
    return base64urlEncode(this.#crypto.randomBytes(12))
  }

  async #newRcvQueue(server: string): Promise<RcvQueueRecord> {
    const client = await this.#pool.get(server)
    const q = await client.createQueue({ signAlg: this.#signAlg })
    return {
      server,
      rcvId: q.rcvId,
      sndId: q.sndId,
      rcvAuthKey: q.rcvAuthKey,
      rcvDhSecret: q.rcvDhSecret,
      e2eDhKey: this.#crypto.generateDhKeyPair('x25519'),
      status: 'new',
    }
  }

  #newSndQueue(q: SmpQueueUri | SmpQueueInfo): SndQueueRecord {
    const e2eDhKey = this.#crypto.generateDhKeyPair('x25519')
    return {
      server: formatSmpServer(q.smpServer),
      sndId: q.senderId,
      sndAuthKey: this.#crypto.generateSignKeyPair(this.#signAlg),
      e2eDhKey,
      e2eDhSecret: this.#crypto.dh('x25519', e2eDhKey.privateKey, q.dhPublicKey.publicKey),
      status: 'new',
    }
  }

  #queueUri(rq: RcvQueueRecord): SmpQueueUri {
    return {
      smpServer: parseSmpServer(rq.server),
      senderId: rq.sndId,
      clientVRange: SMP_CLIENT_VERSION_RANGE,
      dhPublicKey: { alg: 'x25519', publicKey: rq.e2eDhKey.publicKey },
    }
  }

  async #deleteRcvQueueQuietly(rq: RcvQueueRecord): Promise<void> {
    try {
      const client = await this.#pool.get(rq.server)
      await client.delete(rcvCreds(rq))
    } catch {
      // best effort: an unused queue expires on the relay
    }
  }

  // --- creating and joining ---

  createConnection(options: WaitOptions = {}): Promise<{ connId: string; link: string }> {
    return abortable(options.signal, () => this.#createConnection())
  }

  async #createConnection(): Promise<{ connId: string; link: string }> {
    this.#checkOpen()
    const rq = await this.#newRcvQueue(this.#randomServer())
    const e2e = generateE2EParams(this.#crypto, E2E_ENCRYPT_VRANGE.max)
    const conn: ConnRecord = {
      ...newConnRecord(this.#newId(), 'invitation', true),
      rcvQueue: rq,
      e2eKeys: { key1: e2e.keyPair1, key2: e2e.keyPair2 },
    }
    this.#rcvIndex.set(rcvKey(rq.server, rq.rcvId), conn.connId)
    await this.#db.transaction((tx) => this.#db.putConn(tx, conn))
    const link = formatConnectionRequest({
      mode: 'invitation',
      data: { ...newConnReqData(this.#queueUri(rq)), agentVRange: this.#agentVRange },
      e2eParams: e2eParamsToUri(e2e.params, E2E_ENCRYPT_VRANGE),
    })
    return { connId: conn.connId, link }
  }

  createAddress(options: WaitOptions = {}): Promise<{ connId: string; link: string }> {
    return abortable(options.signal, () => this.#createAddress())
  }

  async #createAddress(): Promise<{ connId: string; link: string }> {
    this.#checkOpen()
    const rq = await this.#newRcvQueue(this.#randomServer())
    const conn: ConnRecord = { ...newConnRecord(this.#newId(), 'contact', true), rcvQueue: rq }
    this.#rcvIndex.set(rcvKey(rq.server, rq.rcvId), conn.connId)
    await this.#db.transaction((tx) => this.#db.putConn(tx, conn))
    const link = formatConnectionRequest({
      mode: 'contact',
      data: { ...newConnReqData(this.#queueUri(rq)), agentVRange: this.#agentVRange },
    })
    return { connId: conn.connId, link }
  }

  joinConnection(link: string, info: Uint8Array, options: WaitOptions = {}): Promise<string> {
    return abortable(options.signal, () => this.#joinConnection(link, info))
  }

  async #joinConnection(link: string, info: Uint8Array): Promise<string> {
    this.#checkOpen()
    const req = parseConnectionRequest(link)
    return req.mode === 'invitation' ? this.#joinInvitation(req, info) : this.#joinContact(req, info)
  }

  async #joinInvitation(req: InvitationRequest, info: Uint8Array): Promise<string> {
    const crypto = this.#crypto
    const { agentVersion, queue, e2eParams: theirs } = negotiateInvitation(req, { agent: this.#agentVRange })
    const duplex = isDuplexHandshake(agentVersion)
    const mine = generateE2EParams(crypto, theirs.version)
    const rc0 = initSndRatchet(
      crypto,
      theirs.key2,
      crypto.generateDhKeyPair('x448'),
      x3dhSnd(crypto, mine.keyPair1, mine.keyPair2, theirs),
    )
    const sq = this.#newSndQueue(queue)
    const rq = duplex ? await this.#newRcvQueue(this.#randomServer()) : undefined
    const message: AgentMessage =
      rq === undefined
        ? { type: 'AgentConnInfo', connInfo: info }
        : {
            type: 'AgentConnInfoReply',
            smpQueues: [queueUriToInfo(this.#queueUri(rq), 1)],
            connInfo: info,
          }
    let enc: { message: Uint8Array; state: Ratchet }
    try {
      enc = rcEncrypt(crypto, rc0, E2E_ENC_CONN_INFO_LENGTH, encodeAgentMessage(message))
    } catch (e) {
      if (rq !== undefined) await this.#deleteRcvQueueQuietly(rq)
      throw new CmdLargeError('connection info too large', { cause: e })
    }
    const envelope = encodeAgentMsgEnvelope({
      type: 'AgentConfirmation',
      agentVersion,
      e2eEncryption: mine.params,
      encConnInfo: enc.message,
    })
    // The confirmation consumes internal id 1 / send id 1 and records no hash (§9).
    const conn: ConnRecord = {
      ...newConnRecord(this.#newId(), 'invitation', false),
      agentVersion,
      duplex,
      rcvQueue: rq,
      sndQueue: sq,
      lastInternalId: 1,
      lastInternalSndId: 1,
    }
    const connId = conn.connId
    return this.#withLock(connId, async () => {
      if (rq !== undefined) this.#rcvIndex.set(rcvKey(rq.server, rq.rcvId), connId)
      await this.#db.transaction(async (tx) => {
        await this.#db.putConn(tx, conn)
        await this.#db.putRatchet(tx, connId, enc.state)
      })
      try {
        await this.#sendEnvelope(sq, 'confirmation', envelope, CONF_NOTIFICATION)
      } catch (e) {
        await this.#db.transaction((tx) => this.#db.deleteConnRecords(tx, connId))
        if (rq !== undefined) {
          this.#rcvIndex.delete(rcvKey(rq.server, rq.rcvId))
          await this.#deleteRcvQueueQuietly(rq)
        }
        throw e
      }
      await this.#db.transaction(async (tx) => {
        let c: ConnRecord = { ...conn, sndQueue: { ...sq, status: 'confirmed' } }
        if (!duplex) {
          // v1: HELLO goes out at once and is retried until the initiator secures its queue
          const rc = (await this.#db.getRatchet(tx, connId)) as Ratchet
          const next = await this.#enqueue(tx, { ...c, helloAt: Date.now() }, rc, { type: 'HELLO' }, false)
          c = next.conn
          await this.#db.putRatchet(tx, connId, next.rc)
        }
        await this.#db.putConn(tx, c)
      })
      this.#kick(connId)
      return connId
    })
  }

  async #joinContact(req: ContactRequest, info: Uint8Array): Promise<string> {
    const { agentVersion, queue } = negotiateContact(req, { agent: this.#agentVRange })
    const { connId, link } = await this.createConnection()
    const connReq = parseConnectionRequest(link)
    if (connReq.mode !== 'invitation') throw new AgentMessageError('own invitation link did not parse back')
    const envelope = encodeAgentMsgEnvelope({
      type: 'AgentInvitation',
      agentVersion,
      connReq,
      connInfo: info,
    })
    const oneShot = this.#crypto.generateDhKeyPair('x25519')
    const body = sealClientMessage(this.#crypto, {
      e2eDhSecret: this.#crypto.dh('x25519', oneShot.privateKey, queue.dhPublicKey.publicKey),
      e2ePubDhKey: { alg: 'x25519', publicKey: oneShot.publicKey },
      message: { privHeader: { type: 'empty' }, body: envelope },
    })
    try {
      const client = await this.#pool.get(formatSmpServer(queue.smpServer))
      await client.send(queue.senderId, body, { notification: true })
    } catch (e) {
      await this.deleteConnection(connId).catch(() => undefined)
      throw e
    }
    return connId
  }

  allowConnection(id: string, info: Uint8Array, options: WaitOptions = {}): Promise<void> {
    return abortable(options.signal, () => this.#allowConnection(id, info))
  }

  async #allowConnection(id: string, info: Uint8Array): Promise<void> {
    this.#checkOpen()
    const conf = await this.#db.read(async (tx) => {
      const byId = await store.getConfirmation(tx, id)
      if (byId !== undefined) return byId
      return (await store.listConfirmations(tx)).find((c) => c.connId === id)
    })
    if (conf === undefined) throw new ConnNotFoundError(`no pending confirmation ${id}`)
    await this.#withLock(conf.connId, () => this.#allow(conf, info))
    this.#kick(conf.connId)
  }

  async #allow(conf: PendingConfirmation, info: Uint8Array): Promise<void> {
    const conn = await this.#db.read((tx) => this.#db.getConn(tx, conf.connId))
    const rq = conn?.rcvQueue
    if (conn === undefined || rq === undefined) throw new ConnNotFoundError(`no connection ${conf.connId}`)
    const client = await this.#pool.get(rq.server)
    await client.secureQueue(rcvCreds(rq), conf.senderKey)
    await this.#db.transaction(async (tx) => {
      let c: ConnRecord = {
        ...conn,
        agentVersion: conf.agentVersion,
        duplex: conf.duplex,
        e2eKeys: undefined,
        ownInfo: conf.duplex ? undefined : info,
        rcvQueue: { ...rq, e2eDhSecret: conf.e2eDhSecret, status: 'secured' },
      }
      let rc = store.ratchetFromBytes(conf.ratchet)
      if (conf.duplex && conf.replyQueue !== undefined) {
        const reply = decodeAll(conf.replyQueue, decodeSmpQueueInfo)
        c = { ...c, sndQueue: this.#newSndQueue(reply) }
        ;({ conn: c, rc } = await this.#enqueueConfirmation(tx, c, rc, info))
      }
      await this.#db.putRatchet(tx, c.connId, rc)
      await store.deleteConfirmation(tx, conf.confId)
      await this.#db.putConn(tx, c)
    })
  }

  acceptContact(invitationId: string, info: Uint8Array, options: WaitOptions = {}): Promise<string> {
    return abortable(options.signal, () => this.#acceptContact(invitationId, info))
  }

  async #acceptContact(invitationId: string, info: Uint8Array): Promise<string> {
    this.#checkOpen()
    const inv = await this.#db.read((tx) => store.getInvitation(tx, invitationId))
    if (inv === undefined) throw new ConnNotFoundError(`no contact request ${invitationId}`)
    const connId = await this.joinConnection(inv.connReq, info)
    await this.#db.transaction((tx) => store.deleteInvitation(tx, invitationId))
    return connId
  }

  async rejectContact(invitationId: string): Promise<void> {
    this.#checkOpen()
    await this.#db.transaction(async (tx) => {
      if ((await store.getInvitation(tx, invitationId)) === undefined) {
        throw new ConnNotFoundError(`no contact request ${invitationId}`)
      }
      await store.deleteInvitation(tx, invitationId)
    })
  }

  // --- sending ---

  async sendMessage(
    connId: string,
    body: Uint8Array,
    options: { notification?: boolean } = {},
  ): Promise<number> {
    this.#checkOpen()
    const sent = this.#takeSent()
    const id = await this.#withLock(connId, () =>
      this.#db.transaction(async (tx) => {
        await this.#writeSent(tx, sent)
        const conn = await this.#db.getConn(tx, connId)
        if (conn === undefined) throw new ConnNotFoundError(`no connection ${connId}`)
        const rc = await this.#db.getRatchet(tx, connId)
        if (
          conn.mode !== 'invitation' ||
          !conn.connected ||
          conn.sndQueue === undefined ||
          rc === undefined ||
          rc.rcSnd === null
        ) {
          // before `connected` a message would overtake the HELLOs (and meet an unsecured queue)
          throw new CmdProhibitedError(`connection ${connId} is not connected yet`)
        }
        const next = await this.#enqueue(tx, conn, rc, { type: 'A_MSG', body }, options.notification ?? true)
        await this.#db.putRatchet(tx, connId, next.rc)
        await this.#db.putConn(tx, next.conn)
        return next.conn.lastInternalId
      }),
    )
    this.#sentCommitted(sent)
    this.#emit({ type: 'sent', connId, msgId: id })
    this.#kick(connId)
    return id
  }

  /** Ratchet-encrypt an agent message, store it in the send queue and advance the counters (§9). */
  async #enqueue(
    tx: Tx,
    conn: ConnRecord,
    rc: Ratchet,
    msg: AMessage,
    notification: boolean,
  ): Promise<{ conn: ConnRecord; rc: Ratchet }> {
    const internalId = conn.lastInternalId + 1
    const sndMsgId = conn.lastInternalSndId + 1
    const plain = encodeAgentMessage({
      type: 'AgentMessage',
      header: { sndMsgId: BigInt(sndMsgId), prevMsgHash: conn.lastSndHash },
      message: msg,
    })
    // the stored record, the envelope and the ratchet message are one 16 KB buffer: room for the
    // record's and the envelope's headers is left in front of the ratchet message
    const head = store.PENDING_HEADER_LENGTH + AGENT_MSG_ENVELOPE_HEADER_LENGTH
    let enc: { message: Uint8Array; state: Ratchet }
    try {
      enc = rcEncrypt(this.#crypto, rc, E2E_ENC_USER_MSG_LENGTH, plain, head)
    } catch (e) {
      throw new CmdLargeError(`message of ${plain.length} bytes does not fit`, { cause: e })
    }
    const record = new Uint8Array(
      enc.message.buffer,
      enc.message.byteOffset - head,
      head + enc.message.length,
    )
    const envelope = frameAgentMsgEnvelope(record.subarray(store.PENDING_HEADER_LENGTH), conn.agentVersion)
    const kind: PendingKind = msg.type === 'HELLO' ? 'hello' : msg.type === 'REPLY' ? 'reply' : 'message'
    await this.#db.putPending(
      tx,
      conn.connId,
      { internalId, kind, envelope, notification, queuedAt: Date.now() },
      record,
    )
    return {
      conn: {
        ...conn,
        lastInternalId: internalId,
        lastInternalSndId: sndMsgId,
        lastSndHash: this.#crypto.sha256(plain),
      },
      rc: enc.state,
    }
  }

  /** The initiator's confirmation: a stored message with send id and hash like any other (§9). */
  async #enqueueConfirmation(
    tx: Tx,
    conn: ConnRecord,
    rc: Ratchet,
    info: Uint8Array,
  ): Promise<{ conn: ConnRecord; rc: Ratchet }> {
    const plain = encodeAgentMessage({ type: 'AgentConnInfo', connInfo: info })
    let enc: { message: Uint8Array; state: Ratchet }
    try {
      enc = rcEncrypt(this.#crypto, rc, E2E_ENC_CONN_INFO_LENGTH, plain)
    } catch (e) {
      throw new CmdLargeError('connection info too large', { cause: e })
    }
    const envelope = encodeAgentMsgEnvelope({
      type: 'AgentConfirmation',
      agentVersion: conn.agentVersion,
      encConnInfo: enc.message,
    })
    const internalId = conn.lastInternalId + 1
    await this.#db.putPending(tx, conn.connId, {
      internalId,
      kind: 'confirmation',
      envelope,
      notification: CONF_NOTIFICATION,
      queuedAt: Date.now(),
    })
    return {
      conn: {
        ...conn,
        lastInternalId: internalId,
        lastInternalSndId: conn.lastInternalSndId + 1,
        lastSndHash: this.#crypto.sha256(plain),
      },
      rc: enc.state,
    }
  }

  /** Box and `SEND` one stored envelope (a fresh nonce per attempt). */
  async #sendEnvelope(sq: SndQueueRecord, kind: PendingKind, envelope: Uint8Array, notification: boolean) {
    const confirmation = kind === 'confirmation'
    const body = sealClientMessage(this.#crypto, {
      e2eDhSecret: sq.e2eDhSecret,
      e2ePubDhKey: confirmation ? { alg: 'x25519', publicKey: sq.e2eDhKey.publicKey } : undefined,
      message: {
        privHeader: confirmation
          ? {
              type: 'confirmation',
              senderKey: { alg: sq.sndAuthKey.alg, publicKey: sq.sndAuthKey.publicKey },
            }
          : { type: 'empty' },
        body: envelope,
      },
    })
    const client = await this.#pool.get(sq.server)
    await client.send(
      sq.sndId,
      body,
      confirmation
        ? { notification }
        : { notification, signKey: { alg: sq.sndAuthKey.alg, privateKey: sq.sndAuthKey.privateKey } },
    )
  }

  /** Start (or re-run) the connection's delivery worker. */
  #kick(connId: string): void {
    if (this.#closed) return
    const w = this.#workers.get(connId)
    if (w !== undefined) {
      w.again = true
      return
    }
    const state = { again: false }
    this.#workers.set(connId, state)
    void this.#deliver(connId, state)
      .catch((e) => this.#error(connId, e))
      .finally(() => {
        this.#workers.delete(connId)
        if (state.again) this.#kick(connId)
      })
  }

  /**
   * Deliver the connection's send queue in order (§10.1). Handshake messages go one at a time, as
   * their delivery changes the connection's state; user messages go in windows of up to
   * `sendWindow` pipelined `SEND`s on the one relay connection (which the relay executes in
   * order), and the accepted ones leave the queue in one transaction. After a failure the queue
   * resumes from the first message not accepted.
   */
  async #deliver(connId: string, state: { again: boolean }): Promise<void> {
    const backoff = new Backoff(this.#retry)
    for (;;) {
      if (this.#closed) return
      state.again = false
      const skip = this.#sent.get(connId)
      const { conn, ms: all } = await this.#db.pendingWindow(connId, this.#sendWindow + (skip?.size ?? 0))
      const ms = (skip === undefined ? all : all.filter((m) => !skip.has(m.internalId))).slice(
        0,
        this.#sendWindow,
      )
      if (conn === undefined || ms.length === 0) return
      const sq = conn.sndQueue
      if (sq === undefined) return
      const first = ms[0] as PendingMessage
      const batch = first.kind === 'message' ? takeMessages(ms) : [first]
      const results = await Promise.allSettled(
        batch.map((m) => this.#sendEnvelope(sq, m.kind, m.envelope, m.notification)),
      )
      if (this.#closed) return
      const accepted = batch.filter((_, i) => results[i]?.status === 'fulfilled')
      if (accepted.length > 0) {
        backoff.reset()
        if (first.kind === 'message') {
          this.#markSent(
            connId,
            accepted.map((m) => m.internalId),
          )
          for (const x of accepted) this.#emit({ type: 'delivered', connId, msgId: x.internalId })
        } else await this.#withLock(connId, () => this.#delivered(connId, accepted))
      }
      const failedAt = results.findIndex((r) => r.status === 'rejected')
      if (failedAt < 0) continue
      const m = batch[failedAt] as PendingMessage
      const e: unknown = (results[failedAt] as PromiseRejectedResult).reason
      const v = classifySendError(m.kind, e)
      if (v.action === 'retry') {
        if (v.report) this.#reportSendError(conn, m, e)
        await this.#sleep(backoff.next())
        continue
      }
      if (v.action === 'hello-auth' && !conn.duplex && Date.now() - m.queuedAt < this.#helloTimeoutMs) {
        // v1: the initiator has not secured its queue yet
        await this.#sleep(backoff.next())
        continue
      }
      await this.#withLock(connId, () =>
        this.#db.transaction((tx) => this.#db.deletePending(tx, connId, m.internalId)),
      )
      if (v.action === 'hello-auth') {
        const notAvailable = conn.duplex || conn.initiator
        this.#error(
          connId,
          notAvailable
            ? new ConnNotAvailableError('the peer queue refused HELLO', { cause: e })
            : new ConnNotAcceptedError('the initiator did not accept the connection in time', { cause: e }),
        )
      } else if (v.notAvailable) {
        this.#error(connId, new ConnNotAvailableError('the peer queue is not available', { cause: e }))
      } else this.#reportSendError(conn, m, e)
    }
  }

  #reportSendError(conn: ConnRecord, m: PendingMessage, e: unknown): void {
    const error = e instanceof Error ? e : new Error(String(e))
    if (m.kind === 'message')
      this.#emit({ type: 'message-error', connId: conn.connId, msgId: m.internalId, error })
    else this.#error(conn.connId, error)
  }

  /** The relay accepted a stored message: remove it and take the handshake step it completes. */
  async #delivered(connId: string, ms: readonly PendingMessage[]): Promise<void> {
    let connected = false
    let needReplyQueue = false
    const m = ms[0] as PendingMessage
    await this.#db.transaction(async (tx) => {
      for (const x of ms) await this.#db.deletePending(tx, connId, x.internalId)
      if (m.kind === 'message') return
      let c = await this.#db.getConn(tx, connId)
      if (c === undefined || c.sndQueue === undefined) return
      if (m.kind === 'confirmation') {
        c = { ...c, sndQueue: { ...c.sndQueue, status: 'confirmed' } }
        if (!c.duplex) {
          // v1 initiator: HELLO after its confirmation, retried until the joiner secures its queue
          const rc = (await this.#db.getRatchet(tx, connId)) as Ratchet
          const next = await this.#enqueue(tx, { ...c, helloAt: Date.now() }, rc, { type: 'HELLO' }, false)
          c = next.conn
          await this.#db.putRatchet(tx, connId, next.rc)
        }
      } else if (m.kind === 'hello') {
        c = { ...c, sndQueue: { ...c.sndQueue, status: 'active' } }
        if (!c.duplex && !c.initiator && c.rcvQueue === undefined) needReplyQueue = true
        if (!c.connected && c.rcvQueue?.status === 'active') {
          c = { ...c, connected: true }
          connected = true
        }
      }
      await this.#db.putConn(tx, c)
    })
    for (const x of ms)
      if (x.kind === 'message') this.#emit({ type: 'delivered', connId, msgId: x.internalId })
    if (connected) this.#emit({ type: 'connected', connId })
    if (needReplyQueue) await this.#sendReply(connId)
  }

  /** v1 joiner, after its HELLO went through: create its receive queue and send REPLY (§8.2). */
  async #sendReply(connId: string): Promise<void> {
    const backoff = new Backoff(this.#retry)
    let rq: RcvQueueRecord | undefined
    while (rq === undefined) {
      if (this.#closed) return
      try {
        rq = await this.#newRcvQueue(this.#randomServer())
      } catch {
        await this.#sleep(backoff.next())
      }
    }
    const q = rq
    this.#rcvIndex.set(rcvKey(q.server, q.rcvId), connId)
    await this.#db.transaction(async (tx) => {
      const conn = await this.#db.getConn(tx, connId)
      const rc = await this.#db.getRatchet(tx, connId)
      if (conn === undefined || rc === undefined) return
      const info = queueUriToInfo(this.#queueUri(q), 1)
      const next = await this.#enqueue(
        tx,
        { ...conn, rcvQueue: q },
        rc,
        { type: 'REPLY', smpQueues: [info] },
        false,
      )
      await this.#db.putRatchet(tx, connId, next.rc)
      await this.#db.putConn(tx, next.conn)
    })
    this.#kick(connId)
  }

  // --- receiving ---

  async #onMessage(server: string, ev: SmpMessageEvent): Promise<void> {
    const connId = this.#rcvIndex.get(rcvKey(server, ev.rcvId))
    if (connId === undefined) return
    try {
      await this.#withLock(connId, () => this.#receive(connId, ev))
    } catch (e) {
      this.#error(connId, e)
    }
  }

  async #ack(ev: SmpMessageEvent, server: string): Promise<void> {
    try {
      const client = await this.#pool.get(server)
      await client.ack(ev.queue, ev.message.msgId)
    } catch {
      // not acknowledged: the relay delivers it again and the duplicate check ACKs it then
    }
  }

  /** Process one delivered message; it is acknowledged to the relay only after it was stored. */
  async #receive(connId: string, ev: SmpMessageEvent): Promise<void> {
    if (this.#closed) return
    const conn = await this.#db.conn(connId)
    const rq = conn?.rcvQueue
    if (conn === undefined || rq === undefined) return
    const brokerId = ev.message.msgId
    if (rq.lastBrokerId !== undefined && equalBytes(rq.lastBrokerId, brokerId)) {
      // processed before the ACK was lost: finish what may not have happened, then ACK again
      if (rq.status === 'confirmed' && rq.senderKey !== undefined) this.#secureLater(connId)
      // the application may not have seen the message (the process can stop right after the
      // commit): emit it again with the same id, as the reference re-emits an unacknowledged MSG
      const stored = await this.#db.read((tx) => store.lastRcvMessage(tx, connId))
      if (stored !== undefined && equalBytes(stored.brokerMsgId, brokerId)) {
        this.#emit({
          type: 'message',
          connId,
          msgId: stored.internalId,
          sndMsgId: stored.sndMsgId,
          brokerMsgId: stored.brokerMsgId,
          brokerTs: stored.brokerTs,
          integrity: stored.integrity ?? null,
          body: stored.body,
          redelivered: true,
        })
      }
      void this.#ack(ev, rq.server)
      return
    }
    const backoff = new Backoff(this.#retry)
    for (let attempt = 1; ; attempt++) {
      try {
        // re-read: a failed attempt committed nothing, but the cache may have moved on meanwhile
        const current = attempt === 1 ? conn : await this.#db.conn(connId)
        const q = current?.rcvQueue
        if (current === undefined || q === undefined) return
        await this.#process(current, q, ev)
        break
      } catch (e) {
        this.#error(connId, e)
        // the message's own fault: drop it (ACK), as the reference does
        if (isMessageFault(e)) break
        // a local failure (storage): nothing was committed, so keep the message on the relay
        if (attempt >= 3 || this.#closed) return
        await this.#sleep(backoff.next())
      }
    }
    // the connection's lock is not held over the relay's answer: sends on it need not wait for that
    void this.#ack(ev, rq.server)
  }

  async #process(conn: ConnRecord, rq: RcvQueueRecord, ev: SmpMessageEvent): Promise<void> {
    const crypto = this.#crypto
    let env: ClientMsgEnvelope
    try {
      env = decodeClientMsgEnvelope(ev.message.body)
    } catch (cause) {
      throw new AgentMessageError('invalid client message envelope', { cause })
    }
    checkClientVersion(env.header.version)
    const senderPub = env.header.e2ePubDhKey
    let secret: Uint8Array
    if (rq.e2eDhSecret === undefined && senderPub !== undefined) {
      secret = crypto.dh('x25519', rq.e2eDhKey.privateKey, senderPub.publicKey)
    } else if (rq.e2eDhSecret !== undefined && senderPub === undefined) {
      secret = rq.e2eDhSecret
    } else {
      throw new AgentProhibitedError('unexpected e2e key in the message header')
    }
    let plain: Uint8Array
    try {
      plain = cbDecrypt(crypto, secret, env.nonce, env.encBody)
    } catch (cause) {
      throw new AgentEncryptionError('the client message does not decrypt', { cause })
    }
    const cm = decodeAgentClientMessage(plain)
    const agentEnv = decodeAgentMsgEnvelopeView(cm.body)
    const ph = cm.privHeader
    if (senderPub !== undefined && ph.type === 'confirmation' && agentEnv.type === 'AgentConfirmation') {
      if (conn.mode !== 'invitation') throw new AgentProhibitedError('confirmation on a contact address')
      await this.#onConfirmation(conn, rq, ev, secret, ph.senderKey, agentEnv)
    } else if (senderPub !== undefined && ph.type === 'empty' && agentEnv.type === 'AgentInvitation') {
      if (conn.mode !== 'contact') throw new AgentProhibitedError('contact request on an invitation queue')
      await this.#onInvitation(conn, rq, ev, agentEnv)
    } else if (senderPub === undefined && ph.type === 'empty' && agentEnv.type === 'AgentMsgEnvelope') {
      await this.#onAgentMessage(conn, ev, agentEnv)
    } else {
      throw new AgentProhibitedError(`unexpected ${agentEnv.type} message`)
    }
  }

  async #onConfirmation(
    conn: ConnRecord,
    rq: RcvQueueRecord,
    ev: SmpMessageEvent,
    secret: Uint8Array,
    senderKey: { alg: SignAlg; publicKey: Uint8Array },
    env: Extract<AgentMsgEnvelope, { type: 'AgentConfirmation' }>,
  ): Promise<void> {
    const crypto = this.#crypto
    const connId = conn.connId
    checkConfirmationVersion(env.agentVersion, this.#agentVRange)
    if (rq.status !== 'new') throw new AgentProhibitedError('confirmation on a queue that is not new')
    const brokerId = ev.message.msgId
    if (conn.initiator && conn.e2eKeys !== undefined && env.e2eEncryption !== undefined) {
      // the joiner's first confirmation: X3DH, then the first ratchet message
      const p = env.e2eEncryption
      if (p.version < E2E_ENCRYPT_VRANGE.min || p.version > E2E_ENCRYPT_VRANGE.max) {
        throw new AgentVersionError(`unsupported e2e version ${p.version}`)
      }
      const keys = conn.e2eKeys
      const rc0 = initRcvRatchet(keys.key2, x3dhRcv(crypto, keys.key1, keys.key2, p))
      const plain = this.#decrypt(rc0, [], env.encConnInfo)
      const msg = decodeAgentMessage(plain.plaintext)
      let replyQueue: Uint8Array | undefined
      let duplex: boolean
      if (msg.type === 'AgentConnInfoReply') {
        // the message type, not the version, decides the handshake (as the reference)
        duplex = true
        replyQueue = encodeSmpQueueInfo(new Encoder(), msg.smpQueues[0]).finish()
      } else if (msg.type === 'AgentConnInfo') duplex = false
      else throw new AgentProhibitedError(`unexpected ${msg.type} in a confirmation`)
      const confId = this.#newId()
      await this.#db.transaction(async (tx) => {
        await store.putConfirmation(tx, {
          confId,
          connId,
          senderKey: { alg: senderKey.alg, publicKey: senderKey.publicKey },
          e2eDhSecret: secret,
          ratchet: store.ratchetBytes(plain.state),
          info: msg.connInfo,
          replyQueue,
          agentVersion: env.agentVersion,
          duplex,
        })
        await this.#db.putConn(tx, {
          ...conn,
          agentVersion: env.agentVersion,
          duplex,
          rcvQueue: { ...rq, lastBrokerId: brokerId },
        })
      })
      this.#emit({ type: 'confirmation', connId, confId, info: msg.connInfo })
      return
    }
    if (!conn.initiator && env.e2eEncryption === undefined) {
      // the initiator's confirmation on the joiner's queue: the ratchet exists already
      let info: Uint8Array | undefined
      await this.#db.transaction(async (tx) => {
        const rc = await this.#db.getRatchet(tx, connId)
        if (rc === undefined) throw new AgentProhibitedError('confirmation before the ratchet exists')
        const skipped = await this.#db.getSkipped(tx, connId)
        const r = this.#decrypt(rc, skipped, env.encConnInfo)
        const msg = decodeAgentMessage(r.plaintext)
        if (msg.type !== 'AgentConnInfo')
          throw new AgentProhibitedError(`unexpected ${msg.type} in a confirmation`)
        info = msg.connInfo
        await this.#db.putRatchet(tx, connId, r.state)
        await this.#db.applySkipped(tx, connId, r.skippedDiff)
        await this.#db.putConn(tx, {
          ...conn,
          rcvQueue: {
            ...rq,
            e2eDhSecret: secret,
            senderKey: { alg: senderKey.alg, publicKey: senderKey.publicKey },
            status: 'confirmed',
            lastBrokerId: brokerId,
          },
        })
      })
      if (info !== undefined) this.#emit({ type: 'info', connId, info })
      try {
        await this.#secureRcvQueue(connId)
      } catch {
        // the relay could not be reached: keep trying without holding up this queue
        this.#secureLater(connId)
      }
      return
    }
    throw new AgentProhibitedError('unexpected confirmation')
  }

  /** Retry {@link #secureRcvQueue} in the background until the relay answers. */
  #secureLater(connId: string): void {
    const backoff = new Backoff(this.#retry)
    const attempt = async (): Promise<void> => {
      for (;;) {
        if (this.#closed) return
        try {
          await this.#withLock(connId, () => this.#secureRcvQueue(connId))
          return
        } catch (e) {
          if (isSimplexError(e) && !e.retriable && e.layer === 'smp' && e.code !== 'NETWORK') {
            this.#error(connId, e)
            return
          }
          await this.#sleep(backoff.next())
        }
      }
    }
    void attempt()
  }

  /** `KEY` the receive queue with the peer's key, then (v2) queue HELLO. Called with the lock held. */
  async #secureRcvQueue(connId: string): Promise<void> {
    const conn = await this.#db.conn(connId)
    const rq = conn?.rcvQueue
    if (conn === undefined || rq === undefined || rq.status !== 'confirmed' || rq.senderKey === undefined)
      return
    const client = await this.#pool.get(rq.server)
    await client.secureQueue(rcvCreds(rq), rq.senderKey)
    await this.#db.transaction(async (tx) => {
      let c: ConnRecord = { ...conn, rcvQueue: { ...rq, status: 'secured', senderKey: undefined } }
      if (c.duplex) {
        const rc = (await this.#db.getRatchet(tx, connId)) as Ratchet
        const next = await this.#enqueue(tx, c, rc, { type: 'HELLO' }, true)
        c = next.conn
        await this.#db.putRatchet(tx, connId, next.rc)
      }
      await this.#db.putConn(tx, c)
    })
    this.#kick(connId)
  }

  async #onInvitation(
    conn: ConnRecord,
    rq: RcvQueueRecord,
    ev: SmpMessageEvent,
    env: Extract<AgentMsgEnvelope, { type: 'AgentInvitation' }>,
  ): Promise<void> {
    const invitationId = this.#newId()
    const connReq = formatConnectionRequest(env.connReq)
    await this.#db.transaction(async (tx) => {
      await store.putInvitation(tx, { invitationId, connId: conn.connId, connReq, info: env.connInfo })
      await this.#db.putConn(tx, { ...conn, rcvQueue: { ...rq, lastBrokerId: ev.message.msgId } })
    })
    this.#emit({ type: 'request', connId: conn.connId, invitationId, info: env.connInfo })
  }

  #decrypt(
    rc: Ratchet,
    skipped: Parameters<typeof rcDecrypt>[2],
    message: Uint8Array,
  ): {
    plaintext: Uint8Array
    state: Ratchet
    skippedDiff: Extract<ReturnType<typeof rcDecrypt>, { ok: true }>['skippedDiff']
  } {
    let r: ReturnType<typeof rcDecrypt>
    try {
      r = rcDecrypt(this.#crypto, rc, skipped, message)
    } catch (cause) {
      throw new AgentEncryptionError('the message does not decrypt', { cause })
    }
    if (!r.ok) {
      if (r.error instanceof CERatchetDuplicateMessageError) {
        throw new AgentDuplicateError('the message was already received', { cause: r.error })
      }
      throw new AgentEncryptionError('the message does not decrypt', { cause: r.error })
    }
    return r
  }

  async #onAgentMessage(
    conn: ConnRecord,
    ev: SmpMessageEvent,
    env: Extract<AgentMsgEnvelope, { type: 'AgentMsgEnvelope' }>,
  ): Promise<void> {
    const connId = conn.connId
    const brokerId = ev.message.msgId
    const out: AgentEvent[] = []
    let kick = false
    let connected = false
    // acknowledgements ride along: no transaction of their own while messages keep arriving
    const acks = this.#takeAcks()
    const sent = this.#takeSent()
    try {
      await this.#db.transaction(async (tx) => {
        const rc = await this.#db.getRatchet(tx, connId)
        if (rc === undefined) throw new AgentProhibitedError('message before the ratchet exists')
        const skipped = await this.#db.getSkipped(tx, connId)
        const r = this.#decrypt(rc, skipped, env.encAgentMessage)
        const msg = decodeAgentMessage(r.plaintext)
        if (msg.type !== 'AgentMessage') throw new AgentProhibitedError(`unexpected ${msg.type} in a message`)
        const rq = conn.rcvQueue as RcvQueueRecord
        const integrity = checkMsgIntegrity(BigInt(conn.lastExternalSndId), conn.lastRcvHash, msg.header)
        const internalId = conn.lastInternalId + 1
        let c: ConnRecord = {
          ...conn,
          lastInternalId: internalId,
          lastInternalRcvId: conn.lastInternalRcvId + 1,
          lastExternalSndId: Number(msg.header.sndMsgId),
          lastRcvHash: this.#crypto.sha256(r.plaintext),
          rcvQueue: { ...rq, lastBrokerId: brokerId },
        }
        let state = r.state
        const m = msg.message
        switch (m.type) {
          case 'HELLO': {
            if (rq.status === 'active') throw new AgentProhibitedError('HELLO on an active queue')
            c = { ...c, rcvQueue: { ...(c.rcvQueue as RcvQueueRecord), status: 'active' } }
            const sq = c.sndQueue
            if (sq !== undefined && sq.status !== 'active' && c.duplex) {
              const next = await this.#enqueue(tx, c, state, { type: 'HELLO' }, true)
              c = next.conn
              state = next.rc
              kick = true
            }
            if (!c.connected && c.sndQueue?.status === 'active') {
              c = { ...c, connected: true }
              connected = true
            }
            break
          }
          case 'REPLY': {
            if (c.duplex || !c.initiator || c.sndQueue !== undefined) {
              throw new AgentProhibitedError('REPLY is not expected on this connection')
            }
            const info = m.smpQueues[0]
            c = { ...c, sndQueue: this.#newSndQueue(info) }
            const next = await this.#enqueueConfirmation(tx, c, state, c.ownInfo ?? new Uint8Array(0))
            c = { ...next.conn, ownInfo: undefined }
            state = next.rc
            kick = true
            break
          }
          case 'A_MSG': {
            const stored: StoredRcvMessage = {
              internalId,
              sndMsgId: Number(msg.header.sndMsgId),
              brokerMsgId: brokerId,
              brokerTs: ev.message.msgTs,
              integrity,
              body: m.body,
            }
            if (this.#appAck === 'manual') await store.putUnacked(tx, connId, stored)
            else await this.#db.putRcvMessage(tx, connId, stored)
            out.push({
              type: 'message',
              connId,
              msgId: internalId,
              sndMsgId: Number(msg.header.sndMsgId),
              brokerMsgId: brokerId,
              brokerTs: ev.message.msgTs,
              integrity,
              body: m.body,
            })
            break
          }
        }
        await this.#db.putRatchet(tx, connId, state)
        await this.#db.applySkipped(tx, connId, r.skippedDiff)
        await this.#db.putConn(tx, c)
        await AgentImpl.#writeAcks(tx, acks)
        await this.#writeSent(tx, sent)
      })
    } catch (e) {
      this.#requeueAcks(acks)
      throw e
    }
    this.#sentCommitted(sent)
    settleAcks(acks)
    for (const e of out) this.#emit(e)
    if (connected) this.#emit({ type: 'connected', connId })
    if (kick) this.#kick(connId)
  }

  // --- other operations ---

  suspendConnection(connId: string, options: WaitOptions = {}): Promise<void> {
    return abortable(options.signal, () => this.#suspendConnection(connId))
  }

  async #suspendConnection(connId: string): Promise<void> {
    this.#checkOpen()
    await this.#withLock(connId, async () => {
      const conn = await this.#db.conn(connId)
      if (conn === undefined) throw new ConnNotFoundError(`no connection ${connId}`)
      const rq = conn.rcvQueue
      if (rq === undefined) return
      const client = await this.#pool.get(rq.server)
      await client.suspend(rcvCreds(rq))
      await this.#db.transaction((tx) =>
        this.#db.putConn(tx, { ...conn, rcvQueue: { ...rq, status: 'disabled' } }),
      )
    })
  }

  deleteConnection(connId: string, options: WaitOptions = {}): Promise<void> {
    return abortable(options.signal, () => this.#deleteConnection(connId))
  }

  async #deleteConnection(connId: string): Promise<void> {
    this.#checkOpen()
    await this.#withLock(connId, async () => {
      const conn = await this.#db.conn(connId)
      if (conn === undefined) throw new ConnNotFoundError(`no connection ${connId}`)
      const rq = conn.rcvQueue
      if (rq !== undefined) {
        try {
          const client = await this.#pool.get(rq.server)
          await client.delete(rcvCreds(rq))
        } catch (e) {
          if (!isSimplexError(e, 'AUTH')) throw e
        }
        this.#rcvIndex.delete(rcvKey(rq.server, rq.rcvId))
      }
      await this.#db.transaction((tx) => this.#db.deleteConnRecords(tx, connId))
    })
  }

  async getConnection(connId: string): Promise<ConnectionInfo> {
    const conn = await this.#db.conn(connId)
    if (conn === undefined) throw new ConnNotFoundError(`no connection ${connId}`)
    return connectionInfo(conn)
  }

  async listConnections(): Promise<ConnectionInfo[]> {
    return (await this.#db.read((tx) => store.listConns(tx))).map(connectionInfo)
  }
}

function connectionInfo(c: ConnRecord): ConnectionInfo {
  return {
    connId: c.connId,
    mode: c.mode,
    initiator: c.initiator,
    agentVersion: c.agentVersion,
    connected: c.connected,
    rcvQueue: c.rcvQueue === undefined ? undefined : { server: c.rcvQueue.server, status: c.rcvQueue.status },
    sndQueue: c.sndQueue === undefined ? undefined : { server: c.sndQueue.server, status: c.sndQueue.status },
  }
}

function newConnRecord(connId: string, mode: 'invitation' | 'contact', initiator: boolean): ConnRecord {
  return {
    connId,
    mode,
    initiator,
    agentVersion: 0,
    duplex: false,
    connected: false,
    lastInternalId: 0,
    lastInternalSndId: 0,
    lastInternalRcvId: 0,
    lastExternalSndId: 0,
    lastSndHash: new Uint8Array(0),
    lastRcvHash: new Uint8Array(0),
    createdAt: Date.now(),
  }
}

/**
 * Whether a processing failure is the message's fault (malformed, not decryptable, not allowed,
 * a duplicate, refused by the relay while securing), so that acknowledging and dropping it is
 * right; local failures (storage) are not.
 */
function isMessageFault(e: unknown): boolean {
  return (
    isSimplexError(e) &&
    (e.layer === 'agent' || e.layer === 'core' || e.layer === 'smp' || e.layer === 'transport')
  )
}

/** The leading run of user messages (handshake messages are sent on their own). */
function takeMessages(ms: readonly PendingMessage[]): PendingMessage[] {
  const out: PendingMessage[] = []
  for (const m of ms) {
    if (m.kind !== 'message') break
    out.push(m)
  }
  return out
}

/** Rows of {@link store.listUnacked} (key order) grouped by connection, each oldest first. */
function groupByConn(
  rows: readonly { readonly connId: string; readonly message: StoredRcvMessage }[],
): Map<string, StoredRcvMessage[]> {
  const out = new Map<string, StoredRcvMessage[]>()
  for (const r of rows) {
    const list = out.get(r.connId)
    if (list === undefined) out.set(r.connId, [r.message])
    else list.push(r.message)
  }
  return out
}

function rcvKey(server: string, rcvId: Uint8Array): string {
  return `${server}\n${base64urlEncode(rcvId)}`
}

function rcvCreds(rq: RcvQueueRecord): RecipientCredentials {
  return { rcvId: rq.rcvId, rcvAuthKey: rq.rcvAuthKey, rcvDhSecret: rq.rcvDhSecret }
}
