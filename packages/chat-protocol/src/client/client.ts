/**
 * The chat client: user profiles, contacts (one-time invitations and contact
 * addresses), text messages with quotes, edits and deletes, profile updates,
 * incognito contacts and duplicate-contact probes, over one agent that shares
 * the client's storage. Every piece of state lives in the storage, so a
 * client stopped and started again (or moved by archive) continues every
 * conversation.
 *
 * Agent events and commands run one at a time (as the reference's chat lock
 * does), so a command's records are written before the events it causes are
 * processed. Received chat messages are parsed without throwing: malformed or
 * unknown ones are surfaced as events and never block the queue.
 *
 * @see ../shared/spec/chat.md §3, §4
 */
import {
  type Agent,
  type AgentEvent,
  type AgentOptions,
  AgentClosedError,
  type MessageEvent as AgentMessageEvent,
  CmdProhibitedError,
  createAgent,
  formatConnectionRequest,
  parseConnectionRequest,
} from '@simplex-ts/agent'
import {
  type CryptoProvider,
  EventHub,
  abortable,
  defaultCrypto,
  equalBytes,
  latin1,
  utf8,
} from '@simplex-ts/core'
import type { Storage, Tx } from '@simplex-ts/storage'
import type { Profile } from '../contact'
import type { QuotedMsg } from '../container'
import { type MsgContent, decodeMsgContent, encodeMsgContent, msgContentText } from '../content'
import { type ChatEvent, chatEventTag, hasNotification } from '../events'
import { parseJson, writeJson } from '../json'
import { type ChatMessage, encodeChatMessage, parseChatMessage } from '../message'
import { type UtcTime, utcTimeFromDate } from '../time'
import {
  ChatClosedError,
  ChatItemNotFoundError,
  ChatMessageError,
  ConnectionNotFoundError,
  ContactAlreadyExistsError,
  ContactNotFoundError,
  ContactNotReadyError,
  ContactRequestNotFoundError,
  DuplicateContactLinkError,
  InvalidChatItemDeleteError,
  InvalidChatItemUpdateError,
  InvalidProfileError,
  InvalidQuoteError,
  NoActiveUserError,
  PendingConnectionNotFoundError,
  UserContactLinkNotFoundError,
  UserNotFoundError,
} from './errors'
import { randomIncognitoProfile } from './incognito'
import * as store from './store'
import type {
  ChatClientEvent,
  ChatClientEventType,
  ChatItem,
  Contact,
  ContactAddress,
  ContactRequest,
  PendingConnection,
  User,
} from './types'

/**
 * Options of {@link createChatClient}: the agent's options (relays, connect function, crypto,
 * retry schedule…) plus the chat's own.
 * @see ../shared/spec/chat.md §4
 */
export interface ChatClientOptions extends Omit<AgentOptions, 'storage' | 'servers' | 'appAck'> {
  /** Where the chat's and the agent's records live (namespaces `chat.*` and `agent.*`). Not closed by the client. */
  readonly storage: Storage
  /** SMP relay addresses for new queues. */
  readonly servers: readonly string[]
  /** Create (and activate) this user profile when the store has no user yet. */
  readonly profile?: Profile
  /**
   * Send duplicate-contact probes when a new contact with the same profile as an existing one
   * connects (default `true`). Received probes are always answered.
   */
  readonly probeDuplicates?: boolean
  /**
   * TEST ONLY — never set it in an application. `beforeMessage` runs for every agent message
   * after the agent has committed it (and acknowledged it to the relay) and before the client
   * processes it, so a test can stop the process exactly there and check that nothing is lost.
   */
  readonly testHooks?: {
    readonly beforeMessage?: (event: AgentMessageEvent) => void | Promise<void>
  }
}

/** Which user a command acts for (default: the active user). */
export interface UserOption {
  readonly userId?: number
}

/**
 * Stop waiting for a command. Aborted before the command starts (it may wait for earlier
 * commands), it never runs; once it runs it completes in the background and keeps its records
 * (e.g. a pending connection you can list and delete), so nothing is left half-done.
 */
export interface SignalOption {
  readonly signal?: AbortSignal
}

/** An incognito choice: `true` for a random profile, or the profile to show. */
export type IncognitoOption = boolean | Profile

/**
 * User profiles of a store.
 * @see ../shared/spec/chat.md §2.3
 */
export interface ChatUsers {
  /**
   * Create a user profile; it becomes active when `activate` is set or no user is active.
   * @throws InvalidProfileError for an empty display name or one with spaces.
   */
  create(profile: Profile, options?: { readonly activate?: boolean }): Promise<User>
  /** Every user profile, oldest first. */
  list(): Promise<User[]>
  /** The active user, if any. */
  active(): Promise<User | undefined>
  /**
   * Make a user active.
   * @throws UserNotFoundError.
   */
  switch(userId: number): Promise<User>
  /**
   * Delete a user with every connection (queues deleted on their relays), contact, request and message.
   * @throws UserNotFoundError; the relay's errors (already deleted connections stay deleted; call again).
   */
  delete(userId: number): Promise<void>
}

/**
 * A chat client.
 * @see ../shared/spec/chat.md §4
 */
export interface ChatClient {
  /** The agent underneath (for diagnostics; do not answer its events yourself). */
  readonly agent: Agent
  /** User profiles. */
  readonly users: ChatUsers
  /**
   * Create a one-time invitation link to pass to the future contact out of band.
   * @throws NoActiveUserError; the relay's errors.
   * @see ../shared/spec/chat.md §4.1
   */
  createInvitation(
    options?: UserOption & SignalOption & { readonly incognito?: IncognitoOption },
  ): Promise<PendingConnection>
  /**
   * Connect via a link: join a one-time invitation, or send a request to a contact address.
   * @throws CmdSyntaxError (agent) for a malformed link; ContactAlreadyExistsError when a contact
   *   made through this address exists; NoActiveUserError; the relay's errors.
   * @see ../shared/spec/chat.md §4.1, §4.2
   */
  connect(
    link: string,
    options?: UserOption & SignalOption & { readonly incognito?: IncognitoOption },
  ): Promise<PendingConnection>
  /** Connections that are not contacts yet. */
  pendingConnections(options?: UserOption): Promise<PendingConnection[]>
  /**
   * Abandon a pending connection (its queues are deleted on the relay).
   * @throws PendingConnectionNotFoundError.
   */
  deletePendingConnection(connId: string, options?: SignalOption): Promise<void>
  /**
   * Create the user's contact address.
   * @throws DuplicateContactLinkError when it has one; the relay's errors.
   * @see ../shared/spec/chat.md §4.2
   */
  createAddress(options?: UserOption & SignalOption): Promise<ContactAddress>
  /** The user's contact address, if any. */
  address(options?: UserOption): Promise<ContactAddress | undefined>
  /**
   * Delete the user's contact address and its pending requests (existing contacts stay).
   * @throws UserContactLinkNotFoundError.
   */
  deleteAddress(options?: UserOption & SignalOption): Promise<void>
  /**
   * Accept requests at the address automatically (optionally incognito, optionally sending `autoReply`).
   * @throws UserContactLinkNotFoundError.
   */
  setAutoAccept(
    on: boolean,
    options?: UserOption & { readonly autoReply?: MsgContent | string; readonly incognito?: boolean },
  ): Promise<ContactAddress>
  /** Requests waiting at the user's address. */
  contactRequests(options?: UserOption): Promise<ContactRequest[]>
  /**
   * Accept a contact request; the contact is ready after `contactConnected`.
   * @throws ContactRequestNotFoundError; the relay's errors.
   */
  acceptContactRequest(
    requestId: number,
    options?: SignalOption & { readonly incognito?: IncognitoOption },
  ): Promise<Contact>
  /**
   * Reject a contact request silently.
   * @throws ContactRequestNotFoundError.
   */
  rejectContactRequest(requestId: number): Promise<void>
  /** The user's contacts. */
  contacts(options?: UserOption): Promise<Contact[]>
  /**
   * One contact.
   * @throws ContactNotFoundError.
   */
  contact(contactId: number): Promise<Contact>
  /** A contact by its local display name. */
  contactByName(name: string, options?: UserOption): Promise<Contact | undefined>
  /**
   * Delete a contact, its connections (on the relay too) and its history.
   * @throws ContactNotFoundError; the relay's errors.
   */
  deleteContact(contactId: number, options?: SignalOption): Promise<void>
  /**
   * Send a text message, optionally replying to item `quote`.
   * @throws ContactNotFoundError; ContactNotReadyError; InvalidQuoteError; CmdLargeError (agent).
   * @see ../shared/spec/chat.md §4.3
   */
  sendText(
    contactId: number,
    text: string,
    options?: SignalOption & { readonly quote?: number },
  ): Promise<ChatItem>
  /**
   * Send any message content, optionally replying to item `quote`.
   * @throws as {@link ChatClient.sendText}; ChatEncodeError for content the reference would refuse.
   */
  sendMessage(
    contactId: number,
    content: MsgContent,
    options?: SignalOption & { readonly quote?: number },
  ): Promise<ChatItem>
  /**
   * Edit an own sent message (`x.msg.update`).
   * @throws ChatItemNotFoundError; InvalidChatItemUpdateError for received or deleted items.
   */
  editMessage(contactId: number, itemId: number, content: MsgContent | string): Promise<ChatItem>
  /**
   * Delete a message: for everyone (`x.msg.del`, own items; the default for them) or only here.
   * Returns the item as it now is, `undefined` when deleted only here.
   * @throws ChatItemNotFoundError; InvalidChatItemDeleteError when deleting a received item for everyone.
   */
  deleteMessage(
    contactId: number,
    itemId: number,
    options?: { readonly forEveryone?: boolean },
  ): Promise<ChatItem | undefined>
  /**
   * Update the user's profile and send it (`x.info`) to every connected, non-incognito contact.
   * @throws InvalidProfileError; NoActiveUserError.
   * @see ../shared/spec/chat.md §4.4
   */
  updateProfile(profile: Profile, options?: UserOption & SignalOption): Promise<User>
  /**
   * A page of a contact's history, oldest first: up to `limit` (default 50) items before item `before`.
   * @throws ContactNotFoundError.
   */
  history(
    contactId: number,
    options?: { readonly before?: number; readonly limit?: number },
  ): Promise<ChatItem[]>
  /** The event stream from now on; ends when the client closes or `signal` aborts. */
  events(signal?: AbortSignal): AsyncIterableIterator<ChatClientEvent>
  /** Call `fn` for each event of `type`; returns the function that stops it. */
  on<T extends ChatClientEventType>(
    type: T,
    fn: (event: Extract<ChatClientEvent, { type: T }>) => void,
  ): () => void
  /** Finish the command or event in progress, close the agent (relay connections) and end the event stream. Idempotent. */
  close(): Promise<void>
}

