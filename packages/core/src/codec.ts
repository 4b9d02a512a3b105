/**
 * The binary codec of the SimpleX protocols (the reference's `Encoding` class):
 * big-endian integers, `str8` (1-byte length), `Large` (2-byte length), `Tail`,
 * `Maybe`, `Bool`, lists, tuples, timestamps and versions.
 *
 * Writing goes through {@link Encoder}, a growable buffer with one method per
 * primitive; reading goes through {@link Decoder}, a cursor over a `Uint8Array`
 * that never reads past its input and throws nothing but {@link DecodeError}.
 * Every layer adds its own types as `encodeX(e: Encoder, x)` / `decodeX(d: Decoder)` pairs.
 *
 * @see ../shared/spec/smp.md §2.1
 */
import { DecodeError, EncodeError } from './errors'

const TRUE = 0x54 // 'T'
const FALSE = 0x46 // 'F'
const NOTHING = 0x30 // '0'
const JUST = 0x31 // '1'

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** A growable byte buffer with one append method per primitive encoding. */
export class Encoder {
  #buf: Uint8Array
  #view: DataView
  #len = 0

  /** @param capacity initial capacity in bytes; the buffer grows as needed. */
  constructor(capacity = 256) {
    this.#buf = new Uint8Array(Math.max(16, capacity))
    this.#view = new DataView(this.#buf.buffer)
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.#len
  }

  #reserve(n: number): number {
    const at = this.#len
    const need = at + n
    if (need > this.#buf.length) {
      let cap = this.#buf.length * 2
      while (cap < need) cap *= 2
      const next = new Uint8Array(cap)
      next.set(this.#buf.subarray(0, at))
      this.#buf = next
      this.#view = new DataView(next.buffer)
    }
    this.#len = need
    return at
  }

  /** Append one unsigned byte. @throws EncodeError when out of range. */
  u8(n: number): this {
    checkUint(n, 0xff, 'u8')
    const at = this.#reserve(1)
    this.#buf[at] = n
    return this
  }

  /** Append a big-endian u16 (`Word16`). @throws EncodeError when out of range. */
  u16(n: number): this {
    checkUint(n, 0xffff, 'u16')
    const at = this.#reserve(2)
    this.#view.setUint16(at, n)
    return this
  }

  /** Append a big-endian u32 (`Word32`). @throws EncodeError when out of range. */
  u32(n: number): this {
    checkUint(n, 0xffffffff, 'u32')
    const at = this.#reserve(4)
    this.#view.setUint32(at, n)
    return this
  }

  /** Append a big-endian two's-complement i64 (`Int64`). @throws EncodeError when out of range. */
  i64(n: bigint | number): this {
    const v = typeof n === 'bigint' ? n : toBigInt(n)
    if (v < INT64_MIN || v > INT64_MAX) throw new EncodeError(`value ${v} does not fit Int64`)
    const at = this.#reserve(8)
    this.#view.setBigInt64(at, v)
    return this
  }

  /** Append a `SystemTime`: whole seconds since the Unix epoch as i64 (sub-second parts are not encoded). */
  systemTime(seconds: number | bigint): this {
    return this.i64(typeof seconds === 'number' ? Math.floor(seconds) : seconds)
  }

  /** Append raw bytes with no length prefix (also the `Tail` encoding when last). */
  raw(bytes: Uint8Array): this {
    const at = this.#reserve(bytes.length) // may replace #buf
    this.#buf.set(bytes, at)
    return this
  }

  /** Append `str8(bytes)`: a 1-byte length then the bytes. @throws EncodeError when longer than 255 bytes. */
  str8(bytes: Uint8Array): this {
    if (bytes.length > 0xff) throw new EncodeError(`str8 holds at most 255 bytes, got ${bytes.length}`)
    return this.u8(bytes.length).raw(bytes)
  }

  /** Append `Large(bytes)`: a u16 length then the bytes. @throws EncodeError when longer than 65535 bytes. */
  large(bytes: Uint8Array): this {
    if (bytes.length > 0xffff) throw new EncodeError(`Large holds at most 65535 bytes, got ${bytes.length}`)
    return this.u16(bytes.length).raw(bytes)
  }

  /** Append a `Char` (one byte, code point 0–255). */
  char(c: string): this {
    const code = c.length === 1 ? c.charCodeAt(0) : -1
    if (code < 0 || code > 0xff)
      throw new EncodeError(`expected one Latin-1 character, got ${JSON.stringify(c)}`)
    return this.u8(code)
  }

