/**
 * The chat client's records over the `Storage` interface, beside the agent's
 * `agent.*` namespaces in the same store. Every key of a user's data begins
 * with its user id, so profiles never see each other's contacts, connections,
 * requests or history, and deleting a profile is a prefix delete.
 *
 * | namespace       | key                                   | value                  |
 * | --------------- | ------------------------------------- | ---------------------- |
 * | `chat.meta`     | `"nextId"` / `"activeUser"`           | u64 (8 bytes)          |
 * | `chat.user`     | userId                                | {@link UserRec}        |
 * | `chat.owner`    | contactId / requestId                 | userId (8 bytes)       |
 * | `chat.conn`     | agent connId                          | {@link ConnRec}        |
 * | `chat.contact`  | (userId, contactId)                   | {@link ContactRec}     |
 * | `chat.request`  | (userId, requestId)                   | {@link RequestRec}     |
 * | `chat.address`  | userId                                | {@link AddressRec}     |
 * | `chat.item`     | (userId, contactId, itemId)           | {@link ItemRec}        |
 * | `chat.msgid`    | (userId, contactId, dir, sharedMsgId) | itemId (8 bytes)       |
 * | `chat.sndmsg`   | (connId, agent msgId)                 | (userId, contactId, itemId) |
 * | `chat.xcontact` | (userId, hash of a contact link)      | {@link XContactRec}    |
 * | `chat.probe`    | (userId, probeRowId)                  | {@link ProbeRec}       |
 *
 * Values are JSON; bytes are `{"$b": base64url}`.
 * @see ../shared/spec/chat.md §4
 */
import { base64urlDecode, base64urlEncode, fromUtf8, utf8 } from '@simplex-ts/core'
import { type ReadTx, type Tx, decodeKey, encodeKey } from '@simplex-ts/storage'
import type { Profile } from '../contact'
import type { UtcTime } from '../time'

/** Namespaces of the chat client. */
export const NS = {
  meta: 'chat.meta',
  user: 'chat.user',
  owner: 'chat.owner',
  conn: 'chat.conn',
  contact: 'chat.contact',
  request: 'chat.request',
  address: 'chat.address',
  item: 'chat.item',
  msgid: 'chat.msgid',
  sndmsg: 'chat.sndmsg',
  xcontact: 'chat.xcontact',
  probe: 'chat.probe',
} as const

/** A user profile. */
export interface UserRec {
  readonly userId: number
  readonly profile: Profile
  readonly createdAt: number
}

/**
 * The chat's view of an agent connection. Status follows the reference's `ConnStatus`
 * (`new`, `joined`, `requested`, `accepted`, `snd-ready`, `ready`).
 */
export interface ConnRec {
  readonly connId: string
  readonly userId: number
  /** `pending`: not a contact yet; `contact`: carries a contact; `address`: the user's contact address. */
  readonly entity: 'pending' | 'contact' | 'address'
  readonly pendingKind?: 'invitation' | 'joined' | 'requested'
  readonly link?: string
  readonly contactId?: number
  readonly incognito?: Profile
  readonly status: string
  /** Sent with a request to an address; kept on the contact. */
  readonly xContactId?: Uint8Array
  /** Hash of the address this request went to. */
  readonly linkHash?: Uint8Array
  /** The contact came through the user's address. */
  readonly viaAddress?: boolean
  /** The last agent message id processed on this connection (redeliveries at or below are skipped). */
  readonly lastRcvMsgId: number
  readonly createdAt: number
}

/** A contact. */
export interface ContactRec {
  readonly contactId: number
  readonly userId: number
  readonly localDisplayName: string
  readonly profile: Profile
  readonly incognito?: Profile
  /** Agent connections carrying this contact; the first is used to send. Merges add more. */
  readonly connIds: readonly string[]
  readonly ready: boolean
  readonly viaAddress: boolean
  readonly xContactId?: Uint8Array
  readonly createdAt: number
}

/** A contact request at the user's address. */
export interface RequestRec {
  readonly requestId: number
  readonly userId: number
  readonly invitationId: string
  readonly profile: Profile
  readonly xContactId?: Uint8Array
  readonly createdAt: number
}

/** The user's contact address. */
export interface AddressRec {
  readonly userId: number
  readonly connId: string
  readonly link: string
  readonly autoAccept: boolean
  readonly autoAcceptIncognito: boolean
  /** JSON text of the auto-reply content. */
  readonly autoReply?: string
}

