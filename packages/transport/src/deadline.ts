/**
 * Deadlines for connection setup: a timeout and an `AbortSignal` around the
 * connect + TLS + hello sequence (the reference's `tcpTimeout`, 5 s).
 *
 * @see ../shared/spec/transport.md §10
 */
import { ConnectionClosedError, NetworkError, TransportError, TransportTimeoutError } from './errors'

/** Connect + TLS + hello handshake timeout of the reference client (`tcpTimeout`, 5 s). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000

/**
 * Run `work` under a timeout and abort signal; on failure call `abort` and rethrow a typed error.
 * @throws TransportTimeoutError, ConnectionClosedError (aborted), the error of `work`, or NetworkError wrapping an untyped one.
 */
export async function withTimeout<T>(
  abort: () => void,
  options: { readonly timeoutMs?: number; readonly signal?: AbortSignal },
  work: () => Promise<T>,
): Promise<T> {
  const ms = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  let timer: ReturnType<typeof setTimeout> | undefined
  let onAbort: (() => void) | undefined
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TransportTimeoutError(`connection not established within ${ms} ms`)),
      ms,
    )
    if (options.signal) {
      onAbort = () =>
        reject(new ConnectionClosedError('connection attempt aborted', { cause: options.signal?.reason }))
      if (options.signal.aborted) onAbort()
      else options.signal.addEventListener('abort', onAbort, { once: true })
    }
  })
  try {
    return await Promise.race([work(), stop])
  } catch (e) {
    abort()
    if (e instanceof TransportError) throw e
    throw new NetworkError(`connection failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  } finally {
    clearTimeout(timer)
    if (onAbort) options.signal?.removeEventListener('abort', onAbort)
  }
}
