/**
 * SMP over TLS on `node:tls` with the reference's profile: TLS 1.3 with
 * ChaCha20-Poly1305 only (TLS 1.2 with ECDHE-ECDSA-ChaCha20-Poly1305 on
 * request), X448/X25519, Ed448/Ed25519 signatures, no ALPN, no client
 * certificate; session id = the client's TLS Finished `verify_data`.
 *
 * @see ../shared/spec/transport.md §2, §4, §7
 */
import { isIP } from 'node:net'
import { constants } from 'node:crypto'
import * as tls from 'node:tls'
import type { VersionRange } from '@simplex-ts/core'
import { SMP_BLOCK_SIZE } from './block'
import { withTimeout } from './deadline'
import { ConnectionClosedError, NetworkError, TransportError } from './errors'
import { SMP_VERSION_RANGE, clientHandshake, serverHandshake } from './handshake'
import { peerCertificateChain, validateServerChain } from './identity'
import { socketChannel } from './socket'
import { type BlockChannel, type Transport, createTransport } from './transport'

/** Default SMP server port. */
export const SMP_DEFAULT_PORT = 5223

/** TCP keep-alive idle time of the reference client (`defaultKeepAliveOpts`, 30 s). */
export const TCP_KEEPALIVE_IDLE_MS = 30_000

/**
 * The reference's TLS parameters (`supportedParameters`) as Node options.
 * @see ../shared/spec/transport.md §2
 */
export const TLS_PROFILE = Object.freeze({
  ciphersTls13: 'TLS_CHACHA20_POLY1305_SHA256',
  ciphersTls12: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  ecdhCurve: 'X448:X25519',
  sigalgs: 'ed448:ed25519',
})

/** TLS options of the reference profile, shared by both sides and by the WebSocket client. */
export function tlsProfileOptions(
  allowTls12: boolean,
): tls.SecureContextOptions & tls.CommonConnectionOptions {
  return {
    minVersion: allowTls12 ? 'TLSv1.2' : 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    ciphers: allowTls12
      ? `${TLS_PROFILE.ciphersTls13}:${TLS_PROFILE.ciphersTls12}`
      : TLS_PROFILE.ciphersTls13,
    ecdhCurve: TLS_PROFILE.ecdhCurve,
    sigalgs: TLS_PROFILE.sigalgs,
  }
}

/** Options of {@link tlsConnect}. */
export interface TlsConnectOptions {
  /** Server host (DNS name or IP). */
  readonly host: string
  /** Server port (default 5223). */
  readonly port?: number
  /** Server identity from the address: SHA-256 of its CA certificate (32 bytes). */
  readonly keyHash: Uint8Array
  /** Versions to offer (default SMP 1–4). */
  readonly versionRange?: VersionRange
  /** Block size (default 16384; 512 for NTF). */
  readonly blockSize?: number
  /** Also allow TLS 1.2 (default: TLS 1.3 only, what every v3.x server negotiates with a modern client). */
  readonly allowTls12?: boolean
  /** Timeout for connect, TLS and hello handshakes together (default 5000 ms). */
  readonly timeoutMs?: number
  /** Abort the connection attempt. */
  readonly signal?: AbortSignal
  /** Validation time for the certificates (default: now); for tests. */
  readonly now?: Date
}

/**
 * Open an SMP connection: TCP, TLS with the reference profile, server chain
 * check against `keyHash`, then the hello handshake.
 * @throws CertificateError subclasses (`UnknownCA` for a wrong identity), HandshakeError
 *   subclasses, BadSessionError, TransportTimeoutError, NetworkError, ConnectionClosedError.
 * @see ../shared/spec/transport.md §15
 */
export async function tlsConnect(options: TlsConnectOptions): Promise<Transport> {
  const port = options.port ?? SMP_DEFAULT_PORT
  const blockSize = options.blockSize ?? SMP_BLOCK_SIZE
  const allowTls12 = options.allowTls12 ?? false
  const socket = tls.connect({
    ...tlsProfileOptions(allowTls12),
    host: options.host,
    port,
    ...(isIP(options.host) === 0 ? { servername: options.host } : {}),
    rejectUnauthorized: false, // replaced by validateServerChain: the chain is self-signed by design
    ...(allowTls12 ? { secureOptions: constants.SSL_OP_LEGACY_SERVER_CONNECT } : {}),
  })
  return withTimeout(
    () => socket.destroy(),
    options,
    async () => {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error): void =>
          reject(new NetworkError(`TLS connection failed: ${e.message}`, { cause: e }))
        socket.on('error', onError)
        socket.once('close', () =>
          reject(new ConnectionClosedError('connection closed during TLS handshake')),
        )
        socket.once('secureConnect', () => {
          try {
            validateServerChain(peerCertificateChain(socket), options.keyHash, options.now)
            resolve()
          } catch (e) {
            reject(e)
          }
        })
      })
      socket.setKeepAlive(true, TCP_KEEPALIVE_IDLE_MS)
      const finished = socket.getFinished()
      if (!finished) throw new ConnectionClosedError('no TLS Finished message')
      const sessionId = new Uint8Array(finished)
      const channel = socketChannel(socket, { blockSize, sessionId })
      const hs = await clientHandshake(channel, {
        keyHash: options.keyHash,
        versionRange: options.versionRange ?? SMP_VERSION_RANGE,
        sessionId,
        blockSize,
      })
      return createTransport(channel, { role: 'client', keyHash: options.keyHash, ...hs })
    },
  )
}

