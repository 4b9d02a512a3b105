/**
 * JSON exactly as the reference (aeson 2.0.3, text 1.2) reads and writes it.
 *
 * Reading: one value, optional surrounding whitespace (space, tab, CR, LF);
 * the first of duplicate object keys wins; strings must be valid UTF-8 and
 * surrogate escapes must pair; numbers keep the digits and exponent exactly
 * as written. One quirk is reproduced on purpose: a raw control character in
 * a string is rejected only while the string has been plain ASCII without
 * escapes so far (aeson's fast path checks, its slow path does not).
 *
 * Writing: object keys sorted by code point (aeson's ordered key map), strings
 * escaping only `"`, `\` and control characters (`\n`, `\r`, `\t`, others as
 * `\u00xx`; `\b`, `\f`, DEL, U+2028/9 and `/` are not special), numbers as
 * aeson renders a `Scientific`.
 *
 * Both directions are iterative, so deeply nested input cannot exhaust the stack.
 *
 * @see ../shared/spec/chat.md §1
 */
import { ChatDecodeError, ChatEncodeError } from './errors'

/**
 * A JSON number whose exact reference rendering is not the rendering of any
 * JS `number`: `1.0`, `12345678901234567890`, `1.0e-400`. Numbers that survive
 * a round trip through `number` are parsed as plain `number` instead.
 */
export class JsonNumber {
  /** The number as the reference writes it back. */
  readonly text: string
  /** The nearest double (may be `±Infinity` or `0` for extreme exponents). */
  readonly value: number
  /** Decimal coefficient as written (sign included, digits of the integer and fraction parts). */
  readonly coefficient: bigint
  /** Power of ten applied to {@link coefficient}, as the reference keeps it (not normalised). */
  readonly exponent: bigint

  private constructor(coefficient: bigint, exponent: bigint, text: string) {
    this.coefficient = coefficient
    this.exponent = exponent
    this.text = text
    this.value = Number(text)
  }

  /** @internal */
  static fromParts(coefficient: bigint, exponent: bigint): JsonNumber {
    return new JsonNumber(coefficient, exponent, renderScientific(coefficient, exponent))
  }

  /**
   * Parse JSON number text (`-12.50e3`) keeping its exact value.
   * @throws ChatDecodeError (`JSON`) when `text` is not a JSON number.
   */
  static parse(text: string): JsonNumber {
    const m = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?)([0-9]+))?$/.exec(text)
    if (!m) throw new ChatDecodeError('JSON', '$', `not a JSON number: ${JSON.stringify(text)}`)
    const [c, e] = scientificParts(m[1] === '-', m[2]!, m[3] ?? '', m[4] === '-', m[5])
    return JsonNumber.fromParts(c, e)
  }

  /** The reference rendering. */
  toString(): string {
    return this.text
  }
}

/** Any JSON value: plain JS values, with {@link JsonNumber} for numbers a `number` cannot hold exactly. */
export type JsonValue = null | boolean | number | string | JsonNumber | readonly JsonValue[] | JsonObject

/** A JSON object. Parsed objects have a `null` prototype, so `__proto__` is an ordinary key. */
export interface JsonObject {
  readonly [key: string]: JsonValue
}

// ---------------------------------------------------------------------------
// numbers

const INT64 = 64

/** The reference's `Scientific` (coefficient, exponent) for a number as written. */
function scientificParts(
  negative: boolean,
  intDigits: string,
  fracDigits: string,
  expNegative: boolean,
  expDigits: string | undefined,
): [bigint, bigint] {
  let c = BigInt(intDigits + fracDigits)
  if (negative) c = -c
  // The exponent is a machine Int in the reference: it wraps rather than fails.
  let e = BigInt(-fracDigits.length)
  if (expDigits !== undefined) {
    let lit = BigInt.asIntN(INT64, BigInt(expDigits))
    if (expNegative) lit = BigInt.asIntN(INT64, -lit)
    e = BigInt.asIntN(INT64, e + lit)
  }
  return [c, e]
}

