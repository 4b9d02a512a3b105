/**
 * `@simplex-ts/agent`: duplex end-to-end encrypted connections over SMP queues.
 *
 * This entry point currently exposes the end-to-end encryption core: X3DH
 * (X448) and the double ratchet with header encryption, e2e version 1.
 * The agent itself (`createAgent`: handshakes, contact addresses, delivery,
 * the event stream) is built on it and exported below.
 * @packageDocumentation
 */

// --- e2e: errors ---
export {
  AgentError,
  RatchetError,
  CryptoHeaderError,
  CERatchetStateError,
  CERatchetHeaderError,
  CERatchetTooManySkippedError,
  CERatchetEarlierMessageError,
  CERatchetDuplicateMessageError,
  AgentProtocolError,
  CmdSyntaxError,
  AgentMessageError,
  AgentProhibitedError,
  AgentVersionError,
  ConnNotFoundError,
  ConnNotAvailableError,
  ConnNotAcceptedError,
  ConnSimplexError,
  CmdProhibitedError,
  CmdLargeError,
  AgentEncryptionError,
  AgentDuplicateError,
  AgentClosedError,
} from './errors'

// --- e2e: X3DH ---
export {
  type E2ERatchetParams,
  type E2ERatchetParamsUri,
  type GeneratedE2EParams,
  type RatchetInitParams,
  encodeE2ERatchetParams,
  decodeE2ERatchetParams,
  encodeE2ERatchetParamsUri,
  parseE2ERatchetParamsUri,
  e2eParamsToUri,
  e2eParamsAtVersion,
  generateE2EParams,
  x3dhSnd,
  x3dhRcv,
  initSndRatchet,
  initRcvRatchet,
} from './x3dh'

// --- e2e: double ratchet ---
export {
  E2E_ENCRYPT_VERSION,
  E2E_ENCRYPT_VRANGE,
  MAX_SKIP,
  PADDED_HEADER_LEN,
  FULL_HEADER_LEN,
  E2E_ENC_CONN_INFO_LENGTH,
  E2E_ENC_USER_MSG_LENGTH,
  type Ratchet,
  type SndRatchet,
  type RcvRatchet,
  type MsgHeader,
  type EncMessageHeader,
  type EncRatchetMessage,
  type RootKdfOutput,
  type ChainKdfOutput,
  type EncryptResult,
  type DecryptResult,
  type DecryptOptions,
  type RatchetReturnedError,
  encodeMsgHeader,
  decodeMsgHeader,
  encodeEncMessageHeader,
  decodeEncMessageHeader,
  encodeEncRatchetMessage,
  decodeEncRatchetMessage,
  rootKdf,
  chainKdf,
  rcEncrypt,
  rcDecrypt,
} from './ratchet'
export {
  type SkippedMessageKey,
  type SkippedMsgDiff,
  type SkippedHeaderKeys,
  NO_SKIPPED_CHANGE,
  groupSkippedKeys,
  applySkippedMsgDiff,
  encodeMessageKey,
  decodeMessageKey,
} from './ratchet/skipped'
export { type RatchetJson, ratchetToJson, encodeRatchetJson, decodeRatchetJson } from './ratchet/json'
export { encodeRatchet, decodeRatchet } from './ratchet/binary'

// --- wire: versions, queue references, links, envelopes, agent messages ---
export {
  AGENT_VERSION,
  AGENT_VRANGE,
  type JoinInvitationVersions,
  type JoinContactVersions,
  isDuplexHandshake,
  checkConfirmationVersion,
  checkClientVersion,
  negotiateInvitation,
  negotiateContact,
} from './version'
export {
  type SmpQueueInfo,
  encodeSmpQueueInfo,
  decodeSmpQueueInfo,
  queueInfoToUri,
  queueUriToInfo,
  compatibleQueueInfo,
  isQueueInfoCompatible,
} from './queue-info'
export {
  type ConnectionMode,
  type ConnReqScheme,
  type ConnReqUriData,
  type InvitationRequest,
  type ContactRequest,
  type ConnectionRequest,
  SIMPLEX_CHAT_SCHEME,
  newConnReqData,
  formatConnReqScheme,
  formatConnectionRequest,
  parseConnectionRequest,
  parseInvitationRequest,
} from './links'
export {
  type AgentMsgEnvelope,
  encodeAgentMsgEnvelope,
  decodeAgentMsgEnvelope,
  decodeAgentClientMessage,
} from './envelope'
export {
  type NonEmpty,
  type APrivHeader,
  type AMessage,
  type AgentMessage,
  type AgentMessageType,
  type MsgErrorType,
  type MsgIntegrity,
  encodeAMessage,
  decodeAMessage,
  encodeAPrivHeader,
  decodeAPrivHeader,
  encodeAgentMessage,
  decodeAgentMessage,
  agentMessageType,
  agentMessageHash,
  checkMsgIntegrity,
} from './messages'

// --- the agent: connections, delivery, events ---
export {
  type Agent,
  type AgentOptions,
  type AgentStats,
  type AppAckMode,
  type ConnectionInfo,
  type WaitOptions,
  createAgent,
} from './agent'
export { type RetryInterval, DEFAULT_RETRY_INTERVAL } from './delivery'
export type {
  AgentEvent,
  AgentEventType,
  ConfirmationEvent,
  RequestEvent,
  InfoEvent,
  ConnectedEvent,
  MessageEvent,
  SentEvent,
  DeliveredEvent,
  MessageErrorEvent,
  ServerEvent,
  EndEvent,
  ErrorEvent,
} from './events'
