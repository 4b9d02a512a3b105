/**
 * What a chat client shows: user profiles, contacts, contact requests,
 * pending connections, chat items, and the one typed event stream.
 *
 * @see ../shared/spec/chat.md §4
 */
import type { AgentEvent, MsgErrorType } from '@simplex-ts/agent'
import type { Profile } from '../contact'
import type { SharedMsgId } from '../container'
import type { MsgContent } from '../content'
import type { UtcTime } from '../time'

/** A local user profile; every profile has its own contacts, connections, address and history. */
export interface User {
  readonly userId: number
  /** The profile sent to contacts (`x.info`). */
  readonly profile: Profile
  /** Whether commands without an explicit `userId` act for this user. */
  readonly active: boolean
  readonly createdAt: Date
}

/**
 * A contact: a peer on a duplex connection.
 * @see ../shared/spec/chat.md §4.1, §4.2
 */
export interface Contact {
  /** Unique in the store (across users). */
  readonly contactId: number
  readonly userId: number
  /** Unique among the user's contacts: the peer's display name, suffixed `_1`, `_2`… on clashes. */
  readonly localDisplayName: string
  /** The profile the peer sent (its latest `x.info`). */
  readonly profile: Profile
  /** The profile this user shows to this contact instead of its own, when connected incognito. */
  readonly incognitoProfile?: Profile
  /** `true` once the connection is established (`CON`); messages flow both ways. */
  readonly ready: boolean
  /** `true` when the contact came through the user's contact address. */
  readonly viaAddress: boolean
  readonly createdAt: Date
}

/**
 * A request that arrived at the user's contact address, waiting for accept or reject.
 * @see ../shared/spec/chat.md §4.2
 */
export interface ContactRequest {
  /** Unique in the store. */
  readonly requestId: number
  readonly userId: number
  /** The requester's profile (from `x.contact` or `x.info`). */
  readonly profile: Profile
  readonly createdAt: Date
}

/**
 * A connection that is not a contact yet.
 * - `invitation`: this user created a one-time link, nobody joined yet;
 * - `joined`: this user joined someone's one-time link;
 * - `requested`: this user sent a request to someone's contact address.
 */
export interface PendingConnection {
  /** The agent connection id. */
  readonly connId: string
  readonly userId: number
  readonly kind: 'invitation' | 'joined' | 'requested'
  /** The link this user created (only `invitation`). */
  readonly link?: string
  /** The incognito profile this connection will show. */
  readonly incognitoProfile?: Profile
  readonly createdAt: Date
}

/** A user's contact address and its settings. */
export interface ContactAddress {
  readonly userId: number
  /** The contact link to publish (`https://simplex.chat/contact#/?…`). */
  readonly link: string
  /** Accept requests without asking. */
  readonly autoAccept: boolean
  /** With auto-accept: show a new random incognito profile to every accepted contact. */
  readonly autoAcceptIncognito: boolean
  /** With auto-accept: the message sent to every new contact once connected. */
  readonly autoReply?: MsgContent
}

/** A quoted message as this user sees it. @see ../shared/spec/chat.md §2.6, §4.3 */
export interface ChatItemQuote {
  /** The quoted item in this history, when it was found by its shared id. */
  readonly itemId?: number
  readonly sharedMsgId?: SharedMsgId
  /** The timestamp of the quoted item as the quoting side knew it. */
  readonly sentAt: UtcTime
  /** `true` when this user authored the quoted item. */
  readonly sent: boolean
  /** The quoted (possibly reduced) content. */
  readonly content: MsgContent
}

/**
 * Delivery state of an item: `sndNew` (stored in the agent's send queue), `sndSent` (accepted by
 * the relay), `sndError` (dropped: the peer's queue is gone), `rcv` (received).
 */
export type ChatItemStatus = 'sndNew' | 'sndSent' | 'sndError' | 'rcv'

/** One message in a contact's history. @see ../shared/spec/chat.md §4.3 */
export interface ChatItem {
  /** Unique in the store, increasing in creation order. */
  readonly itemId: number
  readonly contactId: number
  readonly userId: number
  /** `snd`: this user sent it; `rcv`: the contact did. */
  readonly direction: 'snd' | 'rcv'
  /** The message's shared id (edits, deletes and quotes refer to it). */
  readonly sharedMsgId?: SharedMsgId
  /** The content; after a delete it is `{ type: 'text', text: '' }` and `deleted` is set. */
  readonly content: MsgContent
  /** The content's text (`msgContentText`). */
  readonly text: string
  readonly quote?: ChatItemQuote
  /** Sent time (own items) or the relay's timestamp (received items). */
  readonly sentAt: UtcTime
  readonly createdAt: Date
  readonly edited: boolean
  readonly deleted: boolean
  readonly status: ChatItemStatus
}