/** A chat item; `content` and quoted content are the wire JSON text of the `MsgContent`. */
export interface ItemRec {
  readonly itemId: number
  readonly userId: number
  readonly contactId: number
  readonly dir: 'snd' | 'rcv'
  readonly sharedMsgId?: Uint8Array
  readonly content: string
  readonly quote?: {
    readonly itemId?: number
    readonly sharedMsgId?: Uint8Array
    readonly sentAt: UtcTime
    readonly sent: boolean
    readonly content: string
  }
  readonly sentAt: UtcTime
  readonly createdAt: number
  readonly edited: boolean
  readonly deleted: boolean
  readonly status: 'sndNew' | 'sndSent' | 'sndError' | 'rcv'
}

/** The request id reused for one contact address, and the contact it made. */
export interface XContactRec {
  readonly xContactId: Uint8Array
  readonly contactId?: number
}

/**
 * A probe row: `sent` is a probe this user sent to `contactId`, with the contacts its hash went to;
 * `rcv` is a probe (or only its hash) received from `contactId`.
 * @see ../shared/spec/chat.md §4.8
 */
export type ProbeRec =
  | {
      readonly kind: 'sent'
      readonly id: number
      readonly contactId: number
      readonly probe: Uint8Array
      readonly hashSentTo: readonly number[]
    }
  | {
      readonly kind: 'rcv'
      readonly id: number
      readonly contactId: number
      readonly probe?: Uint8Array
      readonly probeHash: Uint8Array
    }

function toJson(value: unknown): Uint8Array {
  return utf8(
    JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? { $b: base64urlEncode(v) } : v)),
  )
}

function fromJson<T>(bytes: Uint8Array): T {
  return JSON.parse(fromUtf8(bytes), (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && '$b' in v) {
      const b = (v as { $b: unknown }).$b
      if (typeof b === 'string') return base64urlDecode(b)
    }
    return v
  }) as T
}

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}

function readU64(b: Uint8Array | undefined): number | undefined {
  if (b === undefined || b.length !== 8) return undefined
  return Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0))
}

/** Allocate the next id (users, contacts, requests, items and probes share one counter). */
export async function nextId(tx: Tx): Promise<number> {
  const key = utf8('nextId')
  const id = (readU64(await tx.get(NS.meta, key)) ?? 0) + 1
  await tx.put(NS.meta, key, u64(id))
  return id
}

/** The active user's id. */
export async function getActiveUserId(tx: ReadTx): Promise<number | undefined> {
  return readU64(await tx.get(NS.meta, utf8('activeUser')))
}

/** Set (or clear) the active user. */
export async function setActiveUserId(tx: Tx, userId: number | undefined): Promise<void> {
  if (userId === undefined) await tx.delete(NS.meta, utf8('activeUser'))
  else await tx.put(NS.meta, utf8('activeUser'), u64(userId))
}

// --- users ---

/** A user profile. */
export async function getUser(tx: ReadTx, userId: number): Promise<UserRec | undefined> {
  const v = await tx.get(NS.user, encodeKey(userId))
  return v === undefined ? undefined : fromJson<UserRec>(v)
}

/** Every user profile, oldest first. */
export async function listUsers(tx: ReadTx): Promise<UserRec[]> {
  return (await tx.range(NS.user)).map((e) => fromJson<UserRec>(e.value))
}

/** Write a user profile. */
export async function putUser(tx: Tx, u: UserRec): Promise<void> {
  await tx.put(NS.user, encodeKey(u.userId), toJson(u))
}

/** Delete a user and every record of its own (its agent connections must be deleted by the caller). */
export async function deleteUserRecords(tx: Tx, userId: number): Promise<void> {
  const prefix = encodeKey(userId)
  for (const ns of [NS.contact, NS.request, NS.item, NS.msgid, NS.xcontact, NS.probe]) {
    for (const e of await tx.range(ns, { prefix })) {
      if (ns === NS.contact || ns === NS.request) {
        const [, id] = decodeKey(e.key, ['uint', 'uint'] as const)
        await tx.delete(NS.owner, encodeKey(Number(id)))
      }
      await tx.delete(ns, e.key)
    }
  }
  for (const c of await listConns(tx)) {
    if (c.userId === userId) await deleteConn(tx, c.connId)
  }
  await tx.delete(NS.address, prefix)
  await tx.delete(NS.user, prefix)
}

// --- ownership of global ids ---

/** The user owning a contact or request id. */
export async function getOwner(tx: ReadTx, id: number): Promise<number | undefined> {
  return readU64(await tx.get(NS.owner, encodeKey(id)))
}

// --- connections ---

/** The chat's record of an agent connection. */
export async function getConn(tx: ReadTx, connId: string): Promise<ConnRec | undefined> {
  const v = await tx.get(NS.conn, utf8(connId))
  return v === undefined ? undefined : fromJson<ConnRec>(v)
}

/** Every connection record (all users). */
export async function listConns(tx: ReadTx): Promise<ConnRec[]> {
  return (await tx.range(NS.conn)).map((e) => fromJson<ConnRec>(e.value))
}

