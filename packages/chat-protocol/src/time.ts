/**
 * Timestamps (`sentAt` of a quote reference) as the reference's aeson reads
 * and writes `UTCTime`: picosecond precision, written as
 * `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with trailing zeros of the fraction
 * dropped (no fraction at all for whole seconds).
 *
 * @see ../shared/spec/chat.md §2.2
 */
import { ChatEncodeError } from './errors'

/**
 * A UTC instant with the reference's precision.
 *
 * A leap second (`23:59:60`, which the reference can hold) is folded into the
 * first second of the next day.
 */
export interface UtcTime {
  /** Whole seconds since 1970-01-01T00:00:00Z, leap seconds not counted (a safe integer, may be negative). */
  readonly seconds: number
  /** The fraction of the second in picoseconds, an integer in [0, 10^12). */
  readonly picos: number
}

const PICOS = 1_000_000_000_000
const DAY = 86_400
/** Beyond this the seconds count would leave the safe-integer range. */
const MAX_YEAR = 100_000_000

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146_097 + doe - 719_468
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d]
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

function monthLength(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

/** Outcome of {@link readUtcTime}: the time, or why the reference would reject (`INVALID`) or we cannot hold it (`RANGE`). */
export type UtcTimeReadResult =
  | { readonly ok: true; readonly time: UtcTime }
  | { readonly ok: false; readonly reason: 'INVALID' | 'RANGE'; readonly message: string }

const TIME_RE =
  /^([+-]?)([0-9]+)-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)? ?(?:(Z)|([+-])([0-9]{2})(?::?([0-9]{2}))?)$/

/**
 * Read a timestamp as the reference's `UTCTime` parser does: optional sign
 * and any number of year digits, `T` or space before the time, optional
 * seconds and fraction (digits past the 12th ignored), then `Z` or an offset
 * `±HH`, `±HHMM` or `±HH:MM` (within −12:00..+14:00), optionally after one space.
 */
export function readUtcTime(text: string): UtcTimeReadResult {
  const m = TIME_RE.exec(text)
  const invalid = (message: string): UtcTimeReadResult => ({ ok: false, reason: 'INVALID', message })
  if (!m) return invalid(`could not parse date: ${JSON.stringify(text)}`)
  const yearDigits = m[2]!.replace(/^0+(?=.)/, '')
  if (yearDigits.length > 9 || Number(yearDigits) > MAX_YEAR) {
    return { ok: false, reason: 'RANGE', message: `year ${m[1]}${m[2]} is out of the supported range` }
  }
  const year = (m[1] === '-' ? -1 : 1) * Number(yearDigits)
  const month = Number(m[3])
  const day = Number(m[4])
  if (month < 1 || month > 12 || day < 1 || day > monthLength(year, month)) return invalid('invalid date')
  const hh = Number(m[5])
  const mm = Number(m[6])
  const ss = m[7] === undefined ? 0 : Number(m[7])
  const frac = m[8] ?? ''
  const picos = frac === '' ? 0 : Number(frac.slice(0, 12).padEnd(12, '0'))
  if (hh >= 24 || mm >= 60 || ss >= 61) return invalid('invalid time')
  let offset = 0
  if (m[9] === undefined) {
    const oh = Number(m[11])
    const om = m[12] === undefined ? 0 : Number(m[12])
    offset = (m[10] === '-' ? -1 : 1) * (oh * 60 + om)
    if (offset !== 0 && (offset < -720 || offset > 840 || om > 59)) return invalid('invalid time zone offset')
  }
  const seconds = daysFromCivil(year, month, day) * DAY + hh * 3600 + mm * 60 + ss - offset * 60
  return { ok: true, time: { seconds, picos } }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

/**
 * Write a timestamp exactly as the reference does (`2022-07-22T10:11:12.345Z`).
 * @throws ChatEncodeError when `t` is not a valid {@link UtcTime}.
 */
export function formatUtcTime(t: UtcTime): string {
  checkUtcTime(t)
  const days = Math.floor(t.seconds / DAY)
  const sod = t.seconds - days * DAY
  const [y, mo, d] = civilFromDays(days)
  const year = y >= 1000 ? String(y) : y >= 0 ? pad(y, 4) : y >= -999 ? `-${pad(-y, 4)}` : String(y)
  let out = `${year}-${pad(mo, 2)}-${pad(d, 2)}T${pad(Math.floor(sod / 3600), 2)}:${pad(Math.floor(sod / 60) % 60, 2)}:${pad(sod % 60, 2)}`
  if (t.picos !== 0) out += `.${pad(t.picos, 12).replace(/0+$/, '')}`
  return `${out}Z`
}

/** @throws ChatEncodeError when `t` is not a valid {@link UtcTime}. */
export function checkUtcTime(t: UtcTime): void {
  if (
    !Number.isSafeInteger(t.seconds) ||
    Math.abs(t.seconds) > MAX_YEAR * 366 * DAY ||
    !Number.isInteger(t.picos) ||
    t.picos < 0 ||
    t.picos >= PICOS
  ) {
    throw new ChatEncodeError(`invalid UtcTime {seconds: ${t.seconds}, picos: ${t.picos}}`)
  }
}

/**
 * The instant of a `Date` (millisecond precision).
 * @throws ChatEncodeError for an invalid `Date`.
 */
export function utcTimeFromDate(date: Date): UtcTime {
  const ms = date.getTime()
  if (!Number.isFinite(ms)) throw new ChatEncodeError('invalid Date')
  const seconds = Math.floor(ms / 1000)
  return { seconds, picos: (ms - seconds * 1000) * 1_000_000_000 }
}

/** A `Date` for the instant, truncated to milliseconds (a `Date` holds no more). */
export function utcTimeToDate(t: UtcTime): Date {
  return new Date(t.seconds * 1000 + Math.floor(t.picos / 1_000_000_000))
}
