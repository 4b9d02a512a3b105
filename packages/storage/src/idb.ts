/**
 * IndexedDB adapter for browsers (`@simplex-ts/storage/idb`), on idb-keyval's
 * custom stores.
 *
 * Layout: one database per store with one object store `records`; a record's
 * IndexedDB key is the binary key `UTF-8(ns) ‖ 0x00 ‖ key` (namespaces cannot
 * contain NUL), its value the value bytes. IndexedDB orders binary keys
 * bytewise, so this keeps namespaces apart and keys in the common order.
 *
 * A native IndexedDB transaction commits as soon as its callback waits on
 * anything that is not an IndexedDB request, so it cannot span an SDK
 * transaction. Instead the callback runs against the overlay engine (reads
 * from IndexedDB merged with buffered writes) and all its writes are applied in
 * ONE readwrite IndexedDB transaction: all or none, even if the tab dies.
 * Writers are serialized per store in this realm and, where the Web Locks API
 * exists, across tabs of the same origin.
 */
import { createStore, promisifyRequest, type UseStore } from 'idb-keyval'
import { concatBytes, prefixEnd, utf8 } from './bytes'
import { StorageBackendError, StorageFullError } from './errors'
import type { LockMode } from './lock'
import { type CommittedState, OverlayStorage, type Write } from './overlay'
import type { Bounds, Entry, Storage } from './storage'

/** Options of {@link openIdbStorage}. */
export interface IdbStorageOptions {
  /** IndexedDB database name; one store per name. */
  name: string
  /**
   * Durability hint of commit transactions. `'strict'` (default) asks the
   * browser to flush to disk before reporting the commit, which is what a
   * ratchet step needs; `'relaxed'` is faster and may lose the last commits on
   * power loss (never tears one).
   */
  durability?: 'strict' | 'relaxed' | 'default'
  /** Serialize with other tabs through the Web Locks API when available (default `true`). */
  crossTabLock?: boolean
}

const OBJECT_STORE = 'records'

function asBytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v
  if (v instanceof ArrayBuffer) return new Uint8Array(v)
  throw new StorageBackendError(`expected bytes for ${what} in IndexedDB, found ${typeof v}`)
}

function wrap(e: unknown, what: string): Error {
  if (e instanceof StorageBackendError) return e
  if ((e as { name?: unknown } | null)?.name === 'QuotaExceededError')
    return new StorageFullError(`IndexedDB ${what}: quota exceeded`, { cause: e })
  return new StorageBackendError(`IndexedDB ${what} failed`, { cause: e })
}

interface WebLocks {
  request<T>(name: string, options: { mode: LockMode }, fn: () => Promise<T>): Promise<T>
}

function webLocks(): WebLocks | undefined {
  const nav = (globalThis as { navigator?: { locks?: WebLocks } }).navigator
  return nav?.locks
}

class IdbState implements CommittedState {
  private readonly prefixes = new Map<string, Uint8Array>()
  private db: IDBDatabase | undefined
  private readonly locks: WebLocks | undefined

  constructor(
    private readonly store: UseStore,
    private readonly options: IdbStorageOptions,
  ) {
    this.locks = options.crossTabLock === false ? undefined : webLocks()
  }

  private prefix(ns: string): Uint8Array {
    let p = this.prefixes.get(ns)
    if (p === undefined) {
      p = concatBytes(utf8(ns), new Uint8Array(1))
      this.prefixes.set(ns, p)
    }
    return p
  }

  async get(ns: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    let v: unknown
    try {
      v = await this.store('readonly', (s) => promisifyRequest(s.get(concatBytes(this.prefix(ns), key))))
    } catch (e) {
      throw wrap(e, 'get')
    }
    return v === undefined ? undefined : asBytes(v, 'value')
  }

