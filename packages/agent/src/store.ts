/**
 * The agent's records over the `Storage` interface. Every namespace begins
 * with `agent.`; keys are ordered tuples (`encodeKey`), so one connection's
 * skipped keys, send queue and messages are prefix ranges.
 *
 * | namespace       | key                              | value                         |
 * | --------------- | -------------------------------- | ----------------------------- |
 * | `agent.conn`    | connId                           | {@link ConnRecord} (binary, below; JSON read too) |
 * | `agent.ratchet` | connId                           | ratchet, binary form          |
 * | `agent.skipped` | (connId, header key, msg number) | message key + IV              |
 * | `agent.snd`     | (connId, internal id)            | {@link PendingMessage} (JSON) |
 * | `agent.rcv`     | (connId, internal id)            | the last {@link StoredRcvMessage} |
 * | `agent.unacked` | (connId, internal id)            | a {@link StoredRcvMessage} the application has not acknowledged |
 * | `agent.conf`    | confId                           | {@link PendingConfirmation}   |
 * | `agent.inv`     | invitationId                     | {@link ContactInvitation}     |
 *
 * JSON values carry bytes as `{"$b": base64url}` and 64-bit integers as `{"$n": decimal}`. The
 * connection record, rewritten with every message sent or received, is binary instead (about a
 * tenth of the cost of its JSON); records stored as JSON by earlier versions are still read.
 * @see ../shared/spec/agent.md §9, §10
 */
