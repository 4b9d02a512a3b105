/**
 * `runConformance`: run every case against a relay, in every version asked,
 * and report each result. Cases run one after another (the restart cases
 * would cut the others' connections).
 */
import { type CryptoProvider, defaultCrypto } from '@simplex-ts/core'
import {
  type SmpConnect,
  type SmpServer,
  type SmpVersion,
  SMP_VERSION_MAX,
  SMP_VERSION_MIN,
  parseSmpServer,
} from '@simplex-ts/smp'
import { nodeConnect } from '@simplex-ts/smp/node'
import { ConformanceAssertionError } from './assert'
import type { ConformanceCase } from './case'
import { commandCases } from './cases/commands'
import { deliveryCases } from './cases/delivery'
import { errorCases } from './cases/errors'
import { burstCase, lifecycleCases } from './cases/lifecycle'
import { notificationCases } from './cases/notifications'
import { restartCases } from './cases/restart'
import { type ConformanceControl, ContextFactory } from './context'

/** Every case of the suite, in the order they run. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = Object.freeze([
  ...commandCases,
  ...deliveryCases,
  ...lifecycleCases,
  ...errorCases,
  ...notificationCases,
  ...restartCases,
  burstCase,
])

/** Reference production per-queue quota (`msgQueueQuota`). */
export const DEFAULT_QUOTA = 128

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** The relay: `smp://<keyHash>@<host>:<port>` or its parsed form. */
  readonly server: SmpServer | string
  /** SMP versions to test (default 1, 2, 3, 4). */
  readonly versions?: readonly SmpVersion[]
  /** Relay-side control; without it the cases that need it are skipped. */
  readonly control?: ConformanceControl
  /** Connector (default TLS, WebSocket-in-TLS on port 80). */
  readonly connect?: SmpConnect
  /** Crypto provider (default: the platform's). */
  readonly crypto?: CryptoProvider
  /** The relay's per-queue quota (default 128, the reference's). */
  readonly quota?: number
  /** How long to wait for any one response (default 5000 ms). */
  readonly timeoutMs?: number
  /** How long one case may take in all (default 30 s). */
  readonly caseTimeoutMs?: number
  /** Run only the cases whose name this accepts. */
  readonly filter?: (name: string) => boolean
  /** Called with each result as soon as it is known. */
  readonly onResult?: (result: ConformanceResult) => void
}

/** The outcome of one case at one version. */
export interface ConformanceResult {
  /** The case name. */
  readonly name: string
  /** The spec section it checks. */
  readonly spec: string
  /** The SMP version. */
  readonly version: SmpVersion
  /** Outcome. */
  readonly status: 'passed' | 'failed' | 'skipped'
  /** Why it failed. */
  readonly error?: Error
  /** Why it was skipped. */
  readonly reason?: string
  /** Wall time. */
  readonly durationMs: number
}

/** The outcome of a run. */
export interface ConformanceReport {
  /** Cases passed. */
  readonly passed: number
  /** Cases failed. */
  readonly failed: number
  /** Cases skipped (relay control unavailable). */
  readonly skipped: number
  /** Every result, in run order. */
  readonly results: readonly ConformanceResult[]
}

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ConformanceAssertionError(`${what} did not finish within ${ms} ms`)),
      ms,
    )
  })
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}

/**
 * Run the conformance suite against a relay.
 * Never throws for relay misbehaviour: every deviation is a failed result.
 * @throws DecodeError when `server` is not a valid address.
 * @see ../shared/spec/smp.md
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const server = typeof options.server === 'string' ? parseSmpServer(options.server) : options.server
  const versions =
    options.versions ?? ([SMP_VERSION_MIN, 2, 3, SMP_VERSION_MAX] as const satisfies readonly SmpVersion[])
  const factory = new ContextFactory({
    server,
    crypto: options.crypto ?? defaultCrypto(),
    connect: options.connect ?? nodeConnect,
    quota: options.quota ?? DEFAULT_QUOTA,
    control: options.control,
    timeoutMs: options.timeoutMs ?? 5000,
  })
  const caseTimeoutMs = options.caseTimeoutMs ?? 30_000
  const results: ConformanceResult[] = []
  const report = (r: ConformanceResult): void => {
    results.push(r)
    options.onResult?.(r)
  }
  for (const version of versions) {
    for (const c of CONFORMANCE_CASES) {
      if (options.filter && !options.filter(c.name)) continue
      if (c.versions && !c.versions.includes(version)) continue
      const base = { name: c.name, spec: c.spec, version }
      if (c.needsControl && options.control === undefined) {
        report({ ...base, status: 'skipped', reason: 'needs relay control (restart)', durationMs: 0 })
        continue
      }
      const started = performance.now()
      const { ctx, release } = factory.create(version)
      let error: Error | undefined
      try {
        await withDeadline(c.run(ctx), caseTimeoutMs, 'the case')
      } catch (e) {
        error = e instanceof Error ? e : new ConformanceAssertionError(String(e))
      }
      await withDeadline(release(), caseTimeoutMs, 'cleanup').catch(() => {})
      const durationMs = performance.now() - started
      report(
        error ? { ...base, status: 'failed', error, durationMs } : { ...base, status: 'passed', durationMs },
      )
    }
  }
  const count = (s: ConformanceResult['status']): number => results.filter((r) => r.status === s).length
  return { passed: count('passed'), failed: count('failed'), skipped: count('skipped'), results }
}

/** One human-readable line for a result. */
export function formatResult(r: ConformanceResult): string {
  const head = `v${r.version} ${r.name}`
  switch (r.status) {
    case 'passed':
      return `✓ ${head} (${Math.round(r.durationMs)} ms)`
    case 'skipped':
      return `- ${head} — skipped: ${r.reason ?? ''}`
    case 'failed': {
      const code = (r.error as { code?: unknown } | undefined)?.code
      return `✗ ${head} — ${typeof code === 'string' ? `${code}: ` : ''}${r.error?.message ?? 'failed'} [${r.spec}]`
    }
  }
}
