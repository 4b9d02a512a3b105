import { describe, expect, it } from 'vitest'
import { EventHub } from '../src/index'

type Ev = { type: 'a'; n: number } | { type: 'b'; s: string }

describe('EventHub', () => {
  it('delivers to typed listeners and to iterators that buffer from their creation', async () => {
    const hub = new EventHub<Ev>()
    const as: number[] = []
    const stop = hub.on('a', (e) => as.push(e.n))
    const it = hub.iterate()
    hub.emit({ type: 'a', n: 1 })
    hub.emit({ type: 'b', s: 'x' })
    stop()
    hub.emit({ type: 'a', n: 2 })
    hub.end()
    hub.emit({ type: 'a', n: 3 }) // after end: nothing
    const seen: Ev[] = []
    for await (const e of it) seen.push(e)
    expect(as).toEqual([1])
    expect(seen).toEqual([
      { type: 'a', n: 1 },
      { type: 'b', s: 'x' },
      { type: 'a', n: 2 },
    ])
  })

  it('ends an iterator when its signal aborts, and a throwing listener does not stop the others', async () => {
    const hub = new EventHub<Ev>()
    const ac = new AbortController()
    const it = hub.iterate(ac.signal)
    const errors: unknown[] = []
    const onError = (e: unknown) => errors.push(e)
    process.on('uncaughtException', onError)
    try {
      hub.onAny(() => {
        throw new Error('listener bug')
      })
      const got: Ev[] = []
      hub.onAny((e) => got.push(e))
      hub.emit({ type: 'b', s: 'y' })
      await new Promise((r) => setTimeout(r, 0))
      expect(got).toEqual([{ type: 'b', s: 'y' }])
      expect(errors).toHaveLength(1)
      const first = await it.next()
      expect(first).toEqual({ value: { type: 'b', s: 'y' }, done: false })
      const pending = it.next()
      ac.abort()
      expect(await pending).toEqual({ value: undefined, done: true })
    } finally {
      process.off('uncaughtException', onError)
    }
  })
})
