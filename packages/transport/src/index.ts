/**
 * `@simplex-ts/transport`: the SMP block transport, browser-safe part —
 * blocks, v4 batches, the hello handshake, typed errors, the transport
 * interface and the WebSocket client over an injected constructor.
 * TLS, the WebSocket server and certificates are in `@simplex-ts/transport/node`.
 * @packageDocumentation
 */
export {
  TransportError,
  BadBlockError,
  LargeMsgError,
  BadSessionError,
  type HandshakeErrorType,
  HandshakeError,
  HandshakeParseError,
  HandshakeVersionError,
  HandshakeIdentityError,
  CertificateError,
  EmptyChainError,
  AuthorityTooDeepError,
  UnknownCAError,
  InvalidSignatureError,
  CertificateExpiredError,
  CertificateInFutureError,
  NotAnAuthorityError,
  LeafNotV3Error,
  ConnectionClosedError,
  TransportTimeoutError,
  NetworkError,
  isTransportError,
} from './errors'
export {
  SMP_BLOCK_SIZE,
  NTF_BLOCK_SIZE,
  maxBlockContent,
  encodeBlock,
  decodeBlock,
  BlockFramer,
} from './block'
export {
  MAX_BATCH_ITEMS,
  BATCH_VERSION,
  isBatchVersion,
  type FramingOptions,
  type FramedBlock,
  type FramedTransmissions,
  type ReceivedTransmission,
  maxTransmissionLength,
  frameTransmissions,
  encodeBatch,
  decodeBatch,
  readTransmissions,
} from './batch'
export {
  SMP_VERSION_RANGE,
  type ServerHello,
  type ClientHello,
  type HelloChannel,
  type ClientHandshakeResult,
  encodeServerHello,
  decodeServerHello,
  encodeClientHello,
  decodeClientHello,
  negotiateClientVersion,
  checkServerHello,
  checkClientHello,
  clientHandshake,
  serverHandshake,
} from './handshake'
export {
  type BlockLink,
  BlockChannel,
  type TransportInfo,
  type Transport,
  createTransport,
  memoryChannelPair,
} from './transport'
export { DEFAULT_CONNECT_TIMEOUT_MS, withTimeout } from './deadline'
export { SMP_PING_INTERVAL_MS, type KeepAlive, startKeepAlive } from './keepalive'
export {
  SMP_WEBSOCKET_PORT,
  type WebSocketLike,
  type WebSocketConstructor,
  type WsConnectOptions,
  webSocketChannel,
  webSocketOpen,
  smpWebSocketUrl,
  wsConnect,
} from './websocket'
