/**
 * Browser bundle entry for the real-Chromium run of the compliance suite
 * (built and driven by `test/chromium.test.ts`): the IndexedDB adapter on the
 * browser's own IndexedDB, the same checks as under fake-indexeddb.
 */
import type { Storage } from '../../src/index'
import { openIdbStorage } from '../../src/idb'
import { checks, type Harness } from '../compliance/checks'

/** Outcome of one check, as returned to the test runner. */
export interface BrowserResult {
  name: string
  ok: boolean
  error?: string
  ms: number
}

const names = new WeakMap<Storage, string>()
let n = 0

const harness: Harness = {
  name: 'idb',
  async create() {
    const name = `chromium-compliance-${Date.now()}-${n++}`
    const st = await openIdbStorage({ name })
    names.set(st, name)
    return st
  },
  async reopen(st) {
    const name = names.get(st)!
    await st.close()
    const again = await openIdbStorage({ name })
    names.set(again, name)
    return again
  },
}

async function runCompliance(only?: string[]): Promise<BrowserResult[]> {
  const results: BrowserResult[] = []
  for (const c of checks) {
    if (only !== undefined && !only.includes(c.name)) continue
    const t0 = performance.now()
    try {
      await c.run(harness)
      results.push({ name: c.name, ok: true, ms: performance.now() - t0 })
    } catch (e) {
      const error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e)
      results.push({ name: c.name, ok: false, error, ms: performance.now() - t0 })
    }
  }
  return results
}

/**
 * `n` read-modify-write increments of one counter, each transaction waiting a
 * little between its read and its write: run from two tabs at once, any
 * missing cross-tab serialization shows up as lost updates.
 */
async function incrementMany(name: string, n: number): Promise<void> {
  const st = await openIdbStorage({ name })
  const key = new Uint8Array([1])
  try {
    for (let i = 0; i < n; i++) {
      await st.transaction(async (tx) => {
        const cur = (await tx.get('counter', key))?.[0] ?? 0
        await new Promise((r) => setTimeout(r, (i * 7) % 4))
        await tx.put('counter', key, new Uint8Array([cur + 1]))
      })
    }
  } finally {
    await st.close()
  }
}

async function readCounter(name: string): Promise<number | undefined> {
  const st = await openIdbStorage({ name })
  try {
    return (await st.read((tx) => tx.get('counter', new Uint8Array([1]))))?.[0]
  } finally {
    await st.close()
  }
}

const env = {
  webLocks: typeof navigator !== 'undefined' && 'locks' in navigator,
  secureContext: globalThis.isSecureContext,
  userAgent: typeof navigator !== 'undefined' ? navigator.userAgent : '',
}

Object.assign(globalThis, { runCompliance, incrementMany, readCounter, complianceEnv: env })