/** Render digits `d1 d2 …` with value `0.d1d2… × 10^e10` as `Data.Scientific` does in its Generic format. */
function renderGeneric(negative: boolean, digits: string, e10: bigint): string {
  const sign = negative ? '-' : ''
  if (e10 < 0n || e10 > 7n) {
    const rest = digits.length > 1 ? digits.slice(1) : '0'
    return `${sign}${digits[0]}.${rest}e${e10 - 1n}`
  }
  const n = Number(e10)
  if (n === 0) return `${sign}0.${digits}`
  const int = digits.slice(0, n).padEnd(n, '0')
  const frac = digits.slice(n)
  return `${sign}${int}.${frac === '' ? '0' : frac}`
}

/** aeson's number rendering: plain integer digits when 0 ≤ exponent ≤ 1024, the Generic format otherwise. */
function renderScientific(c: bigint, e: bigint): string {
  if (e >= 0n && e <= 1024n) return (c * 10n ** e).toString()
  if (c === 0n) return '0.0'
  const negative = c < 0n
  let digits = (negative ? -c : c).toString()
  let trimmed = digits.length
  while (trimmed > 1 && digits.charCodeAt(trimmed - 1) === 0x30) trimmed--
  const e10 = BigInt(digits.length) + e
  digits = digits.slice(0, trimmed)
  return renderGeneric(negative, digits, e10)
}

/**
 * Render a JS number the way the reference renders the same double
 * (`fromFloatDigits`): its shortest round-trip digits, as plain integer digits
 * when the value is whole, in the Generic format otherwise.
 * @throws ChatEncodeError for `NaN` and infinities (JSON has no such numbers).
 */
export function renderNumber(v: number): string {
  if (!Number.isFinite(v)) throw new ChatEncodeError(`cannot encode ${v} as a JSON number`)
  if (v === 0) return '0'
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(v.toExponential())!
  const digits = m[2]! + (m[3] ?? '')
  const exp = Number(m[4]!)
  // as a Scientific: coefficient `digits`, exponent `exp - (digits.length - 1)`
  if (exp >= digits.length - 1) return `${m[1]}${digits}${'0'.repeat(exp - (digits.length - 1))}`
  return renderGeneric(m[1] === '-', digits, BigInt(exp + 1))
}

function numberValue(c: bigint, e: bigint): number | JsonNumber {
  const n = JsonNumber.fromParts(c, e)
  const v = n.value
  return Number.isFinite(v) && renderNumber(v) === n.text ? v : n
}

// ---------------------------------------------------------------------------
// parsing

const utf8Encoder = new TextEncoder()

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message)
  }
}

function fromCodeUnits(units: readonly number[] | Uint8Array, start: number, end: number): string {
  let s = ''
  for (let i = start; i < end; i += 4096) {
    const j = Math.min(end, i + 4096)
    s += String.fromCharCode.apply(
      null,
      (units instanceof Uint8Array ? units.subarray(i, j) : units.slice(i, j)) as unknown as number[],
    )
  }
  return s
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true })

/**
 * Decode the body of a string that left aeson's fast path: escapes, and UTF-8
 * validated strictly between them (a fatal WHATWG decoder rejects exactly the
 * overlong forms, surrogates and code points above U+10FFFF aeson rejects).
 */
