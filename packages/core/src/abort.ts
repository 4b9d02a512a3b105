/**
 * Waiting with an `AbortSignal`, as the agent and the chat client offer it on
 * their commands: an abort before the start means the operation never runs;
 * once started it runs to its end (so stored state stays consistent) and only
 * the caller stops waiting.
 */

/**
 * Run `op` unless `signal` is already aborted, and stop waiting for it (reject
 * with `signal.reason`) when `signal` aborts; without a signal, just `op()`.
 */
export function abortable<T>(signal: AbortSignal | undefined, op: () => Promise<T>): Promise<T> {
  if (signal === undefined) return op()
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    op().then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}
