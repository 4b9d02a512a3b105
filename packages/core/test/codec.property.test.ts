import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CryptoLargeMsgError,
  DecodeError,
  Decoder,
  Encoder,
  base64urlDecode,
  base64urlEncode,
  base64urlParse,
  decodeAll,
  pad,
  parseVersionRangeStr,
  unpad,
} from '../src/index'

/** CI runs every property ≥ 10,000 times; they are cheap. */
const RUNS = { numRuns: 10_000 }

/** A composite record exercising every primitive in one value. */
interface Sample {
  w16: number
  w32: number
  i64: bigint
  flag: boolean
  ch: string
  s: Uint8Array
  big: Uint8Array
  opt: Uint8Array | undefined
  items: Uint8Array[]
  ne: number[]
  range: { min: number; max: number }
  tail: Uint8Array
}

const sampleArb: fc.Arbitrary<Sample> = fc.record({
  w16: fc.integer({ min: 0, max: 0xffff }),
  w32: fc.integer({ min: 0, max: 0xffffffff }),
  i64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  flag: fc.boolean(),
  ch: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  s: fc.uint8Array({ maxLength: 255 }),
  big: fc.uint8Array({ maxLength: 600 }),
  opt: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
  items: fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 10 }),
  ne: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 10 }),
  range: fc
    .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }))
    .map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) })),
  tail: fc.uint8Array({ maxLength: 64 }),
})

function encodeSample(x: Sample): Uint8Array {
  return new Encoder(8)
    .u16(x.w16)
    .u32(x.w32)
    .i64(x.i64)
    .bool(x.flag)
    .char(x.ch)
    .str8(x.s)
    .large(x.big)
    .maybe(x.opt, (e, v) => e.str8(v))
    .list(x.items, (e, v) => e.str8(v))
    .nonEmpty(x.ne, (e, v) => e.u16(v))
    .versionRange(x.range)
    .raw(x.tail)
    .finish()
}

function decodeSample(d: Decoder): Sample {
  return {
    w16: d.u16(),
    w32: d.u32(),
    i64: d.i64(),
    flag: d.bool(),
    ch: d.char(),
    s: d.str8(),
    big: d.large(),
    opt: d.maybe((d) => d.str8()),
    items: d.list((d) => d.str8()),
    ne: d.nonEmpty((d) => d.u16()),
    range: d.versionRange(),
    tail: d.tail(),
  }
}

/** Run `f` and require that it either returns or throws exactly the typed error class. */
function onlyTyped(f: () => unknown, cls: new (...a: never[]) => Error = DecodeError): void {
  try {
    f()
  } catch (e) {
    if (!(e instanceof cls)) throw e
  }
}

describe('codec properties', () => {
  it('decode(encode(x)) = x for every primitive', () => {
    fc.assert(
      fc.property(sampleArb, (x) => {
        expect(decodeAll(encodeSample(x), decodeSample)).toEqual(x)
      }),
      RUNS,
    )
  })

  it('random bytes fed to the composite decoder give only DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) =>
        onlyTyped(() => decodeAll(bytes, decodeSample)),
      ),
      RUNS,
    )
  })

  it('every single-primitive decoder on random bytes gives only DecodeError and never over-reads', () => {
    const readers: ((d: Decoder) => unknown)[] = [
      (d) => d.u8(),
      (d) => d.u16(),
      (d) => d.u32(),
      (d) => d.i64(),
      (d) => d.systemTime(),
      (d) => d.bool(),
      (d) => d.str8(),
      (d) => d.large(),
      (d) => d.maybe((d) => d.str8()),
      (d) => d.list((d) => d.str8()),
      (d) => d.nonEmpty((d) => d.u16()),
      (d) => d.versionRange(),
    ]
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(readers.length - 1), (bytes, i) => {
        const d = new Decoder(bytes)
        onlyTyped(() => readers[i]!(d))
        expect(d.offset).toBeLessThanOrEqual(bytes.length)
      }),
      RUNS,
    )
  })

  it('a strict prefix of an encoding never decodes', () => {
    fc.assert(
      fc.property(sampleArb, fc.nat(), (x, cut) => {
        const bytes = encodeSample({ ...x, tail: new Uint8Array() })
        const prefix = bytes.subarray(0, cut % bytes.length)
        expect(() =>
          decodeAll(prefix, (d) => {
            const s = decodeSample(d)
            if (s.tail.length !== 0) d.fail('tail')
            return s
          }),
        ).toThrow(DecodeError)
      }),
      RUNS,
    )
  })
})

describe('pad properties', () => {
  it('unpad(pad(m, n)) = m and the length is exactly n', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (m, extra) => {
        const p = pad(m, m.length + 2 + extra)
        expect(p.length).toBe(m.length + 2 + extra)
        expect(unpad(p)).toEqual(m)
      }),
      RUNS,
    )
  })

  it('unpad on random bytes gives only CryptoLargeMsgError and stays in bounds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const m = unpad(bytes)
          expect(m.length + 2).toBeLessThanOrEqual(bytes.length)
        } catch (e) {
          expect(e).toBeInstanceOf(CryptoLargeMsgError)
        }
      }),
      RUNS,
    )
  })
})

describe('string encoding properties', () => {
  it('base64url round trip, padded and unpadded', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const s = base64urlEncode(b)
        expect(base64urlDecode(s)).toEqual(b)
        expect(base64urlDecode(s.replace(/=+$/, ''))).toEqual(b)
        expect(Buffer.from(b).toString('base64url')).toBe(s.replace(/=+$/, ''))
      }),
      RUNS,
    )
  })

  it('random text fed to the base64url and version-range parsers gives only DecodeError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        onlyTyped(() => base64urlDecode(s))
        onlyTyped(() => base64urlParse(s))
        onlyTyped(() => parseVersionRangeStr(s))
      }),
      RUNS,
    )
  })
})
