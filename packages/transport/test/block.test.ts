import { equalBytes } from '@simplex-ts/core'
import * as fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BadBlockError,
  BlockFramer,
  LargeMsgError,
  NTF_BLOCK_SIZE,
  SMP_BLOCK_SIZE,
  decodeBlock,
  encodeBlock,
  maxBlockContent,
} from '../src/index'

describe('blocks', () => {
  it('pads with a u16 length and # fill', () => {
    const b = encodeBlock(Uint8Array.of(1, 2, 3))
    expect(b.length).toBe(16384)
    expect([...b.subarray(0, 5)]).toEqual([0, 3, 1, 2, 3])
    expect(b.subarray(5).every((x) => x === 0x23)).toBe(true)
    expect([...decodeBlock(b)]).toEqual([1, 2, 3])
  })

  it('carries at most blockSize − 2 bytes', () => {
    expect(maxBlockContent()).toBe(16382)
    expect(decodeBlock(encodeBlock(new Uint8Array(16382))).length).toBe(16382)
    expect(() => encodeBlock(new Uint8Array(16383))).toThrow(LargeMsgError)
    expect(() => encodeBlock(new Uint8Array(511), NTF_BLOCK_SIZE)).toThrow(LargeMsgError)
    expect(encodeBlock(new Uint8Array(510), NTF_BLOCK_SIZE).length).toBe(512)
  })

  it('ignores the fill (a zero-filled block is accepted)', () => {
    const b = new Uint8Array(SMP_BLOCK_SIZE)
    b[1] = 2
    b[2] = 7
    expect([...decodeBlock(b)]).toEqual([7, 0])
  })

  it('rejects a declared length beyond the block with LARGE_MSG, a wrong size with BLOCK', () => {
    const b = new Uint8Array(SMP_BLOCK_SIZE)
    b[0] = 0x40
    b[1] = 0x00 // 16384 > 16382
    expect(() => decodeBlock(b)).toThrow(LargeMsgError)
    b[0] = 0x3f
    b[1] = 0xfe // exactly 16382
    expect(decodeBlock(b).length).toBe(16382)
    expect(() => decodeBlock(new Uint8Array(100))).toThrow(BadBlockError)
  })

  it('property: decodeBlock(encodeBlock(x)) = x; any block decodes or throws LARGE_MSG', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 510 }), (x) => {
        expect(equalBytes(decodeBlock(encodeBlock(x, 512), 512), x)).toBe(true)
      }),
      { numRuns: 10_000 },
    )
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 512, maxLength: 512 }), (b) => {
        try {
          const c = decodeBlock(b, 512)
          expect(c.length).toBe((b[0]! << 8) | b[1]!)
        } catch (e) {
          expect(e).toBeInstanceOf(LargeMsgError)
        }
      }),
      { numRuns: 10_000 },
    )
  })

  it('property: the framer cuts any chunking of a stream into the same blocks', () => {
    const size = 64
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }),
        fc.array(fc.nat({ max: 150 }), { maxLength: 30 }),
        (stream, cuts) => {
          const f = new BlockFramer(size)
          const got: Uint8Array[] = []
          let at = 0
          for (const c of cuts) {
            got.push(...f.push(stream.subarray(at, Math.min(stream.length, at + c))))
            at = Math.min(stream.length, at + c)
          }
          got.push(...f.push(stream.subarray(at)))
          const whole = Math.floor(stream.length / size)
          expect(got).toHaveLength(whole)
          expect(got.every((b, i) => equalBytes(b, stream.subarray(i * size, (i + 1) * size)))).toBe(true)
          expect(f.buffered).toBe(stream.length - whole * size)
        },
      ),
      { numRuns: 10_000 },
    )
  })
})
