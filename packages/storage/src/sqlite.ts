/**
 * SQLite adapter for Node (`@simplex-ts/storage/sqlite`), on better-sqlite3 12.
 *
 * One table `kv(ns TEXT, key BLOB, value BLOB, UNIQUE(ns, key))` in WAL mode.
 * A write transaction is a real SQLite transaction (`BEGIN IMMEDIATE` …
 * `COMMIT`/`ROLLBACK`) held open across the callback's awaits; the store's
 * readers-writer lock guarantees nothing else uses the connection meanwhile.
 * If the process dies mid-transaction, SQLite discards the uncommitted WAL
 * frames on the next open: the store is exactly at the previous commit.
 * SQLite compares BLOBs with `memcmp` then length and TEXT (UTF-8) the same way,
 * which is the key order of every adapter.
 *
 * Group commit: transactions called while another runs (or waits for the
 * lock) share its SQLite transaction, each in a savepoint, and one `COMMIT`,
 * so a burst of them costs one WAL sync instead of one each. Each still
 * commits or fails as a whole on its own: a throwing callback is rolled back
 * to its savepoint without touching the others, and every promise settles
 * only after the shared `COMMIT` (if that fails, all of them reject). A
 * member sees the writes of the members before it in its group; since they
 * commit or fail together, nothing committed can depend on something that
 * was not.
 */
import Database from 'better-sqlite3'
import {
  ReadOnlyTransactionError,
  StorageBackendError,
  StorageBusyError,
  StorageClosedError,
  StorageError,
  StorageFullError,
  TransactionClosedError,
} from './errors'
import { RwLock } from './lock'
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

/** Options of {@link openSqliteStorage}: a `path`, or an open better-sqlite3 `database`. */
export interface SqliteStorageOptions {
  /** Database file path, or `':memory:'` for a private in-memory database. */
  path?: string
  /**
   * An open better-sqlite3 connection to use instead of `path` (for instance
   * one from a SQLCipher-enabled build, or with extra pragmas already set). The
   * store takes it over: it sets the pragmas below and closes it on `close()`.
   */
  database?: Database.Database
  /**
   * SQLite `synchronous` setting. `'full'` (default) syncs the WAL on every
   * commit, so a commit survives power loss; `'normal'` survives process
   * crashes but may lose the last commits on power loss, and is faster.
   */
  synchronous?: 'full' | 'normal'
  /** How long to wait for another process's write lock before {@link StorageBusyError}, in ms (default 5000). */
  busyTimeoutMs?: number
}

const SCHEMA_VERSION = 1

type Db = Database.Database
type Stmt = Database.Statement

function toBytes(b: unknown): Uint8Array {
  if (!(b instanceof Uint8Array)) throw new StorageBackendError(`expected BLOB from SQLite, got ${typeof b}`)
  // better-sqlite3 returns a Buffer that owns its memory; expose a plain Uint8Array view of it.
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return new Uint8Array(b.buffer)
  return Uint8Array.prototype.slice.call(b)
}

function wrap(e: unknown, what: string): Error {
  if (e instanceof StorageError) return e
  const code = (e as { code?: unknown } | null)?.code
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY'))
    return new StorageBusyError(`${what}: database is locked`, { cause: e })
  if (code === 'SQLITE_FULL') return new StorageFullError(`${what}: database or disk is full`, { cause: e })
  return new StorageBackendError(`${what} failed`, { cause: e })
}

class SqliteTx implements Tx {
  private open = true
  constructor(
    private readonly s: SqliteStore,
    private readonly writable: boolean,
  ) {}

  end(): void {
    this.open = false
  }

  private check(): void {
    if (!this.open) throw new TransactionClosedError('transaction already ended')
    // After some errors (SQLITE_FULL, I/O) SQLite may roll the whole transaction
    // back by itself; later statements would then autocommit one by one.
    if (this.writable && !this.s.inTransaction())
      throw new StorageBackendError('SQLite rolled this transaction back after an earlier error')
  }

