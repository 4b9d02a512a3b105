/**
 * The relay loop: one {@link Relay} serves every connection whose hello
 * handshake succeeded. Per received block it parses the transmissions
 * (v4 batches), checks credentials and signatures (the same work whether or
 * not the queue exists), runs the commands on the {@link Broker}, waits for
 * the group commit of whatever they logged (see `ServerStore.commitUpTo` and
 * {@link Lane}), and answers with one block per lane where the version allows
 * (v4), in the reference's order: failed transmissions first, then the
 * answers with `MSG` moved to the front.
 *
 * @see ../shared/spec/smp.md §3–§6, §8, §10–11; ../shared/spec/transport.md §8
 */
import {
  type CryptoProvider,
  type SignAlg,
  cbNonce,
  decodePublicVerifyKey,
  encodePublicKey,
} from '@simplex-ts/core'
import {
  type Command,
  type MsgResponse,
  type PublicVerifyKey,
  RCV_BODY_PADDED_LENGTH,
  RCV_BODY_PADDED_LENGTH_V1,
  SMP_VERSION_ENCRYPTED_META,
  type ReceivedOk,
  type Response,
  type SmpVersion,
  checkSmpVersion,
  commandParty,
  createMessageNotification,
  encodeRcvMsgBody,
  encodeResponseTransmission,
  parseCommandTransmission,
} from '@simplex-ts/smp'
import { type Transport, isTransportError } from '@simplex-ts/transport'
import type { Broker, BrokerEvent, BrokerResult, BrokerSession } from './broker'
import type { Message } from './messages'
import type { QueueRec } from './queues'

/** Blocks whose answers may wait for the disk before the relay stops reading (the reference's `tbqSize`). */
const MAX_PENDING_BLOCKS = 16

const EMPTY = new Uint8Array(0)
/** Signatures for importing a key ahead of use (their verification fails, the import stays cached). */
const ZERO_SIG: Readonly<Record<SignAlg, Uint8Array>> = {
  ed25519: new Uint8Array(64),
  ed448: new Uint8Array(114),
}

/** Options of {@link Relay}. */
export interface RelayOptions {
  /** Crypto provider for signature verification and delivery encryption. */
  readonly crypto: CryptoProvider
  /** Diagnostics sink (never receives keys, ids or message contents). */
  readonly log?: (message: string) => void
}

interface Outgoing {
  readonly corrId: Uint8Array
  readonly entityId: Uint8Array
  readonly command: Response
}

/**
 * The two answer lanes of a connection, each in order: `'written'` for answers
 * that wait only for the disk write of what they logged (an `ACK` and the next
 * message, `SUB`, errors…), `'durable'` for answers that wait for an
 * `fdatasync` (a `SEND`'s `OK`, a new queue, a message whose `SEND` is not
 * yet synced, and pushed events). Answers to different commands may overtake
 * each other across lanes, so the next message is never held back by the
 * sync of a `SEND` that came in the same block.
 */
type Lane = 0 | 1
const WRITTEN: Lane = 0
const DURABLE: Lane = 1

/** One client connection served by the relay. */
class Connection {
  readonly transport: Transport
  readonly version: SmpVersion
  session!: BrokerSession
  readonly #chains: [Promise<void>, Promise<void>] = [Promise.resolve(), Promise.resolve()]
  /** Per lane, answers queued whose send has not begun. */
  readonly #waiting: [number, number] = [0, 0]
  #pending = 0
  #drained: (() => void) | undefined
  #failed = false
  /** Last time (ms) a block was received or sent: the reference's `activeAt`. */
  activeAt = Date.now()

  constructor(transport: Transport) {
    this.transport = transport
    this.version = checkSmpVersion(transport.version)
  }

  get pending(): number {
    return this.#pending
  }

