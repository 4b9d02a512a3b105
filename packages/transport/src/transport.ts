/**
 * The transport interface SMP and the layers above talk to, whatever carries
 * the blocks (TLS, WebSocket-in-TLS, an in-memory pair in tests): a
 * {@link BlockChannel} moves whole blocks before the hello handshake, and a
 * {@link Transport} is a channel after it, with the agreed version.
 *
 * @see ../shared/spec/transport.md §1, §5, §8
 */
import type { VersionRange } from '@simplex-ts/core'
import {
  type FramingOptions,
  type ReceivedTransmission,
  frameTransmissions,
  readTransmissions,
} from './batch'
import { SMP_BLOCK_SIZE, encodeBlock } from './block'
import { BadBlockError, ConnectionClosedError, type TransportError } from './errors'

/** What a concrete carrier (socket, WebSocket) provides to a {@link BlockChannel}. */
export interface BlockLink {
  /** Write one whole padded block; resolves when the carrier can take more. */
  write(block: Uint8Array): Promise<void>
  /** Close the carrier gracefully; resolves when it is closed (the link then calls `channel.end()`). */
  close(): Promise<void>
  /** Optional write coalescing: hold writes until {@link BlockLink.uncork}. */
  cork?(): void
  /** Release writes held by {@link BlockLink.cork}. */
  uncork?(): void
  /** Optional flow control: stop reading from the network. */
  pause?(): void
  /** Resume reading from the network. */
  resume?(): void
}

const HIGH_WATER = 64
const LOW_WATER = 16

type Waiter = { resolve: (b: Uint8Array | undefined) => void; reject: (e: unknown) => void }

/**
 * A bidirectional stream of fixed-size blocks over a {@link BlockLink}: the
 * link pushes received blocks in with {@link BlockChannel.deliver} and reports
 * the end with {@link BlockChannel.end}; consumers read with
 * {@link BlockChannel.receiveBlock} or {@link BlockChannel.blocks}.
 */
export class BlockChannel {
  /** The block size of this channel. */
  readonly blockSize: number
  /**
   * The TLS channel binding (client Finished `verify_data`), or `undefined`
   * when the carrier does not expose it (browser WebSocket).
   */
  readonly sessionId: Uint8Array | undefined
  readonly #link: BlockLink
  readonly #queue: Uint8Array[] = []
  readonly #waiters: Waiter[] = []
  #paused = false
  #ended = false
  #error: TransportError | undefined
  #closing: Promise<void> | undefined
  readonly #closed: Promise<void>
  #resolveClosed!: () => void

