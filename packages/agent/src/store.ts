/**
 * The agent's records over the `Storage` interface. Every namespace begins
 * with `agent.`; keys are ordered tuples (`encodeKey`), so one connection's
 * skipped keys, send queue and messages are prefix ranges.
 *
 * | namespace       | key                              | value                         |
 * | --------------- | -------------------------------- | ----------------------------- |
 * | `agent.conn`    | connId                           | {@link ConnRecord} (JSON)     |
 * | `agent.ratchet` | connId                           | ratchet, binary form          |
 * | `agent.skipped` | (connId, header key, msg number) | message key + IV              |
 * | `agent.snd`     | (connId, internal id)            | {@link PendingMessage} (JSON) |
 * | `agent.rcv`     | (connId, internal id)            | the last {@link StoredRcvMessage} |
 * | `agent.unacked` | (connId, internal id)            | a {@link StoredRcvMessage} the application has not acknowledged |
 * | `agent.conf`    | confId                           | {@link PendingConfirmation}   |
 * | `agent.inv`     | invitationId                     | {@link ContactInvitation}     |
 *
 * JSON values carry bytes as `{"$b": base64url}` and 64-bit integers as `{"$n": decimal}`.
 * @see ../shared/spec/agent.md §9, §10
 */
import { Decoder, Encoder, base64urlDecode, base64urlEncode, fromUtf8, utf8 } from '@simplex-ts/core'
import { type ReadTx, type Storage, type Tx, decodeKey, encodeKey } from '@simplex-ts/storage'
import type {
  ConnRecord,
  ContactInvitation,
  PendingConfirmation,
  PendingKind,
  PendingMessage,
  StoredRcvMessage,
} from './connection'
import type { Ratchet } from './ratchet'
import { decodeRatchet, encodeRatchet } from './ratchet/binary'
import {
  type SkippedMessageKey,
  type SkippedMsgDiff,
  applySkippedMsgDiff,
  decodeMessageKey,
  encodeMessageKey,
} from './ratchet/skipped'

const NS = {
  conn: 'agent.conn',
  ratchet: 'agent.ratchet',
  skipped: 'agent.skipped',
  snd: 'agent.snd',
  rcv: 'agent.rcv',
  unacked: 'agent.unacked',
  conf: 'agent.conf',
  inv: 'agent.inv',
} as const

function toJson(value: unknown): Uint8Array {
  return utf8(
    JSON.stringify(value, (_k, v: unknown) =>
      v instanceof Uint8Array ? { $b: base64urlEncode(v) } : typeof v === 'bigint' ? { $n: v.toString() } : v,
    ),
  )
}

function fromJson<T>(bytes: Uint8Array): T {
  return JSON.parse(fromUtf8(bytes), (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && '$b' in v) {
      const b = (v as { $b: unknown }).$b
      if (typeof b === 'string') return base64urlDecode(b)
    }
    if (v !== null && typeof v === 'object' && '$n' in v) {
      const n = (v as { $n: unknown }).$n
      if (typeof n === 'string') return BigInt(n)
    }
    return v
  }) as T
}

function idKey(id: string): Uint8Array {
  return utf8(id)
}

/** Read a connection. */
export async function getConn(tx: ReadTx, connId: string): Promise<ConnRecord | undefined> {
  const v = await tx.get(NS.conn, idKey(connId))
  return v === undefined ? undefined : fromJson<ConnRecord>(v)
}

/** Every connection. */
export async function listConns(tx: ReadTx): Promise<ConnRecord[]> {
  return (await tx.range(NS.conn)).map((e) => fromJson<ConnRecord>(e.value))
}

/** Write a connection. */
export function putConn(tx: Tx, conn: ConnRecord): Promise<void> {
  return tx.put(NS.conn, idKey(conn.connId), toJson(conn))
}

