import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SortedMap } from '../src/sorted-map'

const keyArb = fc.string({
  unit: fc.constantFrom('\u0000', '\u0001', '\u007f', '\u0080', '\u00ff'),
  maxLength: 6,
})

describe('SortedMap (memory adapter and overlays)', () => {
  it('matches a sorted-array model across chunk splits and merges', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), keyArb), { minLength: 2000, maxLength: 4000 }),
        fc.array(fc.tuple(fc.option(keyArb), fc.boolean(), fc.option(keyArb), fc.boolean(), fc.boolean()), {
          minLength: 20,
          maxLength: 20,
        }),
        (ops, queries) => {
          const m = new SortedMap<number>()
          const model = new Map<string, number>()
          ops.forEach(([del, k], i) => {
            if (del) expect(m.delete(k)).toBe(model.delete(k))
            else {
              m.set(k, i)
              model.set(k, i)
            }
          })
          expect(m.size).toBe(model.size)
          const sorted = [...model.keys()].sort()
          for (const k of sorted.slice(0, 50)) expect(m.get(k)).toBe(model.get(k))
          for (const [lo, loOpen, hi, hiOpen, rev] of queries) {
            const want = sorted.filter(
              (k) =>
                (lo === null || k > lo || (!loOpen && k === lo)) &&
                (hi === null || k < hi || (!hiOpen && k === hi)),
            )
            if (rev) want.reverse()
            const got = [...m.entries(lo ?? undefined, loOpen, hi ?? undefined, hiOpen, rev)].map(([k]) => k)
            expect(got).toEqual(want)
          }
        },
      ),
      { numRuns: 30 },
    )
  })

  it('holds 100,000 sequential and random inserts', () => {
    const m = new SortedMap<number>()
    for (let i = 0; i < 100_000; i++) m.set(String(i).padStart(6, '0'), i)
    for (let i = 0; i < 100_000; i += 3) m.delete(String(i).padStart(6, '0'))
    const keys = [...m.entries(undefined, false, undefined, false, false)].map(([k]) => k)
    expect(keys.length).toBe(100_000 - 33_334)
    expect([...keys].sort()).toEqual(keys)
  })
})
