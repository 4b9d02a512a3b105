/**
 * The WebSocket variant of the block transport (browser-safe): each block,
 * hello blocks included, is one binary message of exactly `blockSize` bytes;
 * any other message is a `BLOCK` error that ends the connection. The
 * WebSocket constructor is injected (the global one by default), so no
 * WebSocket library reaches browser bundles.
 *
 * In a browser the TLS layer is the browser's: the server chain cannot be
 * checked against the key hash and the TLS Finished message is not
 * observable, so the session id is taken from the server hello. The server
 * still checks the key hash in the client hello (`IDENTITY`).
 *
 * @see ../shared/spec/transport.md §11
 */
import type { VersionRange } from '@simplex-ts/core'
import { SMP_BLOCK_SIZE } from './block'
import { withTimeout } from './deadline'
import { BadBlockError, ConnectionClosedError, NetworkError } from './errors'
import { SMP_VERSION_RANGE, clientHandshake } from './handshake'
import { BlockChannel, type BlockLink, type Transport, createTransport } from './transport'

/** The port on which a reference server offers WebSockets (hard-coded 80, with TLS). */
export const SMP_WEBSOCKET_PORT = 80

/** The subset of the standard WebSocket API used here (both the DOM `WebSocket` and `ws` provide it). */
export interface WebSocketLike {
  /** Set to `'arraybuffer'` so binary messages arrive as `ArrayBuffer`. */
  binaryType: string
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number
  /** Send one binary message. */
  send(data: Uint8Array): void
  /** Start the closing handshake. */
  close(code?: number, reason?: string): void
  /** Register for `open`, `message`, `close` and `error` events. */
  addEventListener(type: string, listener: (event: { readonly data?: unknown }) => void): void
}

/** A WebSocket constructor (`globalThis.WebSocket`, or `ws`'s `WebSocket` in Node). */
export type WebSocketConstructor = new (url: string) => WebSocketLike

const OPEN = 1
const CLOSED = 3
const CLOSE_GRACE_MS = 2000

/**
 * A block channel over an open (or opening) WebSocket.
 * @param sessionId the TLS channel binding when the caller can observe it.
 */
export function webSocketChannel(
  ws: WebSocketLike,
  options: { blockSize?: number; sessionId?: Uint8Array | undefined } = {},
): BlockChannel {
  ws.binaryType = 'arraybuffer'
  const closed = new Promise<void>((resolve) => {
    ws.addEventListener('close', () => resolve())
  })
  const link: BlockLink = {
    async write(block) {
      if (ws.readyState !== OPEN) throw new ConnectionClosedError('WebSocket is not open')
      ws.send(block)
    },
    async close() {
      if (ws.readyState === CLOSED) return
      ws.close(1000)
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([closed, new Promise<void>((r) => (timer = setTimeout(r, CLOSE_GRACE_MS)))])
      clearTimeout(timer)
    },
  }
  const channel = new BlockChannel(link, options)
  ws.addEventListener('message', (event) => {
    const data = event.data
    if (data instanceof ArrayBuffer) channel.deliver(new Uint8Array(data))
    else if (ArrayBuffer.isView(data))
      channel.deliver(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    else {
      channel.end(new BadBlockError('WebSocket message is not binary'))
      void channel.close()
    }
  })
  ws.addEventListener('close', () => channel.end())
  ws.addEventListener('error', () => channel.end(new NetworkError('WebSocket error')))
  return channel
}

/**
 * Wait until `ws` is open.
 * @throws NetworkError when it fails or closes first.
 */
export function webSocketOpen(ws: WebSocketLike): Promise<void> {
  if (ws.readyState === OPEN) return Promise.resolve()
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve())
    ws.addEventListener('error', () => reject(new NetworkError('WebSocket connection failed')))
    ws.addEventListener('close', () => reject(new ConnectionClosedError('WebSocket closed before opening')))
  })
}

/** The WebSocket URL of an SMP server: `wss://host:port/` (port 80 by default, TLS inside). */
export function smpWebSocketUrl(host: string, port: number = SMP_WEBSOCKET_PORT): string {
  return `wss://${host}:${port}/`
}

/** Options of {@link wsConnect}. */
export interface WsConnectOptions {
  /** `wss://host:port/`, see {@link smpWebSocketUrl}. */
  readonly url: string
  /** Server identity from the address (sent in the client hello; the server checks it). */
  readonly keyHash: Uint8Array
  /** WebSocket constructor (default `globalThis.WebSocket`). */
  readonly WebSocket?: WebSocketConstructor
  /** Versions to offer (default SMP 1–4). */
  readonly versionRange?: VersionRange
  /** Block size (default 16384). */
  readonly blockSize?: number
  /** Timeout for opening and the hello handshake (default 5000 ms). */
  readonly timeoutMs?: number
  /** Abort the connection attempt. */
  readonly signal?: AbortSignal
}

/**
 * Connect over WebSocket from any runtime with a standard WebSocket (browsers,
 * Deno, Node 22+). The session id is the one in the server hello (see the file comment).
 * @throws HandshakeError subclasses, TransportTimeoutError, NetworkError, ConnectionClosedError.
 */
export async function wsConnect(options: WsConnectOptions): Promise<Transport> {
  const Ctor =
    options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? missingWebSocket()
  const ws = new Ctor(options.url)
  const blockSize = options.blockSize ?? SMP_BLOCK_SIZE
  return withTimeout(
    () => ws.close(),
    options,
    async () => {
      const channel = webSocketChannel(ws, { blockSize })
      await webSocketOpen(ws)
      const hs = await clientHandshake(channel, {
        keyHash: options.keyHash,
        versionRange: options.versionRange ?? SMP_VERSION_RANGE,
        blockSize,
      })
      return createTransport(channel, { role: 'client', keyHash: options.keyHash, ...hs })
    },
  )
}

function missingWebSocket(): never {
  throw new NetworkError('no WebSocket constructor: pass options.WebSocket')
}