/** Read a connection's ratchet. */
export async function getRatchet(tx: ReadTx, connId: string): Promise<Ratchet | undefined> {
  const v = await tx.get(NS.ratchet, idKey(connId))
  return v === undefined ? undefined : decodeRatchet(new Decoder(v))
}

/** The binary form of a ratchet (also kept in a pending confirmation). */
export function ratchetBytes(rc: Ratchet): Uint8Array {
  return encodeRatchet(new Encoder(), rc).finish()
}

/** Decode {@link ratchetBytes}. */
export function ratchetFromBytes(bytes: Uint8Array): Ratchet {
  return decodeRatchet(new Decoder(bytes))
}

/** Write a connection's ratchet. */
export function putRatchet(tx: Tx, connId: string, rc: Ratchet): Promise<void> {
  return tx.put(NS.ratchet, idKey(connId), ratchetBytes(rc))
}

/** A connection's skipped message keys. */
export async function getSkipped(tx: ReadTx, connId: string): Promise<SkippedMessageKey[]> {
  const rows = await tx.range(NS.skipped, { prefix: encodeKey(connId) })
  return rows.map((e) => {
    const [, headerKey, msgN] = decodeKey(e.key, ['string', 'bytes', 'uint'] as const)
    const { messageKey, iv } = decodeMessageKey(new Decoder(e.value))
    return { headerKey, msgN: Number(msgN), messageKey, iv }
  })
}

/** Apply the skipped-key change of one decryption. */
export async function applySkipped(tx: Tx, connId: string, diff: SkippedMsgDiff): Promise<void> {
  if (diff.type === 'remove') {
    await tx.delete(NS.skipped, encodeKey(connId, diff.headerKey, diff.msgN))
  } else if (diff.type === 'add') {
    for (const k of diff.keys) {
      await tx.put(
        NS.skipped,
        encodeKey(connId, k.headerKey, k.msgN),
        encodeMessageKey(new Encoder(64), k).finish(),
      )
    }
  }
}

const KIND_TAGS: Readonly<Record<PendingKind, string>> = {
  confirmation: 'C',
  hello: 'H',
  reply: 'R',
  message: 'M',
}
const TAG_KINDS: Readonly<Record<string, PendingKind>> = {
  C: 'confirmation',
  H: 'hello',
  R: 'reply',
  M: 'message',
}

// Binary, not JSON: the envelope is 16 KB and is written once per message.
function encodePending(m: PendingMessage): Uint8Array {
  return new Encoder(m.envelope.length + 24)
    .i64(m.internalId)
    .char(KIND_TAGS[m.kind])
    .bool(m.notification)
    .i64(m.queuedAt)
    .raw(m.envelope)
    .finish()
}

function decodePending(bytes: Uint8Array): PendingMessage {
  const d = new Decoder(bytes)
  const internalId = Number(d.i64())
  const kind = TAG_KINDS[d.char()]
  if (kind === undefined) throw new Error('bad stored pending message kind')
  const notification = d.bool()
  const queuedAt = Number(d.i64())
  return { internalId, kind, notification, queuedAt, envelope: d.tail() }
}

/** Append a message to a connection's send queue. */
export function putPending(tx: Tx, connId: string, m: PendingMessage): Promise<void> {
  return tx.put(NS.snd, encodeKey(connId, m.internalId), encodePending(m))
}

/** The oldest messages of a connection's send queue, at most `limit`. */
export async function firstPending(tx: ReadTx, connId: string, limit = 1): Promise<PendingMessage[]> {
  return (await tx.range(NS.snd, { prefix: encodeKey(connId), limit })).map((e) => decodePending(e.value))
}

/** Remove a message from the send queue. */
export function deletePending(tx: Tx, connId: string, internalId: number): Promise<void> {
  return tx.delete(NS.snd, encodeKey(connId, internalId))
}

/**
 * Store a received message in place of the connection's previous one: only the last is needed
 * (a redelivery can only be of the last message; the application has the others).
 */
