/**
 * `@simplex-ts/smp-server`: a runnable SMP relay (protocol versions 1–4).
 * @packageDocumentation
 */
export {
  SmpServerError,
  ServerConfigError,
  CliUsageError,
  AlreadyInitializedError,
  NotInitializedError,
  CertificateMissingError,
  FingerprintMismatchError,
  PortInUseError,
  StoreLogError,
  StoreClosedError,
  type SmpErrorType,
} from './errors'
export {
  type QueueStatus,
  type NtfCreds,
  type QueueRec,
  type Party,
  type StoreResult,
  QueueStore,
} from './queues'
export { type Message, MSG_QUEUE_QUOTA, MsgQueue, MsgStore } from './messages'
export { type StoreLogRecord, encodeStoreLogRecord, parseStoreLogRecord } from './storelog'
export { type MsgLogRecord, encodeMsgLogRecord, parseMsgLogRecord } from './msglog'
export { type Durability, AppendLog, GroupCommit } from './journal'
export {
  DEFAULT_MESSAGE_TTL,
  type ServerStoreOptions,
  type RestoreStats,
  ServerStore,
} from './persistence'
export {
  ID_BYTES,
  MAX_MESSAGE_LENGTH,
  type BrokerEvent,
  type BrokerResult,
  type BrokerOptions,
  BrokerSession,
  Broker,
} from './broker'
export { type RelayOptions, Relay } from './relay'
export {
  STORE_LOG_FILE,
  MESSAGES_FILE,
  DEFAULT_PORT,
  EXPIRE_INTERVAL_MS,
  type StartServerOptions,
  type RunningServer,
  startServer,
} from './server'
export { relayDirOf, startEmbeddedRelay } from './embedded'
export {
  CONFIG_FILE,
  type ServerConfig,
  type Ini,
  parseIni,
  parsePort,
  parseConfig,
  formatConfig,
} from './config'
