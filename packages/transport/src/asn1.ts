/**
 * The small part of ASN.1 DER that X.509 certificates of SMP servers need:
 * building TLVs and reading them back with exact length checks.
 *
 * @see ../shared/spec/transport.md §3
 */
import { DecodeError, concatBytes, latin1, utf8 } from '@simplex-ts/core'

/** Universal and context tags used in certificates. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const

/** One DER TLV: tag byte, definite length, content. */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length
  let head: number[]
  if (n < 0x80) head = [tag, n]
  else {
    const bytes: number[] = []
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
    head = [tag, 0x80 | bytes.length, ...bytes]
  }
  const out = new Uint8Array(head.length + n)
  out.set(head)
  out.set(content, head.length)
  return out
}

/** `SEQUENCE { ...items }`. */
export function sequence(...items: Uint8Array[]): Uint8Array {
  return tlv(Tag.SEQUENCE, concatBytes(...items))
}

/** `SET { ...items }` (callers pass one item, as names here have single-valued RDNs). */
export function set(...items: Uint8Array[]): Uint8Array {
  return tlv(Tag.SET, concatBytes(...items))
}

/** A context-specific constructed (EXPLICIT) tag `[n] { content }`. */
export function explicit(n: number, content: Uint8Array): Uint8Array {
  return tlv(0xa0 | n, content)
}

/** A context-specific primitive (IMPLICIT) tag `[n]` over raw bytes. */
export function implicitPrimitive(n: number, bytes: Uint8Array): Uint8Array {
  return tlv(0x80 | n, bytes)
}

/** `INTEGER` from non-negative big-endian magnitude bytes (minimal, with a 0x00 when the top bit is set). */
export function integer(magnitude: Uint8Array): Uint8Array {
  let i = 0
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++
  let m = magnitude.subarray(i)
  if (m.length === 0) m = new Uint8Array(1)
  if (m[0]! & 0x80) m = concatBytes(new Uint8Array(1), m)
  return tlv(Tag.INTEGER, m)
}

/** A small non-negative `INTEGER`. */
export function smallInteger(n: number): Uint8Array {
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return integer(Uint8Array.from(bytes))
}

/** `BOOLEAN`. */
export function boolean(b: boolean): Uint8Array {
  return tlv(Tag.BOOLEAN, Uint8Array.of(b ? 0xff : 0x00))
}

/** `BIT STRING` with `unusedBits` unused trailing bits. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(Tag.BIT_STRING, concatBytes(Uint8Array.of(unusedBits), bytes))
}

/** `OCTET STRING`. */
export function octetString(bytes: Uint8Array): Uint8Array {
  return tlv(Tag.OCTET_STRING, bytes)
}

/** `OBJECT IDENTIFIER` from dotted text. */
export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map((p) => Number.parseInt(p, 10))
  const [a, b, ...rest] = parts
  if (a === undefined || b === undefined) throw new RangeError(`invalid OID ${dotted}`)
  const out: number[] = [a * 40 + b]
  for (const v of rest) {
    const chunk: number[] = [v & 0x7f]
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) chunk.unshift(0x80 | (x & 0x7f))
    out.push(...chunk)
  }
  return tlv(Tag.OID, Uint8Array.from(out))
}

/** `UTF8String`. */
export function utf8String(s: string): Uint8Array {
  return tlv(Tag.UTF8_STRING, utf8(s))
}

/** X.509 `Time`: `UTCTime` for years 1950–2049, `GeneralizedTime` otherwise (RFC 5280 §4.1.2.5). */
export function time(date: Date): Uint8Array {
  const y = date.getUTCFullYear()
  const p2 = (n: number): string => String(n).padStart(2, '0')
  const rest = `${p2(date.getUTCMonth() + 1)}${p2(date.getUTCDate())}${p2(date.getUTCHours())}${p2(date.getUTCMinutes())}${p2(date.getUTCSeconds())}Z`
  if (y >= 1950 && y < 2050) return tlv(Tag.UTC_TIME, latin1(`${p2(y % 100)}${rest}`))
  return tlv(Tag.GENERALIZED_TIME, latin1(`${String(y).padStart(4, '0')}${rest}`))
}

/** A decoded TLV: its tag, content view, and the whole encoding (header included). */
export interface Der {
  /** Tag byte. */
  readonly tag: number
  /** Content bytes (a view). */
  readonly content: Uint8Array
  /** Header and content (a view). */
  readonly encoded: Uint8Array
}

/**
 * Read one TLV at `offset` of `bytes`, checking the definite length fits.
 * @throws DecodeError on truncation, indefinite or oversized lengths.
 */
export function readDer(bytes: Uint8Array, offset = 0): Der {
  const fail = (m: string): never => {
    throw new DecodeError(`invalid DER: ${m}`, { offset })
  }
  if (offset + 2 > bytes.length) fail('truncated header')
  const tag = bytes[offset]!
  if ((tag & 0x1f) === 0x1f) fail('multi-byte tags are not used in certificates')
  let len = bytes[offset + 1]!
  let at = offset + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4) fail('unsupported length form')
    if (at + n > bytes.length) fail('truncated length')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + bytes[at + i]!
    at += n
    if (len < 0x80 || (n > 1 && bytes[at - n] === 0)) fail('non-minimal length')
  }
  if (at + len > bytes.length) fail('content exceeds input')
  return { tag, content: bytes.subarray(at, at + len), encoded: bytes.subarray(offset, at + len) }
}

/**
 * Read every TLV of a constructed value's content in order.
 * @throws DecodeError on any malformed element.
 */
export function readChildren(content: Uint8Array): Der[] {
  const out: Der[] = []
  let at = 0
  while (at < content.length) {
    const d = readDer(content, at)
    out.push(d)
    at += d.encoded.length
  }
  return out
}

/**
 * Read exactly one TLV that spans all of `bytes`, with the expected tag.
 * @throws DecodeError on trailing bytes or another tag.
 */
export function readExactly(bytes: Uint8Array, tag: number): Der {
  const d = readDer(bytes)
  if (d.encoded.length !== bytes.length) throw new DecodeError('invalid DER: trailing bytes')
  if (d.tag !== tag)
    throw new DecodeError(`invalid DER: expected tag 0x${tag.toString(16)}, got 0x${d.tag.toString(16)}`)
  return d
}

/** Dotted text of an OID's content bytes. */
export function oidText(content: Uint8Array): string {
  if (content.length === 0) throw new DecodeError('invalid DER: empty OID')
  const first = content[0]!
  const parts: number[] = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80]
  let v = 0
  for (let i = 1; i < content.length; i++) {
    const b = content[i]!
    v = v * 128 + (b & 0x7f)
    if (!(b & 0x80)) {
      parts.push(v)
      v = 0
    }
  }
  return parts.join('.')
}

/**
 * Parse an X.509 `Time` (UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`).
 * @throws DecodeError on any other form.
 */
export function parseTime(d: Der): Date {
  let s = ''
  for (const b of d.content) s += String.fromCharCode(b)
  const utc = d.tag === Tag.UTC_TIME ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s) : null
  const gen = d.tag === Tag.GENERALIZED_TIME ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s) : null
  const m = utc ?? gen
  if (!m) throw new DecodeError(`invalid certificate time ${JSON.stringify(s)}`)
  const yy = Number(m[1])
  const year = utc ? (yy >= 50 ? 1900 + yy : 2000 + yy) : yy
  const date = new Date(0)
  date.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]))
  date.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0)
  return date
}
