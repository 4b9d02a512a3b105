/**
 * The text encodings of the reference's `StrEncoding` class, used in links,
 * server addresses, logs and push payloads: base64url byte strings (padded on
 * output, padded or not on input), decimal numbers, version ranges, and the
 * list (`,`) and tuple (` `) separators.
 *
 * @see ../shared/spec/smp.md §2.6
 */
import { DecodeError } from './errors'
import { type VersionRange, formatVersionRange } from './version'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const LOOKUP = new Int16Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i

/** base64url (RFC 4648 §5) **with** `=` padding, as the reference writes byte strings. */
export function base64urlEncode(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    out += `${ALPHABET[n >>> 18]!}${ALPHABET[(n >>> 12) & 63]!}==`
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += `${ALPHABET[n >>> 18]!}${ALPHABET[(n >>> 12) & 63]!}${ALPHABET[(n >>> 6) & 63]!}=`
  }
  return out
}

/**
 * Decode base64url text as the reference's `strDecode` does: padded or
 * unpadded input, the empty string allowed; wrong size, bad padding, a
 * character outside the URL-safe alphabet or non-zero trailing bits are errors.
 * @throws DecodeError
 */
export function base64urlDecode(text: string): Uint8Array {
  let end = text.length
  if (text.includes('=')) {
    // padding is only valid to complete the final quartet
    if (text.length % 4 !== 0) throw new DecodeError('Base64-encoded bytestring has invalid padding')
    while (end > 0 && text.charCodeAt(end - 1) === 0x3d) end--
    if (text.length - end > 2) throw new DecodeError('Base64-encoded bytestring has invalid padding')
  }
  if (end % 4 === 1) throw new DecodeError('Base64-encoded bytestring has invalid size')
  const out = new Uint8Array(Math.floor((end * 3) / 4))
  let acc = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? LOOKUP[c]! : -1
    if (v < 0) throw new DecodeError(`invalid character at offset: ${i}`, { offset: i })
    acc = ((acc << 6) | v) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >>> bits) & 0xff
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) {
    throw new DecodeError('Base64-encoded bytestring has non-canonical trailing bits')
  }
  return out
}

/**
 * Parse a base64url token as the reference's `strP` for byte strings does: at
 * least one alphabet character, then optional `=` padding, then decode.
 * @throws DecodeError on empty input or invalid base64url.
 */
export function base64urlParse(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]+=*$/.test(text)) {
    throw new DecodeError(text.length === 0 ? 'not enough input' : 'invalid base64url token')
  }
  return base64urlDecode(text)
}

/**
 * Parse a decimal `Word16` as the reference does: one or more ASCII digits,
 * the value taken modulo 2^16 (the reference wraps silently: `"70000"` is 4464).
 * @throws DecodeError on an empty or non-digit input.
 */
export function parseWord16(text: string): number {
  if (!/^[0-9]+$/.test(text)) throw new DecodeError(`expected decimal digits, got ${JSON.stringify(text)}`)
  let v = 0
  for (let i = 0; i < text.length; i++) v = (v * 10 + (text.charCodeAt(i) - 48)) % 0x10000
  return v
}

/** Text form of a version range: `"1-4"`, or `"2"` when `min = max`. */
export function encodeVersionRangeStr(r: VersionRange): string {
  return formatVersionRange(r)
}

/**
 * Parse `"min-max"` or a single `"v"` into a version range.
 * @throws DecodeError on malformed text or `min > max`.
 */
export function parseVersionRangeStr(text: string): VersionRange {
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(text)
  if (!m) throw new DecodeError(`invalid version range ${JSON.stringify(text)}`)
  const min = parseWord16(m[1]!)
  const max = m[2] === undefined ? min : parseWord16(m[2])
  if (min > max) throw new DecodeError('invalid version range')
  return { min, max }
}

/** Encode a list of items as the reference does: `,`-separated text forms. */
export function encodeStrList<T>(items: readonly T[], encode: (x: T) => string): string {
  return items.map(encode).join(',')
}

/**
 * Parse a `,`-separated list (empty text is the empty list).
 * @throws DecodeError as thrown by `parse`.
 */
export function parseStrList<T>(text: string, parse: (s: string) => T): T[] {
  return text === '' ? [] : text.split(',').map(parse)
}
