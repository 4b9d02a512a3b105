/**
 * Keep-alive: the reference client sends an unsigned `PING` every 600 s (its
 * answer is ignored) to keep NATs and idle timeouts from dropping the
 * connection; the server never pings. Building the `PING` transmission is the
 * SMP layer's job; this schedules it.
 *
 * @see ../shared/spec/transport.md §10
 */

/** The reference client's `PING` interval (`smpPing`, 600 s). */
export const SMP_PING_INTERVAL_MS = 600_000

/** A running keep-alive. */
export interface KeepAlive {
  /** Stop sending; idempotent. */
  stop(): void
}

/**
 * Call `ping` every `intervalMs` until stopped or until `signal` aborts. The
 * timer does not keep a Node process alive. A failing ping is reported to
 * `onError` and does not stop the schedule (the connection's own end does).
 */
export function startKeepAlive(
  ping: () => unknown,
  options: {
    readonly intervalMs?: number
    readonly signal?: AbortSignal
    readonly onError?: (error: unknown) => void
  } = {},
): KeepAlive {
  const intervalMs = options.intervalMs ?? SMP_PING_INTERVAL_MS
  const timer = setInterval(() => {
    try {
      Promise.resolve(ping()).catch((e: unknown) => options.onError?.(e))
    } catch (e) {
      options.onError?.(e)
    }
  }, intervalMs)
  ;(timer as { unref?: () => void }).unref?.()
  const stop = (): void => clearInterval(timer)
  options.signal?.addEventListener('abort', stop, { once: true })
  return { stop }
}
