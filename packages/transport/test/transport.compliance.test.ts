/**
 * One suite, every carrier: raw TLS, WebSocket-in-TLS from Node (full checks),
 * and WebSocket through an injected constructor (the browser path).
 */
import type { VersionRange } from '@simplex-ts/core'
import { WebSocket } from 'ws'
import { afterAll, describe, expect, it } from 'vitest'
import {
  ConnectionClosedError,
  HandshakeIdentityError,
  HandshakeVersionError,
  type Transport,
  TransportError,
  UnknownCAError,
  type WebSocketConstructor,
  smpWebSocketUrl,
  wsConnect,
} from '../src/index'
import {
  type ListenOptions,
  type TransportServer,
  generateServerCredentials,
  tlsConnect,
  tlsListen,
  wsConnectNode,
  wsListen,
} from '../src/node'
import { echo, serverLog } from './helpers'

const creds = generateServerCredentials({ alg: 'ed448' })
const other = generateServerCredentials({ alg: 'ed25519' })

/** The browser path: a standard-API WebSocket that accepts the self-signed chain (a browser would need it trusted). */
const InsecureWebSocket = class extends WebSocket {
  constructor(url: string) {
    super(url, { rejectUnauthorized: false, perMessageDeflate: false })
  }
} as unknown as WebSocketConstructor

interface Carrier {
  name: string
  listen(o: ListenOptions): Promise<TransportServer>
  connect(port: number, keyHash: Uint8Array, versionRange?: VersionRange): Promise<Transport>
  /** Whether the client checks the server chain itself (the browser path cannot). */
  checksChain: boolean
}

const carriers: Carrier[] = [
  {
    name: 'TLS',
    listen: tlsListen,
    connect: (port, keyHash, versionRange) =>
      tlsConnect({ host: '127.0.0.1', port, keyHash, ...(versionRange ? { versionRange } : {}) }),
    checksChain: true,
  },
  {
    name: 'WebSocket (Node, ws)',
    listen: wsListen,
    connect: (port, keyHash, versionRange) =>
      wsConnectNode({ host: '127.0.0.1', port, keyHash, ...(versionRange ? { versionRange } : {}) }),
    checksChain: true,
  },
  {
    name: 'WebSocket (injected constructor)',
    listen: wsListen,
    connect: (port, keyHash, versionRange) =>
      wsConnect({
        url: smpWebSocketUrl('127.0.0.1', port),
        keyHash,
        WebSocket: InsecureWebSocket,
        ...(versionRange ? { versionRange } : {}),
      }),
    checksChain: false,
  },
]

const servers: TransportServer[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()))
})

const filled = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v)

describe.each(carriers)('$name', (carrier) => {
  const start = async (versionRange?: VersionRange, handler?: (t: Transport) => void) => {
    const log = serverLog()
    const server = await carrier.listen({
      credentials: creds,
      host: '127.0.0.1',
      port: 0,
      ...(versionRange ? { versionRange } : {}),
      onConnection: (t) => {
        log.onConnection(t)
        handler?.(t)
      },
      onError: log.onError,
    })
    servers.push(server)
    return { server, log }
  }

  for (const v of [1, 2, 3, 4]) {
    it(`handshakes, negotiates v${v} and exchanges a batch`, async () => {
      const { server, log } = await start(undefined, (t) => void echo(t))
      const client = await carrier.connect(server.port, creds.keyHash, { min: 1, max: v })
      expect(client.version).toBe(v)
      expect(client.batch).toBe(v >= 4)
      expect(client.serverVersionRange).toEqual({ min: 1, max: 4 })
      await log.until(() => log.transports.length === 1)
      const st = log.transports[0]!
      expect(st.version).toBe(v)
      expect(st.sessionId).toHaveLength(32)
      expect(client.sessionId).toEqual(st.sessionId)

      const sent = [filled(100, 1), filled(6000, 2), filled(6000, 3), filled(6000, 4)]
      expect(await client.sendTransmissions(sent)).toEqual([])
      const got: Uint8Array[] = []
      const perBlock: number[] = []
      for await (const items of client.transmissions()) {
        perBlock.push(items.length)
        for (const x of items) got.push(x as Uint8Array)
        if (got.length === sent.length) break
      }
      expect(got).toEqual(sent)
      // v4 packs 1 + 3×6002 > 16382: two blocks (3 + 1); before v4 one transmission per block
      expect(perBlock).toEqual(v >= 4 ? [3, 1] : [1, 1, 1, 1])
      await client.close()
      await st.closed
      expect(st.isClosed).toBe(true)
    })
  }

  it('accepts a lower client choice and refuses ranges without overlap (VERSION on the client)', async () => {
    const { server, log } = await start({ min: 1, max: 2 })
    const client = await carrier.connect(server.port, creds.keyHash, { min: 2, max: 4 })
    expect(client.version).toBe(2)
    await client.close()
    const err = await carrier.connect(server.port, creds.keyHash, { min: 3, max: 4 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HandshakeVersionError)
    expect((err as HandshakeVersionError).handshakeErr).toBe('VERSION')
    // the server waited for a client hello that never came and closed
    await log.until(() => log.errors.length === 1)
    expect(log.errors[0]).toBeInstanceOf(TransportError)
    expect(log.transports).toHaveLength(1)
  })

  it('refuses a wrong identity (key hash)', async () => {
    const { server, log } = await start()
    const result = await carrier.connect(server.port, other.keyHash).catch((e: unknown) => e)
    if (carrier.checksChain) {
      // the client's chain check fails during TLS: nothing is sent
      expect(result).toBeInstanceOf(UnknownCAError)
      expect((result as UnknownCAError).code).toBe('UnknownCA')
    } else {
      // the browser path cannot see the chain: the server's IDENTITY check closes the connection
      const t = result as Transport
      await log.until(() => log.errors.length === 1)
      expect(log.errors[0]).toBeInstanceOf(HandshakeIdentityError)
      await t.closed
      await expect(t.receiveBlock()).rejects.toBeInstanceOf(ConnectionClosedError)
    }
    expect(log.transports).toHaveLength(0)
  })

  it('reports an unreachable server as a typed, retriable error', async () => {
    const { server } = await start()
    const port = server.port
    await server.close()
    const err = await carrier.connect(port, creds.keyHash).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TransportError)
    expect((err as TransportError).retriable).toBe(true)
  })

  it('close() on the server side ends the client transport', async () => {
    const { server, log } = await start()
    const client = await carrier.connect(server.port, creds.keyHash)
    await log.until(() => log.transports.length === 1)
    await log.transports[0]!.close()
    await client.closed
    expect(client.isClosed).toBe(true)
    await expect(client.sendBlock(new Uint8Array(1))).rejects.toBeInstanceOf(TransportError)
  })
})