export async function putRcvMessage(tx: Tx, connId: string, m: StoredRcvMessage): Promise<void> {
  for (const e of await tx.range(NS.rcv, { prefix: encodeKey(connId) })) await tx.delete(NS.rcv, e.key)
  await tx.put(NS.rcv, encodeKey(connId, m.internalId), toJson(m))
}

/** As {@link putRcvMessage} when the keys stored now are known: deletes them without a range scan. */
async function replaceRcvMessage(
  tx: Tx,
  connId: string,
  previous: readonly Uint8Array[],
  m: StoredRcvMessage,
): Promise<Uint8Array> {
  for (const k of previous) await tx.delete(NS.rcv, k)
  const key = encodeKey(connId, m.internalId)
  await tx.put(NS.rcv, key, toJson(m))
  return key
}

async function rcvMessageKeys(tx: ReadTx, connId: string): Promise<Uint8Array[]> {
  return (await tx.range(NS.rcv, { prefix: encodeKey(connId) })).map((e) => e.key)
}

/** The connection's last received message. */
export async function lastRcvMessage(tx: ReadTx, connId: string): Promise<StoredRcvMessage | undefined> {
  const [e] = await tx.range(NS.rcv, { prefix: encodeKey(connId), reverse: true, limit: 1 })
  return e === undefined ? undefined : fromJson<StoredRcvMessage>(e.value)
}

/**
 * Keep a received message until the application acknowledges it (`appAck: 'manual'`): one put in
 * the receive transaction, nothing else read or rewritten.
 */
export function putUnacked(tx: Tx, connId: string, m: StoredRcvMessage): Promise<void> {
  return tx.put(NS.unacked, encodeKey(connId, m.internalId), toJson(m))
}

/** The messages the application has not acknowledged, oldest first (one connection's, or all). */
export async function listUnacked(
  tx: ReadTx,
  connId?: string,
): Promise<{ readonly connId: string; readonly message: StoredRcvMessage }[]> {
  const rows = await tx.range(NS.unacked, connId === undefined ? {} : { prefix: encodeKey(connId) })
  return rows.map((e) => {
    const [id] = decodeKey(e.key, ['string', 'uint'] as const)
    return { connId: id, message: fromJson<StoredRcvMessage>(e.value) }
  })
}

/** The application acknowledged a message: forget it (a no-op when it is already gone). */
export function deleteUnacked(tx: Tx, connId: string, internalId: number): Promise<void> {
  return tx.delete(NS.unacked, encodeKey(connId, internalId))
}

/** Store a pending confirmation. */
export function putConfirmation(tx: Tx, c: PendingConfirmation): Promise<void> {
  return tx.put(NS.conf, idKey(c.confId), toJson(c))
}

/** A pending confirmation. */
export async function getConfirmation(tx: ReadTx, confId: string): Promise<PendingConfirmation | undefined> {
  const v = await tx.get(NS.conf, idKey(confId))
  return v === undefined ? undefined : fromJson<PendingConfirmation>(v)
}

/** The pending confirmations (of every connection). */
export async function listConfirmations(tx: ReadTx): Promise<PendingConfirmation[]> {
  return (await tx.range(NS.conf)).map((e) => fromJson<PendingConfirmation>(e.value))
}

/** Delete a pending confirmation. */
export function deleteConfirmation(tx: Tx, confId: string): Promise<void> {
  return tx.delete(NS.conf, idKey(confId))
}

/** Store a contact invitation. */
export function putInvitation(tx: Tx, inv: ContactInvitation): Promise<void> {
  return tx.put(NS.inv, idKey(inv.invitationId), toJson(inv))
}

/** A contact invitation. */
export async function getInvitation(
  tx: ReadTx,
  invitationId: string,
): Promise<ContactInvitation | undefined> {
  const v = await tx.get(NS.inv, idKey(invitationId))
  return v === undefined ? undefined : fromJson<ContactInvitation>(v)
}

