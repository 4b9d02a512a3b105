/**
 * Transactions as a read-through overlay over committed state, for stores
 * whose native transactions cannot stay open across arbitrary `await`s
 * (IndexedDB auto-commits as soon as its callback waits on anything else) or
 * that have none (memory).
 *
 * The callback reads committed state merged with its own buffered writes;
 * when it resolves, the buffered writes are handed to the backend's `commit`,
 * which must apply them all-or-nothing (IndexedDB: one readwrite transaction).
 * A throw simply drops the overlay. Writers are serialized per store, so the
 * committed state cannot change under a running transaction.
 */
import { compareBytes, copyBytes, toBinaryString } from './bytes'
import { ReadOnlyTransactionError, StorageClosedError, TransactionClosedError } from './errors'
import { type LockMode, RwLock } from './lock'
import { SortedMap } from './sorted-map'
import {
  assertKey,
  assertNamespace,
  assertValue,
  type Bounds,
  type Entry,
  type RangeOptions,
  type ReadTx,
  type Storage,
  sortNamespaces,
  type Tx,
  toBounds,
} from './storage'

/** One buffered write: `value` `undefined` means delete. */
export interface Write {
  /** Namespace. */
  readonly ns: string
  /** Key bytes (owned by the write). */
  readonly key: Uint8Array
  /** New value (owned by the write), or `undefined` to delete. */
  readonly value: Uint8Array | undefined
}

/** Committed state as an overlay store sees it. Implemented per adapter. */
export interface CommittedState {
  /** The committed value of `key` in `ns`. */
  get(ns: string, key: Uint8Array): Promise<Uint8Array | undefined>
  /** Committed entries of `ns` within `bounds`, in `bounds.reverse` order, at most `limit` of them. */
  range(ns: string, bounds: Bounds, limit: number | undefined): Promise<Entry[]>
  /** Namespaces with at least one committed record, any order. */
  namespaces(): Promise<string[]>
  /** Apply all writes atomically (all or none). Writes are grouped by namespace and sorted by key. */
  commit(writes: Write[]): Promise<void>
  /** Release resources; no other call follows. */
  close(): Promise<void>
  /**
   * Optional lock shared with other JavaScript realms using the same database
   * (browser tabs: the Web Locks API), taken inside the in-process lock.
   */
  crossRealmLock?<T>(mode: LockMode, fn: () => Promise<T>): Promise<T>
}

interface Pending {
  key: Uint8Array
  value: Uint8Array | undefined
}

class OverlayTx implements Tx {
  /** Buffered writes per namespace, keyed by binary string. */
  private readonly writes = new Map<string, SortedMap<Pending>>()
  private open = true

  constructor(
    private readonly committed: CommittedState,
    private readonly writable: boolean,
  ) {}

  end(): void {
    this.open = false
  }

  private check(): void {
    if (!this.open) throw new TransactionClosedError('transaction already ended')
  }

  async get(ns: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    this.check()
    assertNamespace(ns)
    assertKey(key)
    const w = this.writes.get(ns)?.get(toBinaryString(key))
    if (w !== undefined) return w.value === undefined ? undefined : copyBytes(w.value)
    const v = await this.committed.get(ns, key)
    this.check()
    return v
  }

  async range(ns: string, options?: RangeOptions): Promise<Entry[]> {
    this.check()
    assertNamespace(ns)
    const b = toBounds(options)
    if (b.empty) return []
    const overlay = this.writes.get(ns)
    if (overlay === undefined || overlay.size === 0) {
      const r = await this.committed.range(ns, b, b.limit)
      this.check()
      return r
    }
    // Every overlay key in bounds hides at most one committed entry, so
    // `limit + touched` committed entries always leave `limit` survivors.
    const touched: Pending[] = []
    const touchedKeys = new Set<string>()
    for (const [k, p] of overlay.entries(
      b.lower === undefined ? undefined : toBinaryString(b.lower.key),
      b.lower?.open ?? false,
      b.upper === undefined ? undefined : toBinaryString(b.upper.key),
      b.upper?.open ?? false,
      b.reverse,
    )) {
      touched.push(p)
      touchedKeys.add(k)
    }
    const stored = await this.committed.range(
      ns,
      b,
      b.limit === undefined ? undefined : b.limit + touched.length,
    )
    this.check()
    const dir = b.reverse ? -1 : 1
    const out: Entry[] = []
    const max = b.limit ?? Number.POSITIVE_INFINITY
    let i = 0
    let j = 0
    while (out.length < max && (i < stored.length || j < touched.length)) {
      const s = stored[i]
      if (s !== undefined && touchedKeys.has(toBinaryString(s.key))) {
        i++
        continue
      }
      const t = touched[j]
      if (t !== undefined && t.value === undefined) {
        j++
        continue
      }
      if (s === undefined || (t !== undefined && compareBytes(t.key, s.key) * dir < 0)) {
        out.push({ key: copyBytes(t!.key), value: copyBytes(t!.value!) })
        j++
      } else {
        out.push(s)
        i++
      }
    }
    return out
  }

