import { equalBytes } from '@simplex-ts/core'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BadBlockError,
  LargeMsgError,
  MAX_BATCH_ITEMS,
  decodeBatch,
  encodeBatch,
  encodeBlock,
  frameTransmissions,
  maxTransmissionLength,
  readTransmissions,
} from '../src/index'

const filled = (n: number, v = 0x41): Uint8Array => new Uint8Array(n).fill(v)

describe('v4 batches', () => {
  it('frames u8 count ‖ Large items', () => {
    const c = encodeBatch([Uint8Array.of(1), Uint8Array.of(2, 3)])
    expect([...c]).toEqual([2, 0, 1, 1, 0, 2, 2, 3])
    expect(decodeBatch(c).map((x) => [...x])).toEqual([[1], [2, 3]])
  })

  it('uses the exact bound 1 + Σ(2 + len) ≤ 16382', () => {
    // two items totalling exactly 16382 bytes of content fit one block
    const a = filled(8000)
    const b = filled(16382 - 1 - 2 - 8000 - 2)
    const one = frameTransmissions([a, b], { batch: true })
    expect(one.blocks).toHaveLength(1)
    expect(one.blocks[0]!.content.length).toBe(16382)
    expect(encodeBlock(one.blocks[0]!.content).length).toBe(16384)
    // one byte more splits (the reference's looser check would fail the batch as a whole)
    const two = frameTransmissions([a, filled(b.length + 1)], { batch: true })
    expect(two.blocks.map((x) => x.items)).toEqual([[0], [1]])
    expect(() => encodeBatch([a, filled(b.length + 1)])).toThrow(LargeMsgError)
  })

  it('skips a transmission too large for any block, and keeps the order of the rest', () => {
    expect(maxTransmissionLength({ batch: true })).toBe(16379)
    expect(maxTransmissionLength({ batch: false })).toBe(16382)
    const big = filled(16380)
    const r = frameTransmissions([Uint8Array.of(1), big, Uint8Array.of(2), filled(16379)], { batch: true })
    expect(r.tooLarge).toEqual([1])
    expect(r.blocks.map((x) => x.items)).toEqual([[0, 2], [3]])
    const u = frameTransmissions([filled(16383), filled(16382)], { batch: false })
    expect(u.tooLarge).toEqual([0])
    expect(u.blocks.map((x) => x.items)).toEqual([[1]])
  })

  it('puts at most 255 transmissions in one block', () => {
    const r = frameTransmissions(
      Array.from({ length: 600 }, () => Uint8Array.of(9)),
      { batch: true },
    )
    expect(r.blocks.map((x) => x.items.length)).toEqual([255, 255, 90])
    expect(decodeBatch(r.blocks[0]!.content)).toHaveLength(MAX_BATCH_ITEMS)
    expect(() => encodeBatch([])).toThrow(BadBlockError)
  })

  it('rejects count 0, missing items and trailing bytes', () => {
    expect(() => decodeBatch(Uint8Array.of(0))).toThrow(BadBlockError)
    expect(() => decodeBatch(new Uint8Array(0))).toThrow(BadBlockError)
    expect(() => decodeBatch(Uint8Array.of(2, 0, 1, 7))).toThrow(BadBlockError)
    expect(() => decodeBatch(Uint8Array.of(1, 0, 1, 7, 0))).toThrow(BadBlockError)
    expect(() => decodeBatch(Uint8Array.of(1, 0, 3, 7))).toThrow(BadBlockError)
  })

  it('readTransmissions reports a bad length prefix as one LARGE_MSG entry', () => {
    const block = new Uint8Array(16384).fill(0xff)
    const r = readTransmissions(block, { batch: true })
    expect(r).toHaveLength(1)
    expect(r[0]).toBeInstanceOf(LargeMsgError)
    expect(readTransmissions(encodeBlock(Uint8Array.of(5)), { batch: false })).toEqual([Uint8Array.of(5)])
  })

  it('property: frame then read gives back every transmission in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 40 }),
        fc.boolean(),
        (lengths, batch) => {
          const trs = lengths.map((n, i) => filled(n, i & 0xff))
          const blockSize = 512
          const r = frameTransmissions(trs, { batch, blockSize })
          const max = maxTransmissionLength({ batch, blockSize })
          expect(r.tooLarge).toEqual(lengths.flatMap((n, i) => (n > max ? [i] : [])))
          const back = r.blocks.flatMap((b) =>
            readTransmissions(encodeBlock(b.content, blockSize), { batch, blockSize }),
          )
          const want = trs.filter((t) => t.length <= max)
          // byte comparison by hand: deep equality on typed arrays dominates the run time otherwise
          expect(back.length).toBe(want.length)
          expect(back.every((b, i) => b instanceof Uint8Array && equalBytes(b, want[i]!))).toBe(true)
        },
      ),
      { numRuns: 10_000 },
    )
  })

  it('property: decodeBatch throws nothing but BadBlockError, and re-encodes what it accepts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let items: Uint8Array[]
        try {
          items = decodeBatch(bytes)
        } catch (e) {
          expect(e).toBeInstanceOf(BadBlockError)
          return
        }
        expect(equalBytes(encodeBatch(items, 1 << 16), bytes)).toBe(true)
      }),
      { numRuns: 10_000 },
    )
  })
})