  /** Append an ASCII/Latin-1 string with no length prefix (command tags, separators). */
  ascii(s: string): this {
    return this.raw(latin1(s))
  }

  /** Append a `Bool`: `'T'` or `'F'`. */
  bool(b: boolean): this {
    return this.u8(b ? TRUE : FALSE)
  }

  /** Append a `Maybe`: `'0'` for undefined, else `'1'` then the value written by `write`. */
  maybe<T>(value: T | undefined, write: (e: this, v: T) => void): this {
    if (value === undefined) return this.u8(NOTHING)
    this.u8(JUST)
    write(this, value)
    return this
  }

  /** Append a list: a 1-byte count then each item. @throws EncodeError for more than 255 items. */
  list<T>(items: readonly T[], write: (e: this, v: T) => void): this {
    if (items.length > 0xff) throw new EncodeError(`list holds at most 255 items, got ${items.length}`)
    this.u8(items.length)
    for (const item of items) write(this, item)
    return this
  }

  /** Append a `NonEmpty` list. @throws EncodeError when empty or longer than 255 items. */
  nonEmpty<T>(items: readonly T[], write: (e: this, v: T) => void): this {
    if (items.length === 0) throw new EncodeError('NonEmpty list is empty')
    return this.list(items, write)
  }

  /** Append a protocol version (`Version`, u16). */
  version(v: number): this {
    return this.u16(v)
  }

  /** Append a `VersionRange`: u16 min then u16 max. */
  versionRange(r: { readonly min: number; readonly max: number }): this {
    if (r.min > r.max) throw new EncodeError(`invalid version range ${r.min}-${r.max}`)
    return this.u16(r.min).u16(r.max)
  }

  /** The bytes written so far (a copy; the encoder may be reused). */
  finish(): Uint8Array {
    // a full buffer is handed over as is (a later write reallocates, so it is never changed)
    return this.#len === this.#buf.length ? this.#buf : this.#buf.slice(0, this.#len)
  }
}

/** A cursor over input bytes; every read is bounds-checked and throws {@link DecodeError} on failure. */
export class Decoder {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  #pos = 0

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** Current read offset. */
  get offset(): number {
    return this.#pos
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#bytes.length - this.#pos
  }

