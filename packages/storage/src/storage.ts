/**
 * The storage interface the agent and chat layers program against, and the
 * argument checks every adapter applies identically.
 *
 * Model: a store holds namespaces; a namespace holds records whose keys and
 * values are bytes, kept in unsigned lexicographic key order. All access goes
 * through transactions: `transaction()` (read-write, atomic, isolated,
 * serialized per store) and `read()` (read-only, may run alongside other reads).
 */
import { compareBytes, isWellFormed, prefixEnd, utf8 } from './bytes'
import { InvalidKeyError, InvalidNamespaceError, InvalidRangeError, InvalidValueError } from './errors'

/** One record: a key and its value, both bytes. */
export interface Entry {
  /** The record's key (a fresh copy; the caller may keep or mutate it). */
  readonly key: Uint8Array
  /** The record's value (a fresh copy). */
  readonly value: Uint8Array
}

/**
 * Which records a {@link ReadTx.range} scan returns. Bounds combine (their
 * intersection is scanned); at most one of `gt`/`gte` and one of `lt`/`lte`.
 */
export interface RangeOptions {
  /** Only keys strictly greater than this. */
  gt?: Uint8Array
  /** Only keys greater than or equal to this. */
  gte?: Uint8Array
  /** Only keys strictly less than this. */
  lt?: Uint8Array
  /** Only keys less than or equal to this. */
  lte?: Uint8Array
  /** Only keys that start with these bytes. */
  prefix?: Uint8Array
  /** Return entries in descending key order (still starting from the bound nearest the end). */
  reverse?: boolean
  /** Return at most this many entries (a non-negative integer). */
  limit?: number
}

/**
 * Read access inside a transaction. Every call sees one consistent state: the
 * last commit before the transaction began, plus (in a {@link Tx}) its own writes.
 */
export interface ReadTx {
  /**
   * The value stored under `key` in namespace `ns`, or `undefined`.
   * @throws {InvalidNamespaceError} bad namespace
   * @throws {InvalidKeyError} key is not a `Uint8Array`
   * @throws {TransactionClosedError} the transaction already ended
   */
  get(ns: string, key: Uint8Array): Promise<Uint8Array | undefined>
  /**
   * Entries of namespace `ns` within the bounds of `options`, in ascending key
   * order (descending with `reverse`), at most `limit` of them.
   * @throws {InvalidRangeError} inconsistent options
   * @throws {TransactionClosedError} the transaction already ended
   */
  range(ns: string, options?: RangeOptions): Promise<Entry[]>
  /**
   * Every namespace that holds at least one record, in UTF-8 byte order.
   * Namespaces starting with `$` are reserved for the storage layer itself
   * (`$storage` holds the archive generation) and are listed too.
   * @throws {TransactionClosedError} the transaction already ended
   */
  namespaces(): Promise<string[]>
}

/** Read-write access inside {@link Storage.transaction}. Writes are visible to this transaction at once and to others only after commit. */
export interface Tx extends ReadTx {
  /**
   * Store `value` under `key` in `ns`, replacing any previous value. The bytes
   * are copied: mutating `key` or `value` afterwards changes nothing.
   * @throws {InvalidNamespaceError} bad namespace
   * @throws {InvalidKeyError} key is not a `Uint8Array`
   * @throws {InvalidValueError} value is not a `Uint8Array`
   * @throws {TransactionClosedError} the transaction already ended
   */
  put(ns: string, key: Uint8Array, value: Uint8Array): Promise<void>
  /**
   * Remove the record under `key` in `ns` (no-op when absent).
   * @throws {InvalidNamespaceError} bad namespace
   * @throws {InvalidKeyError} key is not a `Uint8Array`
   * @throws {TransactionClosedError} the transaction already ended
   */
  delete(ns: string, key: Uint8Array): Promise<void>
}

/**
 * A transactional key-value store: namespaced records, ordered byte keys,
 * atomic and isolated transactions. Implemented by the memory, SQLite and
 * IndexedDB adapters; all behave identically (see the compliance suite).
 *
 * Do not call `transaction()` or `read()` of the same store from inside a
 * transaction callback: transactions are serialized, so the inner call waits
 * for the outer one forever.
 *
 * @see ../shared/spec/archive.md §2–§4 (the agent and chat state stored here, and what must move between devices)
 */
export interface Storage {
  /** Which adapter implements this store (`'memory'`, `'sqlite'`, `'idb'`, …). */
  readonly kind: string
  /**
   * Run `fn` in a read-write transaction. Writers are serialized per store, so
   * concurrent calls never interleave visibly. When `fn` resolves, all its writes
   * commit together; when it throws (or the process dies first), none do, and the
   * thrown value is rethrown unchanged.
   * @returns what `fn` returned
   * @throws {StorageClosedError} the store is closed
   * @throws {StorageBackendError} the commit failed (nothing was written)
   */
  transaction<T>(fn: (tx: Tx) => Promise<T> | T): Promise<T>
  /**
   * Run `fn` in a read-only transaction. It sees one consistent committed state;
   * several reads may run at once, never alongside a writer.
   * @throws {StorageClosedError} the store is closed
   */
  read<T>(fn: (tx: ReadTx) => Promise<T> | T): Promise<T>
  /** Wait for queued transactions to finish, then release the database. Later calls throw {@link StorageClosedError}. Idempotent. */
  close(): Promise<void>
}

/** One end of a key range; `open` excludes the key itself. */
export interface Bound {
  /** The bounding key. */
  readonly key: Uint8Array
  /** `true` for `gt`/`lt`, `false` for `gte`/`lte`. */
  readonly open: boolean
}

