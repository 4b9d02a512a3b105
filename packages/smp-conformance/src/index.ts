/**
 * `@simplex-ts/smp-conformance`: one set of tests that runs against any SMP
 * relay (v1–4) given its address — every command in every version, every
 * error path, quotas, subscriptions and `END`, redelivery, `GET`, `OFF`/`DEL`,
 * notifications, and, with relay-side control, restarts.
 * @packageDocumentation
 */
export {
  type ConformanceOptions,
  type ConformanceResult,
  type ConformanceReport,
  CONFORMANCE_CASES,
  DEFAULT_QUOTA,
  runConformance,
  formatResult,
} from './run'
export type { ConformanceCase } from './case'
export type { CaseContext, ConformanceControl, RawQueue, SuiteSettings } from './context'
export { type RawReceived, type RawCommand, RawConnection } from './raw'
export { ConformanceAssertionError, check, expectResponse, expectError, expectBytes } from './assert'
