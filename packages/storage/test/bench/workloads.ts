/**
 * Benchmark workloads shared by the Node runner (`./throughput.ts`) and the
 * real-Chromium page (`../browser/bench-entry.ts`). Browser-safe: no `node:`.
 */
import { createStore, promisifyRequest } from 'idb-keyval'
import { encodeKey, type Storage } from '../../src/index'

/** Records per workload. */
export const N = 20_000
/** Single-record transactions. */
export const SINGLE = 500
/** Records per batched transaction. */
export const BATCH = 1_000
/** Transactions called at once in the burst workload (what group commit shares one commit among). */
export const BURST = 8
/** Records per page of the paged scan. */
export const PAGE = 100
/** The value written everywhere (100 B). */
export const value = new Uint8Array(100).fill(7)
/** Keys 0 … N−1 as ordered keys. */
export const keys = Array.from({ length: N }, (_, i) => encodeKey(i))

/** records/s (tx/s for `single` and `burst`) per workload. */
export type Row = { put: number; single: number; burst: number; get: number; scan: number; page: number }

/** Records per second. */
export function rate(count: number, ms: number): number {
  return (count * 1000) / ms
}

/** Milliseconds taken by `fn`. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

/** Run every workload against `st` (then close it). */
export async function measure(st: Storage): Promise<Row> {
  const put = await time(async () => {
    for (let s = 0; s < N; s += BATCH)
      await st.transaction(async (tx) => {
        for (let i = s; i < s + BATCH; i++) await tx.put('bench', keys[i]!, value)
      })
  })
  const single = await time(async () => {
    for (let i = 0; i < SINGLE; i++) await st.transaction((tx) => tx.put('single', keys[i]!, value))
  })
  // single-record transactions BURST at a time (as the agent's sends on several connections)
  const burst = await time(async () => {
    for (let i = 0; i < SINGLE; i += BURST)
      await Promise.all(
        Array.from({ length: BURST }, (_, j) => st.transaction((tx) => tx.put('burst', keys[i + j]!, value))),
      )
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
    burst: rate(SINGLE, burst),
    get: rate(N, get),
    scan: rate(N, scan),
    page: rate(N, page),
  }
}

/** idb-keyval alone on the global IndexedDB: one readwrite transaction per batch, bulk reads. */
export async function idbFloor(name: string): Promise<Row> {
  const store = createStore(name, 'records')
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
  // the floor of a burst: its records in one native transaction
  const burst = await time(async () => {
    for (let i = 0; i < SINGLE; i += BURST)
      await store('readwrite', (os) => {
        for (let j = 0; j < BURST; j++) os.put(value, [2, i + j])
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
    burst: rate(SINGLE, burst),
    get: rate(N, get),
    scan: rate(N, scan),
    page: rate(N, page),
  }
}