/** Write a connection record. */
export async function putConn(tx: Tx, c: ConnRec): Promise<void> {
  await tx.put(NS.conn, utf8(c.connId), toJson(c))
}

/** Delete a connection record and its delivery-status index. */
export async function deleteConn(tx: Tx, connId: string): Promise<void> {
  await tx.delete(NS.conn, utf8(connId))
  for (const e of await tx.range(NS.sndmsg, { prefix: encodeKey(connId) })) await tx.delete(NS.sndmsg, e.key)
}

// --- contacts ---

/** One contact of a user. */
export async function getContact(
  tx: ReadTx,
  userId: number,
  contactId: number,
): Promise<ContactRec | undefined> {
  const v = await tx.get(NS.contact, encodeKey(userId, contactId))
  return v === undefined ? undefined : fromJson<ContactRec>(v)
}

/** A user's contacts, in id order. */
export async function listContacts(tx: ReadTx, userId: number): Promise<ContactRec[]> {
  return (await tx.range(NS.contact, { prefix: encodeKey(userId) })).map((e) => fromJson<ContactRec>(e.value))
}

/** Write a contact and its owner index. */
export async function putContact(tx: Tx, c: ContactRec): Promise<void> {
  await tx.put(NS.contact, encodeKey(c.userId, c.contactId), toJson(c))
  await tx.put(NS.owner, encodeKey(c.contactId), u64(c.userId))
}

/** Delete a contact with its history and indexes (its connections are the caller's). */
export async function deleteContact(tx: Tx, userId: number, contactId: number): Promise<void> {
  for (const ns of [NS.item, NS.msgid]) {
    for (const e of await tx.range(ns, { prefix: encodeKey(userId, contactId) })) await tx.delete(ns, e.key)
  }
  await tx.delete(NS.contact, encodeKey(userId, contactId))
  await tx.delete(NS.owner, encodeKey(contactId))
}

/** A display name not used by another contact of the user: `name`, else `name_1`, `name_2`… */
export async function uniqueLocalName(
  tx: ReadTx,
  userId: number,
  name: string,
  exceptContactId?: number,
): Promise<string> {
  const taken = new Set(
    (await listContacts(tx, userId))
      .filter((c) => c.contactId !== exceptContactId)
      .map((c) => c.localDisplayName),
  )
  if (!taken.has(name)) return name
  for (let i = 1; ; i++) if (!taken.has(`${name}_${i}`)) return `${name}_${i}`
}

// --- contact requests ---

/** One contact request of a user. */
export async function getRequest(
  tx: ReadTx,
  userId: number,
  requestId: number,
): Promise<RequestRec | undefined> {
  const v = await tx.get(NS.request, encodeKey(userId, requestId))
  return v === undefined ? undefined : fromJson<RequestRec>(v)
}

/** A user's contact requests. */
export async function listRequests(tx: ReadTx, userId: number): Promise<RequestRec[]> {
  return (await tx.range(NS.request, { prefix: encodeKey(userId) })).map((e) => fromJson<RequestRec>(e.value))
}

/** Write a contact request and its owner index. */
export async function putRequest(tx: Tx, r: RequestRec): Promise<void> {
  await tx.put(NS.request, encodeKey(r.userId, r.requestId), toJson(r))
  await tx.put(NS.owner, encodeKey(r.requestId), u64(r.userId))
}

/** Delete a contact request. */
export async function deleteRequest(tx: Tx, userId: number, requestId: number): Promise<void> {
  await tx.delete(NS.request, encodeKey(userId, requestId))
  await tx.delete(NS.owner, encodeKey(requestId))
}

// --- address ---

/** The user's contact address. */
export async function getAddress(tx: ReadTx, userId: number): Promise<AddressRec | undefined> {
  const v = await tx.get(NS.address, encodeKey(userId))
  return v === undefined ? undefined : fromJson<AddressRec>(v)
}

/** Write the user's contact address. */
export async function putAddress(tx: Tx, a: AddressRec): Promise<void> {
  await tx.put(NS.address, encodeKey(a.userId), toJson(a))
}

/** Delete the user's contact address record. */
export async function deleteAddress(tx: Tx, userId: number): Promise<void> {
  await tx.delete(NS.address, encodeKey(userId))
}

// --- items ---

/** One chat item. */
export async function getItem(
  tx: ReadTx,
  userId: number,
  contactId: number,
  itemId: number,
): Promise<ItemRec | undefined> {
  const v = await tx.get(NS.item, encodeKey(userId, contactId, itemId))
  return v === undefined ? undefined : fromJson<ItemRec>(v)
}

/** Write a chat item and its shared-id index entry. */
export async function putItem(tx: Tx, i: ItemRec): Promise<void> {
  await tx.put(NS.item, encodeKey(i.userId, i.contactId, i.itemId), toJson(i))
  if (i.sharedMsgId !== undefined) {
    await tx.put(NS.msgid, encodeKey(i.userId, i.contactId, i.dir, i.sharedMsgId), u64(i.itemId))
  }
}

