/**
 * Reading typed fields out of parsed JSON with the reference's rules: a
 * required key must be present (`null` is then a type error), an optional key
 * may be absent or `null`, unknown keys are ignored. Every failure is a
 * {@link ChatDecodeError} naming the JSON path. Internal to the package.
 *
 * @see ../shared/spec/chat.md §2
 */
import { base64urlEncode, base64urlParse } from '@simplex-ts/core'
import { ChatDecodeError, ChatEncodeError } from './errors'
import { type JsonObject, JsonNumber, type JsonValue } from './json'
import { type UtcTime, formatUtcTime, readUtcTime } from './time'

/** A reader of one field value at a path. */
export type Read<T> = (v: JsonValue, path: string) => T

function typeName(v: JsonValue): string {
  if (v === null) return 'Null'
  if (typeof v === 'boolean') return 'Boolean'
  if (typeof v === 'number' || v instanceof JsonNumber) return 'Number'
  if (typeof v === 'string') return 'String'
  if (Array.isArray(v)) return 'Array'
  return 'Object'
}

/** Fail with `INVALID` at `path`. */
export function invalid(path: string, message: string): never {
  throw new ChatDecodeError('INVALID', path, message)
}

function mismatch(path: string, expected: string, v: JsonValue): never {
  return invalid(path, `expected ${expected}, but encountered ${typeName(v)}`)
}

/** Whether `v` is a JSON object (not an array, not a number wrapper). */
export function isObject(v: JsonValue): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber)
}

/** An object, or `INVALID`. */
export const readObject: Read<JsonObject> = (v, path) => (isObject(v) ? v : mismatch(path, 'Object', v))

/** A string, or `INVALID`. */
export const readText: Read<string> = (v, path) => (typeof v === 'string' ? v : mismatch(path, 'String', v))

/** A boolean, or `INVALID`. */
export const readBool: Read<boolean> = (v, path) =>
  typeof v === 'boolean' ? v : mismatch(path, 'Boolean', v)

/**
 * An integer as the reference's `Integer` parser accepts it (`3`, `3.0`, `3e2`;
 * not `3.5`, not an exponent above 1024). Integers beyond 2^53 are `RANGE`.
 */
export const readInteger: Read<number> = (v, path) => {
  if (typeof v === 'number') {
    // plain numbers were parsed from text whose rendering is the number's own
    if (!Number.isInteger(v)) invalid(path, `unexpected floating number ${v}`)
    if (!Number.isSafeInteger(v))
      throw new ChatDecodeError('RANGE', path, `integer ${v} exceeds the supported range`)
    return v === 0 ? 0 : v
  }
  if (!(v instanceof JsonNumber)) return mismatch(path, 'Number', v)
  if (v.exponent > 1024n) invalid(path, 'found a number with exponent above 1024')
  const c = v.coefficient
  const e = v.exponent
  let n = 0n
  if (c !== 0n) {
    const digits = (c < 0n ? -c : c).toString()
    const zeros = BigInt(digits.length - digits.replace(/0+$/, '').length)
    // an integer iff the trailing zeros of the coefficient cover a negative exponent
    if (e + zeros < 0n) invalid(path, `unexpected floating number ${v.text}`)
    n = e < 0n ? c / 10n ** -e : c * 10n ** e
  }
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ChatDecodeError('RANGE', path, `integer ${n} exceeds the supported range`)
  }
  return Number(n)
}

/** Bytes written as base64url text (the reference's `strP` for byte strings), or `INVALID`. */
export const readBytes: Read<Uint8Array> = (v, path) => {
  const s = readText(v, path)
  try {
    return base64urlParse(s)
  } catch (e) {
    throw new ChatDecodeError('INVALID', path, `invalid base64url: ${JSON.stringify(s)}`, { cause: e })
  }
}

/** A timestamp as the reference reads `UTCTime`. */
export const readTime: Read<UtcTime> = (v, path) => {
  const r = readUtcTime(readText(v, path))
  if (!r.ok) throw new ChatDecodeError(r.reason, path, r.message)
  return r.time
}

