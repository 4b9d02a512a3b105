/**
 * Browser bundle entry of the benchmark: the IndexedDB adapter and raw
 * idb-keyval on Chromium's real IndexedDB (driven by `../bench/throughput.ts`).
 */
import { openIdbStorage } from '../../src/idb'
import { idbFloor, measure, type Row } from '../bench/workloads'

async function runBench(): Promise<{ idb: Row; floor: Row }> {
  const tag = Date.now()
  const idb = await measure(await openIdbStorage(`bench-${tag}`))
  const floor = await idbFloor(`bench-floor-${tag}`)
  return { idb, floor }
}

Object.assign(globalThis, { runBench })