/** Delete one item and its shared-id index entry. */
export async function deleteItem(tx: Tx, i: ItemRec): Promise<void> {
  await tx.delete(NS.item, encodeKey(i.userId, i.contactId, i.itemId))
  if (i.sharedMsgId !== undefined)
    await tx.delete(NS.msgid, encodeKey(i.userId, i.contactId, i.dir, i.sharedMsgId))
}

/** The item with a shared id in one direction of a contact's history. */
export async function findItemBySharedId(
  tx: ReadTx,
  userId: number,
  contactId: number,
  dir: 'snd' | 'rcv',
  sharedMsgId: Uint8Array,
): Promise<ItemRec | undefined> {
  const id = readU64(await tx.get(NS.msgid, encodeKey(userId, contactId, dir, sharedMsgId)))
  return id === undefined ? undefined : getItem(tx, userId, contactId, id)
}

/** A page of a contact's history: up to `limit` items before `before` (exclusive), oldest first. */
export async function pageItems(
  tx: ReadTx,
  userId: number,
  contactId: number,
  before: number | undefined,
  limit: number,
): Promise<ItemRec[]> {
  const prefix = encodeKey(userId, contactId)
  const entries = await tx.range(NS.item, {
    prefix,
    ...(before === undefined ? {} : { lt: encodeKey(userId, contactId, before) }),
    reverse: true,
    limit,
  })
  return entries.map((e) => fromJson<ItemRec>(e.value)).reverse()
}

/** Every item of a contact, oldest first. */
export async function allItems(tx: ReadTx, userId: number, contactId: number): Promise<ItemRec[]> {
  return (await tx.range(NS.item, { prefix: encodeKey(userId, contactId) })).map((e) =>
    fromJson<ItemRec>(e.value),
  )
}

/** Remember which item an agent message carried, for its delivery status. */
export async function putSndMsg(tx: Tx, connId: string, agentMsgId: number, i: ItemRec): Promise<void> {
  await tx.put(NS.sndmsg, encodeKey(connId, agentMsgId), encodeKey(i.userId, i.contactId, i.itemId))
}

/** The item an agent message carried. */
export async function getSndMsg(
  tx: ReadTx,
  connId: string,
  agentMsgId: number,
): Promise<{ userId: number; contactId: number; itemId: number } | undefined> {
  const v = await tx.get(NS.sndmsg, encodeKey(connId, agentMsgId))
  if (v === undefined) return undefined
  const [userId, contactId, itemId] = decodeKey(v, ['uint', 'uint', 'uint'] as const)
  return { userId: Number(userId), contactId: Number(contactId), itemId: Number(itemId) }
}

/** Forget the item of an agent message (its status is final). */
export async function deleteSndMsg(tx: Tx, connId: string, agentMsgId: number): Promise<void> {
  await tx.delete(NS.sndmsg, encodeKey(connId, agentMsgId))
}

/** Move a contact's history to another contact (a merge), keeping item ids and order. */
export async function moveItems(tx: Tx, userId: number, from: number, to: number): Promise<void> {
  for (const i of await allItems(tx, userId, from)) {
    await tx.delete(NS.item, encodeKey(userId, from, i.itemId))
    if (i.sharedMsgId !== undefined) await tx.delete(NS.msgid, encodeKey(userId, from, i.dir, i.sharedMsgId))
    await putItem(tx, { ...i, contactId: to })
  }
}

// --- contact-address request ids ---

/** The request id used for a contact address (by the hash of its link). */
export async function getXContact(
  tx: ReadTx,
  userId: number,
  linkHash: Uint8Array,
): Promise<XContactRec | undefined> {
  const v = await tx.get(NS.xcontact, encodeKey(userId, linkHash))
  return v === undefined ? undefined : fromJson<XContactRec>(v)
}

/** Remember the request id (and contact) of a contact address. */
export async function putXContact(
  tx: Tx,
  userId: number,
  linkHash: Uint8Array,
  x: XContactRec,
): Promise<void> {
  await tx.put(NS.xcontact, encodeKey(userId, linkHash), toJson(x))
}

// --- probes ---

/** A user's probe rows. */
export async function listProbes(tx: ReadTx, userId: number): Promise<ProbeRec[]> {
  return (await tx.range(NS.probe, { prefix: encodeKey(userId) })).map((e) => fromJson<ProbeRec>(e.value))
}

/** Write a probe row. */
export async function putProbe(tx: Tx, userId: number, p: ProbeRec): Promise<void> {
  await tx.put(NS.probe, encodeKey(userId, p.id), toJson(p))
}
