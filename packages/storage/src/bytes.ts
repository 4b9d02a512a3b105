/**
 * Byte helpers shared by the adapters: the one key order every adapter uses,
 * and conversions that keep that order.
 */

/**
 * Compare two byte strings in unsigned lexicographic order (a proper prefix
 * sorts first). This is the key order of every adapter: SQLite's BLOB
 * comparison (`memcmp`, then length) and IndexedDB's binary keys agree with it.
 * @returns negative when `a < b`, 0 when equal, positive when `a > b`
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** `true` when `a` and `b` hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0
}

/**
 * The smallest byte string greater than every string that starts with
 * `prefix`, or `undefined` when there is none (`prefix` empty or all `0xff`).
 * Used as the exclusive upper bound of a prefix scan.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  let i = prefix.length - 1
  while (i >= 0 && prefix[i] === 0xff) i--
  if (i < 0) return undefined
  const end = prefix.slice(0, i + 1)
  end[i]!++
  return end
}

/**
 * One UTF-16 code unit per byte. JavaScript compares strings by code unit, so
 * these strings sort exactly like the bytes: a cheap `Map` key that keeps order.
 */
export function toBinaryString(bytes: Uint8Array): string {
  if (bytes.length <= 64) {
    let s = ''
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!)
    return s
  }
  const parts: string[] = []
  for (let i = 0; i < bytes.length; i += 8192) {
    parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]))
  }
  return parts.join('')
}

/** A copy of `bytes` that owns exactly its own `ArrayBuffer` (views of larger buffers are cut out). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return bytes.slice()
}

/** Concatenate byte strings. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** UTF-8 encode. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s)
}

/** Strict UTF-8 decode: throws `TypeError` on malformed input. */
export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b)
}

/** `true` when `s` has no lone UTF-16 surrogate, so it survives UTF-8 encoding unchanged. */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1)
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false
      i++
    } else if (c >= 0xdc00 && c <= 0xdfff) return false
  }
  return true
}

/** Constant-time equality for secrets (key checks); lengths are public. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}
