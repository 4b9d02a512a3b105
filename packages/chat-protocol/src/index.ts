/**
 * `@simplex-ts/chat-protocol`: the SimpleX Chat v3.1 message protocol —
 * the JSON chat message codec for every event, the shared types (profiles,
 * content, quotes, files, groups, calls) and the file chunk framing; the
 * chat client over the agent (`createChatClient`: profiles, contacts,
 * messages, typed events) and the bot API (`createBot`).
 *
 * @see ../shared/spec/chat.md
 * @packageDocumentation
 */
export {
  ChatError,
  ChatDecodeError,
  type ChatDecodeReason,
  ChatEncodeError,
  FileChunkDecodeError,
} from './errors'
export {
  type ChatMessage,
  type ChatMessageResult,
  type IgnoredFields,
  encodeChatMessage,
  encodeChatMessageText,
  decodeChatMessage,
  parseChatMessage,
} from './message'
export {
  type ChatEvent,
  type ChatEventTag,
  CHAT_EVENT_TAGS,
  isChatEventTag,
  hasNotification,
  chatEventTag,
  type XMsgNew,
  type XMsgUpdate,
  type XMsgDel,
  type XMsgDeleted,
  type XFile,
  type XFileAcpt,
  type XFileAcptInv,
  type XFileCancel,
  type XInfo,
  type XContact,
  type XGrpInv,
  type XGrpAcpt,
  type XGrpMemNew,
  type XGrpMemIntro,
  type XGrpMemInv,
  type XGrpMemFwd,
  type XGrpMemInfo,
  type XGrpMemCon,
  type XGrpMemConAll,
  type XGrpMemDel,
  type XGrpLeave,
  type XGrpDel,
  type XGrpInfo,
  type XInfoProbe,
  type XInfoProbeCheck,
  type XInfoProbeOk,
  type XCallInv,
  type XCallOffer,
  type XCallAnswer,
  type XCallExtra,
  type XCallEnd,
  type XOk,
  type XUnknown,
} from './events'
export type { SharedMsgId, MsgRef, QuotedMsg, MsgContainer } from './container'
export {
  type MsgContent,
  type MCText,
  type MCLink,
  type MCImage,
  type MCFile,
  type MCUnknown,
  type LinkPreview,
  UNKNOWN_MSG_TYPE,
  decodeMsgContent,
  encodeMsgContent,
  msgContentText,
} from './content'
export type { Profile, XContactId, Probe, ProbeHash, ConnReqInvitation } from './contact'
export {
  type GroupProfile,
  type MemberId,
  type MemberRole,
  MEMBER_ROLES,
  type MemberIdRole,
  type MemberInfo,
  type GroupInvitation,
  type IntroInvitation,
} from './group'
export {
  type FileInvitation,
  type FileChunk,
  FILE_CHUNK_SIZE,
  encodeFileChunk,
  decodeFileChunk,
} from './file'
export {
  type CallId,
  type CallMedia,
  CALL_MEDIA,
  type CallCapabilities,
  type CallType,
  type CallInvitation,
  type CallOffer,
  type CallAnswer,
  type CallExtraInfo,
  type WebRTCSession,
  type WebRTCExtraInfo,
} from './call'
export {
  type UtcTime,
  type UtcTimeReadResult,
  readUtcTime,
  formatUtcTime,
  utcTimeFromDate,
  utcTimeToDate,
} from './time'
export {
  type JsonValue,
  type JsonObject,
  JsonNumber,
  parseJson,
  writeJson,
  writeJsonString,
  renderNumber,
  compareKeys,
} from './json'
export {
  type Format,
  type FormatColor,
  type FormattedText,
  parseMarkdown,
  parseMaybeMarkdown,
  isValidEmail,
} from './markdown'
export {
  type ChatClient,
  type ChatClientOptions,
  type ChatUsers,
  type UserOption,
  type IncognitoOption,
  createChatClient,
} from './client/client'
export type {
  User,
  Contact,
  ContactRequest,
  PendingConnection,
  ContactAddress,
  ChatItem,
  ChatItemQuote,
  ChatItemStatus,
  ChatClientEvent,
  ChatClientEventType,
  ContactConnectingEvent,
  ContactConnectedEvent,
  ContactRequestEvent,
  NewMessageEvent,
  MessageUpdatedEvent,
  MessageDeletedEvent,
  MessageStatusEvent,
  ContactUpdatedEvent,
  ContactMergedEvent,
  UnknownChatEvent,
  ChatErrorEvent,
  AgentPassThroughEvent,
} from './client/types'
export {
  NoActiveUserError,
  UserNotFoundError,
  ContactNotFoundError,
  ContactNotReadyError,
  ContactAlreadyExistsError,
  ChatItemNotFoundError,
  InvalidQuoteError,
  InvalidChatItemUpdateError,
  InvalidChatItemDeleteError,
  DuplicateContactLinkError,
  UserContactLinkNotFoundError,
  ContactRequestNotFoundError,
  PendingConnectionNotFoundError,
  InvalidProfileError,
  ConnectionNotFoundError,
  ChatMessageError,
  ChatClosedError,
} from './client/errors'
export { randomIncognitoProfile } from './client/incognito'
export {
  type Bot,
  type BotOptions,
  type BotMessage,
  type BotReply,
  type BotMessageHandler,
  type BotCommandHandler,
  createBot,
} from './bot/bot'
