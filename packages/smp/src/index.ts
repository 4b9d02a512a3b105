/**
 * `@simplex-ts/smp`: the SimpleX Messaging Protocol (SMP) codec for server
 * protocol versions 1–4: client commands, server messages, errors,
 * transmissions with their signing and credential rules, delivered-message
 * and notification encryption, the client message envelope, server addresses
 * and queue URIs. Usable by clients and by relay servers alike.
 * @packageDocumentation
 */

// --- versions ---
export {
  type SmpVersion,
  SMP_VERSION_MIN,
  SMP_VERSION_MAX,
  SMP_VERSION_MSG_FLAGS,
  SMP_VERSION_ENCRYPTED_META,
  SMP_VERSION_BATCH,
  SMP_SERVER_VERSION_RANGE,
  SMP_CLIENT_VERSION,
  SMP_CLIENT_VERSION_RANGE,
  checkSmpVersion,
} from './version'

// --- errors ---
export {
  type CommandErrorType,
  type ErrorType,
  COMMAND_ERROR_TYPES,
  ERROR_TYPES,
  SmpError,
  SmpProtocolError,
  SmpBlockError,
  SmpSessionError,
  SmpCmdUnknownError,
  SmpCmdSyntaxError,
  SmpCmdProhibitedError,
  SmpCmdNoAuthError,
  SmpCmdHasAuthError,
  SmpCmdNoEntityError,
  SmpAuthError,
  SmpQuotaError,
  SmpNoMsgError,
  SmpLargeMsgError,
  SmpInternalError,
  SmpDuplicateError,
  isErrorType,
  isSmpProtocolError,
  smpErrorFromType,
} from './errors'

// --- keys and flags ---
export type { PublicVerifyKey, PublicDhKey, PrivateSignKey } from './keys'
export { type MsgFlags, NO_MSG_FLAGS } from './flags'

// --- commands and responses ---
export {
  type Command,
  type CommandTag,
  type Party,
  type NewCommand,
  type SubCommand,
  type KeyCommand,
  type NKeyCommand,
  type NDelCommand,
  type GetCommand,
  type AckCommand,
  type OffCommand,
  type DelCommand,
  type SendCommand,
  type PingCommand,
  type NSubCommand,
  MAX_MESSAGE_LENGTH,
  COMMAND_TAGS,
  commandParty,
  encodeCommand,
  decodeCommand,
} from './commands'
export {
  type Response,
  type ResponseTag,
  type IdsResponse,
  type MsgResponse,
  type NidResponse,
  type NmsgResponse,
  type EndResponse,
  type OkResponse,
  type ErrResponse,
  type PongResponse,
  RESPONSE_TAGS,
  encodeResponse,
  decodeResponse,
} from './responses'

// --- transmissions ---
export {
  type TransmissionHeader,
  type RawTransmission,
  type ReceivedTransmission,
  type ReceivedOk,
  type ReceivedError,
  type ReceiveContext,
  type CommandTransmission,
  type ResponseTransmission,
  type QueueAuthKeys,
  encodeSigned,
  encodeTransmission,
  signTransmission,
  encodeCommandTransmission,
  encodeResponseTransmission,
  decodeRawTransmission,
  checkCommandCredentials,
  checkResponseCredentials,
  parseCommandTransmission,
  parseResponseTransmission,
  parseCommandBlock,
  parseResponseBlock,
  verifySignature,
  dummyVerify,
  verifyCommandAuth,
} from './transmission'

// --- delivered messages and notifications ---
export {
  type StoredMessage,
  type RcvMsgBody,
  type ReceivedMessage,
  RCV_BODY_PADDED_LENGTH_V1,
  RCV_BODY_PADDED_LENGTH,
  RCV_META_LENGTH,
  encodeRcvMsgBody,
  decodeRcvMsgBody,
  encryptDeliveredMessage,
  decryptDeliveredMessage,
} from './delivery'
export {
  type NMsgMeta,
  NMSG_META_PADDED_LENGTH,
  encodeNMsgMeta,
  decodeNMsgMeta,
  encryptNMsgMeta,
  decryptNMsgMeta,
  createMessageNotification,
} from './notifications'

// --- client message envelope ---
export {
  type PubHeader,
  type ClientMsgEnvelope,
  type PrivHeader,
  type ClientMessage,
  type SealClientMessageInput,
  E2E_ENC_CONFIRMATION_LENGTH,
  E2E_ENC_MESSAGE_LENGTH,
  encodePubHeader,
  decodePubHeader,
  encodeClientMsgEnvelope,
  decodeClientMsgEnvelope,
  encodeClientMessage,
  decodeClientMessage,
  e2eEncLength,
  sealClientMessage,
  openClientMessage,
} from './envelope'

// --- addresses and URIs ---
export {
  type ProtocolScheme,
  type ProtocolServer,
  type SmpServer,
  type SrvLoc,
  type SmpQueueUri,
  DEFAULT_SMP_PORT,
  DEFAULT_NTF_PORT,
  formatSrvLoc,
  parseSrvLoc,
  formatProtocolServer,
  parseProtocolServer,
  formatSmpServer,
  parseSmpServer,
  encodeProtocolServer,
  decodeProtocolServer,
  encodeSmpServer,
  decodeSmpServer,
  formatQueueUri,
  parseQueueUri,
} from './address'

// --- client ---
export {
  type SmpClient,
  type SmpClientOptions,
  type SendOptions,
  type ReconnectOptions,
  DEFAULT_RESPONSE_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  createSmpClient,
} from './client/client'
export { type SmpConnect, type SmpConnectOptions, webSocketConnect } from './client/connect'
export type { RecipientCredentials, SmpQueue, QueueNotifier, NotifierCredentials } from './client/queue'
export type {
  SmpClientEvent,
  SmpClientEventType,
  SmpMessageEvent,
  SmpNotificationEvent,
  SmpEndEvent,
  SmpDisconnectedEvent,
  SmpReconnectedEvent,
  SmpErrorEvent,
} from './client/events'
export {
  SmpClientError,
  SmpResponseTimeoutError,
  SmpConnectionLostError,
  SmpUnexpectedResponseError,
  SmpClientClosedError,
} from './client/errors'
