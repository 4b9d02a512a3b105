/**
 * How the SMP client opens a connection: an injectable function from a
 * server address to a {@link Transport} after the hello handshake. The
 * browser-safe default speaks WebSocket-in-TLS through the runtime's global
 * `WebSocket`; `@simplex-ts/smp/node` supplies TLS (and `ws` for port 80).
 *
 * @see ../shared/spec/transport.md §9, §11, §12
 */
import type { VersionRange } from '@simplex-ts/core'
import { SMP_WEBSOCKET_PORT, type Transport, smpWebSocketUrl, wsConnect } from '@simplex-ts/transport'
import type { SmpServer } from '../address'

/** Options the client passes to an {@link SmpConnect} function. */
export interface SmpConnectOptions {
  /** The versions to offer in the hello. */
  readonly versionRange: VersionRange
  /** Deadline for connect, TLS and hello together. */
  readonly timeoutMs: number
  /** Aborts the attempt (the client's own close). */
  readonly signal: AbortSignal
}

/**
 * Open a connection to an SMP server and complete the hello handshake,
 * checking the server identity (`keyHash`) wherever the carrier allows.
 * Failures must be typed transport errors (`TransportError`).
 */
export type SmpConnect = (server: SmpServer, options: SmpConnectOptions) => Promise<Transport>

/**
 * The browser-safe connector: WebSocket-in-TLS to `wss://host:port/` through
 * `globalThis.WebSocket`, on the address's port or 80 when it has none (where
 * reference servers serve WebSockets). The browser checks TLS; the relay checks
 * the key hash in the client hello.
 * @throws NetworkError when the runtime has no `WebSocket`; the errors of `wsConnect`.
 */
export const webSocketConnect: SmpConnect = (server, options) =>
  wsConnect({
    url: smpWebSocketUrl(server.host, server.port === '' ? SMP_WEBSOCKET_PORT : Number(server.port)),
    keyHash: server.keyHash,
    versionRange: options.versionRange,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  })