/** A contact is being connected: its profile arrived in the handshake (`CRContactConnecting`). */
export interface ContactConnectingEvent {
  readonly type: 'contactConnecting'
  readonly userId: number
  readonly contact: Contact
}

/** The connection with a contact is established (`CRContactConnected`). */
export interface ContactConnectedEvent {
  readonly type: 'contactConnected'
  readonly userId: number
  readonly contact: Contact
}

/** A request arrived at the user's contact address (`CRReceivedContactRequest`). */
export interface ContactRequestEvent {
  readonly type: 'contactRequest'
  readonly userId: number
  readonly request: ContactRequest
}

/** A new message from a contact (`CRNewChatItem`). */
export interface NewMessageEvent {
  readonly type: 'newMessage'
  readonly userId: number
  readonly contact: Contact
  readonly item: ChatItem
}

/** A contact edited its message (`CRChatItemUpdated`). */
export interface MessageUpdatedEvent {
  readonly type: 'messageUpdated'
  readonly userId: number
  readonly contact: Contact
  readonly item: ChatItem
}

/** A contact deleted its message for everyone (`CRChatItemDeleted`); `item` is the deleted state. */
export interface MessageDeletedEvent {
  readonly type: 'messageDeleted'
  readonly userId: number
  readonly contact: Contact
  readonly item: ChatItem
  /** The content before the delete. */
  readonly deletedContent: MsgContent
}

/** The relay accepted (`sndSent`) or dropped (`sndError`) a message this user sent. */
export interface MessageStatusEvent {
  readonly type: 'messageStatus'
  readonly userId: number
  readonly contactId: number
  readonly itemId: number
  readonly status: ChatItemStatus
}

/** A contact sent a new profile (`x.info`, `CRContactUpdated`). */
export interface ContactUpdatedEvent {
  readonly type: 'contactUpdated'
  readonly userId: number
  readonly before: Contact
  readonly contact: Contact
}

/**
 * Duplicate-contact probes showed that two contacts are the same person (`CRContactsMerged`):
 * `merged`'s connection and history now belong to `into`, and `merged` no longer exists.
 * @see ../shared/spec/chat.md §4.8
 */
export interface ContactMergedEvent {
  readonly type: 'contactMerged'
  readonly userId: number
  readonly into: Contact
  readonly merged: Contact
}

/**
 * A received message failed the agent's integrity check (skipped, bad id or hash, duplicate); the
 * message itself is still processed. v3.1 shows `MsgSkipped` as an item ("N skipped messages").
 * @see ../shared/spec/chat.md §5
 */
export interface MessageIntegrityEvent {
  readonly type: 'messageIntegrity'
  readonly userId: number
  readonly contactId: number
  readonly integrity: MsgErrorType
}

/** A chat event this version does not know or does not handle in this context; it was acknowledged. */
export interface UnknownChatEvent {
  readonly type: 'unknownEvent'
  readonly userId: number
  readonly contactId: number | undefined
  /** The wire event tag. */
  readonly tag: string
  /** The received params as JSON text. */
  readonly params: string
}

/** A failure nobody awaits: a malformed message (acknowledged anyway), an agent error, a handler's error. */
export interface ChatErrorEvent {
  readonly type: 'error'
  readonly userId: number | undefined
  readonly contactId: number | undefined
  readonly error: Error
}

/** Relay connectivity and subscription events passed through from the agent (`down`, `up`, `end`). */
export interface AgentPassThroughEvent {
  readonly type: 'agent'
  readonly event: AgentEvent
}

/**
 * Every event of a chat client. Consumers should ignore event types they do not know.
 * @see ../shared/spec/chat.md §4
 */
export type ChatClientEvent =
  | ContactConnectingEvent
  | ContactConnectedEvent
  | ContactRequestEvent
  | NewMessageEvent
  | MessageUpdatedEvent
  | MessageDeletedEvent
  | MessageStatusEvent
  | ContactUpdatedEvent
  | ContactMergedEvent
  | MessageIntegrityEvent
  | UnknownChatEvent
  | ChatErrorEvent
  | AgentPassThroughEvent

/** The type names of {@link ChatClientEvent}. */
export type ChatClientEventType = ChatClientEvent['type']
