/**
 * `@simplex-ts/transport/node`: the Node-only part — SMP over TLS
 * (`node:tls`) and over WebSocket-in-TLS (`ws`), client and server; server
 * certificate generation; the client's certificate chain check.
 * @packageDocumentation
 */
export {
  SMP_DEFAULT_PORT,
  TCP_KEEPALIVE_IDLE_MS,
  TLS_PROFILE,
  type TlsConnectOptions,
  type ListenCredentials,
  type ListenOptions,
  type TransportServer,
  tlsConnect,
  tlsListen,
  serverTlsOptions,
} from './tls'
export { type WsConnectNodeOptions, wsConnectNode, wsListen } from './websocket-node'
export { socketChannel } from './socket'
export {
  CERTIFICATE_VALIDITY_DAYS,
  CA_NAME,
  CREDENTIAL_FILES,
  type ServerCredentials,
  type CertificateOptions,
  generateServerCredentials,
  issueServerCertificate,
  certificateKeyHash,
  writeServerCredentials,
  loadServerCredentials,
  derToPem,
  pemToDer,
  pemCertificates,
} from './certificates'
export { validateServerChain, peerCertificateChain } from './identity'
export {
  type CertificateAlgorithm,
  type CertificateName,
  type ParsedCertificate,
  parseCertificate,
} from './x509'
