/**
 * `@simplex-ts/smp/node`: the SMP client with Node's carriers wired in —
 * TLS (`tlsConnect`, with the full server chain check against the address's
 * key hash), or WebSocket-in-TLS when the address's port is 80, as the
 * reference client chooses.
 * @packageDocumentation
 */
import { tlsConnect, wsConnectNode } from '@simplex-ts/transport/node'
import { DEFAULT_SMP_PORT } from '../address'
import { type SmpClient, type SmpClientOptions, createSmpClient as createClient } from './client'
import type { SmpConnect } from './connect'

/**
 * Node connector: raw TLS to the address's port (5223 when it has none), or
 * WebSocket-in-TLS when the port is 80.
 * @throws the typed errors of `tlsConnect` / `wsConnectNode`.
 * @see ../shared/spec/transport.md §11, §12
 */
export const nodeConnect: SmpConnect = (server, options) => {
  const port = Number(server.port === '' ? DEFAULT_SMP_PORT : server.port)
  const common = {
    host: server.host,
    port,
    keyHash: server.keyHash,
    versionRange: options.versionRange,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  }
  return port === 80 ? wsConnectNode(common) : tlsConnect(common)
}

/**
 * {@link createClient | createSmpClient} with {@link nodeConnect} as the default connector.
 * @throws as `createSmpClient` of `@simplex-ts/smp`.
 * @see ../shared/spec/smp.md §14
 */
export function createSmpClient(options: SmpClientOptions): Promise<SmpClient> {
  return createClient({ ...options, connect: options.connect ?? nodeConnect })
}