  async get(ns: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    this.check()
    assertNamespace(ns)
    assertKey(key)
    let v: unknown
    try {
      v = this.s.stGet.get(ns, key)
    } catch (e) {
      throw wrap(e, 'get')
    }
    return v === undefined ? undefined : toBytes(v)
  }

  async range(ns: string, options?: RangeOptions): Promise<Entry[]> {
    this.check()
    assertNamespace(ns)
    const b = toBounds(options)
    if (b.empty) return []
    const params: unknown[] = [ns]
    if (b.lower !== undefined) params.push(b.lower.key)
    if (b.upper !== undefined) params.push(b.upper.key)
    params.push(b.limit ?? -1)
    let rows: { key: unknown; value: unknown }[]
    try {
      rows = this.s.rangeStmt(b).all(...params) as { key: unknown; value: unknown }[]
    } catch (e) {
      throw wrap(e, 'range')
    }
    return rows.map((r) => ({ key: toBytes(r.key), value: toBytes(r.value) }))
  }

  async namespaces(): Promise<string[]> {
    this.check()
    let names: unknown[]
    try {
      names = this.s.stNamespaces.all()
    } catch (e) {
      throw wrap(e, 'namespaces')
    }
    return sortNamespaces(names as string[])
  }

  async put(ns: string, key: Uint8Array, value: Uint8Array): Promise<void> {
    this.check()
    if (!this.writable) throw new ReadOnlyTransactionError('put inside read()')
    assertNamespace(ns)
    assertKey(key)
    assertValue(value)
    try {
      this.s.stPut.run(ns, key, value)
    } catch (e) {
      throw wrap(e, 'put')
    }
  }

  async delete(ns: string, key: Uint8Array): Promise<void> {
    this.check()
    if (!this.writable) throw new ReadOnlyTransactionError('delete inside read()')
    assertNamespace(ns)
    assertKey(key)
    try {
      this.s.stDelete.run(ns, key)
    } catch (e) {
      throw wrap(e, 'delete')
    }
  }
}

/** A queued write transaction. */
interface Writer {
  readonly fn: (tx: Tx) => unknown
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

/** Most transactions one group commit takes; the rest wait behind readers queued meanwhile. */
const MAX_GROUP = 64

class SqliteStore implements Storage {
  readonly kind = 'sqlite'
  readonly stGet: Stmt
  readonly stPut: Stmt
  readonly stDelete: Stmt
  readonly stNamespaces: Stmt
  private readonly ranges = new Map<string, Stmt>()
  private readonly lock = new RwLock()
  /** Transactions waiting for (or joining) the next group commit, in call order. */
  private readonly writers: Writer[] = []
  /** A group holds or waits for the lock: new transactions join it. */
  private groupQueued = false
  private readers = 0
  private closed = false
  private closing: Promise<void> | undefined

  constructor(private readonly db: Db) {
    this.stGet = db.prepare('SELECT value FROM kv WHERE ns = ? AND key = ?').pluck()
    this.stPut = db.prepare(
      'INSERT INTO kv (ns, key, value) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value',
    )
    this.stDelete = db.prepare('DELETE FROM kv WHERE ns = ? AND key = ?')
    // Walks the (ns, key) index from one namespace to the next instead of scanning every record.
    this.stNamespaces = db
      .prepare(
        `WITH RECURSIVE n(ns) AS (
           SELECT min(ns) FROM kv
           UNION ALL
           SELECT (SELECT min(ns) FROM kv WHERE kv.ns > n.ns) FROM n WHERE n.ns IS NOT NULL
         ) SELECT ns FROM n WHERE ns IS NOT NULL`,
      )
      .pluck()
  }

  /** `true` while SQLite has a transaction open on the connection. */
  inTransaction(): boolean {
    return this.db.inTransaction
  }