import {
  Decoder,
  Encoder,
  type KeyPair,
  type SignAlg,
  base64urlDecode,
  base64urlEncode,
  fromUtf8,
  utf8,
} from '@simplex-ts/core'
import { type ReadTx, type Storage, type Tx, decodeKey, encodeKey } from '@simplex-ts/storage'
import type {
  ConnRecord,
  ContactInvitation,
  PendingConfirmation,
  PendingKind,
  PendingMessage,
  RcvQueueRecord,
  RcvQueueStatus,
  SndQueueRecord,
  SndQueueStatus,
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

// Binary connection record:
// 'C' ‖ u8 format(1) ‖ str8(UTF-8 connId) ‖ char mode ('I' | 'C') ‖ bool initiator ‖ u16 agentVersion ‖
// bool duplex ‖ bool connected ‖ n lastInternalId ‖ n lastInternalSndId ‖ n lastInternalRcvId ‖
// n lastExternalSndId ‖ str8 lastSndHash ‖ str8 lastRcvHash ‖ n createdAt ‖ opt(n helloAt) ‖
// opt(u32 len ‖ ownInfo) ‖ opt(pair key1 ‖ pair key2) ‖ opt(rcvQueue) ‖ opt(sndQueue), where
// n = a non-negative safe integer as u32 high ‖ u32 low,
// pair = str8 public ‖ str8 private, signPair = u8 alg (1 Ed25519, 2 Ed448) ‖ pair,
// rcvQueue = large(UTF-8 server) ‖ str8 rcvId ‖ str8 sndId ‖ signPair rcvAuthKey ‖ str8 rcvDhSecret ‖
//   pair e2eDhKey ‖ opt(str8 e2eDhSecret) ‖ char status ‖ opt(u8 alg ‖ str8 senderKey) ‖ opt(str8 lastBrokerId),
// sndQueue = large(UTF-8 server) ‖ str8 sndId ‖ signPair sndAuthKey ‖ pair e2eDhKey ‖ str8 e2eDhSecret ‖
//   char status. Statuses are their first letter, upper case.
const CONN_MAGIC = 0x43 // 'C'; a JSON record starts with '{'
const CONN_FORMAT = 1
const SIGN_ALG_TAG: Readonly<Record<SignAlg, number>> = { ed25519: 1, ed448: 2 }
const TAG_SIGN_ALG: Readonly<Record<number, SignAlg>> = { 1: 'ed25519', 2: 'ed448' }
const RCV_STATUS: readonly RcvQueueStatus[] = ['new', 'confirmed', 'secured', 'active', 'disabled']
const SND_STATUS: readonly SndQueueStatus[] = ['new', 'confirmed', 'active']

const TWO_32 = 2 ** 32

function writeCount(e: Encoder, n: number): Encoder {
  return e.u32(Math.floor(n / TWO_32)).u32(n % TWO_32)
}

function readCount(d: Decoder): number {
  const n = d.u32() * TWO_32 + d.u32()
  return Number.isSafeInteger(n) ? n : d.fail('stored count out of range')
}

/** The UTF-8 bytes of the few relay addresses in use, encoded once. */
const serverBytes = new Map<string, Uint8Array>()

function serverUtf8(server: string): Uint8Array {
  let b = serverBytes.get(server)
  if (b === undefined) {
    b = utf8(server)
    if (serverBytes.size >= 256) serverBytes.clear()
    serverBytes.set(server, b)
  }
  return b
}

function statusChar(s: string): string {
  return s[0]!.toUpperCase()
}

function readStatus<S extends string>(d: Decoder, all: readonly S[]): S {
  const c = d.char()
  const s = all.find((x) => statusChar(x) === c)
  return s ?? d.fail(`bad stored queue status ${c}`)
}

function readSignAlg(d: Decoder): SignAlg {
  const tag = d.u8()
  return TAG_SIGN_ALG[tag] ?? d.fail(`bad stored signature algorithm ${tag}`)
}

function writePair(e: Encoder, k: KeyPair): Encoder {
  return e.str8(k.publicKey).str8(k.privateKey)
}

function readPair<A extends KeyPair['alg']>(d: Decoder, alg: A): KeyPair<A> {
  const publicKey = d.str8().slice()
  return { alg, publicKey, privateKey: d.str8().slice() }
}

function writeSignPair(e: Encoder, k: KeyPair<SignAlg>): Encoder {
  return writePair(e.u8(SIGN_ALG_TAG[k.alg]), k)
}

function writeRcvQueue(e: Encoder, q: RcvQueueRecord): void {
  e.large(serverUtf8(q.server)).str8(q.rcvId).str8(q.sndId)
  writeSignPair(e, q.rcvAuthKey).str8(q.rcvDhSecret)
  writePair(e, q.e2eDhKey)
  e.maybe(q.e2eDhSecret, (e, s) => e.str8(s)).char(statusChar(q.status))
  e.maybe(q.senderKey, (e, k) => e.u8(SIGN_ALG_TAG[k.alg]).str8(k.publicKey))
  e.maybe(q.lastBrokerId, (e, id) => e.str8(id))
}

function readRcvQueue(d: Decoder): RcvQueueRecord {
  const server = fromUtf8(d.large())
  const rcvId = d.str8().slice()
  const sndId = d.str8().slice()
  const rcvAuthKey = readPair(d, readSignAlg(d))
  const rcvDhSecret = d.str8().slice()
  const e2eDhKey = readPair(d, 'x25519')
  const e2eDhSecret = d.maybe((d) => d.str8().slice())
  const status = readStatus(d, RCV_STATUS)
  const senderKey = d.maybe((d) => {
    const alg = readSignAlg(d)
    return { alg, publicKey: d.str8().slice() }
  })
  const lastBrokerId = d.maybe((d) => d.str8().slice())
  return {
    server,
    rcvId,
    sndId,
    rcvAuthKey,
    rcvDhSecret,
    e2eDhKey,
    status,
    ...(e2eDhSecret === undefined ? {} : { e2eDhSecret }),
    ...(senderKey === undefined ? {} : { senderKey }),
    ...(lastBrokerId === undefined ? {} : { lastBrokerId }),
  }
}

function writeSndQueue(e: Encoder, q: SndQueueRecord): void {
  e.large(serverUtf8(q.server)).str8(q.sndId)
  writeSignPair(e, q.sndAuthKey)
  writePair(e, q.e2eDhKey).str8(q.e2eDhSecret).char(statusChar(q.status))
}

function readSndQueue(d: Decoder): SndQueueRecord {
  const server = fromUtf8(d.large())
  const sndId = d.str8().slice()
  const sndAuthKey = readPair(d, readSignAlg(d))
  const e2eDhKey = readPair(d, 'x25519')
  const e2eDhSecret = d.str8().slice()
  return { server, sndId, sndAuthKey, e2eDhKey, e2eDhSecret, status: readStatus(d, SND_STATUS) }
}

/** The stored form of a connection record. */
export function encodeConn(c: ConnRecord): Uint8Array {
  const e = new Encoder(1024 + (c.ownInfo?.length ?? 0))
  e.u8(CONN_MAGIC)
    .u8(CONN_FORMAT)
    .str8(utf8(c.connId))
    .char(c.mode === 'invitation' ? 'I' : 'C')
  e.bool(c.initiator).u16(c.agentVersion).bool(c.duplex).bool(c.connected)
  writeCount(e, c.lastInternalId)
  writeCount(e, c.lastInternalSndId)
  writeCount(e, c.lastInternalRcvId)
  writeCount(e, c.lastExternalSndId)
  writeCount(e.str8(c.lastSndHash).str8(c.lastRcvHash), c.createdAt)
  e.maybe(c.helloAt, writeCount)
  e.maybe(c.ownInfo, (e, info) => e.u32(info.length).raw(info))
  e.maybe(c.e2eKeys, (e, k) => writePair(writePair(e, k.key1), k.key2))
  e.maybe(c.rcvQueue, writeRcvQueue)
  e.maybe(c.sndQueue, writeSndQueue)
  return e.finish()
}

/**
 * Read a stored connection record: the binary form of {@link encodeConn}, or the JSON of earlier
 * versions.
 * @throws DecodeError on a malformed binary record.
 */
export function decodeConn(bytes: Uint8Array): ConnRecord {
  if (bytes[0] !== CONN_MAGIC) return fromJson<ConnRecord>(bytes)
  const d = new Decoder(bytes)
  d.u8()
  const format = d.u8()
  if (format !== CONN_FORMAT) d.fail(`unknown connection record format ${format}`)
  const connId = fromUtf8(d.str8())
  const mode = d.char() === 'I' ? 'invitation' : 'contact'
  const initiator = d.bool()
  const agentVersion = d.u16()
  const duplex = d.bool()
  const connected = d.bool()
  const lastInternalId = readCount(d)
  const lastInternalSndId = readCount(d)
  const lastInternalRcvId = readCount(d)
  const lastExternalSndId = readCount(d)
  const lastSndHash = d.str8().slice()
  const lastRcvHash = d.str8().slice()
  const createdAt = readCount(d)
  const helloAt = d.maybe(readCount)
  const ownInfo = d.maybe((d) => d.bytes(d.u32()).slice())
  const e2eKeys = d.maybe((d) => ({ key1: readPair(d, 'x448'), key2: readPair(d, 'x448') }))
  const rcvQueue = d.maybe(readRcvQueue)
  const sndQueue = d.maybe(readSndQueue)
  d.end()
  return {
    connId,
    mode,
    initiator,
    agentVersion,
    duplex,
    connected,
    lastInternalId,
    lastInternalSndId,
    lastInternalRcvId,
    lastExternalSndId,
    lastSndHash,
    lastRcvHash,
    createdAt,
    ...(helloAt === undefined ? {} : { helloAt }),
    ...(ownInfo === undefined ? {} : { ownInfo }),
    ...(e2eKeys === undefined ? {} : { e2eKeys }),
    ...(rcvQueue === undefined ? {} : { rcvQueue }),
    ...(sndQueue === undefined ? {} : { sndQueue }),
  }
}

/** Read a connection. */
export async function getConn(tx: ReadTx, connId: string): Promise<ConnRecord | undefined> {
  const v = await tx.get(NS.conn, idKey(connId))
  return v === undefined ? undefined : decodeConn(v)
}

/** Every connection. */
export async function listConns(tx: ReadTx): Promise<ConnRecord[]> {
  return (await tx.range(NS.conn)).map((e) => decodeConn(e.value))
}

/** Write a connection. */
export function putConn(tx: Tx, conn: ConnRecord): Promise<void> {
  return tx.put(NS.conn, idKey(conn.connId), encodeConn(conn))
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

/** Bytes of a stored pending message before its envelope: i64 internal id ‖ kind ‖ bool notification ‖ i64 queued at. */
export const PENDING_HEADER_LENGTH = 18

function pendingHeader(m: PendingMessage): Uint8Array {
  return new Encoder(PENDING_HEADER_LENGTH)
    .i64(m.internalId)
    .char(KIND_TAGS[m.kind])
    .bool(m.notification)
    .i64(m.queuedAt)
    .finish()
}

// Binary, not JSON: the envelope is 16 KB and is written once per message.
function encodePending(m: PendingMessage, framed: Uint8Array | undefined): Uint8Array {
  if (framed === undefined) {
    const out = new Uint8Array(PENDING_HEADER_LENGTH + m.envelope.length)
    out.set(pendingHeader(m))
    out.set(m.envelope, PENDING_HEADER_LENGTH)
    return out
  }
  const env = m.envelope
  if (
    framed.buffer !== env.buffer ||
    framed.byteOffset + PENDING_HEADER_LENGTH !== env.byteOffset ||
    framed.length !== PENDING_HEADER_LENGTH + env.length
  )
    throw new RangeError('the framed record must be the header room followed by the envelope itself')
  framed.set(pendingHeader(m))
  return framed
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

/**
 * Append a message to a connection's send queue. `framed`, when given, is the memory of the stored
 * record: {@link PENDING_HEADER_LENGTH} free bytes directly followed by `m.envelope` (a view of the
 * rest); the header is written there instead of copying the 16 KB envelope into a new record.
 * @throws RangeError when `framed` is not laid out so.
 */
export function putPending(tx: Tx, connId: string, m: PendingMessage, framed?: Uint8Array): Promise<void> {
  return tx.put(NS.snd, encodeKey(connId, m.internalId), encodePending(m, framed))
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
  async putPending(tx: Tx, connId: string, m: PendingMessage, framed?: Uint8Array): Promise<void> {
    await putPending(tx, connId, m, framed)
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