/** Delete a contact invitation. */
export function deleteInvitation(tx: Tx, invitationId: string): Promise<void> {
  return tx.delete(NS.inv, idKey(invitationId))
}

/** Delete every record of a connection (its pending confirmations and invitations included). */
export async function deleteConnRecords(tx: Tx, connId: string): Promise<void> {
  await tx.delete(NS.conn, idKey(connId))
  await tx.delete(NS.ratchet, idKey(connId))
  for (const ns of [NS.skipped, NS.snd, NS.rcv, NS.unacked]) {
    for (const e of await tx.range(ns, { prefix: encodeKey(connId) })) await tx.delete(ns, e.key)
  }
  for (const c of await listConfirmations(tx)) if (c.connId === connId) await deleteConfirmation(tx, c.confId)
  for (const e of await tx.range(NS.inv)) {
    if (fromJson<ContactInvitation>(e.value).connId === connId) await tx.delete(NS.inv, e.key)
  }
}

/** Longest send queue kept in memory; longer ones (a peer offline for long) stay in storage only. */
const PENDING_CACHE_MAX = 64

/**
 * The records with a write-through cache of connections and ratchets: reads return the same
 * objects (so key material keeps its identity and the crypto provider's key-object cache hits),
 * and a write reaches the cache only when its transaction commits.
 */
export class CachedStore {
  readonly storage: Storage
  readonly #conns = new Map<string, ConnRecord>()
  readonly #ratchets = new Map<string, Ratchet>()
  readonly #skipped = new Map<string, readonly SkippedMessageKey[]>()
  /** The `agent.rcv` keys of each connection, so replacing the last message needs no range scan. */
  readonly #rcvKeys = new Map<string, readonly Uint8Array[]>()
  /**
   * Each connection's whole send queue in id order, once known (read in full while shorter than
   * {@link PENDING_CACHE_MAX}); a queue that grows longer is read from storage again.
   */
  readonly #pending = new Map<string, PendingMessage[]>()
  readonly #staged = new WeakMap<ReadTx, (() => void)[]>()

  constructor(storage: Storage) {
    this.storage = storage
  }

