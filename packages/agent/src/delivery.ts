/**
 * Delivery policy: the retry interval and what each relay error means for
 * each kind of stored message.
 *
 * @see ../shared/spec/agent.md §10.1, §11
 */
import { isSimplexError } from '@simplex-ts/core'
import { SmpProtocolError } from '@simplex-ts/smp'
import type { PendingKind } from './connection'

/**
 * The retry interval (`withRetryInterval`): `initialMs` until `increaseAfterMs` of waiting in
 * total, then ×`factor` per retry up to `maxMs`. Reference defaults: 1 s, 10 s, ×1.5, 10 s.
 * @see ../shared/spec/agent.md §10.1
 */
export interface RetryInterval {
  readonly initialMs: number
  readonly increaseAfterMs: number
  readonly maxMs: number
  readonly factor: number
}

/**
 * The v3.1 agent's retry interval.
 * @see ../shared/spec/agent.md §11
 */
export const DEFAULT_RETRY_INTERVAL: RetryInterval = Object.freeze({
  initialMs: 1000,
  increaseAfterMs: 10_000,
  maxMs: 10_000,
  factor: 1.5,
})

/** Successive delays of a {@link RetryInterval}. */
export class Backoff {
  readonly #ri: RetryInterval
  #elapsed = 0
  #delay: number

  constructor(ri: RetryInterval) {
    this.#ri = ri
    this.#delay = ri.initialMs
  }

  /** The next delay (and advance). */
  next(): number {
    const d = this.#delay
    this.#elapsed += d
    if (this.#elapsed >= this.#ri.increaseAfterMs) {
      this.#delay = Math.min(this.#ri.maxMs, this.#delay * this.#ri.factor)
    }
    return d
  }

  reset(): void {
    this.#elapsed = 0
    this.#delay = this.#ri.initialMs
  }
}

/** What to do after a failed `SEND`. */
export type SendVerdict =
  | { readonly action: 'retry'; readonly report: boolean }
  | { readonly action: 'drop'; readonly notAvailable: boolean }
  | { readonly action: 'hello-auth' }

/**
 * Classify a `SEND` failure per the §10.1 table: AUTH/QUOTA on a confirmation drop it (`CONN
 * NOT_AVAILABLE`); AUTH on a HELLO is decided by the caller (v1 retries until the HELLO timeout);
 * AUTH on REPLY / A_MSG drops; QUOTA elsewhere retries; `CMD …` and `LARGE_MSG` drop; other relay
 * errors are reported and retried; network loss and timeouts retry silently.
 * @see ../shared/spec/agent.md §10.1
 */
export function classifySendError(kind: PendingKind, error: unknown): SendVerdict {
  if (error instanceof SmpProtocolError) {
    const code = error.code
    if (code === 'AUTH') {
      if (kind === 'confirmation') return { action: 'drop', notAvailable: true }
      if (kind === 'hello') return { action: 'hello-auth' }
      return { action: 'drop', notAvailable: false }
    }
    if (code === 'QUOTA') {
      return kind === 'confirmation'
        ? { action: 'drop', notAvailable: true }
        : { action: 'retry', report: false }
    }
    if (code.startsWith('CMD') || code === 'LARGE_MSG') return { action: 'drop', notAvailable: false }
    return { action: 'retry', report: true }
  }
  if (isSimplexError(error) && !error.retriable && error.layer !== 'transport' && error.layer !== 'smp') {
    // a local failure (e.g. encoding) will not improve by retrying
    return { action: 'drop', notAvailable: false }
  }
  return { action: 'retry', report: false }
}