  /** Queue transmissions to send once `ready` resolves, after everything queued before in `lane`. */
  send(
    items: readonly Outgoing[],
    ready: Promise<void> | undefined,
    onFail: (e: unknown) => void,
    lane: Lane,
  ): void {
    if (items.length === 0 && ready === undefined) return
    this.#pending++
    this.#waiting[lane]++
    this.#track(
      this.#chains[lane].then(async () => {
        try {
          if (ready !== undefined) await ready
        } finally {
          this.#waiting[lane]--
        }
        await this.#write(items)
      }),
      lane,
      onFail,
    )
  }

  /** Whether an answer in the written lane can go out at once (nothing queued ahead of it). */
  get writtenLaneIdle(): boolean {
    return this.#waiting[WRITTEN] === 0 && !this.#failed
  }

  /**
   * Send one answer of the written lane now, synchronously up to the socket
   * write (only when {@link writtenLaneIdle}): a delivered message leaves
   * before the rest of its block is verified and run.
   */
  sendNow(item: Outgoing, onFail: (e: unknown) => void): void {
    this.#pending++
    let sent: Promise<void>
    try {
      sent = this.#write([item])
    } catch (e) {
      sent = Promise.reject(e)
    }
    // handled below once the lane gets to it; meanwhile not an unhandled rejection
    sent.catch(() => {})
    this.#track(
      this.#chains[WRITTEN].then(() => sent),
      WRITTEN,
      onFail,
    )
  }

  #write(items: readonly Outgoing[]): Promise<void> {
    if (this.#failed || this.transport.isClosed || items.length === 0) return Promise.resolve()
    const encoded = items.map((t) => encodeResponseTransmission(this.transport.sessionId, t, this.version))
    return this.transport.sendTransmissions(encoded).then(() => {})
  }

  #track(sending: Promise<void>, lane: Lane, onFail: (e: unknown) => void): void {
    this.#chains[lane] = sending
      .catch((e: unknown) => {
        if (!this.#failed) {
          this.#failed = true
          onFail(e)
        }
      })
      .finally(() => {
        this.#pending--
        if (this.#pending <= MAX_PENDING_BLOCKS / 2) this.#drained?.()
      })
  }

  /** Resolves once few enough answers are waiting. */
  drained(): Promise<void> {
    if (this.#pending <= MAX_PENDING_BLOCKS / 2) return Promise.resolve()
    return new Promise((resolve) => {
      this.#drained = () => {
        this.#drained = undefined
        resolve()
      }
    })
  }

  /** Resolves when everything queued so far has been sent (or failed). */
  flushed(): Promise<void> {
    return Promise.all(this.#chains).then(() => {})
  }
}

const PADDED_SCRATCH = new Uint8Array(RCV_BODY_PADDED_LENGTH)
const PADDED_SCRATCH_V1 = new Uint8Array(RCV_BODY_PADDED_LENGTH_V1)

/** The `crypto_box` key (HSalsa20 of the DH secret) per queue secret: derived once, dying with the queue. */
const boxKeys = new WeakMap<Uint8Array, Uint8Array>()

/**
 * `encryptMsg` of the reference (as `encryptDeliveredMessage` of `@simplex-ts/smp`), with
 * the queue's box key derived once and the envelope written straight into the padded buffer.
 * @see ../shared/spec/smp.md §2.5, §11.7
 */
function encryptMessage(crypto: CryptoProvider, q: QueueRec, m: Message, version: SmpVersion): MsgResponse {
  let key = boxKeys.get(q.rcvDhSecret)
  if (key === undefined) {
    key = crypto.cryptoBoxBeforeNm(q.rcvDhSecret)
    boxKeys.set(q.rcvDhSecret, key)
  }
  const msgFlags = { notification: m.notify }
  const meta =
    version < SMP_VERSION_ENCRYPTED_META ? EMPTY : encodeRcvMsgBody({ msgTs: m.ts, msgFlags, body: EMPTY })
  // the padded body is scratch: secretbox copies its input
  const padded = version < SMP_VERSION_ENCRYPTED_META ? PADDED_SCRATCH_V1 : PADDED_SCRATCH
  const len = meta.length + m.body.length
  // pad(): u16 length, content, '#' fill
  padded[0] = len >>> 8
  padded[1] = len & 0xff
  padded.set(meta, 2)
  padded.set(m.body, 2 + meta.length)
  padded.fill(0x23, 2 + len)
  const encBody = crypto.secretbox(key, cbNonce(m.msgId), padded)
  return { type: 'MSG', msgId: m.msgId, msgTs: m.ts, msgFlags, encBody }
}

/**
 * Serves SMP connections over any {@link Transport} (TLS, WebSocket, in-memory).
 * @see ../shared/spec/smp.md §11
 */
export class Relay {
  /** The command semantics and state. */
  readonly broker: Broker
  readonly #crypto: CryptoProvider
  readonly #log: (message: string) => void
  readonly #connections = new Set<Connection>()
  /** Fixed valid keys for the dummy verifications (any key serves: the point is the work). */
  readonly #dummyKeys: Readonly<Record<SignAlg, Uint8Array>>

