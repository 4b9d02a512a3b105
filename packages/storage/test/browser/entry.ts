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

const env = {
  webLocks: typeof navigator !== 'undefined' && 'locks' in navigator,
  secureContext: globalThis.isSecureContext,
  userAgent: typeof navigator !== 'undefined' ? navigator.userAgent : '',
}

Object.assign(globalThis, { runCompliance, complianceEnv: env })
