/**
 * Protocol versions and version ranges, and the negotiation every layer uses:
 * the highest version both ranges contain.
 *
 * @see ../shared/spec/transport.md §9
 */
import { VersionIncompatibleError } from './errors'

/** An inclusive range of protocol versions, `min ≤ max`. */
export interface VersionRange {
  /** Lowest supported version. */
  readonly min: number
  /** Highest supported version. */
  readonly max: number
}

/**
 * Make a version range.
 * @throws RangeError when the bounds are not u16 integers with `min ≤ max`.
 */
export function versionRange(min: number, max: number = min): VersionRange {
  for (const v of [min, max]) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`version ${v} is not a u16`)
  }
  if (min > max) throw new RangeError(`invalid version range ${min}-${max}`)
  return { min, max }
}

/** Whether `v` lies within `r`. */
export function isInRange(r: VersionRange, v: number): boolean {
  return r.min <= v && v <= r.max
}

/**
 * The highest version contained in both ranges, or `undefined` when they do not
 * overlap (the reference's `compatibleVersion`).
 */
export function compatibleVersion(a: VersionRange, b: VersionRange): number | undefined {
  const lo = Math.max(a.min, b.min)
  const hi = Math.min(a.max, b.max)
  return lo <= hi ? hi : undefined
}

/**
 * Negotiate the highest common version.
 * @param what names the protocol in the error message, e.g. `SMP`.
 * @throws VersionIncompatibleError when the ranges do not overlap.
 */
export function negotiateVersion(ours: VersionRange, theirs: VersionRange, what = 'protocol'): number {
  const v = compatibleVersion(ours, theirs)
  if (v === undefined) {
    throw new VersionIncompatibleError(
      `no common ${what} version: ours ${formatVersionRange(ours)}, theirs ${formatVersionRange(theirs)}`,
    )
  }
  return v
}

/** Text form of a range: `"1-4"`, or `"2"` when `min = max`. */
export function formatVersionRange(r: VersionRange): string {
  return r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`
}
