/**
 * The WebSocket variant in Node (`ws`): WebSocket inside TLS with the same
 * profile, certificates and session id (the TLS client Finished) as raw TLS;
 * no compression, no subprotocol, request path `/`.
 *
 * @see ../shared/spec/transport.md §11
 */
import { createServer as createHttpsServer } from 'node:https'
import { isIP } from 'node:net'
import * as tls from 'node:tls'
import { constants } from 'node:crypto'
import { WebSocket, WebSocketServer } from 'ws'
import { SMP_BLOCK_SIZE } from './block'
import { withTimeout } from './deadline'
import { ConnectionClosedError, NetworkError, type TransportError } from './errors'
import { SMP_VERSION_RANGE, clientHandshake } from './handshake'
import { peerCertificateChain, validateServerChain } from './identity'
import {
  type ListenOptions,
  TCP_KEEPALIVE_IDLE_MS,
  type TlsConnectOptions,
  type TransportServer,
  acceptChannel,
  listening,
  serverTlsOptions,
  tlsProfileOptions,
} from './tls'
import { type Transport, createTransport } from './transport'
import {
  SMP_WEBSOCKET_PORT,
  type WebSocketLike,
  smpWebSocketUrl,
  webSocketChannel,
  webSocketOpen,
} from './websocket'

/** The reference's WebSocket limits: 16 KiB frame payload, 64 KiB message. */
const MAX_MESSAGE = 65536

/**
 * Options of {@link wsConnectNode}: those of `tlsConnect`, except that `port`
 * defaults to 80 (where the reference serves WebSockets) and the timeout also
 * covers the WebSocket upgrade.
 */
export type WsConnectNodeOptions = TlsConnectOptions

/**
 * Connect over WebSocket-in-TLS from Node with the full checks of the TLS
 * transport: the server chain against `keyHash` before the upgrade, and the
 * session id against the TLS client Finished.
 * @throws as `tlsConnect`.
 */
export async function wsConnectNode(options: WsConnectNodeOptions): Promise<Transport> {
  const port = options.port ?? SMP_WEBSOCKET_PORT
  const blockSize = options.blockSize ?? SMP_BLOCK_SIZE
  const allowTls12 = options.allowTls12 ?? false
  let failure: TransportError | undefined
  let tlsSocket: tls.TLSSocket | undefined
  const ws = new WebSocket(smpWebSocketUrl(options.host, port), {
    perMessageDeflate: false,
    maxPayload: MAX_MESSAGE,
    createConnection: () => {
      const socket = tls.connect({
        ...tlsProfileOptions(allowTls12),
        host: options.host,
        port,
        ...(isIP(options.host) === 0 ? { servername: options.host } : {}),
        rejectUnauthorized: false,
        ...(allowTls12 ? { secureOptions: constants.SSL_OP_LEGACY_SERVER_CONNECT } : {}),
      })
      socket.once('secureConnect', () => {
        try {
          validateServerChain(peerCertificateChain(socket), options.keyHash, options.now)
          socket.setNoDelay(true)
          socket.setKeepAlive(true, TCP_KEEPALIVE_IDLE_MS)
          tlsSocket = socket
        } catch (e) {
          failure = e as TransportError
          socket.destroy()
        }
      })
      return socket
    },
  })
  ws.on('error', () => {}) // reported through the handshake promise below
  return withTimeout(
    () => ws.terminate(),
    options,
    async () => {
      const channelWs = ws as unknown as WebSocketLike
      const opened = webSocketOpen(channelWs).catch((e: unknown) => {
        throw failure ?? e
      })
      await opened
      const finished = tlsSocket?.getFinished()
      if (!finished) throw new ConnectionClosedError('no TLS Finished message')
      const sessionId = new Uint8Array(finished)
      const channel = webSocketChannel(channelWs, { blockSize, sessionId })
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

/**
 * Listen for SMP over WebSocket-in-TLS (port 80 by default, as the reference).
 * Plain HTTP requests get `426 Upgrade Required`.
 * @throws NetworkError when the port cannot be bound.
 */
export async function wsListen(options: ListenOptions): Promise<TransportServer> {
  const blockSize = options.blockSize ?? SMP_BLOCK_SIZE
  const server = createHttpsServer({
    ...serverTlsOptions(options.credentials, options.allowTls12 ?? false),
    requireHostHeader: false, // the reference client sends an empty Host
  })
  server.on('request', (_req, res) => {
    res.writeHead(426, { connection: 'close' }).end()
  })
  server.on('tlsClientError', (e, socket) => {
    socket.destroy()
    options.onError?.(new NetworkError(`TLS handshake failed: ${e.message}`, { cause: e }))
  })
  const sockets = new Set<tls.TLSSocket>()
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    socket.setNoDelay(true)
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: MAX_MESSAGE })
  wss.on('connection', (ws, req) => {
    const finished = (req.socket as tls.TLSSocket).getPeerFinished()
    if (!finished) {
      ws.terminate()
      return
    }
    const sessionId = new Uint8Array(finished)
    ws.on('error', () => {}) // surfaces as the channel's end
    const channel = webSocketChannel(ws as unknown as WebSocketLike, { blockSize, sessionId })
    void acceptChannel(channel, sessionId, options, () => ws.terminate())
  })
  const inner = await listening(server, { ...options, port: options.port ?? SMP_WEBSOCKET_PORT }, sockets)
  return {
    host: inner.host,
    port: inner.port,
    keyHash: inner.keyHash,
    async close() {
      for (const c of wss.clients) c.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await inner.close()
    },
  }
}
