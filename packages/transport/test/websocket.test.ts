/** WebSocket-specific framing: one binary message per block; anything else is BLOCK and closes the connection. */
import { request } from 'node:https'
import { WebSocket } from 'ws'
import { afterAll, describe, expect, it } from 'vitest'
import {
  BadBlockError,
  SMP_BLOCK_SIZE,
  decodeBlock,
  decodeServerHello,
  encodeBlock,
  encodeClientHello,
  smpWebSocketUrl,
  wsConnect,
} from '../src/index'
import { type TransportServer, generateServerCredentials, wsListen } from '../src/node'
import { rawTlsClient, serverLog } from './helpers'

const creds = generateServerCredentials({ alg: 'ed448' })
const servers: TransportServer[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()))
})

async function relay() {
  const log = serverLog()
  const server = await wsListen({
    credentials: creds,
    host: '127.0.0.1',
    port: 0,
    onConnection: log.onConnection,
    onError: log.onError,
  })
  servers.push(server)
  return { server, log }
}

/** A raw ws client: the first message (server hello) and a close promise. */
async function rawWs(port: number) {
  const ws = new WebSocket(smpWebSocketUrl('127.0.0.1', port), {
    rejectUnauthorized: false,
    perMessageDeflate: false,
  })
  const messages: Buffer[] = []
  let wake: (() => void) | undefined
  ws.on('message', (m: Buffer) => {
    messages.push(m)
    wake?.()
  })
  const closed = new Promise<void>((r) => ws.on('close', () => r()))
  ws.on('error', () => {})
  await new Promise<void>((r, j) => {
    ws.once('open', () => r())
    ws.once('error', j)
  })
  const next = async (): Promise<Buffer> => {
    while (messages.length === 0) await new Promise<void>((r) => (wake = r))
    return messages.shift()!
  }
  return { ws, next, closed }
}

describe('WebSocket framing', () => {
  it('sends each hello as one binary message of exactly 16384 bytes', async () => {
    const { server } = await relay()
    const c = await rawWs(server.port)
    const hello = await c.next()
    expect(hello.length).toBe(SMP_BLOCK_SIZE)
    expect(decodeServerHello(decodeBlock(new Uint8Array(hello))).versionRange).toEqual({ min: 1, max: 4 })
    c.ws.close()
    await c.closed
  })

  it('a short message instead of the client hello: BLOCK, connection closed', async () => {
    const { server, log } = await relay()
    const c = await rawWs(server.port)
    await c.next()
    c.ws.send(new Uint8Array(5))
    await log.until(() => log.errors.length === 1)
    expect(log.errors[0]).toBeInstanceOf(BadBlockError)
    await c.closed
    expect(log.transports).toHaveLength(0)
  })

  it('after the handshake: a 5-byte message or a text message ends the connection with BLOCK', async () => {
    for (const bad of [new Uint8Array(5), 'hello', new Uint8Array(SMP_BLOCK_SIZE + 1)]) {
      const { server, log } = await relay()
      const c = await rawWs(server.port)
      await c.next()
      c.ws.send(encodeBlock(encodeClientHello({ version: 4, keyHash: creds.keyHash })))
      await log.until(() => log.transports.length === 1)
      const t = log.transports[0]!
      c.ws.send(bad)
      await expect(t.receiveBlock()).rejects.toBeInstanceOf(BadBlockError)
      await c.closed
      expect(t.isClosed).toBe(true)
    }
  })

  it('accepts the reference client upgrade (empty Host, no extensions) and frames blocks as single binary frames', async () => {
    const { server, log } = await relay()
    const peer = await rawTlsClient(server.port)
    const bytes: Buffer[] = []
    let wake: (() => void) | undefined
    peer.socket.removeAllListeners('data')
    peer.socket.on('data', (b: Buffer) => {
      bytes.push(b)
      wake?.()
    })
    const read = async (n: number): Promise<Buffer> => {
      while (Buffer.concat(bytes).length < n) await new Promise<void>((r) => (wake = r))
      const all = Buffer.concat(bytes)
      bytes.length = 0
      if (all.length > n) bytes.push(all.subarray(n))
      return all.subarray(0, n)
    }
    peer.socket.write(
      'GET / HTTP/1.1\r\nHost: \r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
    let head = ''
    while (!head.includes('\r\n\r\n')) head += (await read(1)).toString('latin1')
    expect(head.startsWith('HTTP/1.1 101')).toBe(true)
    expect(head.toLowerCase()).not.toContain('sec-websocket-extensions')
    // server hello: FIN + binary, 16-bit length 16384, unmasked
    expect([...(await read(4))]).toEqual([0x82, 0x7e, 0x40, 0x00])
    const hello = decodeServerHello(decodeBlock(new Uint8Array(await read(SMP_BLOCK_SIZE))))
    expect(hello.sessionId).toEqual(peer.finished)
    // client hello as one masked binary frame
    const mask = Uint8Array.of(1, 2, 3, 4)
    const block = encodeBlock(encodeClientHello({ version: 4, keyHash: creds.keyHash }))
    const masked = block.map((b, i) => b ^ mask[i % 4]!)
    peer.socket.write(Uint8Array.of(0x82, 0xfe, 0x40, 0x00, ...mask))
    peer.socket.write(masked)
    await log.until(() => log.transports.length === 1)
    expect(log.transports[0]!.version).toBe(4)
    expect(log.transports[0]!.sessionId).toEqual(peer.finished)
    peer.socket.destroy()
  })

  it('answers plain HTTPS requests with 426', async () => {
    const { server } = await relay()
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: '/', rejectUnauthorized: false },
        (res) => {
          res.resume()
          resolve(res.statusCode)
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(426)
  })

  it('wsConnect without a WebSocket constructor fails with a typed error', async () => {
    const g = globalThis as { WebSocket?: unknown }
    const saved = g.WebSocket
    g.WebSocket = undefined
    try {
      await expect(wsConnect({ url: 'wss://127.0.0.1:1/', keyHash: creds.keyHash })).rejects.toMatchObject({
        code: 'NETWORK',
      })
    } finally {
      g.WebSocket = saved
    }
  })

  it('builds wss URLs on port 80 by default', () => {
    expect(smpWebSocketUrl('smp.example.org')).toBe('wss://smp.example.org:80/')
    expect(smpWebSocketUrl('127.0.0.1', 5443)).toBe('wss://127.0.0.1:5443/')
  })
})
