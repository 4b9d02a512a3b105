/**
 * Framework-free assertions for the compliance checks, so the same checks run
 * under vitest in Node and as a plain bundle in real Chromium.
 */
import { isSimplexError } from '@simplex-ts/core'

export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(`assertion failed: ${msg}`)
}

export function hex(b: Uint8Array | undefined): string {
  if (b === undefined) return 'undefined'
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

export function eqBytes(a: Uint8Array | undefined, b: Uint8Array | undefined, msg: string): void {
  if (a === undefined || b === undefined) {
    if (a !== b) throw new Error(`${msg}: expected ${hex(b)}, got ${hex(a)}`)
    return
  }
  if (a.length !== b.length) throw new Error(`${msg}: expected ${b.length} bytes, got ${a.length}`)
  for (let i = 0; i < a.length; i++)
    if (a[i] !== b[i]) throw new Error(`${msg}: differs at byte ${i} (expected ${b[i]}, got ${a[i]})`)
}

export function eq<T>(a: T, b: T, msg: string): void {
  const ja = JSON.stringify(a)
  const jb = JSON.stringify(b)
  if (ja !== jb) throw new Error(`${msg}: expected ${jb}, got ${ja}`)
}

/** Await `p` and require it to reject with a SimplexError of `code`; returns the error. */
export async function rejectsWith(p: Promise<unknown> | (() => Promise<unknown>), code: string, msg: string) {
  let err: unknown
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    err = e
  }
  if (err === undefined) throw new Error(`${msg}: expected rejection with ${code}, but it resolved`)
  if (!isSimplexError(err, code)) {
    const got = isSimplexError(err) ? err.code : String(err)
    throw new Error(`${msg}: expected error code ${code}, got ${got}`)
  }
  return err
}

/** Deterministic PRNG (mulberry32), so a failing case reproduces. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randomBytes(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += 4) {
    const v = (rand() * 4294967296) >>> 0
    out[i] = v & 0xff
    if (i + 1 < n) out[i + 1] = (v >>> 8) & 0xff
    if (i + 2 < n) out[i + 2] = (v >>> 16) & 0xff
    if (i + 3 < n) out[i + 3] = v >>> 24
  }
  return out
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
