/** The shape of a conformance case. */
import type { SmpVersion } from '@simplex-ts/smp'
import type { CaseContext } from './context'

/** One conformance case, run once per SMP version it applies to. */
export interface ConformanceCase {
  /** What the relay must do, in the spec's words. */
  readonly name: string
  /** The spec section it checks, e.g. `smp.md §11.4`. */
  readonly spec: string
  /** Versions it applies to (default: every version under test). */
  readonly versions?: readonly SmpVersion[]
  /** Needs relay-side control (restart): skipped against a relay without it. */
  readonly needsControl?: boolean
  /** Run the case; throws on any deviation. */
  run(ctx: CaseContext): Promise<void>
}
