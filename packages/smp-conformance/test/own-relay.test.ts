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

describe('conformance suite detects deviations', () => {
  it('fails the quota case against a relay with another quota, and skips restart cases without control', async () => {
    const other = await startTestRelay({ quota: 8 })
    try {
      const report = await runConformance({
        server: other.address,
        versions: [4],
        filter: (name) => name.includes('quota') || name.startsWith('restart') || name.startsWith('PING'),
      })
      const byName = new Map(report.results.map((r) => [r.name, r]))
      const quota = [...byName.values()].find((r) => r.name.includes('quota'))
      expect(quota?.status).toBe('failed')
      expect(quota?.error).toMatchObject({ code: 'ASSERTION' })
      expect(quota?.error?.message).toContain('QUOTA')
      expect(report.results.filter((r) => r.name.startsWith('restart')).map((r) => r.status)).toEqual([
        'skipped',
        'skipped',
        'skipped',
      ])
      expect(report).toMatchObject({ passed: 1, failed: 1, skipped: 3 })
      // and passes it when told the relay's quota
      const told = await runConformance({
        server: other.address,
        versions: [4],
        quota: 8,
        filter: (name) => name.includes('quota'),
      })
      expect(told).toMatchObject({ passed: 1, failed: 0 })
    } finally {
      await other.close()
    }
  })

  it('fails the NEW cases against a relay that refuses queue creation', async () => {
    const closed = await startTestRelay({ allowNewQueues: false })
    try {
      const report = await runConformance({
        server: closed.address,
        versions: [3],
        filter: (name) => name.startsWith('NEW is answered'),
      })
      expect(report.failed).toBe(1)
      expect(report.results[0]?.error?.message).toContain('expected IDS, got ERR AUTH')
    } finally {
      await closed.close()
    }
  })
})
