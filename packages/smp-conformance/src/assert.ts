/**
 * Assertions of the conformance cases: each failure is a typed error whose
 * message says what the relay did instead of what the spec requires.
 */
import { SimplexError, equalBytes, toHex } from '@simplex-ts/core'
import type { ErrorType, Response } from '@simplex-ts/smp'
import type { RawReceived } from './raw'

/** A relay did not behave as a conformance case requires. */
export class ConformanceAssertionError extends SimplexError {
  override readonly code = 'ASSERTION'
  override readonly layer = 'conformance'
}

/**
 * Fail unless `cond` holds.
 * @throws ConformanceAssertionError with `message`.
 */
export function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new ConformanceAssertionError(message)
}

function describe(r: RawReceived): string {
  return r.response.type === 'ERR' ? `ERR ${r.response.error}` : r.response.type
}

/**
 * The response, narrowed to `type`.
 * @throws ConformanceAssertionError when it is another message.
 */
export function expectResponse<T extends Response['type']>(
  r: RawReceived,
  type: T,
  context = '',
): Extract<Response, { type: T }> {
  if (r.response.type !== type)
    throw new ConformanceAssertionError(
      `${context ? `${context}: ` : ''}expected ${type}, got ${describe(r)}`,
    )
  return r.response as Extract<Response, { type: T }>
}

/**
 * Fail unless the response is `ERR <error>`.
 * @throws ConformanceAssertionError
 */
export function expectError(r: RawReceived, error: ErrorType, context = ''): void {
  if (r.response.type !== 'ERR' || r.response.error !== error)
    throw new ConformanceAssertionError(
      `${context ? `${context}: ` : ''}expected ERR ${error}, got ${describe(r)}`,
    )
}

/**
 * Fail unless two byte strings are equal.
 * @throws ConformanceAssertionError showing both in hex (ids only: never keys or secrets).
 */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (!equalBytes(actual, expected))
    throw new ConformanceAssertionError(`${what}: expected ${toHex(expected)}, got ${toHex(actual)}`)
}