  /** A storage transaction; cache updates of its writes apply after it commits. */
  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    let after: (() => void)[] = []
    const r = await this.storage.transaction((tx) => {
      after = []
      this.#staged.set(tx, after)
      return fn(tx)
    })
    for (const f of after) f()
    return r
  }

  /** A read-only snapshot. */
  read<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T> {
    return this.storage.read(fn)
  }

  #stage(tx: ReadTx, f: () => void): void {
    const list = this.#staged.get(tx)
    if (list === undefined) throw new Error('cached write outside CachedStore.transaction')
    list.push(f)
  }

  /** A connection, from the cache when it is there (no storage transaction). */
  async conn(connId: string): Promise<ConnRecord | undefined> {
    return this.#conns.get(connId) ?? (await this.read((tx) => this.getConn(tx, connId)))
  }

  async getSkipped(tx: ReadTx, connId: string): Promise<readonly SkippedMessageKey[]> {
    const hit = this.#skipped.get(connId)
    if (hit !== undefined) return hit
    const rows = await getSkipped(tx, connId)
    if (!this.#skipped.has(connId)) this.#skipped.set(connId, rows)
    return rows
  }

  async applySkipped(tx: Tx, connId: string, diff: SkippedMsgDiff): Promise<void> {
    if (diff.type === 'none') return
    const before = await this.getSkipped(tx, connId)
    await applySkipped(tx, connId, diff)
    const after = applySkippedMsgDiff(before, diff)
    this.#stage(tx, () => this.#skipped.set(connId, after))
  }

  async getConn(tx: ReadTx, connId: string): Promise<ConnRecord | undefined> {
    const hit = this.#conns.get(connId)
    if (hit !== undefined) return hit
    const c = await getConn(tx, connId)
    if (c !== undefined && !this.#conns.has(connId)) this.#conns.set(connId, c)
    return c
  }

  async putConn(tx: Tx, c: ConnRecord): Promise<void> {
    await putConn(tx, c)
    this.#stage(tx, () => this.#conns.set(c.connId, c))
  }

  async getRatchet(tx: ReadTx, connId: string): Promise<Ratchet | undefined> {
    const hit = this.#ratchets.get(connId)
    if (hit !== undefined) return hit
    const rc = await getRatchet(tx, connId)
    if (rc !== undefined && !this.#ratchets.has(connId)) this.#ratchets.set(connId, rc)
    return rc
  }

  async putRatchet(tx: Tx, connId: string, rc: Ratchet): Promise<void> {
    await putRatchet(tx, connId, rc)
    this.#stage(tx, () => this.#ratchets.set(connId, rc))
  }

  /** {@link putPending}; the cached send queue (when known) gets the message after the commit. */
  async putPending(tx: Tx, connId: string, m: PendingMessage): Promise<void> {
    await putPending(tx, connId, m)
    this.#stage(tx, () => {
      const list = this.#pending.get(connId)
      if (list === undefined) return
      // idempotent: a read that ran between the commit and this update may have cached it already
      const at = list.findIndex((x) => x.internalId >= m.internalId)
      if (at < 0) list.push(m)
      else if (list[at]!.internalId === m.internalId) list[at] = m
      else list.splice(at, 0, m)
      // a long backlog stays in storage only
      if (list.length > PENDING_CACHE_MAX) this.#pending.delete(connId)
    })
  }

  /** {@link deletePending}; the message leaves the cached send queue after the commit. */
  async deletePending(tx: Tx, connId: string, internalId: number): Promise<void> {
    await deletePending(tx, connId, internalId)
    this.#stage(tx, () => {
      const list = this.#pending.get(connId)
      const at = list === undefined ? -1 : list.findIndex((x) => x.internalId === internalId)
      if (at >= 0) list!.splice(at, 1)
    })
  }

  /**
   * The connection and the oldest `limit` messages of its send queue, from the caches when both
   * are there (no storage transaction: the delivery worker asks for them after every window).
   */
  async pendingWindow(
    connId: string,
    limit: number,
  ): Promise<{ conn: ConnRecord | undefined; ms: readonly PendingMessage[] }> {
    const conn = this.#conns.get(connId)
    const list = this.#pending.get(connId)
    if (conn !== undefined && list !== undefined) return { conn, ms: list.slice(0, limit) }
    return this.read(async (tx) => {
      const c = await this.getConn(tx, connId)
      if (c === undefined) return { conn: undefined, ms: [] }
      const cached = this.#pending.get(connId)
      if (cached !== undefined) return { conn: c, ms: cached.slice(0, limit) }
      const ms = await firstPending(tx, connId, limit)
      // fewer than asked for: that is the whole queue, so from now on it is known
      if (ms.length < limit && ms.length <= PENDING_CACHE_MAX) this.#pending.set(connId, [...ms])
      return { conn: c, ms }
    })
  }

  /** {@link putRcvMessage}, deleting the previous message by its cached key. */
  async putRcvMessage(tx: Tx, connId: string, m: StoredRcvMessage): Promise<void> {
    const previous = this.#rcvKeys.get(connId) ?? (await rcvMessageKeys(tx, connId))
    const key = await replaceRcvMessage(tx, connId, previous, m)
    this.#stage(tx, () => this.#rcvKeys.set(connId, [key]))
  }

  async deleteConnRecords(tx: Tx, connId: string): Promise<void> {
    await deleteConnRecords(tx, connId)
    this.#stage(tx, () => {
      this.#conns.delete(connId)
      this.#ratchets.delete(connId)
      this.#skipped.delete(connId)
      this.#rcvKeys.delete(connId)
      this.#pending.delete(connId)
    })
  }
}