function unescapeString(b: Uint8Array, start: number, end: number): string {
  const bad = (at: number): never => {
    throw new JsonSyntaxError('Cannot decode input: Invalid UTF-8 stream', at)
  }
  const hex4 = (at: number): number => {
    if (at + 4 > end) bad(at)
    let v = 0
    for (let k = at; k < at + 4; k++) {
      const c = b[k]!
      const d =
        c >= 0x30 && c <= 0x39
          ? c - 0x30
          : c >= 0x41 && c <= 0x46
            ? c - 55
            : c >= 0x61 && c <= 0x66
              ? c - 87
              : -1
      if (d < 0) bad(k)
      v = (v << 4) | d
    }
    return v
  }
  let out = ''
  let i = start
  while (i < end) {
    let j = b.indexOf(0x5c, i)
    if (j < 0 || j > end) j = end
    if (j > i) {
      try {
        out += utf8Fatal.decode(b.subarray(i, j))
      } catch {
        bad(i)
      }
    }
    if (j >= end) break
    // an escape at j
    if (j + 1 >= end) bad(j)
    const e = b[j + 1]!
    i = j + 2
    switch (e) {
      case 0x22:
        out += '"'
        break
      case 0x5c:
        out += '\\'
        break
      case 0x2f:
        out += '/'
        break
      case 0x62:
        out += '\b'
        break
      case 0x66:
        out += '\f'
        break
      case 0x6e:
        out += '\n'
        break
      case 0x72:
        out += '\r'
        break
      case 0x74:
        out += '\t'
        break
      case 0x75: {
        const u = hex4(i)
        i += 4
        if (u < 0xd800 || u > 0xdfff) out += String.fromCharCode(u)
        else if (u < 0xdc00) {
          if (b[i] !== 0x5c || b[i + 1] !== 0x75) bad(i)
          const lo = hex4(i + 2)
          if (lo < 0xdc00 || lo > 0xdfff) bad(i + 2)
          i += 6
          out += String.fromCharCode(u, lo)
        } else bad(i - 4)
        break
      }
      default:
        bad(j)
    }
  }
  return out
}

type Container =
  | { readonly kind: 'array'; readonly items: JsonValue[] }
  | { readonly kind: 'object'; readonly obj: Record<string, JsonValue>; key: string }

/**
 * Parse one JSON document as the reference does (`eitherDecodeStrict'`).
 * A string argument is first encoded as UTF-8.
 * @throws ChatDecodeError (`JSON`) when the input is not a JSON document.
 */
export function parseJson(input: Uint8Array | string): JsonValue {
  const b = typeof input === 'string' ? utf8Encoder.encode(input) : input
  try {
    return parseBytes(b)
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      throw new ChatDecodeError('JSON', '$', `${e.message} at byte ${e.offset}`, { cause: e })
    }
    throw e
  }
}