  /** A prepared statement per range shape (bounds present, open/closed, direction). */
  rangeStmt(b: Bounds): Stmt {
    const shape = `${b.lower === undefined ? '-' : b.lower.open ? '>' : '≥'}${b.upper === undefined ? '-' : b.upper.open ? '<' : '≤'}${b.reverse ? 'r' : 'f'}`
    let st = this.ranges.get(shape)
    if (st === undefined) {
      let sql = 'SELECT key, value FROM kv WHERE ns = ?'
      if (b.lower !== undefined) sql += b.lower.open ? ' AND key > ?' : ' AND key >= ?'
      if (b.upper !== undefined) sql += b.upper.open ? ' AND key < ?' : ' AND key <= ?'
      sql += b.reverse ? ' ORDER BY key DESC' : ' ORDER BY key ASC'
      sql += ' LIMIT ?'
      st = this.db.prepare(sql)
      this.ranges.set(shape, st)
    }
    return st
  }

  transaction<T>(fn: (tx: Tx) => Promise<T> | T): Promise<T> {
    if (this.closed) return Promise.reject(new StorageClosedError('sqlite store is closed'))
    return new Promise<T>((resolve, reject) => {
      this.writers.push({ fn, resolve: resolve as (v: unknown) => void, reject })
      if (!this.groupQueued) {
        this.groupQueued = true
        void this.lock.run('exclusive', () => this.runGroup())
      }
    })
  }

  /**
   * Group commit: run the queued transactions one after another inside ONE SQLite transaction,
   * each after the first in its own savepoint, and commit them together (one WAL sync). A callback
   * that throws is rolled back to its savepoint alone; the others go on. Transactions queued while
   * the group runs join it (up to {@link MAX_GROUP}). Every promise settles after the shared
   * `COMMIT`: resolved if it succeeded, rejected with its error if it failed (then nothing of the
   * group was written). Called with the exclusive lock held.
   */
  private async runGroup(): Promise<void> {
    const done: { readonly w: Writer; readonly result: unknown }[] = []
    let open = false
    // The SQLite transaction is gone or must go (SQLite undid it after a disk-full or I/O error, or
    // a savepoint could not be handled): the members that already finished lose their writes too.
    const abort = (cause: unknown): void => {
      open = false
      try {
        this.rollback()
      } catch {
        // nothing more to undo
      }
      for (const d of done.splice(0))
        d.w.reject(
          new StorageBackendError('SQLite rolled back a transaction committed together with this one', {
            cause,
          }),
        )
    }
    while (this.writers.length > 0 && done.length < MAX_GROUP && this.db.open) {
      const w = this.writers.shift() as Writer
      if (!open) {
        try {
          this.db.exec('BEGIN IMMEDIATE')
        } catch (e) {
          w.reject(wrap(e, 'BEGIN'))
          continue
        }
        open = true
      }
      // the first member needs no savepoint: rolling it back is rolling back the transaction
      const nested = done.length > 0
      const tx = new SqliteTx(this, true)
      let result: unknown
      try {
        if (nested) this.db.exec('SAVEPOINT member')
        result = await w.fn(tx)
      } catch (e) {
        tx.end()
        try {
          if (!this.db.inTransaction) abort(e)
          else if (nested) this.db.exec('ROLLBACK TO member; RELEASE member')
          else this.rollback()
        } catch (e2) {
          abort(e2)
        }
        if (!this.db.inTransaction) open = false
        w.reject(e)
        continue
      }
      tx.end()
      if (!this.db.inTransaction) {
        const e = new StorageBackendError('SQLite rolled this transaction back after an earlier error')
        abort(e)
        w.reject(e)
        continue
      }
      try {
        if (nested) this.db.exec('RELEASE member')
      } catch (e) {
        abort(e)
        w.reject(wrap(e, 'RELEASE'))
        continue
      }
      done.push({ w, result })
    }
    // COMMIT is synchronous: nothing can join from here on, a later call starts the next group
    this.groupQueued = false
    if (open) {
      try {
        this.db.exec('COMMIT')
      } catch (e) {
        try {
          this.rollback()
        } catch {
          // nothing more to undo
        }
        const err = wrap(e, 'COMMIT')
        for (const d of done.splice(0)) d.w.reject(err)
      }
    }
    for (const d of done) d.w.resolve(d.result)
    for (const w of this.db.open ? [] : this.writers.splice(0))
      w.reject(new StorageClosedError('sqlite store is closed'))
    if (this.writers.length > 0) {
      // more than one group's worth: the rest queues behind whoever waits for the lock now
      this.groupQueued = true
      void this.lock.run('exclusive', () => this.runGroup())
    }
  }

