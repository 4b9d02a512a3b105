/**
 * The storage benchmark (run by `bench/storage.ts`; it lives here because only
 * this package resolves better-sqlite3, idb-keyval and fake-indexeddb).
 *
 * Storage throughput per adapter: records/s for batched puts, single-record
 * transactions (one at a time, and BURST at once: SQLite's group commit gives
 * them one commit; the floor there is the same records in one raw
 * transaction), point gets, full range scans and paged scans, each beside the
 * floor (the raw backend doing the same work with no SDK layer) as a ratio.
 *
 *   node --conditions=source --import tsx bench/storage.ts
 *
 * IndexedDB runs on fake-indexeddb in Node and, when /usr/bin/chromium exists,
 * on Chromium's real IndexedDB (headless, via playwright-core); SQLite runs with the adapter's defaults (WAL,
 * synchronous=FULL) on a temp file.
 */
import 'fake-indexeddb/auto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { fileURLToPath } from 'node:url'
import { createMemoryStorage } from '../../src/index'
import { openIdbStorage } from '../../src/idb'
import { openSqliteStorage } from '../../src/sqlite'
import { bundle, chromiumPresent, openBundle } from '../chromium-harness'
import {
  BATCH,
  BURST,
  idbFloor,
  keys,
  measure,
  N,
  PAGE,
  type Row,
  rate,
  SINGLE,
  time,
  value,
} from './workloads'

let dir = ''
const ROUNDS = 3

/** IndexedDB adapter and raw idb-keyval in real Chromium, or `undefined` without Chromium. */
async function chromiumRows(): Promise<{ idb: Row; floor: Row } | undefined> {
  if (!chromiumPresent()) return undefined
  const js = await bundle(fileURLToPath(new URL('../browser/bench-entry.ts', import.meta.url)))
  const b = await openBundle(js, 'runBench')
  try {
    return await b.page.evaluate(() =>
      (globalThis as unknown as { runBench: () => Promise<{ idb: Row; floor: Row }> }).runBench(),
    )
  } finally {
    await b.close()
  }
}

/** better-sqlite3 alone: the same statements, no interface, no lock, no copies. */
async function sqliteFloor(file: string): Promise<Row> {
  const db = new Database(join(dir, file))
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
  // the floor of a burst: its records in one transaction, one commit
  const group = db.transaction((i: number) => {
    for (let j = 0; j < BURST; j++) ins.run('burst', keys[i + j]!, value)
  })
  const burst = await time(async () => {
    for (let i = 0; i < SINGLE; i += BURST) group(i)
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
    burst: rate(SINGLE, burst),
    get: rate(N, get),
    scan: rate(N, scan),
    page: rate(N, page),
  }
}

function fmt(n: number): string {
  return n >= 100_000 ? `${(n / 1e6).toFixed(2)}M` : n >= 1000 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0)
}

const cols: (keyof Row)[] = ['put', 'single', 'burst', 'get', 'scan', 'page']
const head = {
  put: `put (${BATCH}/tx) rec/s`,
  single: 'put (1/tx) tx/s',
  burst: `put (1/tx, ${BURST} at once) tx/s`,
  get: 'get rec/s',
  scan: 'range (full) rec/s',
  page: `range (${PAGE}/page) rec/s`,
}

/** Run every workload on every adapter and its floor; print a Markdown table. */
export async function runStorageBench(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'simplex-bench-storage-'))
  // Best of ROUNDS, adapter and floor interleaved: a shared CI box is noisy,
  // and the best run is the one least disturbed by neighbours.
  const best = (rs: Row[]): Row => {
    const out = { ...rs[0]! }
    for (const r of rs) for (const c of cols) out[c] = Math.max(out[c], r[c])
    return out
  }
  const runs: Record<string, Row[]> = {}
  const add = (k: string, r: Row) => {
    runs[k] = [...(runs[k] ?? []), r]
  }
  for (let i = 0; i < ROUNDS; i++) {
    add('memory', await measure(createMemoryStorage()))
    add('sqlite', await measure(await openSqliteStorage(join(dir, `bench-${i}.sqlite`))))
    add('sqliteRaw', await sqliteFloor(`floor-${i}.sqlite`))
    add('idb', await measure(await openIdbStorage(`bench-${i}`)))
    add('idbRaw', await idbFloor(`bench-floor-${i}`))
    const real = await chromiumRows()
    if (real !== undefined) {
      add('chromium', real.idb)
      add('chromiumRaw', real.floor)
    }
  }
  const rows: [string, Row, Row | undefined][] = [
    ['memory', best(runs.memory!), undefined],
    ['sqlite (WAL, FULL)', best(runs.sqlite!), best(runs.sqliteRaw!)],
    ['idb (fake-indexeddb)', best(runs.idb!), best(runs.idbRaw!)],
  ]
  if (runs.chromium !== undefined) rows.push(['idb (Chromium)', best(runs.chromium), best(runs.chromiumRaw!)])
  console.log(
    `storage throughput, ${N.toLocaleString('en')} records of ${value.length} B, best of ${ROUNDS}; (×floor) = adapter / raw backend`,
  )
  console.log('')
  console.log(`| adapter | ${cols.map((c) => head[c]).join(' | ')} |`)
  console.log(`|---|${cols.map(() => '---:').join('|')}|`)
  for (const [name, r, floor] of rows) {
    const cells = cols.map((c) => (floor ? `${fmt(r[c])} (${(r[c] / floor[c]).toFixed(2)}×)` : fmt(r[c])))
    console.log(`| ${name} | ${cells.join(' | ')} |`)
    if (floor) {
      const raw = name.startsWith('sqlite') ? 'better-sqlite3' : `idb-keyval ${name.slice(4)}`
      console.log(`| ↳ floor: raw ${raw} | ${cols.map((c) => fmt(floor[c])).join(' | ')} |`)
    }
  }
  rmSync(dir, { recursive: true, force: true })
}