  /** @param broker state and semantics; @param opts crypto and diagnostics */
  constructor(broker: Broker, opts: RelayOptions) {
    this.broker = broker
    this.#crypto = opts.crypto
    this.#log = opts.log ?? (() => {})
    this.#dummyKeys = {
      ed25519: opts.crypto.signPublicKey('ed25519', new Uint8Array(32).fill(0x5a)),
      ed448: opts.crypto.signPublicKey('ed448', new Uint8Array(57).fill(0x5a)),
    }
    for (const alg of ['ed25519', 'ed448'] as const)
      opts.crypto.verify(alg, this.#dummyKeys[alg], EMPTY, ZERO_SIG[alg])
    this.#warmQueues()
  }

  /** Number of open connections. */
  get connectionCount(): number {
    return this.#connections.size
  }

  /**
   * Serve one connection until it ends; never rejects. Its subscriptions end
   * with it; messages delivered but not acknowledged stay queued.
   */
  async serve(transport: Transport): Promise<void> {
    let conn: Connection
    try {
      conn = new Connection(transport)
    } catch {
      await transport.close()
      return
    }
    const c = conn
    c.session = this.broker.connect((ev) => this.#push(c, ev))
    this.#connections.add(c)
    const fail = (e: unknown): void => {
      this.#log(`closing connection: ${e instanceof Error ? e.message : String(e)}`)
      void transport.close()
    }
    try {
      for await (const items of transport.transmissions()) {
        c.activeAt = Date.now()
        this.#receiveBlock(c, items, fail)
        if (c.pending > MAX_PENDING_BLOCKS) await c.drained()
      }
    } catch (e) {
      // a transport error (truncated block, socket error) is just a close; anything else is worth a line
      if (!isTransportError(e)) this.#log(`connection failed: ${e instanceof Error ? e.message : String(e)}`)
    } finally {
      this.broker.disconnect(c.session)
      this.#connections.delete(c)
      await transport.close()
    }
  }

  /**
   * Close connections with no block received or sent since `before` (ms since
   * the epoch): the reference's optional inactive-client expiry. Returns how many.
   * @see ../shared/spec/transport.md §10
   */
  closeInactive(before: number): number {
    let n = 0
    for (const c of this.#connections) {
      if (c.activeAt < before) {
        n++
        void c.transport.close()
      }
    }
    return n
  }

  /** Close every connection (the server is stopping); resolves when their pending answers are sent. */
  async closeAll(): Promise<void> {
    const conns = [...this.#connections]
    await Promise.all(conns.map((c) => c.flushed()))
    await Promise.all(conns.map((c) => c.transport.close()))
  }

  #receiveBlock(c: Connection, items: readonly (Uint8Array | Error)[], fail: (e: unknown) => void): void {
    const store = this.broker.store
    const before = store.appended
    // answers by lane (see Lane); each lane's answers wait for the records up to its mark to be durable
    const failed: Outgoing[] = []
    const written: Outgoing[] = []
    const durable: Outgoing[] = []
    let mark = 0
    const ctx = { sessionId: c.transport.sessionId, version: c.version }
    for (const item of items) {
      if (item instanceof Error) {
        failed.push({ corrId: EMPTY, entityId: EMPTY, command: { type: 'ERR', error: 'BLOCK' } })
        continue
      }
      const t = parseCommandTransmission(item, ctx)
      if (!t.ok) {
        failed.push({ corrId: t.corrId, entityId: t.entityId, command: { type: 'ERR', error: t.error.code } })
        continue
      }
      const party = commandParty(t.command)
      const queue =
        t.command.type === 'NEW' || t.command.type === 'PING'
          ? undefined
          : store.queues.getQueue(party, t.entityId)
      if (!this.#verify(t, queue)) {
        failed.push({ corrId: t.corrId, entityId: t.entityId, command: { type: 'ERR', error: 'AUTH' } })
        continue
      }
      const durableBefore = store.durableMark
      const result = this.#execute(c, t, queue)
      // what this answer must see durable: what the command logged (but an ACK deletion), and a delivered message's SEND
      let need = store.durableMark !== durableBefore ? store.durableMark : 0
      if (result.type === 'MSG') need = Math.max(need, store.messageMark(result.msg))
      const answer = { corrId: t.corrId, entityId: t.entityId, command: this.#response(result, c.version) }
      if (need === 0 && answer.command.type === 'MSG' && c.writtenLaneIdle) {
        // the next message leaves now, once what this block logged so far is written
        // (an ACK deletion), while the rest of the block is verified and run
        if (store.appended !== before) {
          try {
            store.writeNow()
          } catch (e) {
            fail(e)
            return
          }
        }
        c.sendNow(answer, fail)
      } else if (need === 0) written.push(answer)
      else {
        durable.push(answer)
        mark = Math.max(mark, need)
      }
    }
    // the reference's order: failed transmissions first, then the answers with MSG moved to the front
    const first = [...failed, ...msgFirst(written)]
    if (first.length > 0)
      c.send(first, store.appended !== before ? store.commitUpTo(0) : undefined, fail, WRITTEN)
    if (durable.length > 0) c.send(msgFirst(durable), store.commitUpTo(mark), fail, DURABLE)
  }

  /**
   * The server's authorization of a command (`verifyTransmission`, smp.md §4.2)
   * with every signed path doing the same work: exactly one verification with
   * an already imported key, against the queue's key when it exists and
   * matches the signature's algorithm, else against a dummy key of that
   * algorithm.
   *
   * Why the time does not tell whether a queue exists: the decoded key of a
   * queue is a stable array (memoized per stored DER key, see {@link verifyKey})
   * and is imported once, when the key is set or restored ({@link warmKey}),
   * so the provider's key cache always hits for a real queue; the dummy keys
   * are stable arrays imported at construction, so it always hits for them
   * too. Known, unknown and recently unused queues thus all cost one cache
   * lookup and one verification, and no path imports a key.
   */
  #verify(t: ReceivedOk<Command>, queue: QueueRec | undefined): boolean {
    const sig = t.signature
    const cmd = t.command
    let key: PublicVerifyKey | undefined
    switch (cmd.type) {
      case 'PING':
        return true
      case 'NEW':
        // a fresh key from the wire: nothing to look up, and its import is the same work for everyone
        key = cmd.rcvAuthKey
        break
      case 'SEND':
        // an unsecured queue takes only unsigned messages
        if (queue !== undefined && queue.senderKey === undefined && sig === undefined) return true
        key = verifyKey(queue?.senderKey)
        break
      case 'NSUB':
        key = verifyKey(queue?.notifier?.notifierKey)
        break
      default:
        key = verifyKey(queue?.recipientKey)
    }
    if (sig === undefined) return false
    const real = key !== undefined && key.alg === sig.alg
    const raw = real ? key!.publicKey : this.#dummyKeys[sig.alg]
    const valid = this.#crypto.verify(sig.alg, raw, t.signed, sig.bytes)
    return real && valid
  }

  /** Import a stored key now (on `NEW`, `KEY`, `NKEY` and restore) so no later command pays for it. */
  #warmKey(der: Uint8Array | undefined): void {
    const key = verifyKey(der)
    if (key !== undefined) this.#crypto.verify(key.alg, key.publicKey, EMPTY, ZERO_SIG[key.alg])
  }

