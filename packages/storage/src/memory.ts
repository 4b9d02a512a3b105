/**
 * In-memory adapter: for tests, short-lived bots and as an archive staging
 * area. Same semantics as the persistent adapters, nothing survives the process.
 */
import { copyBytes, toBinaryString } from './bytes'
import { type CommittedState, OverlayStorage, type Write } from './overlay'
import { SortedMap } from './sorted-map'
import type { Bounds, Entry, Storage } from './storage'

interface Rec {
  key: Uint8Array
  value: Uint8Array
}

class MemoryState implements CommittedState {
  private readonly spaces = new Map<string, SortedMap<Rec>>()

  async get(ns: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    const r = this.spaces.get(ns)?.get(toBinaryString(key))
    return r === undefined ? undefined : copyBytes(r.value)
  }

  async range(ns: string, b: Bounds, limit: number | undefined): Promise<Entry[]> {
    const m = this.spaces.get(ns)
    if (m === undefined) return []
    const out: Entry[] = []
    const max = limit ?? Number.POSITIVE_INFINITY
    if (max === 0) return out
    for (const [, r] of m.entries(
      b.lower === undefined ? undefined : toBinaryString(b.lower.key),
      b.lower?.open ?? false,
      b.upper === undefined ? undefined : toBinaryString(b.upper.key),
      b.upper?.open ?? false,
      b.reverse,
    )) {
      out.push({ key: copyBytes(r.key), value: copyBytes(r.value) })
      if (out.length >= max) break
    }
    return out
  }

  async namespaces(): Promise<string[]> {
    return [...this.spaces.keys()]
  }

  async commit(writes: Write[]): Promise<void> {
    // Applying in-memory writes cannot fail halfway, so this is atomic as is.
    for (const w of writes) {
      let m = this.spaces.get(w.ns)
      if (w.value === undefined) {
        if (m === undefined) continue
        m.delete(toBinaryString(w.key))
        if (m.size === 0) this.spaces.delete(w.ns)
      } else {
        if (m === undefined) {
          m = new SortedMap()
          this.spaces.set(w.ns, m)
        }
        m.set(toBinaryString(w.key), { key: w.key, value: w.value })
      }
    }
  }

  async close(): Promise<void> {
    this.spaces.clear()
  }
}

/**
 * Create an empty in-memory {@link Storage}. Transactions use the same
 * overlay engine as the IndexedDB adapter: atomic, isolated, serialized writers.
 *
 * @example
 * ```ts
 * const store = createMemoryStorage()
 * await store.transaction((tx) => tx.put('conn', encodeKey(1), new Uint8Array([1])))
 * ```
 */
export function createMemoryStorage(): Storage {
  return new OverlayStorage('memory', new MemoryState())
}