function parseBytes(b: Uint8Array): JsonValue {
  const n = b.length
  let i = 0
  const fail = (msg: string): never => {
    throw new JsonSyntaxError(msg, i)
  }
  const skipSpace = (): void => {
    while (i < n) {
      const c = b[i]!
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
      i++
    }
  }
  const literal = (word: string): void => {
    for (let k = 0; k < word.length; k++) {
      if (b[i + k] !== word.charCodeAt(k)) fail(`expected ${word}`)
    }
    i += word.length
  }
  const string = (): string => {
    // `i` is just past the opening quote; scan with a local index (closure variables are slow)
    const start = i
    let k = start
    while (k < n) {
      const c = b[k]!
      if (c === 0x22 || c === 0x5c || c < 0x20 || c >= 0x80) break
      k++
    }
    if (k >= n) {
      i = k
      fail('string without end')
    }
    const c = b[k]!
    if (c === 0x22) {
      i = k + 1
      // plain ASCII, which the UTF-8 decoder passes through unchanged
      return utf8Fatal.decode(b.subarray(start, k))
    }
    if (c < 0x20) {
      i = k
      fail('unescaped control character')
    }
    // slow path: find the closing quote, honouring backslashes, then decode everything
    let escaped = false
    while (k < n) {
      const d = b[k]!
      if (escaped) escaped = false
      else if (d === 0x22) break
      else escaped = d === 0x5c
      k++
    }
    i = k
    if (k >= n) fail('string without end')
    i = k + 1
    return unescapeString(b, start, k)
  }
  const number = (): number | JsonNumber => {
    let negative = false
    if (b[i] === 0x2d) {
      negative = true
      i++
    }
    const digitsFrom = (): string => {
      const s = i
      while (i < n && b[i]! >= 0x30 && b[i]! <= 0x39) i++
      return fromCodeUnits(b, s, i)
    }
    const int = digitsFrom()
    if (int === '') fail('expected digits')
    if (int.length > 1 && int.charCodeAt(0) === 0x30) fail('leading zero')
    let frac = ''
    if (b[i] === 0x2e) {
      i++
      frac = digitsFrom()
      if (frac === '') fail('expected digits after the decimal point')
    }
    const mark = i
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++
      let expNeg = false
      if (b[i] === 0x2b || b[i] === 0x2d) {
        expNeg = b[i] === 0x2d
        i++
      }
      const exp = digitsFrom()
      if (exp !== '') {
        const [c, e] = scientificParts(negative, int, frac, expNeg, exp)
        return numberValue(c, e)
      }
      // an `e` without digits is not part of the number (and then fails as trailing input)
      i = mark
    }
    const [c, e] = scientificParts(negative, int, frac, false, undefined)
    return numberValue(c, e)
  }

  const stack: Container[] = []
  let result: JsonValue | undefined
  // each iteration reads one value (possibly opening a container), then closes what it can
  for (;;) {
    skipSpace()
    if (i >= n) fail('not enough input')
    let value: JsonValue | undefined
    const c = b[i]!
    if (c === 0x22) {
      i++
      value = string()
    } else if (c === 0x7b) {
      i++
      skipSpace()
      if (b[i] === 0x7d) {
        i++
        value = Object.create(null) as Record<string, JsonValue>
      } else {
        if (b[i] !== 0x22) fail('expected object key')
        i++
        const key = string()
        skipSpace()
        if (b[i] !== 0x3a) fail("expected ':'")
        i++
        stack.push({ kind: 'object', obj: Object.create(null) as Record<string, JsonValue>, key })
        continue
      }
    } else if (c === 0x5b) {
      i++
      skipSpace()
      if (b[i] === 0x5d) {
        i++
        value = []
      } else {
        stack.push({ kind: 'array', items: [] })
        continue
      }
    } else if (c === 0x66) {
      literal('false')
      value = false
    } else if (c === 0x74) {
      literal('true')
      value = true
    } else if (c === 0x6e) {
      literal('null')
      value = null
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      value = number()
    } else {
      fail('not a valid json value')
    }
    // attach the finished value to its parents, closing containers as their ends arrive
    let done = false
    while (!done) {
      const top = stack[stack.length - 1]
      if (top === undefined) {
        result = value
        break
      }
      if (top.kind === 'array') top.items.push(value!)
      else if (!Object.hasOwn(top.obj, top.key)) top.obj[top.key] = value!
      skipSpace()
      const d = b[i]
      if (d === 0x2c) {
        i++
        if (top.kind === 'object') {
          skipSpace()
          if (b[i] !== 0x22) fail('expected object key')
          i++
          top.key = string()
          skipSpace()
          if (b[i] !== 0x3a) fail("expected ':'")
          i++
        }
        done = true
      } else if (d === (top.kind === 'array' ? 0x5d : 0x7d)) {
        i++
        stack.pop()
        value = top.kind === 'array' ? top.items : top.obj
      } else {
        fail(top.kind === 'array' ? "expected ',' or ']'" : "expected ',' or '}'")
      }
    }
    if (stack.length === 0) break
  }
  skipSpace()
  if (i < n) fail('trailing input')
  return result!
}

// ---------------------------------------------------------------------------
// writing

/** Order object keys as the reference's `Data.Map` over `Text` does: by Unicode code point. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let k = 0; k < n; k++) {
    let x = a.charCodeAt(k)
    let y = b.charCodeAt(k)
    if (x === y) continue
    // code unit order differs from code point order only between surrogates and U+E000..U+FFFF
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000
    return x - y
  }
  return a.length - b.length
}

const HEX = '0123456789abcdef'

/**
 * A JSON string literal as aeson writes it.
 * @throws ChatEncodeError on an unpaired surrogate (not valid Unicode text).
 */
