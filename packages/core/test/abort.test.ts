import { describe, expect, it } from 'vitest'
import { abortable } from '../src/index'

describe('abortable', () => {
  it('runs the operation without a signal, and passes its result or error through', async () => {
    await expect(abortable(undefined, async () => 7)).resolves.toBe(7)
    await expect(
      abortable(new AbortController().signal, () => Promise.reject(new Error('x'))),
    ).rejects.toThrow('x')
  })

  it('never starts the operation once aborted', async () => {
    const c = new AbortController()
    c.abort(new Error('stop'))
    let ran = false
    await expect(
      abortable(c.signal, async () => {
        ran = true
      }),
    ).rejects.toThrow('stop')
    expect(ran).toBe(false)
  })

  it('stops waiting on abort while the started operation runs to its end', async () => {
    const c = new AbortController()
    let finish!: (v: number) => void
    let done = false
    const op = new Promise<number>((r) => (finish = r)).then((v) => {
      done = true
      return v
    })
    const waiting = abortable(c.signal, () => op)
    c.abort(new Error('gave up'))
    await expect(waiting).rejects.toThrow('gave up')
    finish(1)
    await expect(op).resolves.toBe(1)
    expect(done).toBe(true)
  })
})
