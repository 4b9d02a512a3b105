import { describe, expect, it } from 'vitest'
import { SMP_PING_INTERVAL_MS, startKeepAlive } from '../src/index'

describe('keep-alive', () => {
  it('uses the reference interval of 600 s', () => {
    expect(SMP_PING_INTERVAL_MS).toBe(600_000)
  })

  it('pings on schedule, reports failures without stopping, and stops on stop() or abort', async () => {
    let pings = 0
    const errors: unknown[] = []
    const ac = new AbortController()
    startKeepAlive(
      () => {
        pings++
        if (pings === 2) throw new Error('send failed')
        if (pings === 3) return Promise.reject(new Error('async failure'))
      },
      { intervalMs: 10, signal: ac.signal, onError: (e) => errors.push(e) },
    )
    await new Promise((r) => setTimeout(r, 80))
    ac.abort()
    const after = pings
    expect(after).toBeGreaterThanOrEqual(4)
    expect(errors).toHaveLength(2)
    await new Promise((r) => setTimeout(r, 40))
    expect(pings).toBe(after)

    let n = 0
    const k = startKeepAlive(() => n++, { intervalMs: 5 })
    await new Promise((r) => setTimeout(r, 30))
    k.stop()
    const m = n
    await new Promise((r) => setTimeout(r, 30))
    expect(n).toBe(m)
    expect(m).toBeGreaterThan(0)
  })
})
