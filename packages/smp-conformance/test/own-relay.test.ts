// The whole conformance suite against our relay, in every SMP version, with relay control.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatResult, runConformance } from '../src/index'
import { type TestRelay, startTestRelay } from './relay'

let relay: TestRelay

beforeAll(async () => {
  relay = await startTestRelay()
})
afterAll(async () => {
  await relay?.close()
})

describe('conformance suite against our relay', () => {
  it('passes every case in SMP v1, v2, v3 and v4', { timeout: 120_000 }, async () => {
    const report = await runConformance({
      server: relay.address,
      control: { restart: () => relay.restart() },
    })
    const failures = report.results.filter((r) => r.status !== 'passed').map(formatResult)
    expect(failures).toEqual([])
    expect(report.failed).toBe(0)
    expect(report.skipped).toBe(0)
    expect(report.passed).toBeGreaterThan(100)
  })
})