  private rollback(): void {
    // After some errors (e.g. SQLITE_FULL) SQLite has already rolled back.
    if (this.db.inTransaction) this.db.exec('ROLLBACK')
  }

  read<T>(fn: (tx: ReadTx) => Promise<T> | T): Promise<T> {
    if (this.closed) return Promise.reject(new StorageClosedError('sqlite store is closed'))
    return this.lock.run('shared', async () => {
      // Concurrent readers share one read transaction: in WAL mode it pins one
      // snapshot, so even another process's commits stay invisible to them.
      if (this.readers++ === 0) {
        try {
          this.db.exec('BEGIN')
        } catch (e) {
          this.readers--
          throw wrap(e, 'BEGIN')
        }
      }
      const tx = new SqliteTx(this, false)
      try {
        return await fn(tx)
      } finally {
        tx.end()
        if (--this.readers === 0 && this.db.inTransaction) this.db.exec('COMMIT')
      }
    })
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closed = true
      this.closing = this.lock.run('exclusive', async () => {
        // transactions called before close() (a group that hit MAX_GROUP leaves some) finish first
        while (this.writers.length > 0) await this.runGroup()
        this.db.close()
      })
    }
    return this.closing
  }
}

/**
 * Open (creating if needed) a SQLite-backed {@link Storage} at `path`.
 * Sets WAL mode, `synchronous` (default FULL) and a busy timeout, and creates
 * the schema on first use. Node only; needs the optional peer dependency
 * `better-sqlite3` (version 12).
 *
 * Keep one open store per file per process: transactions are serialized by
 * an in-process lock, and SQLite's own locking is only the second line
 * (another process's writer makes commits wait up to `busyTimeoutMs`).
 *
 * @throws {StorageBackendError} the file cannot be opened, is not a database, or has a newer schema
 * @throws {StorageFullError} (from transactions) the disk is full; the transaction was rolled back
 */
export async function openSqliteStorage(options: SqliteStorageOptions | string): Promise<Storage> {
  const o: SqliteStorageOptions = typeof options === 'string' ? { path: options } : options
  const where = o.path ?? 'database'
  let db: Db | undefined
  try {
    if (o.database !== undefined) db = o.database
    else if (o.path !== undefined) db = new Database(o.path)
    else throw new StorageBackendError('give a path or a database')
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(o.busyTimeoutMs ?? 5000))}`)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${o.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > SCHEMA_VERSION)
      throw new StorageBackendError(`database schema version ${version} is newer than ${SCHEMA_VERSION}`)
    if (version < SCHEMA_VERSION) {
      db.exec(`BEGIN IMMEDIATE;
        CREATE TABLE IF NOT EXISTS kv (
          ns TEXT NOT NULL,
          key BLOB NOT NULL,
          value BLOB NOT NULL,
          UNIQUE (ns, key)
        );
        PRAGMA user_version = ${SCHEMA_VERSION};
        COMMIT;`)
    }
    return new SqliteStore(db)
  } catch (e) {
    if (db?.open) {
      if (db.inTransaction) db.exec('ROLLBACK')
      db.close()
    }
    throw wrap(e, `open ${where}`)
  }
}