/**
 * Create a chat client over a storage adapter and relays: starts its agent (which resubscribes
 * every stored connection) and processes agent events from then on.
 * @throws TypeError when `servers` is empty; InvalidProfileError for a bad `profile`; storage errors.
 * @see ../shared/spec/chat.md §4
 */
export async function createChatClient(options: ChatClientOptions): Promise<ChatClient> {
  const { storage, servers, profile, probeDuplicates, testHooks, ...agentOptions } = options
  if (profile !== undefined) validateProfile(profile)
  // every message is acknowledged to the agent only after the chat has committed its effects
  const agent = await createAgent({ ...agentOptions, storage, servers, appAck: 'manual' })
  const client = new ChatClientImpl(
    agent,
    storage,
    options.crypto ?? defaultCrypto(),
    probeDuplicates ?? true,
    testHooks?.beforeMessage,
  )
  await client.resume()
  if (profile !== undefined && (await client.users.list()).length === 0) {
    await client.users.create(profile, { activate: true })
  }
  return client
}

const MAX_PAGE = 1000

function validateProfile(p: Profile): void {
  if (typeof p !== 'object' || p === null) throw new InvalidProfileError('profile must be an object')
  if (typeof p.displayName !== 'string' || p.displayName.length === 0 || /\s/.test(p.displayName)) {
    throw new InvalidProfileError(
      `invalid display name ${JSON.stringify(p.displayName)}: non-empty, no spaces`,
    )
  }
  if (typeof p.fullName !== 'string') throw new InvalidProfileError('fullName must be a string')
  if (p.image !== undefined && typeof p.image !== 'string')
    throw new InvalidProfileError('image must be a string')
}

function sameProfile(a: Profile, b: Profile): boolean {
  return a.displayName === b.displayName && a.fullName === b.fullName && a.image === b.image
}

function cleanProfile(p: Profile): Profile {
  return p.image === undefined
    ? { displayName: p.displayName, fullName: p.fullName }
    : { displayName: p.displayName, fullName: p.fullName, image: p.image }
}

function contentText(c: MsgContent | string): MsgContent {
  return typeof c === 'string' ? { type: 'text', text: c } : c
}

function readContent(json: string): MsgContent {
  return decodeMsgContent(parseJson(json))
}

/** Standard base64 of random bytes, as ASCII bytes: the reference's ids are base64 text (§2.1). */
function randomBase64Id(crypto: CryptoProvider, n: number): Uint8Array {
  return latin1(btoa(String.fromCharCode(...crypto.randomBytes(n))))
}

/**
 * The quoted content the reference sends: reduced to text when the reply is a link, an image or
 * an unknown type; an image or file keeps its type with the text (or file name) only.
 */
function quoteContent(quoted: MsgContent, reply: MsgContent): MsgContent {
  const text = msgContentText(quoted)
  if (reply.type === 'link' || reply.type === 'image' || reply.type === 'unknown')
    return { type: 'text', text }
  if (quoted.type === 'image') return { type: 'image', text, image: quoted.image }
  if (quoted.type === 'file') return { type: 'file', text }
  return quoted
}

function toUser(u: store.UserRec, activeId: number | undefined): User {
  return {
    userId: u.userId,
    profile: u.profile,
    active: u.userId === activeId,
    createdAt: new Date(u.createdAt),
  }
}

function toContact(c: store.ContactRec): Contact {
  return {
    contactId: c.contactId,
    userId: c.userId,
    localDisplayName: c.localDisplayName,
    profile: c.profile,
    ...(c.incognito === undefined ? {} : { incognitoProfile: c.incognito }),
    ready: c.ready,
    viaAddress: c.viaAddress,
    createdAt: new Date(c.createdAt),
  }
}

function toRequest(r: store.RequestRec): ContactRequest {
  return { requestId: r.requestId, userId: r.userId, profile: r.profile, createdAt: new Date(r.createdAt) }
}

function toPending(c: store.ConnRec): PendingConnection {
  return {
    connId: c.connId,
    userId: c.userId,
    kind: c.pendingKind ?? 'joined',
    ...(c.link === undefined ? {} : { link: c.link }),
    ...(c.incognito === undefined ? {} : { incognitoProfile: c.incognito }),
    createdAt: new Date(c.createdAt),
  }
}

function toAddress(a: store.AddressRec): ContactAddress {
  return {
    userId: a.userId,
    link: a.link,
    autoAccept: a.autoAccept,
    autoAcceptIncognito: a.autoAcceptIncognito,
    ...(a.autoReply === undefined ? {} : { autoReply: readContent(a.autoReply) }),
  }
}

function toItem(i: store.ItemRec): ChatItem {
  const content = readContent(i.content)
  return {
    itemId: i.itemId,
    contactId: i.contactId,
    userId: i.userId,
    direction: i.dir,
    ...(i.sharedMsgId === undefined ? {} : { sharedMsgId: i.sharedMsgId }),
    content,
    text: msgContentText(content),
    ...(i.quote === undefined
      ? {}
      : {
          quote: {
            ...(i.quote.itemId === undefined ? {} : { itemId: i.quote.itemId }),
            ...(i.quote.sharedMsgId === undefined ? {} : { sharedMsgId: i.quote.sharedMsgId }),
            sentAt: i.quote.sentAt,
            sent: i.quote.sent,
            content: readContent(i.quote.content),
          },
        }),
    sentAt: i.sentAt,
    createdAt: new Date(i.createdAt),
    edited: i.edited,
    deleted: i.deleted,
    status: i.status,
  }
}

const DELETED_CONTENT = encodeMsgContent({ type: 'text', text: '' })

type MessageEvent = Extract<AgentEvent, { type: 'message' }>

