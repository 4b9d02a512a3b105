/**
 * Fixed-size transport blocks: `u16 contentLength ‖ content ‖ '#' fill`,
 * 16384 bytes for SMP and 512 for NTF. Handshake and transmission blocks share
 * this layout; the fill is never checked by the receiver.
 *
 * @see ../shared/spec/transport.md §5
 */
import { CryptoLargeMsgError, pad, unpad } from '@simplex-ts/core'
import { BadBlockError, LargeMsgError } from './errors'

/** SMP block size (`smpBlockSize`). */
export const SMP_BLOCK_SIZE = 16384
/** NTF block size (`ntfBlockSize`). */
export const NTF_BLOCK_SIZE = 512

/** The largest content a block of `blockSize` bytes can carry (the 2-byte length prefix takes the rest). */
export function maxBlockContent(blockSize: number = SMP_BLOCK_SIZE): number {
  return blockSize - 2
}

/**
 * Pad `content` into one block of `blockSize` bytes (the reference's `tPutBlock`).
 * @throws LargeMsgError when `content` is longer than `blockSize − 2`.
 * @see ../shared/spec/transport.md §5
 */
export function encodeBlock(content: Uint8Array, blockSize: number = SMP_BLOCK_SIZE): Uint8Array {
  try {
    return pad(content, blockSize)
  } catch (e) {
    if (e instanceof CryptoLargeMsgError) {
      throw new LargeMsgError(`content of ${content.length} bytes does not fit a ${blockSize}-byte block`, {
        cause: e,
      })
    }
    throw e
  }
}

/**
 * The content of one received block (the reference's `tGetBlock`): a view of
 * the declared number of bytes after the length prefix; the fill is ignored.
 * @throws BadBlockError when `block` is not exactly `blockSize` bytes.
 * @throws LargeMsgError when the length prefix declares more than the block holds.
 * @see ../shared/spec/transport.md §5
 */
export function decodeBlock(block: Uint8Array, blockSize: number = SMP_BLOCK_SIZE): Uint8Array {
  if (block.length !== blockSize) {
    throw new BadBlockError(`expected a ${blockSize}-byte block, got ${block.length} bytes`)
  }
  try {
    return unpad(block)
  } catch (e) {
    throw new LargeMsgError(`block declares more content than its ${blockSize - 2} bytes`, { cause: e })
  }
}

/**
 * Cuts a byte stream into whole blocks. TLS record boundaries mean nothing to
 * the block protocol, so a reader accumulates until it has `blockSize` bytes.
 */
export class BlockFramer {
  readonly #blockSize: number
  #chunks: Uint8Array[] = []
  #buffered = 0

  /** @param blockSize the fixed block size of the stream. */
  constructor(blockSize: number = SMP_BLOCK_SIZE) {
    if (!Number.isInteger(blockSize) || blockSize < 2) throw new RangeError(`invalid block size ${blockSize}`)
    this.#blockSize = blockSize
  }

  /** Bytes received that do not yet make a whole block. */
  get buffered(): number {
    return this.#buffered
  }

  /** Add received bytes and return every block they complete (each exactly `blockSize` bytes, owned copies). */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = []
    if (chunk.length === 0) return out
    const size = this.#blockSize
    let at = 0
    // fast path: nothing buffered, slice whole blocks straight out of the chunk
    if (this.#buffered === 0) {
      while (chunk.length - at >= size) {
        out.push(chunk.slice(at, at + size))
        at += size
      }
      if (at < chunk.length) {
        this.#chunks.push(chunk.slice(at))
        this.#buffered = chunk.length - at
      }
      return out
    }
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    while (this.#buffered >= size) out.push(this.#take(size))
    return out
  }

  #take(n: number): Uint8Array {
    const block = new Uint8Array(n)
    let filled = 0
    while (filled < n) {
      const head = this.#chunks[0]!
      const want = n - filled
      if (head.length <= want) {
        block.set(head, filled)
        filled += head.length
        this.#chunks.shift()
      } else {
        block.set(head.subarray(0, want), filled)
        this.#chunks[0] = head.subarray(want)
        filled += want
      }
    }
    this.#buffered -= n
    return block
  }
}