  /**
   * @param link the carrier.
   * @param options the block size (default 16384) and the channel binding when known.
   */
  constructor(link: BlockLink, options: { blockSize?: number; sessionId?: Uint8Array | undefined } = {}) {
    this.#link = link
    this.blockSize = options.blockSize ?? SMP_BLOCK_SIZE
    this.sessionId = options.sessionId
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve
    })
  }

  /** Resolves when the channel has ended, from either side, cleanly or not (never rejects). */
  get closed(): Promise<void> {
    return this.#closed
  }

  /** Whether the channel has ended. */
  get isClosed(): boolean {
    return this.#ended
  }

  /** Why the channel ended, when it ended with an error. */
  get closeReason(): TransportError | undefined {
    return this.#error
  }

  /**
   * Called by the link with one received whole block.
   * A block of the wrong size ends the channel with {@link BadBlockError}.
   */
  deliver(block: Uint8Array): void {
    if (this.#ended) return
    if (block.length !== this.blockSize) {
      this.end(new BadBlockError(`expected a ${this.blockSize}-byte block, got ${block.length} bytes`))
      void this.close()
      return
    }
    const w = this.#waiters.shift()
    if (w) {
      w.resolve(block)
      return
    }
    this.#queue.push(block)
    if (!this.#paused && this.#queue.length >= HIGH_WATER && this.#link.pause) {
      this.#paused = true
      this.#link.pause()
    }
  }

  /**
   * Called by the link when the carrier ended: cleanly (no error) or with the
   * error that ended it. Blocks already received can still be read.
   */
  end(error?: TransportError): void {
    if (this.#ended) return
    this.#ended = true
    this.#error = error
    for (const w of this.#waiters.splice(0)) {
      if (error) w.reject(error)
      else w.resolve(undefined)
    }
    this.#resolveClosed()
  }

  /** The next block, or `undefined` after a clean end. @throws the error that ended the channel. */
  async next(): Promise<Uint8Array | undefined> {
    const b = this.#queue.shift()
    if (b) {
      if (this.#paused && this.#queue.length <= LOW_WATER) {
        this.#paused = false
        this.#link.resume?.()
      }
      return b
    }
    if (this.#ended) {
      if (this.#error) throw this.#error
      return undefined
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  /**
   * The next whole padded block (exactly `blockSize` bytes).
   * @throws ConnectionClosedError when the channel ended cleanly; otherwise the error that ended it.
   */
  async receiveBlock(): Promise<Uint8Array> {
    const b = await this.next()
    if (b === undefined) throw new ConnectionClosedError('connection closed')
    return b
  }

  /** Every received padded block until the channel ends; throws the error that ended it, if any. */
  async *blocks(): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      const b = await this.next()
      if (b === undefined) return
      yield b
    }
  }

  /**
   * Pad `content` into one block and send it.
   * @throws LargeMsgError when it does not fit (nothing is sent).
   * @throws ConnectionClosedError (or the closing error) when the channel has ended.
   */
  async sendBlock(content: Uint8Array): Promise<void> {
    const block = encodeBlock(content, this.blockSize)
    this.#assertOpen()
    await this.#link.write(block)
  }

  /** Pad and send several block contents back to back, coalesced into as few writes as the carrier allows. */
  async sendBlocks(contents: readonly Uint8Array[]): Promise<void> {
    const blocks = contents.map((c) => encodeBlock(c, this.blockSize))
    this.#assertOpen()
    if (blocks.length === 1) return this.#link.write(blocks[0]!)
    this.#link.cork?.()
    const writes: Promise<void>[] = []
    try {
      for (const b of blocks) writes.push(this.#link.write(b))
    } finally {
      this.#link.uncork?.()
    }
    await Promise.all(writes)
  }

  #assertOpen(): void {
    if (this.#ended) throw this.#error ?? new ConnectionClosedError('connection closed')
  }

  /** Close the carrier gracefully; idempotent; resolves when closed. */
  close(): Promise<void> {
    this.#closing ??= this.#link.close().then(
      () => this.end(),
      () => this.end(),
    )
    return this.#closing
  }
}

/** What a completed hello handshake established. */
export interface TransportInfo {
  /** The session id (TLS client Finished), included in every signed transmission. */
  readonly sessionId: Uint8Array
  /** The agreed protocol version. */
  readonly version: number
  /** The server identity (key hash): the expected one on a client, the own one on a server. */
  readonly keyHash: Uint8Array
  /** The server's version range (known to the client; the server's own range on a server). */
  readonly serverVersionRange: VersionRange
}

/**
 * A connection after the hello handshake: blocks at the agreed version. SMP
 * client and server code use only this interface.
 *
 * Errors: sends throw `LargeMsgError` (nothing sent) or `ConnectionClosedError`;
 * iteration ends cleanly at EOF and throws the error that ended the connection
 * otherwise (`BadBlockError` for a truncated or wrong-size block).
 */
export interface Transport extends TransportInfo {
  /** `'client'` or `'server'` side of the connection. */
  readonly role: 'client' | 'server'
  /** Block size (16384 for SMP). */
  readonly blockSize: number
  /** Whether blocks use v4 batch framing (`version ≥ 4`). */
  readonly batch: boolean
  /** Resolves when the connection has ended from either side (never rejects). */
  readonly closed: Promise<void>
  /** Whether the connection has ended. */
  readonly isClosed: boolean
  /** Pad `content` into one block and send it. */
  sendBlock(content: Uint8Array): Promise<void>
  /**
   * Send transmissions with the framing of the agreed version (batched at v4,
   * one per block before), coalescing the writes.
   * @returns indices of transmissions too large for any block (not sent; the reference's local `LARGE_MSG`).
   */
  sendTransmissions(transmissions: readonly Uint8Array[]): Promise<readonly number[]>
  /** The next padded block. @throws ConnectionClosedError after a clean end. */
  receiveBlock(): Promise<Uint8Array>
  /** Every received padded block until the connection ends. */
  blocks(): AsyncIterable<Uint8Array>
  /**
   * Every received block as its transmissions (see `readTransmissions`): per
   * block, the raw transmissions or a single framing error.
   */
  transmissions(): AsyncIterable<ReceivedTransmission[]>
  /** Close the connection and release its socket; idempotent. */
  close(): Promise<void>
}

/**
 * Wrap a channel whose hello handshake completed into a {@link Transport}.
 * Used by every carrier; also handy for in-memory tests with {@link memoryChannelPair}.
 */
export function createTransport(
  channel: BlockChannel,
  info: TransportInfo & { readonly role: 'client' | 'server' },
): Transport {
  const batch = info.version >= 4
  const framing: FramingOptions = { batch, blockSize: channel.blockSize }
  return {
    role: info.role,
    sessionId: info.sessionId,
    version: info.version,
    keyHash: info.keyHash,
    serverVersionRange: info.serverVersionRange,
    blockSize: channel.blockSize,
    batch,
    closed: channel.closed,
    get isClosed() {
      return channel.isClosed
    },
    sendBlock: (content) => channel.sendBlock(content),
    async sendTransmissions(transmissions) {
      const framed = frameTransmissions(transmissions, framing)
      if (framed.blocks.length > 0) await channel.sendBlocks(framed.blocks.map((b) => b.content))
      return framed.tooLarge
    },
    receiveBlock: () => channel.receiveBlock(),
    blocks: () => channel.blocks(),
    async *transmissions() {
      for await (const block of channel.blocks()) yield readTransmissions(block, framing)
    },
    close: () => channel.close(),
  }
}

/**
 * Two channels connected back to back in memory (no TLS): what one sends the
 * other receives. `sessionId` is given to both, standing in for the TLS binding.
 */
export function memoryChannelPair(
  options: { blockSize?: number; sessionId?: Uint8Array } = {},
): [BlockChannel, BlockChannel] {
  let a!: BlockChannel
  let b!: BlockChannel
  const link = (peer: () => BlockChannel, self: () => BlockChannel): BlockLink => ({
    async write(block) {
      const p = peer()
      if (p.isClosed) throw new ConnectionClosedError('connection closed')
      queueMicrotask(() => p.deliver(block.slice()))
    },
    async close() {
      self().end()
      queueMicrotask(() => peer().end())
    },
  })
  a = new BlockChannel(
    link(
      () => b,
      () => a,
    ),
    options,
  )
  b = new BlockChannel(
    link(
      () => a,
      () => b,
    ),
    options,
  )
  return [a, b]
}
