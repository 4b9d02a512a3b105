/** Misbehaving peers over real TLS sockets on 127.0.0.1: every failure is typed and closes the connection. */
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import {
  BadBlockError,
  BadSessionError,
  HandshakeIdentityError,
  HandshakeParseError,
  HandshakeVersionError,
  LargeMsgError,
  SMP_BLOCK_SIZE,
  type TransportError,
  decodeBlock,
  decodeServerHello,
  encodeBlock,
  encodeClientHello,
  encodeServerHello,
} from '../src/index'
import { type TransportServer, generateServerCredentials, tlsConnect, tlsListen } from '../src/node'
import { type RawPeer, rawTlsClient, rawTlsServer, serverLog } from './helpers'

const creds = generateServerCredentials({ alg: 'ed25519' })
const closers: { close(): Promise<void> }[] = []
afterAll(async () => {
  await Promise.all(closers.map((c) => c.close()))
})

async function relay(
  allowTls12 = false,
): Promise<{ server: TransportServer; log: ReturnType<typeof serverLog> }> {
  const log = serverLog()
  const server = await tlsListen({
    credentials: creds,
    host: '127.0.0.1',
    port: 0,
    allowTls12,
    onConnection: log.onConnection,
    onError: log.onError,
  })
  closers.push(server)
  return { server, log }
}

/** Read the server hello as a raw client and return the peer. */
async function helloed(port: number): Promise<RawPeer> {
  const peer = await rawTlsClient(port)
  const hello = decodeServerHello(decodeBlock((await peer.nextBlock())!))
  expect(hello.sessionId).toEqual(peer.finished)
  return peer
}

describe('server side: bad client hellos are refused silently', () => {
  const cases: [string, (peer: RawPeer) => void, abstract new (...a: never[]) => TransportError][] = [
    [
      'wrong key hash (IDENTITY)',
      (p) => p.socket.write(encodeBlock(encodeClientHello({ version: 4, keyHash: new Uint8Array(32) }))),
      HandshakeIdentityError,
    ],
    [
      'version 5 (VERSION)',
      (p) => p.socket.write(encodeBlock(encodeClientHello({ version: 5, keyHash: creds.keyHash }))),
      HandshakeVersionError,
    ],
    [
      'one trailing byte (PARSE)',
      (p) =>
        p.socket.write(
          encodeBlock(Uint8Array.of(...encodeClientHello({ version: 4, keyHash: creds.keyHash }), 0)),
        ),
      HandshakeParseError,
    ],
    [
      'a garbage block (PARSE)',
      (p) => p.socket.write(Uint8Array.of(0xff, 0xff, ...randomBytes(SMP_BLOCK_SIZE - 2))),
      HandshakeParseError,
    ],
    ['a truncated block then EOF (BLOCK)', (p) => p.socket.end(new Uint8Array(1000)), BadBlockError],
  ]
  for (const [name, send, type] of cases) {
    it(name, async () => {
      const { server, log } = await relay()
      const peer = await helloed(server.port)
      send(peer)
      await log.until(() => log.errors.length === 1)
      expect(log.errors[0]).toBeInstanceOf(type)
      // nothing after the server hello: the connection just closes
      expect(await peer.nextBlock()).toBeUndefined()
      await peer.ended
      expect(log.transports).toHaveLength(0)
    })
  }

  it('accepts any version inside its range, not only the maximum', async () => {
    const { server, log } = await relay()
    const peer = await helloed(server.port)
    peer.socket.write(encodeBlock(encodeClientHello({ version: 3, keyHash: creds.keyHash })))
    await log.until(() => log.transports.length === 1)
    expect(log.transports[0]!.version).toBe(3)
    expect(log.transports[0]!.batch).toBe(false)
    peer.socket.destroy()
  })

  it('TLS 1.2 when allowed: the session id is the 12-byte client Finished', async () => {
    const { server, log } = await relay(true)
    const peer = await rawTlsClient(server.port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })
    expect(peer.socket.getProtocol()).toBe('TLSv1.2')
    expect(peer.socket.getCipher().standardName).toBe('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256')
    const hello = decodeServerHello(decodeBlock((await peer.nextBlock())!))
    expect(hello.sessionId).toHaveLength(12)
    expect(hello.sessionId).toEqual(peer.finished)
    peer.socket.write(encodeBlock(encodeClientHello({ version: 4, keyHash: creds.keyHash })))
    await log.until(() => log.transports.length === 1)
    expect(log.transports[0]!.sessionId).toEqual(peer.finished)
    peer.socket.destroy()
  })

  it('refuses TLS 1.2 by default and reports the TLS failure', async () => {
    const { server, log } = await relay()
    await expect(
      rawTlsClient(server.port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }),
    ).rejects.toThrow()
    await log.until(() => log.errors.length === 1)
    expect(log.errors[0]!.code).toBe('NETWORK')
  })

  it('negotiates the reference profile: TLS 1.3, ChaCha20-Poly1305, X448, the 2-certificate chain', async () => {
    const { server } = await relay()
    const peer = await rawTlsClient(server.port)
    expect(peer.socket.getProtocol()).toBe('TLSv1.3')
    expect(peer.socket.getCipher().name).toBe('TLS_CHACHA20_POLY1305_SHA256')
    expect(peer.socket.getEphemeralKeyInfo()).toMatchObject({ name: 'X448' })
    const leaf = peer.socket.getPeerCertificate(true)
    expect(leaf.subject.CN).toBe('127.0.0.1')
    expect(leaf.issuerCertificate.subject.CN).toBe('SMP server CA')
    expect(peer.socket.alpnProtocol).toBe(false)
    peer.socket.destroy()
  })
})

