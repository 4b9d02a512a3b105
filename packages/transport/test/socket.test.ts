import * as net from 'node:net'
import { describe, expect, it } from 'vitest'
import { socketChannel } from '../src/node'

/** A connected TCP pair on 127.0.0.1. */
async function socketPair(): Promise<{ a: net.Socket; b: net.Socket; close(): void }> {
  const server = net.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as net.AddressInfo
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r))
  const a = net.connect(port, '127.0.0.1')
  await new Promise<void>((r) => a.once('connect', () => r()))
  const b = await accepted
  return {
    a,
    b,
    close() {
      a.destroy()
      b.destroy()
      server.close()
    },
  }
}

describe('socketChannel back-pressure', () => {
  it('writers queued behind a full buffer share one drain wait and all complete once the peer reads', async () => {
    const { a, b, close } = await socketPair()
    try {
      b.pause() // the peer reads nothing yet
      const ch = socketChannel(a, {})
      const n = 2000 // 2000 × 16 KiB = 32 MiB: more than the kernel buffers, far past the 256 KiB write limit
      const writes = Array.from({ length: n }, () => ch.sendBlock(new Uint8Array(100)))
      let settled = 0
      for (const w of writes) void w.then(() => settled++)
      await new Promise((r) => setTimeout(r, 50))
      expect(settled).toBeLessThan(n) // back-pressure holds writers
      expect(a.listenerCount('drain')).toBeLessThanOrEqual(1)
      let received = 0
      b.on('data', (d: Buffer) => {
        received += d.length
      })
      b.resume()
      await Promise.all(writes)
      expect(settled).toBe(n)
      await new Promise<void>((r) => {
        const check = (): void => (received >= n * 16384 ? r() : void setTimeout(check, 5))
        check()
      })
      expect(received).toBe(n * 16384)
      expect(a.listenerCount('drain')).toBe(0)
    } finally {
      close()
    }
  })
})
