/**
 * The storage benchmark (run by `bench/storage.ts`; it lives here because only
 * this package resolves better-sqlite3, idb-keyval and fake-indexeddb).
 *
 * Storage throughput per adapter: records/s for batched puts, single-record
 * transactions, point gets, full range scans and paged scans, each beside the
 * floor (the raw backend doing the same work with no SDK layer) as a ratio.
 *
 *   node --conditions=source --import tsx bench/storage.ts
 *
 * IndexedDB runs on fake-indexeddb here (Node), so its absolute numbers say
 * little about a browser; SQLite runs with the adapter's defaults (WAL,
 * synchronous=FULL) on a temp file.
 */
import 'fake-indexeddb/auto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createStore, promisifyRequest } from 'idb-keyval'
import { createMemoryStorage, encodeKey, type Storage } from '../../src/index'
import { openIdbStorage } from '../../src/idb'
import { openSqliteStorage } from '../../src/sqlite'

const N = 20_000
const SINGLE = 500
const BATCH = 1_000
const PAGE = 100
const value = new Uint8Array(100).fill(7)
let dir = ''
const keys = Array.from({ length: N }, (_, i) => encodeKey(i))

type Row = { put: number; single: number; get: number; scan: number; page: number }

function rate(count: number, ms: number): number {
  return (count * 1000) / ms
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

async function measure(st: Storage): Promise<Row> {
  const put = await time(async () => {
    for (let s = 0; s < N; s += BATCH)
      await st.transaction(async (tx) => {
        for (let i = s; i < s + BATCH; i++) await tx.put('bench', keys[i]!, value)
      })
  })
  const single = await time(async () => {
    for (let i = 0; i < SINGLE; i++) await st.transaction((tx) => tx.put('single', keys[i]!, value))
  })
  const get = await time(() =>
    st.read(async (tx) => {
      for (let i = 0; i < N; i++) await tx.get('bench', keys[(i * 7919) % N]!)
    }),
  )
  const scan = await time(() => st.read((tx) => tx.range('bench')))
  const page = await time(() =>
    st.read(async (tx) => {
      let after: Uint8Array | undefined
      for (;;) {
        const p = await tx.range('bench', after ? { gt: after, limit: PAGE } : { limit: PAGE })
        if (p.length === 0) break
        after = p[p.length - 1]!.key
      }
    }),
  )
  await st.close()
  return {
    put: rate(N, put),
    single: rate(SINGLE, single),
    get: rate(N, get),
    scan: rate(N, scan),
    page: rate(N, page),
  }
}

/** better-sqlite3 alone: the same statements, no interface, no lock, no copies. */
async function sqliteFloor(): Promise<Row> {
  const db = new Database(join(dir, 'floor.sqlite'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec('CREATE TABLE kv (ns TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, UNIQUE (ns, key))')
  const ins = db.prepare(
    'INSERT INTO kv VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value',
  )
  const sel = db.prepare('SELECT value FROM kv WHERE ns = ? AND key = ?').pluck()
  const all = db.prepare('SELECT key, value FROM kv WHERE ns = ? ORDER BY key')
  const pg = db.prepare('SELECT key, value FROM kv WHERE ns = ? AND key > ? ORDER BY key LIMIT ?')
  const pg0 = db.prepare('SELECT key, value FROM kv WHERE ns = ? ORDER BY key LIMIT ?')
  const batch = db.transaction((s: number) => {
    for (let i = s; i < s + BATCH; i++) ins.run('bench', keys[i]!, value)
  })
  const put = await time(async () => {
    for (let s = 0; s < N; s += BATCH) batch(s)
  })
  const one = db.transaction((i: number) => ins.run('single', keys[i]!, value))
  const single = await time(async () => {
    for (let i = 0; i < SINGLE; i++) one(i)
  })
  const get = await time(async () => {
    for (let i = 0; i < N; i++) sel.get('bench', keys[(i * 7919) % N]!)
  })
  const scan = await time(async () => all.all('bench'))
  const page = await time(async () => {
    let rows = pg0.all('bench', PAGE) as { key: Uint8Array }[]
    while (rows.length > 0) rows = pg.all('bench', rows[rows.length - 1]!.key, PAGE) as { key: Uint8Array }[]
  })
  db.close()
  return {
    put: rate(N, put),
    single: rate(SINGLE, single),
    get: rate(N, get),
    scan: rate(N, scan),
    page: rate(N, page),
  }
}

/** idb-keyval on fake-indexeddb alone: one readwrite transaction per batch, bulk reads. */
async function idbFloor(): Promise<Row> {
  const store = createStore('bench-floor', 'records')
  const put = await time(async () => {
    for (let s = 0; s < N; s += BATCH)
      await store('readwrite', (os) => {
        for (let i = s; i < s + BATCH; i++) os.put(value, keys[i]!)
        return promisifyRequest(os.transaction)
      })
  })
  const single = await time(async () => {
    for (let i = 0; i < SINGLE; i++)
      await store('readwrite', (os) => {
        os.put(value, [1, i])
        return promisifyRequest(os.transaction)
      })
  })
  const get = await time(async () => {
    for (let i = 0; i < N; i++)
      await store('readonly', (os) => promisifyRequest(os.get(keys[(i * 7919) % N]!)))
  })
  const scan = await time(() =>
    store('readonly', (os) =>
      Promise.all([promisifyRequest(os.getAllKeys()), promisifyRequest(os.getAll())]),
    ),
  )
  const page = await time(async () => {
    let after: IDBValidKey | undefined
    for (;;) {
      const range: IDBKeyRange | undefined =
        after === undefined ? undefined : IDBKeyRange.lowerBound(after, true)
      const ks = await store('readonly', (os) => promisifyRequest(os.getAllKeys(range, PAGE)))
      if (ks.length === 0) break
      await store('readonly', (os) => promisifyRequest(os.getAll(range, PAGE)))
      after = ks[ks.length - 1]
    }
  })
  return {
    put: rate(N, put),
    single: rate(SINGLE, single),
    get: rate(N, get),
    scan: rate(N, scan),
    page: rate(N, page),
  }
}

function fmt(n: number): string {
  return n >= 100_000 ? `${(n / 1e6).toFixed(2)}M` : n >= 1000 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0)
}

const cols: (keyof Row)[] = ['put', 'single', 'get', 'scan', 'page']
const head = {
  put: `put (${BATCH}/tx) rec/s`,
  single: 'put (1/tx) tx/s',
  get: 'get rec/s',
  scan: 'range (full) rec/s',
  page: `range (${PAGE}/page) rec/s`,
}

/** Run every workload on every adapter and its floor; print a Markdown table. */
export async function runStorageBench(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'simplex-bench-storage-'))
  const memory = await measure(createMemoryStorage())
  const sqlite = await measure(await openSqliteStorage(join(dir, 'bench.sqlite')))
  const sqliteRaw = await sqliteFloor()
  const idb = await measure(await openIdbStorage('bench'))
  const idbRaw = await idbFloor()
  const rows: [string, Row, Row | undefined][] = [
    ['memory', memory, undefined],
    ['sqlite (WAL, FULL)', sqlite, sqliteRaw],
    ['idb (fake-indexeddb)', idb, idbRaw],
  ]
  console.log(
    `storage throughput, ${N.toLocaleString('en')} records of ${value.length} B; (×floor) = adapter / raw backend`,
  )
  console.log('')
  console.log(`| adapter | ${cols.map((c) => head[c]).join(' | ')} |`)
  console.log(`|---|${cols.map(() => '---:').join('|')}|`)
  for (const [name, r, floor] of rows) {
    const cells = cols.map((c) => (floor ? `${fmt(r[c])} (${(r[c] / floor[c]).toFixed(2)}×)` : fmt(r[c])))
    console.log(`| ${name} | ${cells.join(' | ')} |`)
    if (floor)
      console.log(`| ↳ floor: raw ${name.split(' ')[0]} | ${cols.map((c) => fmt(floor[c])).join(' | ')} |`)
  }
  rmSync(dir, { recursive: true, force: true })
}
