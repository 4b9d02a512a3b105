import { toHex } from '@simplex-ts/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ChatEncodeError,
  FILE_CHUNK_SIZE,
  FileChunkDecodeError,
  decodeFileChunk,
  encodeFileChunk,
} from '../src/index'

const RUNS = { numRuns: 10_000 }

describe('file chunk framing', () => {
  it("frames a chunk as 'F' ‖ u32 chunkNo ‖ bytes and a cancel as 'C'", () => {
    expect(toHex(encodeFileChunk({ type: 'chunk', chunkNo: 1, bytes: Uint8Array.of(0xaa, 0xbb) }))).toBe(
      '4600000001aabb',
    )
    expect(toHex(encodeFileChunk({ type: 'chunk', chunkNo: 0x01020304, bytes: new Uint8Array(0) }))).toBe(
      '4601020304',
    )
    expect(toHex(encodeFileChunk({ type: 'cancel' }))).toBe('43')
    expect(decodeFileChunk(Uint8Array.of(0x43))).toEqual({ type: 'cancel' })
  })

  it('fits the largest chunk in one agent message', () => {
    const body = encodeFileChunk({ type: 'chunk', chunkNo: 7, bytes: new Uint8Array(FILE_CHUNK_SIZE) })
    expect(body.length).toBe(15_785)
    expect(body.length).toBeLessThanOrEqual(15_811)
  })

  it('rejects malformed bodies with CEFileRcvChunk', () => {
    for (const hex of [[], [0x46], [0x46, 0, 0, 1], [0x43, 0], [0x41], [0x66, 0, 0, 0, 1]]) {
      let err: unknown
      try {
        decodeFileChunk(Uint8Array.from(hex))
      } catch (e) {
        err = e
      }
      expect(err, hex.join(',')).toBeInstanceOf(FileChunkDecodeError)
      expect((err as FileChunkDecodeError).code).toBe('CEFileRcvChunk')
    }
  })

  it('refuses chunk numbers outside u32', () => {
    for (const chunkNo of [-1, 2 ** 32, 1.5, Number.NaN]) {
      expect(() => encodeFileChunk({ type: 'chunk', chunkNo, bytes: new Uint8Array(0) })).toThrow(
        ChatEncodeError,
      )
    }
  })

  it('round-trips chunks and decodes any bytes to a chunk or a typed error', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 64 }), (chunkNo, bytes) => {
        expect(decodeFileChunk(encodeFileChunk({ type: 'chunk', chunkNo, bytes }))).toEqual({
          type: 'chunk',
          chunkNo,
          bytes,
        })
      }),
      RUNS,
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (b) => {
        try {
          const c = decodeFileChunk(b)
          expect(encodeFileChunk(c)).toEqual(b)
        } catch (e) {
          expect(e).toBeInstanceOf(FileChunkDecodeError)
        }
      }),
      RUNS,
    )
  })
})
