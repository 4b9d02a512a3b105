/**
 * Ordered composite keys: encode a tuple of integers, strings and byte strings
 * so that bytewise key order equals tuple order. This is how the agent pages
 * message history: `encodeKey(connId, msgId)` sorts by connection, then by
 * message number, and `encodeKey(connId)` is a prefix of all of them.
 *
 * Encoding, part by part, no type tags (both sides know the shape):
 * - integers (`number` or `bigint`, 0 … 2^64−1): 8 bytes big-endian;
 * - strings (UTF-8) and byte strings: each `0x00` byte escaped as `0x00 0xff`,
 *   then the terminator `0x00 0x01`. The terminator sorts below any escaped
 *   NUL and any other byte, so a string sorts before its extensions whatever
 *   parts follow.
 * A tuple that is a prefix of another sorts first.
 */
import { fromUtf8, isWellFormed, utf8 } from './bytes'
import { InvalidKeyError } from './errors'

/** One part of an ordered key. */
export type KeyPart = number | bigint | string | Uint8Array

/** The type of one part when decoding: `uint` → `number` (safe integer), `u64` → `bigint`. */
export type KeyPartType = 'uint' | 'u64' | 'string' | 'bytes'

/** The decoded value of a part of type `T`. */
export type KeyPartValue<T extends KeyPartType> = T extends 'uint'
  ? number
  : T extends 'u64'
    ? bigint
    : T extends 'string'
      ? string
      : Uint8Array

/** The decoded tuple for a shape. */
export type DecodedKey<S extends readonly KeyPartType[]> = { -readonly [I in keyof S]: KeyPartValue<S[I]> }

const U64_MAX = (1n << 64n) - 1n

function escaped(bytes: Uint8Array): Uint8Array {
  let zeros = 0
  for (const b of bytes) if (b === 0) zeros++
  const out = new Uint8Array(bytes.length + zeros + 2)
  let o = 0
  for (const b of bytes) {
    out[o++] = b
    if (b === 0) out[o++] = 0xff
  }
  out[o++] = 0
  out[o] = 1
  return out
}

function u64(n: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, n)
  return out
}

/**
 * Encode `parts` as one ordered key (see the module comment for the format).
 * @throws {InvalidKeyError} a number that is not a safe non-negative integer, a bigint outside 0 … 2^64−1, a string with a lone surrogate
 */
export function encodeKey(...parts: KeyPart[]): Uint8Array<ArrayBuffer> {
  const chunks: Uint8Array[] = []
  for (const [i, p] of parts.entries()) {
    if (typeof p === 'number') {
      if (!Number.isSafeInteger(p) || p < 0)
        throw new InvalidKeyError(`key part ${i}: expected a non-negative safe integer, got ${p}`)
      chunks.push(u64(BigInt(p)))
    } else if (typeof p === 'bigint') {
      if (p < 0n || p > U64_MAX) throw new InvalidKeyError(`key part ${i}: bigint outside 0 … 2^64-1`)
      chunks.push(u64(p))
    } else if (typeof p === 'string') {
      if (!isWellFormed(p)) throw new InvalidKeyError(`key part ${i}: string has a lone surrogate`)
      chunks.push(escaped(utf8(p)))
    } else if (p instanceof Uint8Array) {
      chunks.push(escaped(p))
    } else {
      throw new InvalidKeyError(`key part ${i}: unsupported type ${typeof p}`)
    }
  }
  let n = 0
  for (const c of chunks) n += c.length
  const out = new Uint8Array(n)
  let o = 0
  for (const c of chunks) {
    out.set(c, o)
    o += c.length
  }
  return out
}

/**
 * Decode a key made by {@link encodeKey} whose parts have the types in `shape`.
 * @example `const [conn, n] = decodeKey(entry.key, ['bytes', 'uint'] as const)`
 * @throws {InvalidKeyError} the key does not have that shape (truncated, bad escape, trailing bytes, `uint` above 2^53−1, invalid UTF-8)
 */
export function decodeKey<const S extends readonly KeyPartType[]>(key: Uint8Array, shape: S): DecodedKey<S> {
  const out: unknown[] = []
  let o = 0
  for (const [i, t] of shape.entries()) {
    if (t === 'uint' || t === 'u64') {
      if (o + 8 > key.length) throw new InvalidKeyError(`key part ${i}: expected 8 bytes at offset ${o}`)
      const v = new DataView(key.buffer, key.byteOffset + o, 8).getBigUint64(0)
      o += 8
      if (t === 'u64') out.push(v)
      else {
        if (v > BigInt(Number.MAX_SAFE_INTEGER))
          throw new InvalidKeyError(`key part ${i}: ${v} exceeds 2^53-1`)
        out.push(Number(v))
      }
    } else {
      const bytes: number[] = []
      for (;;) {
        if (o >= key.length) throw new InvalidKeyError(`key part ${i}: unterminated at offset ${o}`)
        const b = key[o++]!
        if (b !== 0) {
          bytes.push(b)
          continue
        }
        const e = key[o++]
        if (e === 0xff) bytes.push(0)
        else if (e === 1) break
        else throw new InvalidKeyError(`key part ${i}: bad escape at offset ${o - 1}`)
      }
      const b = Uint8Array.from(bytes)
      if (t === 'bytes') out.push(b)
      else {
        try {
          out.push(fromUtf8(b))
        } catch (e) {
          throw new InvalidKeyError(`key part ${i}: invalid UTF-8`, { cause: e })
        }
      }
    }
  }
  if (o !== key.length) throw new InvalidKeyError(`expected ${o} key bytes, got ${key.length}`)
  return out as DecodedKey<S>
}