describe('client side: a misbehaving server gives typed errors', () => {
  const serve = async (script: (p: RawPeer) => void | Promise<void>) => {
    const s = await rawTlsServer(creds, script)
    closers.push(s)
    return tlsConnect({ host: '127.0.0.1', port: s.port, keyHash: creds.keyHash, timeoutMs: 3000 }).catch(
      (e: unknown) => e,
    )
  }

  it('a server hello with another session id (SESSION)', async () => {
    const r = await serve((p) => {
      p.socket.write(
        encodeBlock(encodeServerHello({ versionRange: { min: 1, max: 4 }, sessionId: new Uint8Array(32) })),
      )
    })
    expect(r).toBeInstanceOf(BadSessionError)
    expect((r as BadSessionError).code).toBe('SESSION')
  })

  it('a server offering only versions 5–6 (VERSION)', async () => {
    const r = await serve((p) => {
      p.socket.write(
        encodeBlock(encodeServerHello({ versionRange: { min: 5, max: 6 }, sessionId: p.finished })),
      )
    })
    expect(r).toBeInstanceOf(HandshakeVersionError)
  })

  it('a garbage server hello (PARSE), a truncated one (BLOCK), silence (TIMEOUT)', async () => {
    expect(await serve((p) => void p.socket.write(randomBytes(SMP_BLOCK_SIZE)))).toBeInstanceOf(
      HandshakeParseError,
    )
    expect(await serve((p) => void p.socket.end(new Uint8Array(500)))).toBeInstanceOf(BadBlockError)
    const s = await rawTlsServer(creds, () => {})
    closers.push(s)
    const r = await tlsConnect({
      host: '127.0.0.1',
      port: s.port,
      keyHash: creds.keyHash,
      timeoutMs: 300,
    }).catch((e: unknown) => e)
    expect((r as TransportError).code).toBe('TIMEOUT')
  })

  it('after the handshake: a bad length prefix is one LARGE_MSG entry, a truncated block ends with BLOCK', async () => {
    let server!: RawPeer
    const t = (await serve(async (p) => {
      server = p
      p.socket.write(
        encodeBlock(encodeServerHello({ versionRange: { min: 1, max: 4 }, sessionId: p.finished })),
      )
    })) as Awaited<ReturnType<typeof tlsConnect>>
    expect(t.version).toBe(4)
    expect(await server.nextBlock()).toBeDefined() // the client hello
    server.socket.write(new Uint8Array(SMP_BLOCK_SIZE).fill(0xff))
    const it = t.transmissions()[Symbol.asyncIterator]()
    const first = await it.next()
    expect(first.value).toHaveLength(1)
    expect((first.value as unknown[])[0]).toBeInstanceOf(LargeMsgError)
    expect(t.isClosed).toBe(false)
    server.socket.end(new Uint8Array(100))
    await expect(it.next()).rejects.toBeInstanceOf(BadBlockError)
    await t.closed
    expect(t.isClosed).toBe(true)
  })

  it('an abort signal cancels the attempt', async () => {
    const s = await rawTlsServer(creds, () => {})
    closers.push(s)
    const ac = new AbortController()
    const p = tlsConnect({ host: '127.0.0.1', port: s.port, keyHash: creds.keyHash, signal: ac.signal })
    ac.abort()
    await expect(p).rejects.toMatchObject({ code: 'CLOSED' })
  })
})
