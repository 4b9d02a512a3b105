/**
 * Storage throughput per adapter (memory, SQLite, IndexedDB on fake-indexeddb),
 * each beside its raw backend as the floor:
 *
 *   node --conditions=source --import tsx bench/storage.ts
 *
 * The workloads live in packages/storage/test/bench/throughput.ts, where the
 * package's own dependencies (better-sqlite3, fake-indexeddb) resolve.
 */
import { runStorageBench } from '../packages/storage/test/bench/throughput'

await runStorageBench()