export function writeJsonString(s: string): string {
  let out = '"'
  let from = 0
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k)
    let esc: string | undefined
    if (c === 0x22) esc = '\\"'
    else if (c === 0x5c) esc = '\\\\'
    else if (c < 0x20) {
      esc = c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : c === 0x09 ? '\\t' : `\\u00${HEX[c >> 4]}${HEX[c & 15]}`
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(k + 1)
      if (c >= 0xdc00 || !(next >= 0xdc00 && next <= 0xdfff)) {
        throw new ChatEncodeError(`unpaired surrogate at index ${k} cannot be encoded as UTF-8`)
      }
      k++
      continue
    }
    if (esc !== undefined) {
      out += s.slice(from, k) + esc
      from = k + 1
    }
  }
  return `${out + s.slice(from)}"`
}

function isPlainObject(v: object): boolean {
  const p = Object.getPrototypeOf(v) as unknown
  return p === Object.prototype || p === null
}

type WriteFrame =
  | { readonly kind: 'array'; readonly items: readonly JsonValue[]; i: number; readonly self: object }
  | {
      readonly kind: 'object'
      readonly obj: JsonObject
      readonly keys: readonly string[]
      i: number
      readonly self: object
    }

/**
 * Write a JSON value exactly as the reference would: keys sorted, aeson escapes
 * and number rendering, no whitespace.
 * @throws ChatEncodeError for values JSON cannot hold (`undefined`, functions,
 * class instances other than {@link JsonNumber}, non-finite numbers, cycles,
 * unpaired surrogates).
 */
export function writeJson(value: JsonValue): string {
  const parts: string[] = []
  const stack: WriteFrame[] = []
  const active = new Set<object>()
  let cur: unknown = value
  for (;;) {
    // write `cur`, or open it
    if (cur === null) parts.push('null')
    else if (cur === true) parts.push('true')
    else if (cur === false) parts.push('false')
    else if (typeof cur === 'string') parts.push(writeJsonString(cur))
    else if (typeof cur === 'number') parts.push(renderNumber(cur))
    else if (cur instanceof JsonNumber) parts.push(cur.text)
    else if (Array.isArray(cur)) {
      if (active.has(cur)) throw new ChatEncodeError('cyclic value cannot be encoded as JSON')
      const items = cur as readonly JsonValue[]
      if (items.length === 0) parts.push('[]')
      else {
        parts.push('[')
        active.add(cur)
        stack.push({ kind: 'array', items, i: 0, self: cur })
        cur = items[0]
        continue
      }
    } else if (typeof cur === 'object' && isPlainObject(cur)) {
      if (active.has(cur)) throw new ChatEncodeError('cyclic value cannot be encoded as JSON')
      const obj = cur as JsonObject
      const keys = Object.keys(obj).sort(compareKeys)
      if (keys.length === 0) parts.push('{}')
      else {
        parts.push('{', writeJsonString(keys[0]!), ':')
        active.add(cur)
        stack.push({ kind: 'object', obj, keys, i: 0, self: cur })
        cur = obj[keys[0]!]
        continue
      }
    } else {
      throw new ChatEncodeError(`cannot encode ${describe(cur)} as JSON`)
    }
    // move to the next sibling, closing finished containers
    let next = false
    while (!next) {
      const top = stack[stack.length - 1]
      if (top === undefined) return parts.join('')
      top.i++
      if (top.kind === 'array') {
        if (top.i < top.items.length) {
          parts.push(',')
          cur = top.items[top.i]
          next = true
        } else {
          parts.push(']')
          active.delete(top.self)
          stack.pop()
        }
      } else if (top.i < top.keys.length) {
        const key = top.keys[top.i]!
        parts.push(',', writeJsonString(key), ':')
        cur = top.obj[key]
        next = true
      } else {
        parts.push('}')
        active.delete(top.self)
        stack.pop()
      }
    }
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined'
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object'
  return typeof v
}
