import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ChatDecodeError,
  ChatEncodeError,
  JsonNumber,
  type JsonValue,
  compareKeys,
  parseJson,
  renderNumber,
  writeJson,
  writeJsonString,
} from '../src/index'

const RUNS = { numRuns: 10_000 }
const bytes = (...b: number[]) => Uint8Array.from(b)

function jsonError(input: Uint8Array | string): ChatDecodeError | undefined {
  try {
    parseJson(input)
  } catch (e) {
    if (e instanceof ChatDecodeError) return e
    throw e
  }
  return undefined
}

describe('writeJsonString (aeson escapes)', () => {
  it('escapes only quote, backslash and control characters', () => {
    expect(writeJsonString('a"b\\c')).toBe('"a\\"b\\\\c"')
    expect(writeJsonString('\n\r\t')).toBe('"\\n\\r\\t"')
    // no short forms for backspace and form feed; lower-case hex
    expect(writeJsonString('\b\f\u0000\u001b\u001f')).toBe('"\\u0008\\u000c\\u0000\\u001b\\u001f"')
    // DEL, line/paragraph separators, slash and non-ASCII stay raw
    expect(writeJsonString('\u007f\u2028\u2029/é👋')).toBe('"\u007f\u2028\u2029/é👋"')
  })

  it('refuses unpaired surrogates', () => {
    expect(() => writeJsonString('\ud800')).toThrow(ChatEncodeError)
    expect(() => writeJsonString('a\udc00b')).toThrow(ChatEncodeError)
    expect(() => writeJsonString('\ud83d\ud83d')).toThrow(ChatEncodeError)
    expect(writeJsonString('\ud83d\udc4b')).toBe('"👋"')
  })
})

describe('renderNumber / JsonNumber (aeson Scientific rendering)', () => {
  it('renders numbers as the reference does', () => {
    const cases: [string, string][] = [
      ['0', '0'],
      ['-0', '0'],
      ['-0.0', '0.0'],
      ['0e-5', '0.0'],
      ['100', '100'],
      ['1e2', '100'],
      ['1.5e3', '1500'],
      ['1.0', '1.0'],
      ['1.50e1', '15.0'],
      ['0.5', '0.5'],
      ['5e-1', '0.5'],
      ['0.001', '1.0e-3'],
      ['1234567.5', '1234567.5'],
      ['12345678.5', '1.23456785e7'],
      ['-2.25', '-2.25'],
      ['1e1025', '1.0e1025'],
      ['12345678901234567890', '12345678901234567890'],
      ['1E+2', '100'],
    ]
    for (const [input, text] of cases) {
      expect(JsonNumber.parse(input).text, input).toBe(text)
      expect(writeJson(parseJson(input)), input).toBe(text)
    }
  })

  it('parses to a plain number exactly when the number writes back the same', () => {
    expect(parseJson('1.5')).toBe(1.5)
    expect(parseJson('1e21')).toBe(1e21)
    expect(parseJson('1.0')).toBeInstanceOf(JsonNumber)
    expect(parseJson('12345678901234567890')).toBeInstanceOf(JsonNumber)
    expect(renderNumber(1e-7)).toBe('1.0e-7')
    expect(renderNumber(0.1 + 0.2)).toBe('0.30000000000000004')
    expect(() => renderNumber(Number.NaN)).toThrow(ChatEncodeError)
  })

  it('round-trips every double through text', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        const v = parseJson(renderNumber(d))
        expect(v).toBe(d === 0 ? 0 : d)
      }),
      RUNS,
    )
  })
})

describe('compareKeys', () => {
  it('orders by code point, not UTF-16 unit', () => {
    expect(['b', 'a', 'ab', ''].sort(compareKeys)).toEqual(['', 'a', 'ab', 'b'])
    // U+FF21 sorts before U+1F600 by code point; the surrogate unit 0xD83D is smaller
    expect(['😀', 'Ａ'].sort(compareKeys)).toEqual(['Ａ', '😀'])
    expect(writeJson({ '😀': 1, Ａ: 2 })).toBe('{"Ａ":2,"😀":1}')
  })
})