/** The credentials a listening server presents. */
export interface ListenCredentials {
  /** Online certificate PEM (`server.crt`). */
  readonly serverCertificate: string
  /** Online private key PEM (`server.key`). */
  readonly serverKey: string
  /** CA certificate PEM (`ca.crt`), sent as the second certificate of the chain. */
  readonly caCertificate: string
  /** SHA-256 of the CA certificate DER: the identity clients must name. */
  readonly keyHash: Uint8Array
}

/** Options shared by {@link tlsListen} and the WebSocket listener. */
export interface ListenOptions {
  /** Certificates and identity. */
  readonly credentials: ListenCredentials
  /** Port (default 5223; 0 for an ephemeral port). */
  readonly port?: number
  /** Interface to bind (default: all). */
  readonly host?: string
  /** Versions to accept (default SMP 1–4). */
  readonly versionRange?: VersionRange
  /** Block size (default 16384). */
  readonly blockSize?: number
  /** Also allow TLS 1.2 (the reference server does; default TLS 1.3 only). */
  readonly allowTls12?: boolean
  /** Time a client has to complete the hello handshake (default 30 s). */
  readonly helloTimeoutMs?: number
  /** Called with each connection whose hello handshake succeeded; the handler owns it. */
  readonly onConnection: (transport: Transport) => void
  /**
   * Called when a connection fails before the handler gets it (TLS failure,
   * hello `PARSE`/`IDENTITY`/`VERSION`, timeout); it is already closed, silently, as the reference does.
   */
  readonly onError?: (error: TransportError) => void
}

/** A listening server. */
export interface TransportServer {
  /** The bound address. */
  readonly host: string
  /** The bound port (the real one when 0 was asked). */
  readonly port: number
  /** The server identity. */
  readonly keyHash: Uint8Array
  /** Stop listening and close every open connection. */
  close(): Promise<void>
}

/** The TLS options a server presents: the 2-certificate chain `[online, CA]` and the profile. */
export function serverTlsOptions(
  credentials: ListenCredentials,
  allowTls12: boolean,
): tls.TlsOptions & { cert: string; key: string } {
  return {
    ...tlsProfileOptions(allowTls12),
    key: credentials.serverKey,
    cert: `${credentials.serverCertificate.trimEnd()}\n${credentials.caCertificate.trimEnd()}\n`,
    requestCert: false,
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION | constants.SSL_OP_NO_TICKET,
  }
}

/**
 * Accept a connection whose TLS layer is up: send the server hello, check the
 * client hello, hand the transport over; on any failure close without a word.
 */
export async function acceptChannel(
  channel: BlockChannel,
  sessionId: Uint8Array,
  options: ListenOptions,
  destroy: () => void,
): Promise<void> {
  const versionRange = options.versionRange ?? SMP_VERSION_RANGE
  const keyHash = options.credentials.keyHash
  try {
    const version = await withTimeout(destroy, { timeoutMs: options.helloTimeoutMs ?? 30_000 }, () =>
      serverHandshake(channel, { keyHash, sessionId, versionRange, blockSize: channel.blockSize }),
    )
    options.onConnection(
      createTransport(channel, {
        role: 'server',
        sessionId,
        version,
        keyHash,
        serverVersionRange: versionRange,
      }),
    )
  } catch (e) {
    await channel.close()
    const err = e instanceof TransportError ? e : new NetworkError('connection failed', { cause: e })
    options.onError?.(err)
  }
}

/**
 * Listen for SMP connections over TLS.
 * @throws NetworkError when the port cannot be bound.
 */
export async function tlsListen(options: ListenOptions): Promise<TransportServer> {
  const blockSize = options.blockSize ?? SMP_BLOCK_SIZE
  const sockets = new Set<tls.TLSSocket>()
  const server = tls.createServer(serverTlsOptions(options.credentials, options.allowTls12 ?? false))
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    const finished = socket.getPeerFinished()
    if (!finished) {
      socket.destroy()
      return
    }
    const sessionId = new Uint8Array(finished)
    const channel = socketChannel(socket, { blockSize, sessionId })
    void acceptChannel(channel, sessionId, options, () => socket.destroy())
  })
  server.on('tlsClientError', (e, socket) => {
    socket.destroy()
    options.onError?.(new NetworkError(`TLS handshake failed: ${e.message}`, { cause: e }))
  })
  return listening(server, options, sockets)
}

/** Bind `server` and wrap it as a {@link TransportServer} that closes `sockets` on close. */
export async function listening(
  server: import('node:net').Server,
  options: ListenOptions,
  sockets: Set<{ destroy(): void; end(): void }>,
): Promise<TransportServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new NetworkError(`cannot listen: ${e.message}`, { cause: e })))
    server.listen(options.port ?? SMP_DEFAULT_PORT, options.host, () => resolve())
  })
  const addr = server.address()
  if (addr === null || typeof addr === 'string') throw new NetworkError('server has no TCP address')
  let closing: Promise<void> | undefined
  return {
    host: addr.address,
    port: addr.port,
    keyHash: options.credentials.keyHash,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      })
      return closing
    },
  }
}
