/**
 * Transmissions inside blocks. SMP v1–3 and NTF carry one transmission per
 * block; SMP v4 batches `u8 count ‖ count × Large(transmission)` (1–255 items)
 * in every block after the handshake, even for a single transmission.
 *
 * @see ../shared/spec/transport.md §8
 */
import { DecodeError, Decoder, Encoder } from '@simplex-ts/core'
import { SMP_BLOCK_SIZE, decodeBlock } from './block'
import { BadBlockError, LargeMsgError } from './errors'

/** Most transmissions one v4 batch holds (the count is one byte). */
export const MAX_BATCH_ITEMS = 255

/** The first SMP version that batches transmissions (`batch = version ≥ 4`). */
export const BATCH_VERSION = 4

/** Whether blocks of an SMP connection at `version` use batch framing. */
export function isBatchVersion(version: number): boolean {
  return version >= BATCH_VERSION
}

/** Block framing options: whether to batch, and the block size. */
export interface FramingOptions {
  /** Batch framing (SMP v4+); `false` for SMP v1–3 and NTF. */
  readonly batch: boolean
  /** Block size; defaults to {@link SMP_BLOCK_SIZE}. */
  readonly blockSize?: number
}

/** One block's content and which input transmissions (by index) it carries. */
export interface FramedBlock {
  /** Block content before padding. */
  readonly content: Uint8Array
  /** Indices into the input list of the transmissions in this block, in order. */
  readonly items: readonly number[]
}

/** The result of {@link frameTransmissions}. */
export interface FramedTransmissions {
  /** Block contents to send, in order. */
  readonly blocks: readonly FramedBlock[]
  /** Indices of transmissions too large for any block: not sent, each a local `LARGE_MSG`. */
  readonly tooLarge: readonly number[]
}

/**
 * The largest transmission one block can carry: `blockSize − 2` unbatched,
 * `blockSize − 5` batched (count byte and the item's own u16 length).
 */
export function maxTransmissionLength(options: FramingOptions): number {
  const size = options.blockSize ?? SMP_BLOCK_SIZE
  return options.batch ? size - 2 - 1 - 2 : size - 2
}

/**
 * Group transmissions into block contents, preserving order. Batched, each
 * block takes as many following transmissions as satisfy
 * `1 + Σ(2 + len) ≤ blockSize − 2` and at most 255; unbatched, one per block.
 * A transmission that cannot fit a block alone is skipped and listed in
 * `tooLarge` (the reference's `tPut` reports `TELargeMsg` for it).
 *
 * The reference sender checks a looser bound (items ≤ `blockSize − 1`), so
 * batches whose items total `blockSize − 2` or `blockSize − 1` bytes fail
 * there as a whole; this uses the exact bound, so such lists are split instead.
 * @see ../shared/spec/transport.md §8
 */
export function frameTransmissions(
  transmissions: readonly Uint8Array[],
  options: FramingOptions,
): FramedTransmissions {
  const capacity = (options.blockSize ?? SMP_BLOCK_SIZE) - 2
  const max = maxTransmissionLength(options)
  const blocks: FramedBlock[] = []
  const tooLarge: number[] = []
  if (!options.batch) {
    transmissions.forEach((t, i) => {
      if (t.length > max) tooLarge.push(i)
      else blocks.push({ content: t, items: [i] })
    })
    return { blocks, tooLarge }
  }
  let items: number[] = []
  let used = 1
  const flush = (): void => {
    if (items.length === 0) return
    // written in place (exactly `used` bytes): u8 count, then each item as u16 length ‖ bytes
    const content = new Uint8Array(used)
    content[0] = items.length
    let at = 1
    for (const i of items) {
      const t = transmissions[i]!
      content[at] = t.length >>> 8
      content[at + 1] = t.length & 0xff
      content.set(t, at + 2)
      at += 2 + t.length
    }
    blocks.push({ content, items })
    items = []
    used = 1
  }
  transmissions.forEach((t, i) => {
    if (t.length > max) {
      tooLarge.push(i)
      return
    }
    if (items.length === MAX_BATCH_ITEMS || used + 2 + t.length > capacity) flush()
    items.push(i)
    used += 2 + t.length
  })
  flush()
  return { blocks, tooLarge }
}

/**
 * Encode one v4 batch content from transmissions that must all fit one block.
 * @throws LargeMsgError when they do not fit one block.
 * @throws BadBlockError for an empty list or more than 255 items.
 */
export function encodeBatch(
  transmissions: readonly Uint8Array[],
  blockSize: number = SMP_BLOCK_SIZE,
): Uint8Array {
  if (transmissions.length === 0 || transmissions.length > MAX_BATCH_ITEMS) {
    throw new BadBlockError(`a batch holds 1–${MAX_BATCH_ITEMS} transmissions, got ${transmissions.length}`)
  }
  let size = 1
  for (const t of transmissions) size += 2 + t.length
  if (size > blockSize - 2)
    throw new LargeMsgError(`batch of ${size} bytes does not fit a ${blockSize}-byte block`)
  const e = new Encoder(size)
  e.u8(transmissions.length)
  for (const t of transmissions) e.large(t)
  return e.finish()
}

/**
 * Split one v4 batch content into its transmissions (views into `content`),
 * parsing strictly as the reference does: count 1–255, exactly `count` Large
 * items, no trailing byte.
 * @throws BadBlockError on any framing error.
 * @see ../shared/spec/transport.md §8
 */
export function decodeBatch(content: Uint8Array): Uint8Array[] {
  const d = new Decoder(content)
  try {
    const count = d.u8()
    if (count === 0) throw new BadBlockError('empty batch (count 0)')
    const out: Uint8Array[] = []
    for (let i = 0; i < count; i++) out.push(d.large())
    d.end()
    return out
  } catch (e) {
    if (e instanceof DecodeError) throw new BadBlockError(`invalid batch: ${e.message}`, { cause: e })
    throw e
  }
}

/** A received transmission, or why its block or framing could not be read. */
export type ReceivedTransmission = Uint8Array | BadBlockError | LargeMsgError

/**
 * Everything one received block carries (the reference's `tGetParse` before
 * each transmission is parsed): unbatched, the block content; batched, each
 * item. A bad length prefix or bad batch framing yields a single error entry,
 * which the reference turns into one `ERR BLOCK` with empty correlation id.
 * @see ../shared/spec/transport.md §5, §8
 */
export function readTransmissions(block: Uint8Array, options: FramingOptions): ReceivedTransmission[] {
  let content: Uint8Array
  try {
    content = decodeBlock(block, options.blockSize ?? SMP_BLOCK_SIZE)
  } catch (e) {
    if (e instanceof BadBlockError || e instanceof LargeMsgError) return [e]
    throw e
  }
  if (!options.batch) return [content]
  try {
    return decodeBatch(content)
  } catch (e) {
    if (e instanceof BadBlockError) return [e]
    throw e
  }
}
