import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ChatEncodeError,
  type UtcTime,
  formatUtcTime,
  readUtcTime,
  utcTimeFromDate,
  utcTimeToDate,
} from '../src/index'

const RUNS = { numRuns: 10_000 }

function read(text: string): UtcTime {
  const r = readUtcTime(text)
  if (!r.ok) throw new Error(`${text}: ${r.message}`)
  return r.time
}

const canonical = (text: string) => formatUtcTime(read(text))

describe('formatUtcTime (aeson UTCTime rendering)', () => {
  it('drops a zero fraction and trailing zeros, keeps up to 12 digits', () => {
    expect(canonical('2022-07-22T10:11:12Z')).toBe('2022-07-22T10:11:12Z')
    expect(canonical('2022-07-22T10:11:12.000Z')).toBe('2022-07-22T10:11:12Z')
    expect(canonical('2022-07-22T10:11:12.345Z')).toBe('2022-07-22T10:11:12.345Z')
    expect(canonical('2022-07-22T10:11:12.3450Z')).toBe('2022-07-22T10:11:12.345Z')
    expect(canonical('2022-07-25T10:38:46.123456Z')).toBe('2022-07-25T10:38:46.123456Z')
    expect(canonical('2022-07-25T10:38:46.000001Z')).toBe('2022-07-25T10:38:46.000001Z')
    expect(canonical('2022-07-25T10:38:46.000000000001Z')).toBe('2022-07-25T10:38:46.000000000001Z')
    expect(canonical('2022-07-25T10:38:46.1234567890129Z')).toBe('2022-07-25T10:38:46.123456789012Z')
  })

  it('writes years as the reference does', () => {
    expect(canonical('0999-01-01T00:00:00Z')).toBe('0999-01-01T00:00:00Z')
    expect(canonical('0000-01-01T00:00:00Z')).toBe('0000-01-01T00:00:00Z')
    expect(canonical('-0001-12-31T23:59:59Z')).toBe('-0001-12-31T23:59:59Z')
    expect(canonical('-12345-03-01T00:00:00Z')).toBe('-12345-03-01T00:00:00Z')
    expect(canonical('+12345-03-01T00:00:00Z')).toBe('12345-03-01T00:00:00Z')
    expect(canonical('1970-01-01T00:00:00Z')).toBe('1970-01-01T00:00:00Z')
    expect(read('1970-01-01T00:00:00Z')).toEqual({ seconds: 0, picos: 0 })
  })

  it('accepts the reference input variants', () => {
    expect(canonical('2022-07-22 10:11Z')).toBe('2022-07-22T10:11:00Z')
    expect(canonical('2022-07-22T10:11:12 Z')).toBe('2022-07-22T10:11:12Z')
    expect(canonical('2022-07-22T10:11:12+02:00')).toBe('2022-07-22T08:11:12Z')
    expect(canonical('2022-07-22T10:11:12+0200')).toBe('2022-07-22T08:11:12Z')
    expect(canonical('2022-07-22T10:11:12-05')).toBe('2022-07-22T15:11:12Z')
    expect(canonical('2022-07-22T10:11:12-00:00')).toBe('2022-07-22T10:11:12Z')
    expect(canonical('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00Z')
    // a leap second folds into the next day
    expect(canonical('2016-12-31T23:59:60.5Z')).toBe('2017-01-01T00:00:00.5Z')
  })

  it('rejects what the reference rejects', () => {
    for (const bad of [
      '2022-07-22T10:11:12',
      '2022-07-22',
      '2022-7-22T10:11:12Z',
      '2022-07-22t10:11:12Z',
      '2022-02-29T00:00:00Z',
      '2022-13-01T00:00:00Z',
      '2022-00-01T00:00:00Z',
      '2022-07-00T00:00:00Z',
      '2022-07-22T24:00:00Z',
      '2022-07-22T10:60:00Z',
      '2022-07-22T10:11:61Z',
      '2022-07-22T10:11:12.Z',
      '2022-07-22T10:11:12+15:00',
      '2022-07-22T10:11:12+01:60',
      '2022-07-22T10:11:12+1',
      '2022-07-22T10:11:12Z ',
      '2022-07-22T10:11:12  Z',
      '٢٠٢٢-07-22T10:11:12Z',
    ]) {
      const r = readUtcTime(bad)
      expect(r.ok, bad).toBe(false)
      if (!r.ok) expect(r.reason, bad).toBe('INVALID')
    }
    const far = readUtcTime('1000000000-01-01T00:00:00Z')
    expect(far.ok || far.reason).toBe('RANGE')
  })

  it('refuses invalid values', () => {
    expect(() => formatUtcTime({ seconds: 1.5, picos: 0 })).toThrow(ChatEncodeError)
    expect(() => formatUtcTime({ seconds: 0, picos: 1e12 })).toThrow(ChatEncodeError)
    expect(() => formatUtcTime({ seconds: 0, picos: -1 })).toThrow(ChatEncodeError)
    expect(() => utcTimeFromDate(new Date(Number.NaN))).toThrow(ChatEncodeError)
  })

  it('agrees with Date for every millisecond instant', () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), (d) => {
        const t = utcTimeFromDate(d)
        expect(utcTimeToDate(t).getTime()).toBe(d.getTime())
        const iso = d.toISOString()
        // Date writes years outside 0000..9999 with six digits and a sign; the reference does not
        if (d.getUTCFullYear() >= 0 && d.getUTCFullYear() <= 9999) {
          const expected = iso.replace(/\.000Z$/, 'Z').replace(/(\.\d*?)0+Z$/, '$1Z')
          expect(formatUtcTime(t)).toBe(expected)
        }
        expect(read(formatUtcTime(t))).toEqual(t)
      }),
      RUNS,
    )
  })

  it('round-trips picosecond instants across the supported range', () => {
    const time = fc.record({
      seconds: fc.integer({ min: -3_000_000_000_000_000, max: 3_000_000_000_000_000 }),
      picos: fc.integer({ min: 0, max: 999_999_999_999 }),
    })
    fc.assert(
      fc.property(time, (t) => {
        expect(read(formatUtcTime(t))).toEqual(t)
      }),
      RUNS,
    )
  })
})