describe('parseJson (aeson parsing rules)', () => {
  it('keeps the first of duplicate keys', () => {
    expect(parseJson('{"a":1,"a":2}')).toEqual({ a: 1 })
  })

  it('treats __proto__ as an ordinary key', () => {
    const v = parseJson('{"__proto__":{"x":1}}') as Record<string, JsonValue>
    expect(Object.keys(v)).toEqual(['__proto__'])
    expect(writeJson(v)).toBe('{"__proto__":{"x":1}}')
  })

  it('accepts JSON whitespace only around tokens', () => {
    expect(parseJson(' \t\r\n{ "a" : [ 1 , true , null ] } \n')).toEqual({ a: [1, true, null] })
    expect(jsonError('\u00a0{}')?.reason).toBe('JSON')
    expect(jsonError('\ufeff{}')?.reason).toBe('JSON')
  })

  it('rejects what aeson rejects', () => {
    for (const bad of [
      '',
      ' ',
      '{',
      '{"a"}',
      '{"a":1,}',
      '[1,]',
      '[1 2]',
      '01',
      '-',
      '1.',
      '.5',
      '+1',
      'tru',
      'nul',
      'NaN',
      '"abc',
      '{} {}',
      '1e',
      "{'a':1}",
      '"\\x"',
      '"\\u12"',
      '"\\ud800"',
      '"\\ud800\\u0041"',
      '"\\udc00"',
      '"a\nb"',
      '"\t"',
    ]) {
      expect(jsonError(bad)?.reason, JSON.stringify(bad)).toBe('JSON')
    }
  })

  it('rejects malformed UTF-8 inside strings', () => {
    const q = 0x22
    for (const body of [
      [0x80],
      [0xc3],
      [0xc0, 0x80], // overlong
      [0xe0, 0x80, 0x80], // overlong
      [0xed, 0xa0, 0x80], // encoded surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xf8, 0x80, 0x80, 0x80],
      [0xff],
    ]) {
      expect(jsonError(bytes(q, ...body, q))?.reason, body.join(',')).toBe('JSON')
    }
    expect(parseJson(bytes(q, 0xf0, 0x9f, 0x91, 0x8b, q))).toBe('👋')
  })

  it('reproduces the fast/slow path control character quirk', () => {
    // a raw control character is only refused while the string is still plain ASCII
    expect(jsonError('"a\u0001"')?.reason).toBe('JSON')
    expect(parseJson('"é\u0001"')).toBe('é\u0001')
    expect(parseJson('"\\n\n"')).toBe('\n\n')
  })

  it('decodes escapes', () => {
    expect(parseJson('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDC4B"')).toBe('"\\/\b\f\n\r\té👋')
  })

  it('handles nesting far deeper than the call stack', () => {
    const depth = 50_000
    const text = `${'['.repeat(depth)}${']'.repeat(depth)}`
    const v = parseJson(text)
    expect(writeJson(v)).toBe(text)
    const objects = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
    expect(writeJson(parseJson(objects))).toBe(objects)
  })

  it('refuses values JSON cannot hold', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => writeJson(cyclic as unknown as JsonValue)).toThrow(ChatEncodeError)
    expect(() => writeJson({ a: undefined } as unknown as JsonValue)).toThrow(ChatEncodeError)
    expect(() => writeJson(new Uint8Array(1) as unknown as JsonValue)).toThrow(ChatEncodeError)
    expect(() => writeJson(Number.POSITIVE_INFINITY)).toThrow(ChatEncodeError)
    // a shared (non-cyclic) child is fine
    const shared = { x: 1 }
    expect(writeJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}')
  })
})

describe('JSON properties', () => {
  const json = fc.jsonValue({ stringUnit: 'grapheme' }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue)

  it('parseJson agrees with JSON.parse on JSON.stringify output', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(parseJson(JSON.stringify(v))).toEqual(v)
      }),
      RUNS,
    )
  })

  it('writeJson output is valid JSON of the same value and a fixed point', () => {
    fc.assert(
      fc.property(json, (v) => {
        const text = writeJson(v)
        expect(JSON.parse(text)).toEqual(v)
        expect(writeJson(parseJson(text))).toBe(text)
      }),
      RUNS,
    )
  })

  it('arbitrary bytes give a value or a JSON error, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const e = jsonError(b)
        if (e === undefined)
          expect(writeJson(parseJson(writeJson(parseJson(b))))).toBe(writeJson(parseJson(b)))
        else expect(e.reason).toBe('JSON')
      }),
      RUNS,
    )
  })
})
