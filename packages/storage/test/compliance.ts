/**
 * Runs the compliance checks of `./compliance/checks` as vitest tests for one
 * adapter. Each adapter's test file calls {@link describeCompliance}.
 */
import { describe, it } from 'vitest'
import { checks, type Harness } from './compliance/checks'

/** Register every compliance check for `harness` under `describe(title)`. */
export function describeCompliance(title: string, harness: Harness): void {
  describe(title, () => {
    for (const c of checks) {
      it(c.name, () => c.run(harness), 120_000)
    }
  })
}