class ChatClientImpl implements ChatClient {
  readonly agent: Agent
  readonly users: ChatUsers
  readonly #db: Storage
  readonly #crypto: CryptoProvider
  readonly #probe: boolean
  readonly #beforeMessage: ((event: MessageEvent) => void | Promise<void>) | undefined
  readonly #hub = new EventHub<ChatClientEvent>()
  #queue: Promise<unknown> = Promise.resolve()
  #closed = false
  readonly #loop: Promise<void>

  constructor(
    agent: Agent,
    storage: Storage,
    crypto: CryptoProvider,
    probe: boolean,
    beforeMessage?: (event: MessageEvent) => void | Promise<void>,
  ) {
    this.agent = agent
    this.#db = storage
    this.#crypto = crypto
    this.#probe = probe
    this.#beforeMessage = beforeMessage
    this.users = {
      create: (profile, o) => this.#run(() => this.#createUser(profile, o?.activate)),
      list: () => this.#listUsers(),
      active: async () => {
        const id = await this.#db.read((tx) => store.getActiveUserId(tx))
        return (await this.#listUsers()).find((u) => u.userId === id)
      },
      switch: (userId) => this.#run(() => this.#switchUser(userId)),
      delete: (userId) => this.#run(() => this.#deleteUser(userId)),
    }
    const it = agent.events()
    this.#loop = (async () => {
      for await (const e of it) {
        await this.#exclusive(async () => {
          if (e.type !== 'message') return this.#onAgentEvent(e)
          if (this.#beforeMessage !== undefined) await this.#beforeMessage(e)
          await this.#onAgentEvent(e)
          // committed (or deliberately ignored): the agent may forget it. A message whose
          // processing threw stays with the agent and comes back on the next start.
          this.#ack(e)
        }).catch((err: unknown) => this.#emitError(undefined, undefined, err))
      }
    })()
  }

  /**
   * Finish handshakes a previous run could not: a joiner's confirmation whose contact was created
   * but whose `LET` failed (relay unreachable, process stopped) is allowed again.
   */
  async resume(): Promise<void> {
    await this.#exclusive(async () => {
      const conns = await this.#db.read((tx) => store.listConns(tx))
      for (const c of conns) {
        if (c.entity === 'contact' && c.status === 'requested') {
          try {
            await this.#allow(c, c.connId)
          } catch (e) {
            this.#emitError(c.userId, c.contactId, e)
          }
        }
      }
    })
  }

  // --- plumbing ---

  /** Run `fn` after every earlier command and event (the chat lock). */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** A command: refused once closed, then run under the chat lock. */
  #run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new ChatClosedError('chat client is closed'))
    return this.#exclusive(fn)
  }

  /**
   * A command that may be abandoned: aborting before it starts means it never runs; once started
   * it completes (keeping its records consistent) while the caller stops waiting.
   */
  #runAbortable<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    if (signal === undefined) return this.#run(fn)
    // aborted while queued: it never runs; under way: it finishes in the background
    return abortable(signal, () =>
      this.#run(async () => {
        if (signal.aborted) throw signal.reason
        return fn()
      }),
    )
  }

  /** Acknowledge a message to the agent without waiting: acknowledgements are batched there. */
  #ack(e: MessageEvent): void {
    this.agent.ackMessage(e.connId, e.msgId).catch((err: unknown) => {
      // closed: not acknowledged, so it comes back on the next start and is skipped by its id
      if (!(err instanceof AgentClosedError)) this.#emitError(undefined, undefined, err)
    })
  }

  #emit(e: ChatClientEvent): void {
    this.#hub.emit(e)
  }

  #emitError(userId: number | undefined, contactId: number | undefined, error: unknown): void {
    this.#emit({
      type: 'error',
      userId,
      contactId,
      error: error instanceof Error ? error : new Error(String(error)),
    })
  }

  events(signal?: AbortSignal): AsyncIterableIterator<ChatClientEvent> {
    return this.#hub.iterate(signal)
  }

  on<T extends ChatClientEventType>(
    type: T,
    fn: (event: Extract<ChatClientEvent, { type: T }>) => void,
  ): () => void {
    return this.#hub.on(type, fn)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#exclusive(async () => undefined)
    await this.agent.close()
    await this.#loop
    this.#hub.end()
  }

  async #userId(o: UserOption | undefined): Promise<number> {
    if (o?.userId !== undefined) {
      const u = await this.#db.read((tx) => store.getUser(tx, o.userId as number))
      if (u === undefined) throw new UserNotFoundError(`no user ${o.userId}`)
      return u.userId
    }
    const id = await this.#db.read((tx) => store.getActiveUserId(tx))
    if (id === undefined) throw new NoActiveUserError('no active user: create one with users.create')
    return id
  }

  async #user(userId: number): Promise<store.UserRec> {
    const u = await this.#db.read((tx) => store.getUser(tx, userId))
    if (u === undefined) throw new UserNotFoundError(`no user ${userId}`)
    return u
  }

  async #contactRec(contactId: number): Promise<store.ContactRec> {
    const c = await this.#db.read(async (tx) => {
      const userId = await store.getOwner(tx, contactId)
      return userId === undefined ? undefined : store.getContact(tx, userId, contactId)
    })
    if (c === undefined) throw new ContactNotFoundError(`no contact ${contactId}`)
    return c
  }

  #incognito(o: IncognitoOption | undefined): Profile | undefined {
    if (o === undefined || o === false) return undefined
    if (o === true) return randomIncognitoProfile(this.#crypto)
    validateProfile(o)
    return cleanProfile(o)
  }

  /** The profile this user shows on a connection: its incognito one, else its own. */
  async #shownProfile(userId: number, incognito: Profile | undefined): Promise<Profile> {
    return incognito ?? (await this.#user(userId)).profile
  }

  #newSharedMsgId(): Uint8Array {
    return randomBase64Id(this.#crypto, 12)
  }

  /** Encode and send one chat event to a contact with a fresh shared id; returns both ids. */
  async #send(
    ct: store.ContactRec,
    event: ChatEvent,
  ): Promise<{ agentMsgId: number; sharedMsgId: Uint8Array }> {
    const sharedMsgId = this.#newSharedMsgId()
    const body = encodeChatMessage({ ...event, msgId: sharedMsgId } as ChatMessage)
    const connId = ct.connIds[0]
    if (connId === undefined) throw new ContactNotReadyError(`contact ${ct.contactId} has no connection`)
    try {
      const agentMsgId = await this.agent.sendMessage(connId, body, { notification: hasNotification(event) })
      return { agentMsgId, sharedMsgId }
    } catch (e) {
      if (e instanceof CmdProhibitedError) {
        throw new ContactNotReadyError(`contact ${ct.contactId} is not connected yet`, { cause: e })
      }
      throw e
    }
  }

  /** Connection info: `x.info` with the shown profile (no shared id, §7). */
  #infoBody(profile: Profile): Uint8Array {
    return encodeChatMessage({ event: 'x.info', params: { profile } })
  }

  // --- users ---

  async #listUsers(): Promise<User[]> {
    return this.#db.read(async (tx) => {
      const active = await store.getActiveUserId(tx)
      return (await store.listUsers(tx)).map((u) => toUser(u, active))
    })
  }

  async #createUser(profile: Profile, activate: boolean | undefined): Promise<User> {
    validateProfile(profile)
    return this.#db.transaction(async (tx) => {
      const userId = await store.nextId(tx)
      const rec: store.UserRec = { userId, profile: cleanProfile(profile), createdAt: Date.now() }
      await store.putUser(tx, rec)
      let active = await store.getActiveUserId(tx)
      if (activate === true || active === undefined) {
        await store.setActiveUserId(tx, userId)
        active = userId
      }
      return toUser(rec, active)
    })
  }

  async #switchUser(userId: number): Promise<User> {
    return this.#db.transaction(async (tx) => {
      const u = await store.getUser(tx, userId)
      if (u === undefined) throw new UserNotFoundError(`no user ${userId}`)
      await store.setActiveUserId(tx, userId)
      return toUser(u, userId)
    })
  }

  async #deleteUser(userId: number): Promise<void> {
    await this.#user(userId)
    const conns = await this.#db.read((tx) => store.listConns(tx))
    for (const c of conns.filter((x) => x.userId === userId)) {
      await this.#deleteAgentConn(c.connId)
      await this.#db.transaction((tx) => store.deleteConn(tx, c.connId))
    }
    await this.#db.transaction(async (tx) => {
      await store.deleteUserRecords(tx, userId)
      if ((await store.getActiveUserId(tx)) === userId) await store.setActiveUserId(tx, undefined)
    })
  }

  async #deleteAgentConn(connId: string): Promise<void> {
    try {
      await this.agent.deleteConnection(connId)
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'CONN NOT_FOUND') throw e
    }
  }

  // --- connecting ---

  createInvitation(
    options?: UserOption & SignalOption & { readonly incognito?: IncognitoOption },
  ): Promise<PendingConnection> {
    return this.#runAbortable(options?.signal, async () => {
      const userId = await this.#userId(options)
      const incognito = this.#incognito(options?.incognito)
      const { connId, link } = await this.agent.createConnection()
      const rec: store.ConnRec = {
        connId,
        userId,
        entity: 'pending',
        pendingKind: 'invitation',
        link,
        ...(incognito === undefined ? {} : { incognito }),
        status: 'new',
        lastRcvMsgId: 0,
        createdAt: Date.now(),
      }
      await this.#db.transaction((tx) => store.putConn(tx, rec))
      return toPending(rec)
    })
  }

  connect(
    link: string,
    options?: UserOption & SignalOption & { readonly incognito?: IncognitoOption },
  ): Promise<PendingConnection> {
    return this.#runAbortable(options?.signal, async () => {
      const userId = await this.#userId(options)
      const req = parseConnectionRequest(link)
      const incognito = this.#incognito(options?.incognito)
      const profile = await this.#shownProfile(userId, incognito)
      const base = {
        userId,
        entity: 'pending' as const,
        ...(incognito === undefined ? {} : { incognito }),
        lastRcvMsgId: 0,
        createdAt: Date.now(),
      }
      if (req.mode === 'invitation') {
        const connId = await this.agent.joinConnection(link, this.#infoBody(profile))
        const rec: store.ConnRec = { ...base, connId, pendingKind: 'joined', status: 'joined' }
        await this.#db.transaction((tx) => store.putConn(tx, rec))
        return toPending(rec)
      }
      // a contact address: reuse the request id for this address, refuse one we are connected to (§4.2)
      const linkHash = this.#crypto.sha256(utf8(formatConnectionRequest(req)))
      const x = await this.#db.read((tx) => store.getXContact(tx, userId, linkHash))
      if (x?.contactId !== undefined) {
        const existing = await this.#db.read((tx) => store.getContact(tx, userId, x.contactId as number))
        if (existing !== undefined) {
          throw new ContactAlreadyExistsError(
            `already connected to ${existing.localDisplayName} via this address`,
            existing.contactId,
          )
        }
      }
      const xContactId = x?.xContactId ?? this.#crypto.randomBytes(16)
      const body = encodeChatMessage({ event: 'x.contact', params: { profile, contactReqId: xContactId } })
      const connId = await this.agent.joinConnection(link, body)
      const rec: store.ConnRec = {
        ...base,
        connId,
        pendingKind: 'requested',
        status: 'joined',
        xContactId,
        linkHash,
      }
      await this.#db.transaction(async (tx) => {
        await store.putConn(tx, rec)
        await store.putXContact(tx, userId, linkHash, { xContactId })
      })
      return toPending(rec)
    })
  }

  async pendingConnections(options?: UserOption): Promise<PendingConnection[]> {
    const userId = await this.#userId(options)
    const conns = await this.#db.read((tx) => store.listConns(tx))
    return conns
      .filter((c) => c.userId === userId && c.entity === 'pending')
      .sort((a, b) => a.createdAt - b.createdAt)
      .map(toPending)
  }

  deletePendingConnection(connId: string, options?: SignalOption): Promise<void> {
    return this.#runAbortable(options?.signal, async () => {
      const c = await this.#db.read((tx) => store.getConn(tx, connId))
      if (c === undefined || c.entity !== 'pending') {
        throw new PendingConnectionNotFoundError(`no pending connection ${connId}`)
      }
      await this.#deleteAgentConn(connId)
      await this.#db.transaction((tx) => store.deleteConn(tx, connId))
    })
  }

  // --- contact address ---

  createAddress(options?: UserOption & SignalOption): Promise<ContactAddress> {
    return this.#runAbortable(options?.signal, async () => {
      const userId = await this.#userId(options)
      if ((await this.#db.read((tx) => store.getAddress(tx, userId))) !== undefined) {
        throw new DuplicateContactLinkError(`user ${userId} already has a contact address`)
      }
      const { connId, link } = await this.agent.createAddress()
      const a: store.AddressRec = { userId, connId, link, autoAccept: false, autoAcceptIncognito: false }
      await this.#db.transaction(async (tx) => {
        await store.putAddress(tx, a)
        await store.putConn(tx, {
          connId,
          userId,
          entity: 'address',
          status: 'new',
          lastRcvMsgId: 0,
          createdAt: Date.now(),
        })
      })
      return toAddress(a)
    })
  }

  async address(options?: UserOption): Promise<ContactAddress | undefined> {
    const userId = await this.#userId(options)
    const a = await this.#db.read((tx) => store.getAddress(tx, userId))
    return a === undefined ? undefined : toAddress(a)
  }

  async #addressRec(userId: number): Promise<store.AddressRec> {
    const a = await this.#db.read((tx) => store.getAddress(tx, userId))
    if (a === undefined) throw new UserContactLinkNotFoundError(`user ${userId} has no contact address`)
    return a
  }

  deleteAddress(options?: UserOption & SignalOption): Promise<void> {
    return this.#runAbortable(options?.signal, async () => {
      const userId = await this.#userId(options)
      const a = await this.#addressRec(userId)
      await this.#deleteAgentConn(a.connId)
      await this.#db.transaction(async (tx) => {
        await store.deleteConn(tx, a.connId)
        await store.deleteAddress(tx, userId)
        for (const r of await store.listRequests(tx, userId))
          await store.deleteRequest(tx, userId, r.requestId)
      })
    })
  }

  setAutoAccept(
    on: boolean,
    options?: UserOption & { readonly autoReply?: MsgContent | string; readonly incognito?: boolean },
  ): Promise<ContactAddress> {
    return this.#run(async () => {
      const userId = await this.#userId(options)
      const a = await this.#addressRec(userId)
      const reply = options?.autoReply === undefined ? undefined : contentText(options.autoReply)
      const next: store.AddressRec = {
        userId: a.userId,
        connId: a.connId,
        link: a.link,
        autoAccept: on,
        autoAcceptIncognito: on && options?.incognito === true,
        ...(on && reply !== undefined ? { autoReply: encodeMsgContent(reply) } : {}),
      }
      await this.#db.transaction((tx) => store.putAddress(tx, next))
      return toAddress(next)
    })
  }

  async contactRequests(options?: UserOption): Promise<ContactRequest[]> {
    const userId = await this.#userId(options)
    return (await this.#db.read((tx) => store.listRequests(tx, userId))).map(toRequest)
  }

  async #requestRec(requestId: number): Promise<store.RequestRec> {
    const r = await this.#db.read(async (tx) => {
      const userId = await store.getOwner(tx, requestId)
      return userId === undefined ? undefined : store.getRequest(tx, userId, requestId)
    })
    if (r === undefined) throw new ContactRequestNotFoundError(`no contact request ${requestId}`)
    return r
  }

  acceptContactRequest(
    requestId: number,
    options?: SignalOption & { readonly incognito?: IncognitoOption },
  ): Promise<Contact> {
    return this.#runAbortable(options?.signal, async () => {
      const r = await this.#requestRec(requestId)
      return toContact(await this.#accept(r, this.#incognito(options?.incognito)))
    })
  }

  /** `ACPT` with own `x.info`; the contact exists from now on, ready after `CON` (§4.2). */
  async #accept(r: store.RequestRec, incognito: Profile | undefined): Promise<store.ContactRec> {
    const profile = await this.#shownProfile(r.userId, incognito)
    const connId = await this.agent.acceptContact(r.invitationId, this.#infoBody(profile))
    return this.#db.transaction(async (tx) => {
      const contactId = await store.nextId(tx)
      const ct: store.ContactRec = {
        contactId,
        userId: r.userId,
        localDisplayName: await store.uniqueLocalName(tx, r.userId, r.profile.displayName),
        profile: r.profile,
        ...(incognito === undefined ? {} : { incognito }),
        connIds: [connId],
        ready: false,
        viaAddress: true,
        ...(r.xContactId === undefined ? {} : { xContactId: r.xContactId }),
        createdAt: Date.now(),
      }
      await store.putContact(tx, ct)
      await store.putConn(tx, {
        connId,
        userId: r.userId,
        entity: 'contact',
        contactId,
        ...(incognito === undefined ? {} : { incognito }),
        status: 'joined',
        viaAddress: true,
        lastRcvMsgId: 0,
        createdAt: Date.now(),
      })
      await store.deleteRequest(tx, r.userId, r.requestId)
      return ct
    })
  }

  rejectContactRequest(requestId: number): Promise<void> {
    return this.#run(async () => {
      const r = await this.#requestRec(requestId)
      await this.#rejectInvitation(r.invitationId)
      await this.#db.transaction((tx) => store.deleteRequest(tx, r.userId, r.requestId))
    })
  }

  async #rejectInvitation(invitationId: string): Promise<void> {
    try {
      await this.agent.rejectContact(invitationId)
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'CONN NOT_FOUND') throw e
    }
  }

  // --- contacts ---

  async contacts(options?: UserOption): Promise<Contact[]> {
    const userId = await this.#userId(options)
    return (await this.#db.read((tx) => store.listContacts(tx, userId))).map(toContact)
  }

  async contact(contactId: number): Promise<Contact> {
    return toContact(await this.#contactRec(contactId))
  }

  async contactByName(name: string, options?: UserOption): Promise<Contact | undefined> {
    return (await this.contacts(options)).find((c) => c.localDisplayName === name)
  }

  deleteContact(contactId: number, options?: SignalOption): Promise<void> {
    return this.#runAbortable(options?.signal, async () => {
      const ct = await this.#contactRec(contactId)
      for (const connId of ct.connIds) {
        await this.#deleteAgentConn(connId)
        await this.#db.transaction((tx) => store.deleteConn(tx, connId))
      }
      await this.#db.transaction((tx) => store.deleteContact(tx, ct.userId, contactId))
    })
  }

  // --- messages ---

  sendText(
    contactId: number,
    text: string,
    options?: SignalOption & { readonly quote?: number },
  ): Promise<ChatItem> {
    return this.sendMessage(contactId, { type: 'text', text }, options)
  }

  sendMessage(
    contactId: number,
    content: MsgContent,
    options?: SignalOption & { readonly quote?: number },
  ): Promise<ChatItem> {
    return this.#runAbortable(options?.signal, async () => {
      const ct = await this.#contactRec(contactId)
      let quote: QuotedMsg | undefined
      let quoteRec: store.ItemRec['quote']
      if (options?.quote !== undefined) {
        const q = await this.#db.read((tx) =>
          store.getItem(tx, ct.userId, contactId, options.quote as number),
        )
        if (q === undefined)
          throw new ChatItemNotFoundError(`no item ${options.quote} with contact ${contactId}`)
        if (q.deleted) throw new InvalidQuoteError(`item ${q.itemId} is deleted`)
        const qc = quoteContent(readContent(q.content), content)
        quote = {
          msgRef: {
            ...(q.sharedMsgId === undefined ? {} : { msgId: q.sharedMsgId }),
            sentAt: q.sentAt,
            sent: q.dir === 'snd',
          },
          content: qc,
        }
        quoteRec = {
          itemId: q.itemId,
          ...(q.sharedMsgId === undefined ? {} : { sharedMsgId: q.sharedMsgId }),
          sentAt: q.sentAt,
          sent: q.dir === 'snd',
          content: encodeMsgContent(qc),
        }
      }
      const contentJson = encodeMsgContent(content)
      const { agentMsgId, sharedMsgId } = await this.#send(ct, {
        event: 'x.msg.new',
        params: quote === undefined ? { content } : { content, quote },
      })
      const item = await this.#db.transaction(async (tx) => {
        const i: store.ItemRec = {
          itemId: await store.nextId(tx),
          userId: ct.userId,
          contactId,
          dir: 'snd',
          sharedMsgId,
          content: contentJson,
          ...(quoteRec === undefined ? {} : { quote: quoteRec }),
          sentAt: utcTimeFromDate(new Date()),
          createdAt: Date.now(),
          edited: false,
          deleted: false,
          status: 'sndNew',
        }
        await store.putItem(tx, i)
        await store.putSndMsg(tx, ct.connIds[0] as string, agentMsgId, i)
        return i
      })
      return toItem(item)
    })
  }

  async #itemRec(contactId: number, itemId: number): Promise<{ ct: store.ContactRec; item: store.ItemRec }> {
    const ct = await this.#contactRec(contactId)
    const item = await this.#db.read((tx) => store.getItem(tx, ct.userId, contactId, itemId))
    if (item === undefined) throw new ChatItemNotFoundError(`no item ${itemId} with contact ${contactId}`)
    return { ct, item }
  }

  editMessage(contactId: number, itemId: number, content: MsgContent | string): Promise<ChatItem> {
    return this.#run(async () => {
      const { ct, item } = await this.#itemRec(contactId, itemId)
      if (item.dir !== 'snd' || item.sharedMsgId === undefined || item.deleted) {
        throw new InvalidChatItemUpdateError(`item ${itemId} is not an own message that can be edited`)
      }
      const c = contentText(content)
      const contentJson = encodeMsgContent(c)
      await this.#send(ct, { event: 'x.msg.update', params: { msgId: item.sharedMsgId, content: c } })
      const next: store.ItemRec = { ...item, content: contentJson, edited: true }
      await this.#db.transaction((tx) => store.putItem(tx, next))
      return toItem(next)
    })
  }

  deleteMessage(
    contactId: number,
    itemId: number,
    options?: { readonly forEveryone?: boolean },
  ): Promise<ChatItem | undefined> {
    return this.#run(async () => {
      const { ct, item } = await this.#itemRec(contactId, itemId)
      const forEveryone = options?.forEveryone ?? (item.dir === 'snd' && !item.deleted)
      if (!forEveryone) {
        await this.#db.transaction((tx) => store.deleteItem(tx, item))
        return undefined
      }
      if (item.dir !== 'snd' || item.sharedMsgId === undefined || item.deleted) {
        throw new InvalidChatItemDeleteError(
          `item ${itemId} is not an own message that can be deleted for everyone`,
        )
      }
      await this.#send(ct, { event: 'x.msg.del', params: { msgId: item.sharedMsgId } })
      const next: store.ItemRec = { ...item, content: DELETED_CONTENT, deleted: true }
      await this.#db.transaction((tx) => store.putItem(tx, next))
      return toItem(next)
    })
  }

  updateProfile(profile: Profile, options?: UserOption & SignalOption): Promise<User> {
    return this.#runAbortable(options?.signal, async () => {
      validateProfile(profile)
      const userId = await this.#userId(options)
      const u = await this.#user(userId)
      const p = cleanProfile(profile)
      const next: store.UserRec = { ...u, profile: p }
      const active = await this.#db.transaction(async (tx) => {
        await store.putUser(tx, next)
        return store.getActiveUserId(tx)
      })
      if (!sameProfile(u.profile, p)) {
        // v3.1 sends the new profile to every contact whose connection can send (§4.4);
        // incognito contacts never learn the main profile
        const contacts = await this.#db.read((tx) => store.listContacts(tx, userId))
        for (const ct of contacts) {
          if (ct.incognito !== undefined || !ct.ready) continue
          try {
            await this.#send(ct, { event: 'x.info', params: { profile: p } })
          } catch (e) {
            this.#emitError(userId, ct.contactId, e)
          }
        }
      }
      return toUser(next, active)
    })
  }

  async history(
    contactId: number,
    options?: { readonly before?: number; readonly limit?: number },
  ): Promise<ChatItem[]> {
    const ct = await this.#contactRec(contactId)
    const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(options?.limit ?? 50)))
    const items = await this.#db.read((tx) =>
      store.pageItems(tx, ct.userId, contactId, options?.before, limit),
    )
    return items.map(toItem)
  }

  // --- agent events ---

  async #onAgentEvent(e: AgentEvent): Promise<void> {
    switch (e.type) {
      case 'down':
      case 'up':
      case 'end':
        this.#emit({ type: 'agent', event: e })
        return
      case 'sent':
        return
      case 'delivered':
      case 'message-error':
        return this.#onDelivery(e.connId, e.msgId, e.type === 'delivered' ? 'sndSent' : 'sndError', e)
      case 'error': {
        const conn =
          e.connId === undefined
            ? undefined
            : await this.#db.read((tx) => store.getConn(tx, e.connId as string))
        this.#emitError(conn?.userId, conn?.contactId, e.error)
        return
      }
    }
    const conn = await this.#db.read((tx) => store.getConn(tx, e.connId))
    if (conn === undefined) {
      this.#emitError(
        undefined,
        undefined,
        new ConnectionNotFoundError(`agent event ${e.type} on unknown connection ${e.connId}`),
      )
      return
    }
    switch (e.type) {
      case 'confirmation':
        return this.#onConfirmation(conn, e.confId, e.info)
      case 'info':
        return this.#onInfo(conn, e.info)
      case 'connected':
        return this.#onConnected(conn)
      case 'request':
        return this.#onRequest(conn, e.invitationId, e.info)
      case 'message':
        return this.#onMessage(conn, e)
    }
  }

  async #onDelivery(
    connId: string,
    agentMsgId: number,
    status: 'sndSent' | 'sndError',
    e: AgentEvent,
  ): Promise<void> {
    const updated = await this.#db.transaction(async (tx) => {
      const ref = await store.getSndMsg(tx, connId, agentMsgId)
      if (ref === undefined) return undefined
      await store.deleteSndMsg(tx, connId, agentMsgId)
      const item = await store.getItem(tx, ref.userId, ref.contactId, ref.itemId)
      if (item === undefined) return undefined
      await store.putItem(tx, { ...item, status })
      return item
    })
    if (updated !== undefined) {
      this.#emit({
        type: 'messageStatus',
        userId: updated.userId,
        contactId: updated.contactId,
        itemId: updated.itemId,
        status,
      })
    }
    if (e.type === 'message-error') this.#emitError(updated?.userId, updated?.contactId, e.error)
  }

  /** Parse connection info; a malformed one is reported and yields `undefined`. */
  #parseInfo(conn: store.ConnRec, info: Uint8Array): ChatMessage | undefined {
    const r = parseChatMessage(info)
    if (!r.ok) {
      this.#emitError(conn.userId, conn.contactId, r.error)
      return undefined
    }
    return r.message
  }

  /** Create the contact of a pending connection from the peer's `x.info`. */
  async #contactFromInfo(
    tx: Tx,
    conn: store.ConnRec,
    profile: Profile,
    status: string,
  ): Promise<store.ContactRec> {
    const contactId = await store.nextId(tx)
    const ct: store.ContactRec = {
      contactId,
      userId: conn.userId,
      localDisplayName: await store.uniqueLocalName(tx, conn.userId, profile.displayName),
      profile: cleanProfile(profile),
      ...(conn.incognito === undefined ? {} : { incognito: conn.incognito }),
      connIds: [conn.connId],
      ready: false,
      viaAddress: false,
      ...(conn.xContactId === undefined ? {} : { xContactId: conn.xContactId }),
      createdAt: Date.now(),
    }
    await store.putContact(tx, ct)
    const { pendingKind: _k, link: _l, ...rest } = conn
    await store.putConn(tx, { ...rest, entity: 'contact', contactId, status })
    if (conn.linkHash !== undefined && conn.xContactId !== undefined) {
      await store.putXContact(tx, conn.userId, conn.linkHash, { xContactId: conn.xContactId, contactId })
    }
    return ct
  }

  /** `CONF` at the initiator: the joiner's `x.info` makes the contact, then `LET` with own `x.info` (§4.1). */
  async #onConfirmation(conn: store.ConnRec, confId: string, info: Uint8Array): Promise<void> {
    if (conn.entity !== 'pending') {
      this.#emitError(
        conn.userId,
        conn.contactId,
        new ChatMessageError('confirmation on an established connection'),
      )
      return
    }
    const msg = this.#parseInfo(conn, info)
    if (msg === undefined) return
    if (msg.event === 'x.info') {
      const ct = await this.#db.transaction((tx) =>
        this.#contactFromInfo(tx, conn, msg.params.profile, 'requested'),
      )
      this.#emit({ type: 'contactConnecting', userId: conn.userId, contact: toContact(ct) })
    } else {
      this.#emit({
        type: 'unknownEvent',
        userId: conn.userId,
        contactId: undefined,
        tag: chatEventTag(msg),
        params: paramsText(msg),
      })
    }
    await this.#allow(conn, confId)
  }

  /** `LET` with the shown profile; a failure leaves the status `requested`, retried on the next start. */
  async #allow(conn: store.ConnRec, id: string): Promise<void> {
    const profile = await this.#shownProfile(conn.userId, conn.incognito)
    try {
      await this.agent.allowConnection(id, this.#infoBody(profile))
    } catch (e) {
      // allowed before the status was saved: nothing is pending in the agent any more
      if ((e as { code?: unknown }).code !== 'CONN NOT_FOUND' || id !== conn.connId) throw e
    }
    await this.#db.transaction(async (tx) => {
      const c = await store.getConn(tx, conn.connId)
      if (c !== undefined) await store.putConn(tx, { ...c, status: 'accepted' })
    })
  }

  /** `INFO` at the joiner: the initiator's `x.info` makes the contact (§4.1). */
  async #onInfo(conn: store.ConnRec, info: Uint8Array): Promise<void> {
    const msg = this.#parseInfo(conn, info)
    if (msg === undefined) return
    if (conn.entity === 'pending' && msg.event === 'x.info') {
      const ct = await this.#db.transaction((tx) =>
        this.#contactFromInfo(tx, conn, msg.params.profile, 'snd-ready'),
      )
      this.#emit({ type: 'contactConnecting', userId: conn.userId, contact: toContact(ct) })
      return
    }
    await this.#db.transaction((tx) => store.putConn(tx, { ...conn, status: 'snd-ready' }))
  }

  /** `CON`: the contact is ready; auto-reply for address contacts, then probes (§4.2, §4.8). */
  async #onConnected(conn: store.ConnRec): Promise<void> {
    if (conn.entity !== 'contact' || conn.contactId === undefined) return
    const ct = await this.#db.transaction(async (tx) => {
      await store.putConn(tx, { ...conn, status: 'ready' })
      const c = await store.getContact(tx, conn.userId, conn.contactId as number)
      if (c === undefined) return undefined
      const next = { ...c, ready: true }
      await store.putContact(tx, next)
      return next
    })
    if (ct === undefined) return
    this.#emit({ type: 'contactConnected', userId: ct.userId, contact: toContact(ct) })
    if (ct.viaAddress) {
      const a = await this.#db.read((tx) => store.getAddress(tx, ct.userId))
      if (a?.autoAccept === true && a.autoReply !== undefined) {
        const content = readContent(a.autoReply)
        const { agentMsgId, sharedMsgId } = await this.#send(ct, { event: 'x.msg.new', params: { content } })
        await this.#db.transaction(async (tx) => {
          const i: store.ItemRec = {
            itemId: await store.nextId(tx),
            userId: ct.userId,
            contactId: ct.contactId,
            dir: 'snd',
            sharedMsgId,
            content: a.autoReply as string,
            sentAt: utcTimeFromDate(new Date()),
            createdAt: Date.now(),
            edited: false,
            deleted: false,
            status: 'sndNew',
          }
          await store.putItem(tx, i)
          await store.putSndMsg(tx, conn.connId, agentMsgId, i)
        })
      }
    }
    if (this.#probe) await this.#probeMatchingContacts(ct)
  }

  /** `REQ` at the user's address: create or update the request, or accept it at once (§4.2). */
  async #onRequest(conn: store.ConnRec, invitationId: string, info: Uint8Array): Promise<void> {
    if (conn.entity !== 'address') return
    const msg = this.#parseInfo(conn, info)
    if (msg === undefined) return
    let profile: Profile
    let xContactId: Uint8Array | undefined
    if (msg.event === 'x.contact') {
      profile = cleanProfile(msg.params.profile)
      xContactId = msg.params.contactReqId
    } else if (msg.event === 'x.info') {
      profile = cleanProfile(msg.params.profile)
    } else {
      this.#emit({
        type: 'unknownEvent',
        userId: conn.userId,
        contactId: undefined,
        tag: chatEventTag(msg),
        params: paramsText(msg),
      })
      return
    }
    const userId = conn.userId
    const result = await this.#db.transaction(async (tx) => {
      if (xContactId !== undefined) {
        const x = xContactId
        const contact = (await store.listContacts(tx, userId)).find(
          (c) => c.xContactId !== undefined && equalBytes(c.xContactId, x),
        )
        if (contact !== undefined) return { kind: 'contact' as const }
        const existing = (await store.listRequests(tx, userId)).find(
          (r) => r.xContactId !== undefined && equalBytes(r.xContactId, x),
        )
        if (existing !== undefined) {
          const r: store.RequestRec = { ...existing, invitationId, profile }
          await store.putRequest(tx, r)
          return { kind: 'request' as const, r, replaced: existing.invitationId }
        }
      }
      const r: store.RequestRec = {
        requestId: await store.nextId(tx),
        userId,
        invitationId,
        profile,
        ...(xContactId === undefined ? {} : { xContactId }),
        createdAt: Date.now(),
      }
      await store.putRequest(tx, r)
      return { kind: 'request' as const, r, replaced: undefined }
    })
    if (result.kind === 'contact') {
      // a repeated request from an existing contact: nothing new is created
      await this.#rejectInvitation(invitationId)
      return
    }
    if (result.replaced !== undefined) await this.#rejectInvitation(result.replaced)
    const a = await this.#db.read((tx) => store.getAddress(tx, userId))
    if (a?.autoAccept === true) {
      const incognito = a.autoAcceptIncognito ? randomIncognitoProfile(this.#crypto) : undefined
      const ct = await this.#accept(result.r, incognito)
      this.#emit({ type: 'contactConnecting', userId, contact: toContact(ct) })
      return
    }
    this.#emit({ type: 'contactRequest', userId, request: toRequest(result.r) })
  }

  /** Mark an agent message processed (in the transaction that stores its effects). */
  async #processed(tx: Tx, connId: string, agentMsgId: number): Promise<void> {
    const c = await store.getConn(tx, connId)
    if (c !== undefined && c.lastRcvMsgId < agentMsgId)
      await store.putConn(tx, { ...c, lastRcvMsgId: agentMsgId })
  }

  /** `MSG`: parse without throwing, dispatch by event; every outcome is acknowledged (§1, §4). */
  async #onMessage(conn: store.ConnRec, e: MessageEvent): Promise<void> {
    if (e.msgId <= conn.lastRcvMsgId) return // a redelivery we already processed
    const userId = conn.userId
    const ct =
      conn.entity === 'contact' && conn.contactId !== undefined
        ? await this.#db.read((tx) => store.getContact(tx, userId, conn.contactId as number))
        : undefined
    const done = (): Promise<void> => this.#db.transaction((tx) => this.#processed(tx, conn.connId, e.msgId))
    const r = parseChatMessage(e.body)
    if (!r.ok) {
      await done()
      this.#emitError(userId, ct?.contactId, r.error)
      return
    }
    const msg = r.message
    if (ct === undefined) {
      await done()
      this.#emit({
        type: 'unknownEvent',
        userId,
        contactId: undefined,
        tag: chatEventTag(msg),
        params: paramsText(msg),
      })
      return
    }
    if (e.integrity !== null) {
      this.#emit({ type: 'messageIntegrity', userId, contactId: ct.contactId, integrity: e.integrity })
    }
    const brokerTs: UtcTime = { seconds: e.brokerTs, picos: 0 }
    switch (msg.event) {
      case 'x.msg.new':
        return this.#newMessage(conn, ct, e.msgId, msg.msgId, msg.params.content, msg.params.quote, brokerTs)
      case 'x.file':
        return this.#newMessage(conn, ct, e.msgId, msg.msgId, { type: 'file', text: '' }, undefined, brokerTs)
      case 'x.msg.update':
        return this.#messageUpdate(conn, ct, e.msgId, msg.params.msgId, msg.params.content, brokerTs)
      case 'x.msg.del':
        return this.#messageDelete(conn, ct, e.msgId, msg.params.msgId)
      case 'x.info':
        return this.#contactInfo(conn, ct, e.msgId, msg.params.profile)
      case 'x.info.probe':
        await done()
        return this.#xInfoProbe(ct, msg.params.probe)
      case 'x.info.probe.check':
        await done()
        return this.#xInfoProbeCheck(ct, msg.params.probeHash)
      case 'x.info.probe.ok':
        await done()
        return this.#xInfoProbeOk(ct, msg.params.probe)
      default:
        await done()
        this.#emit({
          type: 'unknownEvent',
          userId,
          contactId: ct.contactId,
          tag: chatEventTag(msg),
          params: paramsText(msg),
        })
    }
  }

  async #newMessage(
    conn: store.ConnRec,
    ct: store.ContactRec,
    agentMsgId: number,
    sharedMsgId: Uint8Array | undefined,
    content: MsgContent,
    quote: QuotedMsg | undefined,
    brokerTs: UtcTime,
  ): Promise<void> {
    const item = await this.#db.transaction(async (tx) => {
      let q: store.ItemRec['quote']
      if (quote !== undefined) {
        // msgRef.sent is the sender's view: invert it for this side (direct chats, §4.3)
        const sent = !quote.msgRef.sent
        const ref = quote.msgRef.msgId
        const found =
          ref === undefined
            ? undefined
            : await store.findItemBySharedId(tx, ct.userId, ct.contactId, sent ? 'snd' : 'rcv', ref)
        q = {
          ...(found === undefined ? {} : { itemId: found.itemId }),
          ...(ref === undefined ? {} : { sharedMsgId: ref }),
          sentAt: quote.msgRef.sentAt,
          sent,
          content: encodeMsgContent(quote.content),
        }
      }
      const i: store.ItemRec = {
        itemId: await store.nextId(tx),
        userId: ct.userId,
        contactId: ct.contactId,
        dir: 'rcv',
        ...(sharedMsgId === undefined ? {} : { sharedMsgId }),
        content: encodeMsgContent(content),
        ...(q === undefined ? {} : { quote: q }),
        sentAt: brokerTs,
        createdAt: Date.now(),
        edited: false,
        deleted: false,
        status: 'rcv',
      }
      await store.putItem(tx, i)
      await this.#processed(tx, conn.connId, agentMsgId)
      return i
    })
    this.#emit({ type: 'newMessage', userId: ct.userId, contact: toContact(ct), item: toItem(item) })
  }

  /** `x.msg.update`: only the author's own items; an unknown id creates the item (§4.3). */
  async #messageUpdate(
    conn: store.ConnRec,
    ct: store.ContactRec,
    agentMsgId: number,
    sharedMsgId: Uint8Array,
    content: MsgContent,
    brokerTs: UtcTime,
  ): Promise<void> {
    const r = await this.#db.transaction(async (tx) => {
      await this.#processed(tx, conn.connId, agentMsgId)
      const rcv = await store.findItemBySharedId(tx, ct.userId, ct.contactId, 'rcv', sharedMsgId)
      if (rcv !== undefined) {
        if (rcv.deleted) return { error: 'x.msg.update: the message was deleted' }
        const next: store.ItemRec = { ...rcv, content: encodeMsgContent(content), edited: true }
        await store.putItem(tx, next)
        return { item: next }
      }
      if ((await store.findItemBySharedId(tx, ct.userId, ct.contactId, 'snd', sharedMsgId)) !== undefined) {
        return { error: 'x.msg.update: contact attempted invalid message update' }
      }
      const i: store.ItemRec = {
        itemId: await store.nextId(tx),
        userId: ct.userId,
        contactId: ct.contactId,
        dir: 'rcv',
        sharedMsgId,
        content: encodeMsgContent(content),
        sentAt: brokerTs,
        createdAt: Date.now(),
        edited: true,
        deleted: false,
        status: 'rcv',
      }
      await store.putItem(tx, i)
      return { item: i }
    })
    if (r.item === undefined) {
      this.#emitError(ct.userId, ct.contactId, new ChatMessageError(r.error))
      return
    }
    this.#emit({ type: 'messageUpdated', userId: ct.userId, contact: toContact(ct), item: toItem(r.item) })
  }

  /** `x.msg.del`: only the author's own items are marked deleted (§4.3). */
  async #messageDelete(
    conn: store.ConnRec,
    ct: store.ContactRec,
    agentMsgId: number,
    sharedMsgId: Uint8Array,
  ): Promise<void> {
    const r = await this.#db.transaction(async (tx) => {
      await this.#processed(tx, conn.connId, agentMsgId)
      const rcv = await store.findItemBySharedId(tx, ct.userId, ct.contactId, 'rcv', sharedMsgId)
      if (rcv === undefined) {
        const own = await store.findItemBySharedId(tx, ct.userId, ct.contactId, 'snd', sharedMsgId)
        return {
          error:
            own === undefined
              ? new ChatItemNotFoundError('x.msg.del: no message with this id')
              : new ChatMessageError('x.msg.del: contact attempted invalid message delete'),
        }
      }
      if (rcv.deleted) return {}
      const next: store.ItemRec = { ...rcv, content: DELETED_CONTENT, deleted: true }
      await store.putItem(tx, next)
      return { item: next, before: rcv }
    })
    if (r.error !== undefined) this.#emitError(ct.userId, ct.contactId, r.error)
    if (r.item !== undefined && r.before !== undefined) {
      this.#emit({
        type: 'messageDeleted',
        userId: ct.userId,
        contact: toContact(ct),
        item: toItem(r.item),
        deletedContent: readContent(r.before.content),
      })
    }
  }

  /** `x.info` from a contact: a new profile (§4.4). */
  async #contactInfo(
    conn: store.ConnRec,
    ct: store.ContactRec,
    agentMsgId: number,
    profile: Profile,
  ): Promise<void> {
    const p = cleanProfile(profile)
    const next = await this.#db.transaction(async (tx) => {
      await this.#processed(tx, conn.connId, agentMsgId)
      if (sameProfile(ct.profile, p)) return undefined
      const localDisplayName =
        p.displayName === ct.profile.displayName
          ? ct.localDisplayName
          : await store.uniqueLocalName(tx, ct.userId, p.displayName, ct.contactId)
      const c: store.ContactRec = { ...ct, profile: p, localDisplayName }
      await store.putContact(tx, c)
      return c
    })
    if (next !== undefined) {
      this.#emit({
        type: 'contactUpdated',
        userId: ct.userId,
        before: toContact(ct),
        contact: toContact(next),
      })
    }
  }

  // --- duplicate-contact probes (§4.8) ---

  /**
   * A new contact has the same profile as existing ones: send it a probe and the probe's hash to
   * the others. (v3.1 does this for contacts met in groups; here for every new contact, since a
   * person reached twice through links is the same duplicate.) Incognito contacts never take part.
   */
  async #probeMatchingContacts(ct: store.ContactRec): Promise<void> {
    if (ct.incognito !== undefined) return
    const matching = (await this.#db.read((tx) => store.listContacts(tx, ct.userId))).filter(
      (c) =>
        c.contactId !== ct.contactId &&
        c.incognito === undefined &&
        c.ready &&
        sameProfile(c.profile, ct.profile),
    )
    if (matching.length === 0) return
    const probe = randomBase64Id(this.#crypto, 32)
    await this.#db.transaction(async (tx) =>
      store.putProbe(tx, ct.userId, {
        kind: 'sent',
        id: await store.nextId(tx),
        contactId: ct.contactId,
        probe,
        hashSentTo: matching.map((c) => c.contactId),
      }),
    )
    await this.#send(ct, { event: 'x.info.probe', params: { probe } })
    const probeHash = this.#crypto.sha256(probe)
    for (const c of matching) {
      try {
        await this.#send(c, { event: 'x.info.probe.check', params: { probeHash } })
      } catch (e) {
        this.#emitError(c.userId, c.contactId, e)
      }
    }
  }

  /** A probe from c2: a hash of it received earlier from c1 means c1 and c2 are the same. */
  async #xInfoProbe(c2: store.ContactRec, probe: Uint8Array): Promise<void> {
    const probeHash = this.#crypto.sha256(probe)
    const c1Id = await this.#db.transaction(async (tx) => {
      const rows = await store.listProbes(tx, c2.userId)
      const match = rows.find(
        (r) => r.kind === 'rcv' && r.probe === undefined && equalBytes(r.probeHash, probeHash),
      )
      await store.putProbe(tx, c2.userId, {
        kind: 'rcv',
        id: await store.nextId(tx),
        contactId: c2.contactId,
        probe,
        probeHash,
      })
      return match?.contactId
    })
    if (c1Id !== undefined) await this.#probeMatch(c1Id, c2.contactId, c2.userId, probe)
  }

  /** A probe hash from c1: the probe received earlier from c2 means c1 and c2 are the same. */
  async #xInfoProbeCheck(c1: store.ContactRec, probeHash: Uint8Array): Promise<void> {
    const match = await this.#db.transaction(async (tx) => {
      const rows = await store.listProbes(tx, c1.userId)
      const m = rows.find(
        (r) => r.kind === 'rcv' && r.probe !== undefined && equalBytes(r.probeHash, probeHash),
      )
      await store.putProbe(tx, c1.userId, {
        kind: 'rcv',
        id: await store.nextId(tx),
        contactId: c1.contactId,
        probeHash,
      })
      return m?.kind === 'rcv' && m.probe !== undefined ? { c2Id: m.contactId, probe: m.probe } : undefined
    })
    if (match !== undefined) await this.#probeMatch(c1.contactId, match.c2Id, c1.userId, match.probe)
  }

  /** Same profile on both: confirm with `x.info.probe.ok` to c1 and merge c2 into c1. */
  async #probeMatch(c1Id: number, c2Id: number, userId: number, probe: Uint8Array): Promise<void> {
    if (c1Id === c2Id) return
    const [c1, c2] = await this.#db.read((tx) =>
      Promise.all([store.getContact(tx, userId, c1Id), store.getContact(tx, userId, c2Id)]),
    )
    if (c1 === undefined || c2 === undefined || !sameProfile(c1.profile, c2.profile)) return
    if (c1.incognito !== undefined || c2.incognito !== undefined) return
    await this.#send(c1, { event: 'x.info.probe.ok', params: { probe } })
    await this.#merge(c1, c2)
  }

  /** `x.info.probe.ok` from c1 with the probe this user sent to c2 (whose hash went to c1): merge c2 into c1. */
  async #xInfoProbeOk(c1: store.ContactRec, probe: Uint8Array): Promise<void> {
    const rows = await this.#db.read((tx) => store.listProbes(tx, c1.userId))
    const sent = rows.find(
      (r) => r.kind === 'sent' && equalBytes(r.probe, probe) && r.hashSentTo.includes(c1.contactId),
    )
    if (sent === undefined || sent.contactId === c1.contactId) return
    const c2 = await this.#db.read((tx) => store.getContact(tx, c1.userId, sent.contactId))
    if (c2 !== undefined) await this.#merge(c1, c2)
  }

  /** Merge `from` into `to`: its connections and history move, `from` is deleted. */
  async #merge(to: store.ContactRec, from: store.ContactRec): Promise<void> {
    const merged = await this.#db.transaction(async (tx) => {
      const t = await store.getContact(tx, to.userId, to.contactId)
      const f = await store.getContact(tx, from.userId, from.contactId)
      if (t === undefined || f === undefined) return undefined
      for (const connId of f.connIds) {
        const c = await store.getConn(tx, connId)
        if (c !== undefined) await store.putConn(tx, { ...c, contactId: t.contactId })
      }
      await store.moveItems(tx, t.userId, f.contactId, t.contactId)
      const next: store.ContactRec = {
        ...t,
        connIds: [...t.connIds, ...f.connIds],
        ready: t.ready || f.ready,
      }
      await store.putContact(tx, next)
      await store.deleteContact(tx, f.userId, f.contactId)
      return { next, f }
    })
    if (merged !== undefined) {
      this.#emit({
        type: 'contactMerged',
        userId: to.userId,
        into: toContact(merged.next),
        merged: toContact(merged.f),
      })
    }
  }
}

function paramsText(msg: ChatMessage): string {
  if (msg.event === 'unknown') return writeJson(msg.params)
  try {
    const body = encodeChatMessage({ ...msg, msgId: undefined } as ChatMessage)
    const text = new TextDecoder().decode(body)
    const i = text.indexOf('"params":')
    return i < 0 ? '{}' : text.slice(i + 9, -1)
  } catch {
    return '{}'
  }
}