/** {@link RangeOptions} reduced to at most one lower and one upper bound. */
export interface Bounds {
  /** Lower bound, or none. */
  readonly lower: Bound | undefined
  /** Upper bound, or none. */
  readonly upper: Bound | undefined
  /** `true` when no key can satisfy the bounds (adapters return `[]` without touching the database). */
  readonly empty: boolean
  /** Descending order. */
  readonly reverse: boolean
  /** Maximum number of entries, or `undefined` for all. */
  readonly limit: number | undefined
}

/** Longest namespace, in UTF-8 bytes. */
export const MAX_NAMESPACE_BYTES = 255

/**
 * Check a namespace: a non-empty well-formed string of at most 255 UTF-8 bytes
 * without NUL (the IndexedDB adapter uses NUL to separate namespace and key).
 * @throws {InvalidNamespaceError}
 */
export function assertNamespace(ns: unknown): asserts ns is string {
  if (typeof ns !== 'string') throw new InvalidNamespaceError(`expected namespace string, got ${typeof ns}`)
  if (checkedNamespaces.has(ns)) return
  if (ns.length === 0) throw new InvalidNamespaceError('expected non-empty namespace')
  if (ns.includes('\0')) throw new InvalidNamespaceError('namespace must not contain NUL')
  if (!isWellFormed(ns)) throw new InvalidNamespaceError('namespace has a lone UTF-16 surrogate')
  const n = utf8(ns).length
  if (n > MAX_NAMESPACE_BYTES)
    throw new InvalidNamespaceError(
      `expected namespace of at most ${MAX_NAMESPACE_BYTES} UTF-8 bytes, got ${n}`,
    )
  // A store uses a handful of namespaces on every call; remember the valid ones (bounded).
  if (checkedNamespaces.size >= 1024) checkedNamespaces.clear()
  checkedNamespaces.add(ns)
}

const checkedNamespaces = new Set<string>()

/**
 * Check a key.
 * @throws {InvalidKeyError}
 */
export function assertKey(key: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw new InvalidKeyError(`expected Uint8Array key, got ${describe(key)}`)
}

/**
 * Check a value.
 * @throws {InvalidValueError}
 */
export function assertValue(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new InvalidValueError(`expected Uint8Array value, got ${describe(value)}`)
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (typeof v === 'object') return v.constructor?.name ?? 'object'
  return typeof v
}

function boundKey(name: string, v: unknown): Uint8Array | undefined {
  if (v === undefined) return undefined
  if (!(v instanceof Uint8Array))
    throw new InvalidRangeError(`expected Uint8Array for ${name}, got ${describe(v)}`)
  return v
}

/** The tighter of two lower bounds. */
function maxLower(a: Bound | undefined, b: Bound | undefined): Bound | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  const c = compareBytes(a.key, b.key)
  if (c !== 0) return c > 0 ? a : b
  return a.open ? a : b
}

/** The tighter of two upper bounds. */
function minUpper(a: Bound | undefined, b: Bound | undefined): Bound | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  const c = compareBytes(a.key, b.key)
  if (c !== 0) return c < 0 ? a : b
  return a.open ? a : b
}

/**
 * Validate {@link RangeOptions} and reduce them to {@link Bounds}: `prefix`
 * becomes `[prefix, prefixEnd(prefix))`, intersected with the explicit bounds.
 * @throws {InvalidRangeError}
 */
export function toBounds(options: RangeOptions | undefined): Bounds {
  const o = options ?? {}
  if (typeof o !== 'object') throw new InvalidRangeError('expected range options object')
  const gt = boundKey('gt', o.gt)
  const gte = boundKey('gte', o.gte)
  const lt = boundKey('lt', o.lt)
  const lte = boundKey('lte', o.lte)
  const prefix = boundKey('prefix', o.prefix)
  if (gt !== undefined && gte !== undefined) throw new InvalidRangeError('give at most one of gt and gte')
  if (lt !== undefined && lte !== undefined) throw new InvalidRangeError('give at most one of lt and lte')
  const limit = o.limit
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0))
    throw new InvalidRangeError(`expected limit to be a non-negative integer, got ${String(limit)}`)
  if (o.reverse !== undefined && typeof o.reverse !== 'boolean')
    throw new InvalidRangeError('expected reverse to be a boolean')
  let lower: Bound | undefined =
    gt !== undefined ? { key: gt, open: true } : gte !== undefined ? { key: gte, open: false } : undefined
  let upper: Bound | undefined =
    lt !== undefined ? { key: lt, open: true } : lte !== undefined ? { key: lte, open: false } : undefined
  if (prefix !== undefined && prefix.length > 0) {
    lower = maxLower(lower, { key: prefix, open: false })
    const end = prefixEnd(prefix)
    if (end !== undefined) upper = minUpper(upper, { key: end, open: true })
  }
  // Nothing sorts below the empty key, so `lt: []` selects nothing.
  let empty = limit === 0 || (upper?.open === true && upper.key.length === 0)
  if (lower !== undefined && upper !== undefined) {
    const c = compareBytes(lower.key, upper.key)
    if (c > 0 || (c === 0 && (lower.open || upper.open))) empty = true
  }
  return { lower, upper, empty, reverse: o.reverse === true, limit }
}

/** Sort namespaces in UTF-8 byte order (JavaScript's default sort is UTF-16 order, which differs above U+FFFF). */
export function sortNamespaces(names: Iterable<string>): string[] {
  return [...names]
    .map((n) => ({ n, b: utf8(n) }))
    .sort((x, y) => compareBytes(x.b, y.b))
    .map((x) => x.n)
}
