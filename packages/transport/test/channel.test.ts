import { describe, expect, it } from 'vitest'
import {
  BadBlockError,
  BlockChannel,
  type BlockLink,
  ConnectionClosedError,
  LargeMsgError,
  SMP_BLOCK_SIZE,
  createTransport,
  encodeBlock,
  memoryChannelPair,
} from '../src/index'

const info = {
  sessionId: new Uint8Array(32),
  version: 4,
  keyHash: new Uint8Array(32),
  serverVersionRange: { min: 1, max: 4 },
}

describe('BlockChannel', () => {
  it('pauses the link when many blocks wait unread, and resumes once drained', async () => {
    const calls: string[] = []
    const link: BlockLink = {
      write: async () => {},
      close: async () => {},
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
    }
    const ch = new BlockChannel(link)
    for (let i = 0; i < 80; i++) ch.deliver(encodeBlock(Uint8Array.of(i)))
    expect(calls).toEqual(['pause'])
    for (let i = 0; i < 80; i++) expect((await ch.receiveBlock())[2]).toBe(i)
    expect(calls).toEqual(['pause', 'resume'])
  })

  it('a block of the wrong size ends the channel with BLOCK; queued blocks are still readable', async () => {
    let closed = false
    const ch = new BlockChannel({
      write: async () => {},
      close: async () => {
        closed = true
      },
    })
    ch.deliver(encodeBlock(Uint8Array.of(1)))
    ch.deliver(new Uint8Array(10))
    expect(ch.isClosed).toBe(true)
    expect(ch.closeReason).toBeInstanceOf(BadBlockError)
    expect((await ch.receiveBlock())[2]).toBe(1)
    await expect(ch.receiveBlock()).rejects.toBeInstanceOf(BadBlockError)
    await ch.closed
    expect(closed).toBe(true)
  })

  it('sending: LARGE_MSG sends nothing; after close sends fail with CLOSED', async () => {
    const [a, b] = memoryChannelPair()
    await expect(a.sendBlock(new Uint8Array(SMP_BLOCK_SIZE))).rejects.toBeInstanceOf(LargeMsgError)
    await a.close()
    await b.closed
    await expect(a.sendBlock(new Uint8Array(1))).rejects.toBeInstanceOf(ConnectionClosedError)
    await expect(b.receiveBlock()).rejects.toBeInstanceOf(ConnectionClosedError)
    const seen: Uint8Array[] = []
    for await (const x of b.blocks()) seen.push(x)
    expect(seen).toEqual([])
  })

  it('a transport reports transmissions too large for any block and sends the rest', async () => {
    const [a, b] = memoryChannelPair()
    const ta = createTransport(a, { ...info, role: 'client' })
    const tb = createTransport(b, { ...info, role: 'server' })
    expect(await ta.sendTransmissions([Uint8Array.of(1), new Uint8Array(16380), Uint8Array.of(2)])).toEqual([
      1,
    ])
    const it = tb.transmissions()[Symbol.asyncIterator]()
    expect((await it.next()).value).toEqual([Uint8Array.of(1), Uint8Array.of(2)])
    await ta.close()
    expect((await it.next()).done).toBe(true)
  })
})