/** One of the listed strings, or `INVALID`. */
export function readEnum<T extends string>(values: readonly T[], what: string): Read<T> {
  return (v, path) => {
    const s = readText(v, path)
    if (!(values as readonly string[]).includes(s)) invalid(path, `bad ${what} ${JSON.stringify(s)}`)
    return s as T
  }
}

/**
 * Reads the fields of one object, remembering which keys were used so the
 * rest can be surfaced as ignored.
 */
export class Fields {
  readonly #used = new Set<string>()
  constructor(
    readonly obj: JsonObject,
    readonly path: string,
  ) {}

  /** Path of a key under this object. */
  at(key: string): string {
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
      ? `${this.path}.${key}`
      : `${this.path}[${JSON.stringify(key)}]`
  }

  /** The raw value of a key, if present. */
  raw(key: string): JsonValue | undefined {
    return Object.hasOwn(this.obj, key) ? this.obj[key] : undefined
  }

  /** A required key (`.:`): absent is `MISSING`; any value, `null` included, goes to `read`. */
  req<T>(key: string, read: Read<T>): T {
    const v = this.raw(key)
    if (v === undefined)
      throw new ChatDecodeError('MISSING', this.path, `key ${JSON.stringify(key)} not found`)
    this.#used.add(key)
    return read(v, this.at(key))
  }

  /** An optional key (`.:?`): absent or `null` is `undefined`, anything else goes to `read`. */
  opt<T>(key: string, read: Read<T>): T | undefined {
    const v = this.raw(key)
    this.#used.add(key)
    return v === undefined || v === null ? undefined : read(v, this.at(key))
  }

  /** Mark a key as read without reading it through this object. */
  use(key: string): void {
    this.#used.add(key)
  }

  /** The keys nobody read, or `undefined` when there are none. */
  unused(): JsonObject | undefined {
    let out: Record<string, JsonValue> | undefined
    for (const key of Object.keys(this.obj)) {
      if (this.#used.has(key)) continue
      out ??= Object.create(null) as Record<string, JsonValue>
      out[key] = this.obj[key]!
    }
    return out
  }
}

/** Read an object value at `path` and hand its fields to `body`. */
export function readRecord<T>(body: (f: Fields) => T): Read<T> {
  return (v, path) => body(new Fields(readObject(v, path), path))
}

// ---------------------------------------------------------------------------
// writing helpers

/** A mutable object under construction; the writer sorts its keys. */
export type JsonRecord = Record<string, JsonValue>

/**
 * base64url with padding, as the reference writes byte strings.
 * @throws ChatEncodeError for an empty id: it would be written as `""`, which
 * the reference's parser (at least one base64 character) rejects.
 */
export function bytesJson(bytes: Uint8Array, what: string): string {
  if (!(bytes instanceof Uint8Array)) throw new ChatEncodeError(`${what} must be a Uint8Array`)
  if (bytes.length === 0) throw new ChatEncodeError(`${what} must not be empty`)
  return base64urlEncode(bytes)
}

/** A string field. @throws ChatEncodeError when not a string. */
export function textJson(s: string, what: string): string {
  if (typeof s !== 'string') throw new ChatEncodeError(`${what} must be a string`)
  return s
}

/** A boolean field. @throws ChatEncodeError when not a boolean. */
export function boolJson(b: boolean, what: string): boolean {
  if (typeof b !== 'boolean') throw new ChatEncodeError(`${what} must be a boolean`)
  return b
}

/** An integer field. @throws ChatEncodeError when not a safe integer. */
export function integerJson(n: number, what: string): number {
  if (!Number.isSafeInteger(n)) throw new ChatEncodeError(`${what} must be a safe integer, got ${n}`)
  return n
}

/** One of the listed strings. @throws ChatEncodeError otherwise. */
export function enumJson<T extends string>(s: T, values: readonly T[], what: string): T {
  if (!values.includes(s)) throw new ChatEncodeError(`bad ${what} ${JSON.stringify(s)}`)
  return s
}

/** A timestamp. @throws ChatEncodeError when not a valid {@link UtcTime}. */
export function timeJson(t: UtcTime): string {
  return formatUtcTime(t)
}

/** A required-object check for values handed to encoders. */
export function objectJson<T extends object>(v: T, what: string): T {
  if (typeof v !== 'object' || v === null) throw new ChatEncodeError(`${what} must be an object`)
  return v
}