  async range(ns: string, b: Bounds, limit: number | undefined): Promise<Entry[]> {
    if (limit === 0) return []
    const p = this.prefix(ns)
    const lower = b.lower === undefined ? p : concatBytes(p, b.lower.key)
    const upper = b.upper === undefined ? prefixEnd(p)! : concatBytes(p, b.upper.key)
    const kr = IDBKeyRange.bound(lower, upper, b.lower?.open ?? false, b.upper === undefined || b.upper.open)
    const strip = (k: unknown): Uint8Array => asBytes(k, 'key').slice(p.length)
    try {
      if (!b.reverse) {
        // Two bulk requests in one readonly transaction see the same state.
        const [keys, values] = await this.store('readonly', (s) =>
          Promise.all([promisifyRequest(s.getAllKeys(kr, limit)), promisifyRequest(s.getAll(kr, limit))]),
        )
        if (keys.length !== values.length)
          throw new StorageBackendError('IndexedDB getAllKeys/getAll disagree')
        return keys.map((k, i) => ({ key: strip(k), value: asBytes(values[i], 'value') }))
      }
      return await this.store(
        'readonly',
        (s) =>
          new Promise<Entry[]>((resolve, reject) => {
            const out: Entry[] = []
            const req = s.openCursor(kr, 'prev')
            req.onerror = () => reject(req.error)
            req.onsuccess = () => {
              const c = req.result
              if (c === null) return resolve(out)
              try {
                out.push({ key: strip(c.key), value: asBytes(c.value, 'value') })
              } catch (e) {
                return reject(e)
              }
              if (limit !== undefined && out.length >= limit) return resolve(out)
              c.continue()
            }
          }),
      )
    } catch (e) {
      throw wrap(e, 'range')
    }
  }

  async namespaces(): Promise<string[]> {
    try {
      return await this.store(
        'readonly',
        (s) =>
          new Promise<string[]>((resolve, reject) => {
            const out: string[] = []
            const req = s.openKeyCursor()
            req.onerror = () => reject(req.error)
            req.onsuccess = () => {
              const c = req.result
              if (c === null) return resolve(out)
              const k = asBytes(c.key, 'key')
              const nul = k.indexOf(0)
              if (nul < 0) return reject(new StorageBackendError('IndexedDB key without namespace separator'))
              out.push(new TextDecoder().decode(k.subarray(0, nul)))
              // Jump past every key of this namespace: UTF-8(ns) ‖ 0x01 follows them all.
              const next = k.slice(0, nul + 1)
              next[nul] = 1
              c.continue(next)
            }
          }),
      )
    } catch (e) {
      throw wrap(e, 'namespaces')
    }
  }

  /**
   * The connection idb-keyval holds, cached until the browser closes it on its
   * own (idb-keyval then reopens, and commits must follow).
   */
  private async database(): Promise<IDBDatabase> {
    if (this.db === undefined) {
      const db = await this.store('readonly', (s) => s.transaction.db)
      db.addEventListener('close', () => {
        if (this.db === db) this.db = undefined
      })
      this.db = db
    }
    return this.db
  }

  async commit(writes: Write[]): Promise<void> {
    try {
      const db = await this.database()
      const durability = this.options.durability ?? 'strict'
      const t = db.transaction(OBJECT_STORE, 'readwrite', { durability })
      const s = t.objectStore(OBJECT_STORE)
      try {
        for (const w of writes) {
          const k = concatBytes(this.prefix(w.ns), w.key)
          if (w.value === undefined) s.delete(k)
          else s.put(w.value, k)
        }
      } catch (e) {
        // Left alone, the transaction would auto-commit the requests already made.
        t.abort()
        throw e
      }
      await promisifyRequest(t)
    } catch (e) {
      throw wrap(e, 'commit')
    }
  }

  async close(): Promise<void> {
    try {
      ;(await this.database()).close()
    } catch (e) {
      throw wrap(e, 'close')
    }
  }

  crossRealmLock<T>(mode: LockMode, fn: () => Promise<T>): Promise<T> {
    if (this.locks === undefined) return fn()
    return this.locks.request(`simplex-ts-storage:${this.options.name}`, { mode }, fn)
  }
}

/**
 * Open (creating if needed) an IndexedDB-backed {@link Storage} in database
 * `options.name`, through the global `indexedDB` (a browser, or
 * `fake-indexeddb/auto` in Node tests).
 *
 * @throws {StorageBackendError} IndexedDB is unavailable or the database cannot be opened
 */
export async function openIdbStorage(options: IdbStorageOptions | string): Promise<Storage> {
  const o: IdbStorageOptions = typeof options === 'string' ? { name: options } : options
  if (typeof indexedDB === 'undefined') throw new StorageBackendError('IndexedDB is not available here')
  const store = createStore(o.name, OBJECT_STORE)
  // Open now, so a missing or blocked database fails here rather than in the first transaction.
  try {
    await store('readonly', (s) => s.name)
  } catch (e) {
    throw wrap(e, `open ${o.name}`)
  }
  return new OverlayStorage('idb', new IdbState(store, o))
}