  /** Import the keys of every queue in the store (restored queues). */
  #warmQueues(): void {
    for (const q of this.broker.store.queues.queues()) {
      this.#warmKey(q.recipientKey)
      this.#warmKey(q.senderKey)
      this.#warmKey(q.notifier?.notifierKey)
    }
  }

  #execute(c: Connection, t: ReceivedOk<Command>, queue: QueueRec | undefined): BrokerResult {
    const b = this.broker
    const cmd = t.command
    if (cmd.type === 'PING') return { type: 'PONG' }
    if (cmd.type === 'NEW') {
      const der = encodePublicKey(cmd.rcvAuthKey)
      const r = b.newQueue(c.session, der, cmd.rcvDhKey.publicKey)
      if (r.type === 'IDS') this.#warmKey(der)
      return r
    }
    // verified commands other than NEW and PING always have their queue
    if (queue === undefined) return { type: 'ERR', error: 'AUTH' }
    switch (cmd.type) {
      case 'SUB':
        return b.subscribe(c.session, queue)
      case 'GET':
        return b.getMessage(c.session, queue)
      case 'ACK':
        return b.acknowledge(c.session, queue, cmd.msgId)
      case 'KEY': {
        const der = encodePublicKey(cmd.sndAuthKey)
        const r = b.secureQueue(queue, der)
        if (r.type === 'OK') this.#warmKey(der)
        return r
      }
      case 'NKEY': {
        const der = encodePublicKey(cmd.ntfAuthKey)
        const r = b.addNotifier(queue, der, cmd.rcvNtfDhKey.publicKey)
        if (r.type === 'NID') this.#warmKey(der)
        return r
      }
      case 'NDEL':
        return b.deleteNotifier(queue)
      case 'OFF':
        return b.suspendQueue(queue)
      case 'DEL':
        return b.deleteQueue(queue)
      case 'SEND':
        return b.send(queue, cmd.flags.notification, cmd.body)
      case 'NSUB':
        return b.subscribeNotifications(c.session, queue)
    }
  }

  #response(r: BrokerResult, version: SmpVersion): Response {
    switch (r.type) {
      case 'OK':
      case 'PONG':
        return { type: r.type }
      case 'ERR':
        return { type: 'ERR', error: r.error }
      case 'IDS':
        return {
          type: 'IDS',
          rcvId: r.recipientId,
          sndId: r.senderId,
          srvDhKey: { alg: 'x25519', publicKey: r.serverDhKey },
        }
      case 'NID':
        return {
          type: 'NID',
          notifierId: r.notifierId,
          srvNtfDhKey: { alg: 'x25519', publicKey: r.serverNtfDhKey },
        }
      case 'MSG':
        return encryptMessage(this.#crypto, r.queue, r.msg, version)
    }
  }

  #push(c: Connection, ev: BrokerEvent): void {
    // runs inside another connection's command: a failure here must only cost this connection
    try {
      this.#pushUnsafe(c, ev)
    } catch (e) {
      this.#log(`closing connection after a failed push: ${e instanceof Error ? e.message : String(e)}`)
      void c.transport.close()
    }
  }

  #pushUnsafe(c: Connection, ev: BrokerEvent): void {
    let out: Outgoing
    switch (ev.type) {
      case 'MSG':
        out = {
          corrId: EMPTY,
          entityId: ev.queue.recipientId,
          command: encryptMessage(this.#crypto, ev.queue, ev.msg, c.version),
        }
        break
      case 'END':
        out = { corrId: EMPTY, entityId: ev.entityId, command: { type: 'END' } }
        break
      case 'NMSG':
        // notifications are best-effort: a connection that does not read its answers loses them (as the reference)
        if (c.pending > MAX_PENDING_BLOCKS * 4) return
        out = {
          corrId: EMPTY,
          entityId: ev.notifierId,
          command: createMessageNotification(this.#crypto, ev.rcvNtfDhSecret, {
            msgId: ev.msg.msgId,
            msgTs: ev.msg.ts,
          }),
        }
        break
    }
    // a pushed message leaves only once its SEND is durable, like every answer
    const store = this.broker.store
    const ready = ev.type === 'MSG' ? store.commitUpTo(store.messageMark(ev.msg)) : undefined
    // END follows the written lane, behind the SUB answer it ends
    c.send([out], ready, () => void c.transport.close(), ev.type === 'END' ? WRITTEN : DURABLE)
  }
}

/** The reference's send thread puts `MSG` first within one batch of answers. */
function msgFirst(answers: Outgoing[]): Outgoing[] {
  if (!answers.some((a) => a.command.type === 'MSG')) return answers
  return [
    ...answers.filter((a) => a.command.type === 'MSG'),
    ...answers.filter((a) => a.command.type !== 'MSG'),
  ]
}

/** Decoded keys by their stored DER array: a stable raw key array per queue key, dying with the queue. */
const decodedKeys = new WeakMap<Uint8Array, PublicVerifyKey | null>()

/**
 * The decoded form of a stored verification key (DER SPKI), memoized so the
 * same raw array (hence the same imported key in the provider) serves every
 * command; `undefined` when it does not decode (only a tampered log can hold
 * such a key: the queue then authorizes nothing).
 */
function verifyKey(der: Uint8Array | undefined): PublicVerifyKey | undefined {
  if (der === undefined) return undefined
  const hit = decodedKeys.get(der)
  if (hit !== undefined) return hit ?? undefined
  let key: PublicVerifyKey | null
  try {
    key = decodePublicVerifyKey(der)
  } catch {
    key = null
  }
  decodedKeys.set(der, key)
  return key ?? undefined
}
