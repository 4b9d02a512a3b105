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

class SqliteStore implements Storage {
  readonly kind = 'sqlite'
  readonly stGet: Stmt
  readonly stPut: Stmt
  readonly stDelete: Stmt
  readonly stNamespaces: Stmt
  private readonly ranges = new Map<string, Stmt>()
  private readonly lock = new RwLock()
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
    return this.lock.run('exclusive', async () => {
      try {
        this.db.exec('BEGIN IMMEDIATE')
      } catch (e) {
        throw wrap(e, 'BEGIN')
      }
      const tx = new SqliteTx(this, true)
      let result: T
      try {
        result = await fn(tx)
      } catch (e) {
        tx.end()
        this.rollback()
        throw e
      }
      tx.end()
      if (!this.db.inTransaction)
        throw new StorageBackendError('SQLite rolled this transaction back after an earlier error')
      try {
        this.db.exec('COMMIT')
      } catch (e) {
        this.rollback()
        throw wrap(e, 'COMMIT')
      }
      return result
    })
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
