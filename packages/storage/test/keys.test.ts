import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compareBytes,
  decodeKey,
  encodeKey,
  InvalidKeyError,
  type KeyPartType,
  prefixEnd,
} from '../src/index'

type Part = number | bigint | string | Uint8Array
const te = new TextEncoder()

const partArb = (t: KeyPartType): fc.Arbitrary<Part> => {
  switch (t) {
    case 'uint':
      return fc.oneof(fc.constantFrom(0, 1, 255, 256, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.maxSafeNat())
    case 'u64':
      return fc.oneof(
        fc.constantFrom(0n, 2n ** 64n - 1n, 2n ** 63n),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      )
    case 'string':
      return fc.oneof(
        fc.string({ unit: fc.constantFrom('\0', '\u0001', 'a', '\u00ff', '\uffff', '😀'), maxLength: 5 }),
        fc.string({ unit: 'binary', maxLength: 8 }),
      )
    case 'bytes':
      return fc.oneof(
        fc.array(fc.constantFrom(0, 1, 0xfe, 0xff), { maxLength: 5 }).map((a) => Uint8Array.from(a)),
        fc.uint8Array({ maxLength: 12 }),
      )
  }
}

const shapeArb = fc.array(fc.constantFrom<KeyPartType>('uint', 'u64', 'string', 'bytes'), {
  minLength: 1,
  maxLength: 4,
})
const tupleArb = (shape: KeyPartType[]) => fc.tuple(...shape.map(partArb))

function comparePart(a: Part, b: Part): number {
  if (typeof a === 'number' || typeof a === 'bigint') {
    const x = BigInt(a)
    const y = BigInt(b as number | bigint)
    return x < y ? -1 : x > y ? 1 : 0
  }
  if (typeof a === 'string') return compareBytes(te.encode(a), te.encode(b as string))
  return compareBytes(a, b as Uint8Array)
}

function compareTuples(a: Part[], b: Part[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = comparePart(a[i]!, b[i]!)
    if (c !== 0) return c
  }
  return a.length - b.length
}

describe('encodeKey / decodeKey', () => {
  it('bytewise order of encoded keys equals tuple order (10,000 runs)', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) => fc.tuple(tupleArb(shape), tupleArb(shape), fc.nat({ max: shape.length }))),
        ([a, b, cut]) => {
          const bShort = b.slice(0, cut)
          // Plain booleans: `expect` in a 10,000-run loop costs more than the property.
          const same = (x: Part[], y: Part[]) =>
            Math.sign(compareBytes(encodeKey(...x), encodeKey(...y))) === Math.sign(compareTuples(x, y))
          return same(a, b) && same(a, bShort) && same(bShort, a)
        },
      ),
      { numRuns: 10_000 },
    )
  })

  it('decodeKey inverts encodeKey and leading parts form a prefix (10,000 runs)', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) => fc.tuple(fc.constant(shape), tupleArb(shape))),
        ([shape, parts]) => {
          const key = encodeKey(...parts)
          const back = decodeKey(key, shape)
          expect(back.length).toBe(parts.length)
          for (const [i, t] of shape.entries()) {
            const p = parts[i]!
            if (t === 'uint' || t === 'u64')
              expect(BigInt(back[i] as number | bigint)).toBe(BigInt(p as number))
            else expect(back[i]).toEqual(p)
          }
          const head = encodeKey(...parts.slice(0, 1))
          expect(compareBytes(key.subarray(0, head.length), head)).toBe(0)
          const end = prefixEnd(head)
          if (end !== undefined) expect(compareBytes(key, end)).toBeLessThan(0)
        },
      ),
      { numRuns: 10_000 },
    )
  })

  it('decodeKey on arbitrary bytes throws only InvalidKeyError (10,000 runs)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), shapeArb, (bytes, shape) => {
        try {
          decodeKey(bytes, shape)
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidKeyError)
        }
      }),
      { numRuns: 10_000 },
    )
  })

  it('rejects parts that have no ordered encoding', () => {
    expect(() => encodeKey(-1)).toThrow(InvalidKeyError)
    expect(() => encodeKey(1.5)).toThrow(InvalidKeyError)
    expect(() => encodeKey(2 ** 53)).toThrow(InvalidKeyError)
    expect(() => encodeKey(2n ** 64n)).toThrow(InvalidKeyError)
    expect(() => encodeKey(-1n)).toThrow(InvalidKeyError)
    expect(() => encodeKey('\ud800')).toThrow(InvalidKeyError)
    expect(() => encodeKey({} as never)).toThrow(InvalidKeyError)
    expect(() => decodeKey(encodeKey(2n ** 60n), ['uint'])).toThrow(InvalidKeyError)
    expect(decodeKey(encodeKey(2n ** 60n), ['u64'])).toEqual([2n ** 60n])
    expect(() => decodeKey(new Uint8Array([0xff, 0xfe, 0, 1]), ['string'])).toThrow(InvalidKeyError)
    expect(() => decodeKey(encodeKey(1, 2), ['uint'])).toThrow(InvalidKeyError)
  })

  it('encodes the documented layout', () => {
    expect(Array.from(encodeKey(258, 'a\0', new Uint8Array([0xff])))).toEqual([
      0, 0, 0, 0, 0, 0, 1, 2, 0x61, 0, 0xff, 0, 1, 0xff, 0, 1,
    ])
  })
})
