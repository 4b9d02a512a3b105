/**
 * An ordered map from binary strings (see `toBinaryString`) to values, kept as
 * a list of sorted chunks: O(log n) lookups, inserts that move at most one
 * chunk, and in-order iteration from any bound in either direction. Backs the
 * memory adapter's committed state and every transaction's write overlay.
 */

const MAX_CHUNK = 1024

interface Chunk<V> {
  keys: string[]
  vals: V[]
}

/** First index in sorted `keys` whose key is `>= k` (or `> k` when `after`). */
function search(keys: string[], k: string, after: boolean): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const m = keys[mid]!
    if (m < k || (after && m === k)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Ordered map keyed by binary strings. */
export class SortedMap<V> {
  private chunks: Chunk<V>[] = []
  private count = 0

  /** Number of entries. */
  get size(): number {
    return this.count
  }

  /** Index of the chunk that holds, or would hold, `k`. */
  private chunkFor(k: string): number {
    const cs = this.chunks
    let lo = 0
    let hi = cs.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const c = cs[mid]!
      if (c.keys[c.keys.length - 1]! < k) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** The value under `k`, or `undefined`. */
  get(k: string): V | undefined {
    if (this.count === 0) return undefined
    const c = this.chunks[this.chunkFor(k)]!
    const i = search(c.keys, k, false)
    return c.keys[i] === k ? c.vals[i] : undefined
  }

  /** Insert or replace. */
  set(k: string, v: V): void {
    if (this.count === 0) {
      this.chunks = [{ keys: [k], vals: [v] }]
      this.count = 1
      return
    }
    const ci = this.chunkFor(k)
    const c = this.chunks[ci]!
    const i = search(c.keys, k, false)
    if (c.keys[i] === k) {
      c.vals[i] = v
      return
    }
    if (i === c.keys.length) {
      c.keys.push(k)
      c.vals.push(v)
    } else {
      c.keys.splice(i, 0, k)
      c.vals.splice(i, 0, v)
    }
    this.count++
    if (c.keys.length > MAX_CHUNK) {
      const half = c.keys.length >>> 1
      this.chunks.splice(ci + 1, 0, { keys: c.keys.splice(half), vals: c.vals.splice(half) })
    }
  }

  /** Remove `k`; `true` when it was present. */
  delete(k: string): boolean {
    if (this.count === 0) return false
    const ci = this.chunkFor(k)
    const c = this.chunks[ci]!
    const i = search(c.keys, k, false)
    if (c.keys[i] !== k) return false
    c.keys.splice(i, 1)
    c.vals.splice(i, 1)
    this.count--
    if (c.keys.length === 0) this.chunks.splice(ci, 1)
    return true
  }

  /**
   * Entries between the bounds (each `undefined` = unbounded; `open` excludes
   * the bound itself), ascending or, with `reverse`, descending.
   */
  *entries(
    lower: string | undefined,
    lowerOpen: boolean,
    upper: string | undefined,
    upperOpen: boolean,
    reverse: boolean,
  ): Generator<[string, V]> {
    const cs = this.chunks
    if (cs.length === 0) return
    if (!reverse) {
      let ci = 0
      let i = 0
      if (lower !== undefined) {
        ci = this.chunkFor(lower)
        i = search(cs[ci]!.keys, lower, lowerOpen)
      }
      for (; ci < cs.length; ci++, i = 0) {
        const c = cs[ci]!
        for (; i < c.keys.length; i++) {
          const k = c.keys[i]!
          if (upper !== undefined && (k > upper || (upperOpen && k === upper))) return
          yield [k, c.vals[i]!]
        }
      }
    } else {
      let ci = cs.length - 1
      let i = cs[ci]!.keys.length - 1
      if (upper !== undefined) {
        ci = this.chunkFor(upper)
        // Last index whose key is <= upper (or < upper when open).
        i = search(cs[ci]!.keys, upper, !upperOpen) - 1
      }
      for (; ci >= 0; ci--, i = ci >= 0 ? cs[ci]!.keys.length - 1 : 0) {
        const c = cs[ci]!
        for (; i >= 0; i--) {
          const k = c.keys[i]!
          if (lower !== undefined && (k < lower || (lowerOpen && k === lower))) return
          yield [k, c.vals[i]!]
        }
      }
    }
  }

  /** Remove everything. */
  clear(): void {
    this.chunks = []
    this.count = 0
  }
}
