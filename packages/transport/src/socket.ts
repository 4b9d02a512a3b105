/**
 * A {@link BlockChannel} over a Node stream socket (TLS): bytes are cut into
 * whole blocks as they arrive; writes are queued by the socket, with
 * back-pressure; a partial block at EOF is a truncated block.
 *
 * @see ../shared/spec/transport.md §1, §5
 */
import type { Socket } from 'node:net'
import { BlockFramer } from './block'
import { BadBlockError, ConnectionClosedError, NetworkError } from './errors'
import { BlockChannel, type BlockLink } from './transport'

/** How long a graceful close waits for the peer before the socket is destroyed. */
const CLOSE_GRACE_MS = 2000

/** Bytes a writer may queue on the socket before a send waits for it to drain. */
const WRITE_BUFFER_LIMIT = 256 * 1024

/**
 * Attach a block channel to a connected socket. The socket gets TCP_NODELAY,
 * since every block is a complete unit the peer is waiting for.
 */
export function socketChannel(
  socket: Socket,
  options: { blockSize?: number; sessionId?: Uint8Array | undefined },
): BlockChannel {
  socket.setNoDelay(true)
  const framer = new BlockFramer(options.blockSize)
  // one wait for 'drain' shared by every writer queued behind a full buffer (one listener pair, not one per block)
  let drained: Promise<void> | undefined
  const waitDrain = (): Promise<void> => {
    drained ??= new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done)
        socket.off('close', done)
        drained = undefined
        resolve()
      }
      socket.on('drain', done)
      socket.on('close', done)
    })
    return drained
  }
  const link: BlockLink = {
    write(block) {
      return new Promise((resolve, reject) => {
        if (socket.destroyed || !socket.writable) {
          reject(new ConnectionClosedError('connection closed'))
          return
        }
        socket.write(block)
        // a writer may run ahead of the kernel by a few blocks: waiting for 'drain' after every
        // 16 KiB block (the stream's default high-water mark) would make throughput latency-bound
        if (socket.writableLength <= WRITE_BUFFER_LIMIT) {
          resolve()
          return
        }
        void waitDrain().then(resolve)
      })
    },
    close() {
      return new Promise((resolve) => {
        if (socket.destroyed) {
          resolve()
          return
        }
        const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS)
        timer.unref?.()
        socket.once('close', () => {
          clearTimeout(timer)
          resolve()
        })
        socket.end()
      })
    },
    cork: () => socket.cork(),
    uncork: () => socket.uncork(),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
  }
  const channel = new BlockChannel(link, options)
  socket.on('data', (chunk: Buffer) => {
    for (const block of framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
      channel.deliver(block)
    }
  })
  socket.on('error', (e) => channel.end(new NetworkError(`socket error: ${e.message}`, { cause: e })))
  socket.on('close', () => {
    const partial = framer.buffered
    channel.end(
      partial > 0 ? new BadBlockError(`connection ended inside a block (${partial} bytes)`) : undefined,
    )
  })
  socket.on('end', () => {
    // the peer finished sending: close our side too, as the reference does
    if (!socket.destroyed) socket.end()
  })
  return channel
}
