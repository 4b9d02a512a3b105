/**
 * `startServer`: a running relay — state restored from the store folder,
 * TLS listener (and WebSocket-in-TLS listener when asked), message expiry —
 * with a `close()` that stops accepting, sends pending answers, compacts the
 * logs and releases every socket and timer.
 *
 * @see ../shared/spec/smp.md §11, §13; ../shared/spec/transport.md §3, §11, §12
 */
import { mkdirSync } from 'node:fs'
import * as path from 'node:path'
import { type CryptoProvider, defaultCrypto, formatVersionRange } from '@simplex-ts/core'
import { SMP_SERVER_VERSION_RANGE, formatSmpServer } from '@simplex-ts/smp'
import type { TransportError } from '@simplex-ts/transport'
import { type ListenCredentials, type TransportServer, tlsListen, wsListen } from '@simplex-ts/transport/node'
import { Broker } from './broker'
import { PortInUseError } from './errors'
import type { Durability } from './journal'
import { ServerStore } from './persistence'
import { Relay } from './relay'

/** Store log file name, as the reference names it. */
export const STORE_LOG_FILE = 'smp-server-store.log'
/** Message log file name, as the reference names its saved-messages file. */
export const MESSAGES_FILE = 'smp-server-messages.log'
/** The reference's default SMP port. */
export const DEFAULT_PORT = 5223
/** How often expired messages are purged (the reference: 12 h). */
export const EXPIRE_INTERVAL_MS = 12 * 3600 * 1000

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** TLS certificates (online + CA) and the identity key hash. */
  readonly credentials: ListenCredentials
  /** Host name or IP written in the server address (default `127.0.0.1`). */
  readonly host?: string
  /** Interface to bind (default: all interfaces). */
  readonly bindHost?: string
  /** TLS port (default 5223; 0 picks a free port). */
  readonly port?: number
  /** WebSocket-in-TLS port; omitted = no WebSocket listener. */
  readonly wsPort?: number
  /** Folder of the store log and message log; omitted = state in memory only. */
  readonly storeDir?: string
  /** Persist messages too (default `true` when `storeDir` is set). */
  readonly restoreMessages?: boolean
  /** Commit durability (default `fsync`). */
  readonly durability?: Durability
  /** Per-queue message quota (default 128). */
  readonly quota?: number
  /** Message expiry in seconds (default 30 days; `null` = never). */
  readonly messageTtl?: number | null
  /** `false` refuses `NEW` (default `true`). */
  readonly allowNewQueues?: boolean
  /** Also accept TLS 1.2 (default: TLS 1.3 only). */
  readonly allowTls12?: boolean
  /** Crypto provider (default: the platform's). */
  readonly crypto?: CryptoProvider
  /**
   * Disconnect clients with no block received or sent for `ttl` seconds, checked
   * every `checkInterval` seconds (the reference's `[INACTIVE_CLIENTS]`; off by default).
   */
  readonly inactiveClients?: { readonly ttl: number; readonly checkInterval: number }
  /** Diagnostics sink. */
  readonly log?: (message: string) => void
}

/** A running relay. */
export interface RunningServer {
  /** The server address, `smp://<keyHash>@<host>:<port>`. */
  readonly address: string
  /** The bound TLS port. */
  readonly port: number
  /** The bound WebSocket port, when enabled. */
  readonly wsPort: number | undefined
  /** Server identity (SHA-256 of the CA certificate). */
  readonly keyHash: Uint8Array
  /** The SMP versions served, e.g. `1-4`. */
  readonly versions: string
  /** The connection loop (connection count, broker). */
  readonly relay: Relay
  /** The state. */
  readonly store: ServerStore
  /** Stop accepting, send pending answers, close connections, compact and close the logs. Idempotent. */
  close(): Promise<void>
}

function portInUse(e: unknown, port: number): never {
  let c: unknown = e
  while (c instanceof Error) {
    if ((c as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(port, { cause: e })
    c = c.cause
  }
  throw e
}

/**
 * Start a relay.
 * @throws PortInUseError when a port is taken
 * @throws StoreLogError when the store folder's logs cannot be read or written
 */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const crypto = opts.crypto ?? defaultCrypto()
  const log = opts.log ?? (() => {})
  const persistMsgs = opts.storeDir !== undefined && (opts.restoreMessages ?? true)
  // a fresh data folder is created, as an operator would expect from a relay given a place to keep its state
  if (opts.storeDir !== undefined) mkdirSync(opts.storeDir, { recursive: true })
  const store = ServerStore.open({
    ...(opts.storeDir === undefined ? {} : { storeLogFile: path.join(opts.storeDir, STORE_LOG_FILE) }),
    ...(persistMsgs ? { msgLogFile: path.join(opts.storeDir!, MESSAGES_FILE) } : {}),
    ...(opts.durability === undefined ? {} : { durability: opts.durability }),
    ...(opts.quota === undefined ? {} : { quota: opts.quota }),
    ...(opts.messageTtl === undefined ? {} : { messageTtl: opts.messageTtl }),
  })
  const broker = new Broker(store, { crypto, allowNewQueues: opts.allowNewQueues ?? true })
  const relay = new Relay(broker, { crypto, log })
  const listenBase = {
    credentials: opts.credentials,
    versionRange: SMP_SERVER_VERSION_RANGE,
    ...(opts.bindHost === undefined ? {} : { host: opts.bindHost }),
    ...(opts.allowTls12 === undefined ? {} : { allowTls12: opts.allowTls12 }),
    onConnection: (t: Parameters<Relay['serve']>[0]) => void relay.serve(t),
    onError: (e: TransportError) => log(`connection failed: ${e.code}`),
  }
  const listeners: TransportServer[] = []
  try {
    const port = opts.port ?? DEFAULT_PORT
    listeners.push(await tlsListen({ ...listenBase, port }).catch((e: unknown) => portInUse(e, port)))
    if (opts.wsPort !== undefined) {
      const wsPort = opts.wsPort
      listeners.push(
        await wsListen({ ...listenBase, port: wsPort }).catch((e: unknown) => portInUse(e, wsPort)),
      )
    }
  } catch (e) {
    await Promise.all(listeners.map((l) => l.close()))
    await store.close()
    throw e
  }
  const tlsServer = listeners[0]!
  const expiry = setInterval(() => broker.expireMessages(), EXPIRE_INTERVAL_MS)
  expiry.unref()
  const inactive = opts.inactiveClients
  const inactivity =
    inactive === undefined
      ? undefined
      : setInterval(
          () => relay.closeInactive(Date.now() - inactive.ttl * 1000),
          inactive.checkInterval * 1000,
        )
  inactivity?.unref()
  const host = opts.host ?? '127.0.0.1'
  let closing: Promise<void> | undefined
  return {
    address: formatSmpServer({
      scheme: 'smp',
      host,
      port: String(tlsServer.port),
      keyHash: opts.credentials.keyHash,
    }),
    port: tlsServer.port,
    wsPort: listeners[1]?.port,
    keyHash: opts.credentials.keyHash,
    versions: formatVersionRange(SMP_SERVER_VERSION_RANGE),
    relay,
    store,
    close() {
      closing ??= (async () => {
        clearInterval(expiry)
        if (inactivity !== undefined) clearInterval(inactivity)
        await relay.closeAll()
        await Promise.all(listeners.map((l) => l.close()))
        await store.close()
      })()
      return closing
    },
  }
}