  async namespaces(): Promise<string[]> {
    this.check()
    const names = new Set(await this.committed.namespaces())
    this.check()
    for (const [ns, overlay] of this.writes) {
      if (overlay.size === 0) continue
      // A namespace survives if any record remains after the overlay's deletes.
      const some = await this.range(ns, { limit: 1 })
      if (some.length > 0) names.add(ns)
      else names.delete(ns)
    }
    return sortNamespaces(names)
  }

  async put(ns: string, key: Uint8Array, value: Uint8Array): Promise<void> {
    this.check()
    this.assertWritable()
    assertNamespace(ns)
    assertKey(key)
    assertValue(value)
    this.buffer(ns, copyBytes(key), copyBytes(value))
  }

  async delete(ns: string, key: Uint8Array): Promise<void> {
    this.check()
    this.assertWritable()
    assertNamespace(ns)
    assertKey(key)
    this.buffer(ns, copyBytes(key), undefined)
  }

  private assertWritable(): void {
    // A read-only handle is typed as ReadTx; this guards casts.
    if (!this.writable) throw new ReadOnlyTransactionError('put/delete inside read()')
  }

  private buffer(ns: string, key: Uint8Array, value: Uint8Array | undefined): void {
    let m = this.writes.get(ns)
    if (m === undefined) {
      m = new SortedMap()
      this.writes.set(ns, m)
    }
    m.set(toBinaryString(key), { key, value })
  }

  /** The buffered writes, grouped by namespace, each namespace in key order. */
  collect(): Write[] {
    const out: Write[] = []
    for (const ns of sortNamespaces(this.writes.keys())) {
      for (const [, p] of this.writes.get(ns)!.entries(undefined, false, undefined, false, false)) {
        out.push({ ns, key: p.key, value: p.value })
      }
    }
    return out
  }
}

/**
 * A {@link Storage} built from {@link CommittedState}: the overlay transaction
 * engine shared by the memory and IndexedDB adapters.
 */
export class OverlayStorage implements Storage {
  private readonly lock = new RwLock()
  private closed = false
  private closing: Promise<void> | undefined

  /**
   * @param kind adapter name reported as {@link Storage.kind}
   * @param committed the adapter's committed state
   */
  constructor(
    readonly kind: string,
    private readonly committed: CommittedState,
  ) {}

  private guarded<T>(mode: LockMode, fn: () => Promise<T>): Promise<T> {
    const c = this.committed
    return this.lock.run(mode, () => (c.crossRealmLock ? c.crossRealmLock(mode, fn) : fn()))
  }

  /** {@inheritDoc Storage.transaction} */
  transaction<T>(fn: (tx: Tx) => Promise<T> | T): Promise<T> {
    if (this.closed) return Promise.reject(new StorageClosedError(`${this.kind} store is closed`))
    return this.guarded('exclusive', async () => {
      const tx = new OverlayTx(this.committed, true)
      let result: T
      try {
        result = await fn(tx)
      } finally {
        tx.end()
      }
      const writes = tx.collect()
      if (writes.length > 0) await this.committed.commit(writes)
      return result
    })
  }

  /** {@inheritDoc Storage.read} */
  read<T>(fn: (tx: ReadTx) => Promise<T> | T): Promise<T> {
    if (this.closed) return Promise.reject(new StorageClosedError(`${this.kind} store is closed`))
    return this.guarded('shared', async () => {
      const tx = new OverlayTx(this.committed, false)
      try {
        return await fn(tx)
      } finally {
        tx.end()
      }
    })
  }

  /** {@inheritDoc Storage.close} */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closed = true
      this.closing = this.lock.run('exclusive', () => this.committed.close())
    }
    return this.closing
  }
}