  /** Throw a {@link DecodeError} at the current offset. */
  fail(message: string, cause?: unknown): never {
    throw new DecodeError(message, { offset: this.#pos, cause })
  }

  #take(n: number): number {
    const at = this.#pos
    if (n > this.#bytes.length - at)
      this.fail(`not enough input: need ${n} bytes, have ${this.#bytes.length - at}`)
    this.#pos = at + n
    return at
  }

  /** Read one unsigned byte. */
  u8(): number {
    return this.#bytes[this.#take(1)]!
  }

  /** Peek at the next byte without consuming it; `undefined` at the end of input. */
  peek(): number | undefined {
    return this.#bytes[this.#pos]
  }

  /** Read a big-endian u16. */
  u16(): number {
    return this.#view.getUint16(this.#take(2))
  }

  /** Read a big-endian u32. */
  u32(): number {
    return this.#view.getUint32(this.#take(4))
  }

  /** Read a big-endian two's-complement i64. */
  i64(): bigint {
    return this.#view.getBigInt64(this.#take(8))
  }

  /** Read a `SystemTime` (i64 seconds); fails when outside the safe integer range. */
  systemTime(): number {
    const v = this.i64()
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.fail(`timestamp ${v} is out of range`)
    }
    return Number(v)
  }

  /** Read exactly `n` raw bytes (a view into the input). */
  bytes(n: number): Uint8Array {
    const at = this.#take(n)
    return this.#bytes.subarray(at, at + n)
  }

  /** Read `str8`: a 1-byte length then that many bytes. */
  str8(): Uint8Array {
    return this.bytes(this.u8())
  }

  /** Read `Large`: a u16 length then that many bytes. */
  large(): Uint8Array {
    return this.bytes(this.u16())
  }

  /** Read all remaining bytes (`Tail`). */
  tail(): Uint8Array {
    return this.bytes(this.remaining)
  }

  /** Read one byte as a Latin-1 character. */
  char(): string {
    return String.fromCharCode(this.u8())
  }

  /** Read one byte and fail unless it is the given character. */
  expectChar(c: string): void {
    const got = this.u8()
    if (got !== c.charCodeAt(0)) {
      this.#pos--
      this.fail(`expected ${JSON.stringify(c)}, got byte 0x${got.toString(16).padStart(2, '0')}`)
    }
  }

  /** Read a `Bool` (`'T'`/`'F'`). */
  bool(): boolean {
    const b = this.u8()
    if (b === TRUE) return true
    if (b === FALSE) return false
    this.#pos--
    return this.fail('invalid Bool')
  }

  /** Read a `Maybe`: `'0'` gives undefined, `'1'` the value read by `read`. */
  maybe<T>(read: (d: this) => T): T | undefined {
    const tag = this.u8()
    if (tag === NOTHING) return undefined
    if (tag === JUST) return read(this)
    this.#pos--
    return this.fail('invalid Maybe tag')
  }

  /** Read a list: a 1-byte count then that many items. */
  list<T>(read: (d: this) => T): T[] {
    const n = this.u8()
    const out: T[] = []
    for (let i = 0; i < n; i++) out.push(read(this))
    return out
  }

  /** Read a `NonEmpty` list; fails on a zero count. */
  nonEmpty<T>(read: (d: this) => T): [T, ...T[]] {
    if (this.peek() === 0) this.fail('empty list')
    return this.list(read) as [T, ...T[]]
  }

  /** Read a protocol version (u16). */
  version(): number {
    return this.u16()
  }

  /** Read a `VersionRange`; fails when min > max. */
  versionRange(): { min: number; max: number } {
    const at = this.#pos
    const min = this.u16()
    const max = this.u16()
    if (min > max) {
      this.#pos = at
      this.fail('invalid version range')
    }
    return { min, max }
  }

  /** Fail unless all input was consumed (the reference parses whole inputs). */
  end(): void {
    if (this.#pos !== this.#bytes.length) this.fail(`${this.remaining} unexpected trailing bytes`)
  }
}

/**
 * Decode `bytes` completely with `read`, the reference's `parseAll` semantics:
 * trailing bytes are an error. Any non-{@link DecodeError} thrown by `read` is wrapped.
 */
export function decodeAll<T>(bytes: Uint8Array, read: (d: Decoder) => T): T {
  const d = new Decoder(bytes)
  let value: T
  try {
    value = read(d)
  } catch (e) {
    if (e instanceof DecodeError) throw e
    throw new DecodeError('invalid input', { offset: d.offset, cause: e })
  }
  d.end()
  return value
}

/** Encode with a fresh {@link Encoder}: `encode(e => e.u16(1).str8(x))`. */
export function encode(write: (e: Encoder) => void, capacity?: number): Uint8Array {
  const e = new Encoder(capacity)
  write(e)
  return e.finish()
}

/** Concatenate byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Byte-wise equality (not constant-time; use the crypto helpers for secrets). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The Latin-1 bytes of a string whose code points are all below 256. @throws EncodeError otherwise. */
export function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c > 0xff) throw new EncodeError(`character ${JSON.stringify(s[i])} at ${i} is not Latin-1`)
    out[i] = c
  }
  return out
}

/** Decode bytes as a Latin-1 string (one character per byte). */
export function fromLatin1(bytes: Uint8Array): string {
  // apply() reads the typed array as an array-like (a spread would go through its iterator, far slower)
  let s = ''
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[])
  }
  return s
}

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return utf8Encoder.encode(s)
}

/** Decode UTF-8 bytes. @throws DecodeError on malformed UTF-8. */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes)
  } catch (e) {
    throw new DecodeError('invalid UTF-8', { cause: e })
  }
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

/** Bytes of a hex string. @throws DecodeError on odd length or a non-hex character. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new DecodeError(`hex string has odd length ${hex.length}`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) {
    const byte = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
    if (!/^[0-9a-fA-F]{2}$/.test(hex.slice(i * 2, i * 2 + 2))) {
      throw new DecodeError(`invalid hex at ${i * 2}`, { offset: i * 2 })
    }
    out[i] = byte
  }
  return out
}

function checkUint(n: number, max: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > max) throw new EncodeError(`value ${n} does not fit ${what}`)
}

function toBigInt(n: number): bigint {
  if (!Number.isSafeInteger(n)) throw new EncodeError(`value ${n} is not a safe integer`)
  return BigInt(n)
}
