/**
 * One typed event stream per long-lived object: `on(type, fn)` listeners and
 * any number of async iterators, each iterator buffering from its creation
 * until it is read. Shared by the SMP client, the agent and the chat client.
 */

type Listener<E> = (event: E) => void

/**
 * Fan-out of events to listeners and to async iterators. A listener that
 * throws never breaks the emitter (the error is rethrown in a microtask).
 */
export class EventHub<E extends { readonly type: string }> {
  readonly #listeners = new Set<Listener<E>>()
  readonly #enders = new Set<() => void>()
  #ended = false

  /** Deliver one event to every listener and iterator (nothing after {@link EventHub.end}). */
  emit(event: E): void {
    if (this.#ended) return
    for (const l of [...this.#listeners]) {
      try {
        l(event)
      } catch (e) {
        // a listener's bug must not break the emitter's processing loop
        queueMicrotask(() => {
          throw e
        })
      }
    }
  }

  /** Call `fn` for every event of `type`; returns the function that stops it. */
  on<T extends E['type']>(type: T, fn: (event: Extract<E, { type: T }>) => void): () => void {
    const l: Listener<E> = (e) => {
      if (e.type === type) fn(e as Extract<E, { type: T }>)
    }
    this.#listeners.add(l)
    return () => this.#listeners.delete(l)
  }

  /** Call `fn` for every event; returns the function that stops it. */
  onAny(fn: (event: E) => void): () => void {
    this.#listeners.add(fn)
    return () => this.#listeners.delete(fn)
  }

  /** An iterator over every event from now on; it ends on {@link EventHub.end}, on `return()`, or when `signal` aborts. */
  iterate(signal?: AbortSignal): AsyncIterableIterator<E> {
    const buffer: E[] = []
    let wake: ((r: IteratorResult<E, undefined>) => void) | undefined
    let done = this.#ended
    const listener: Listener<E> = (e) => {
      if (wake) {
        const w = wake
        wake = undefined
        w({ value: e, done: false })
      } else buffer.push(e)
    }
    const finish = (): void => {
      done = true
      this.#listeners.delete(listener)
      this.#enders.delete(finish)
      signal?.removeEventListener('abort', finish)
      if (wake) {
        const w = wake
        wake = undefined
        w({ value: undefined, done: true })
      }
    }
    if (!done) {
      this.#listeners.add(listener)
      this.#enders.add(finish)
      if (signal?.aborted) finish()
      else signal?.addEventListener('abort', finish, { once: true })
    }
    const it: AsyncIterableIterator<E> = {
      next: () => {
        const e = buffer.shift()
        if (e !== undefined) return Promise.resolve({ value: e, done: false })
        if (done) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve) => {
          wake = resolve
        })
      },
      return: () => {
        buffer.length = 0
        finish()
        return Promise.resolve({ value: undefined, done: true })
      },
      [Symbol.asyncIterator]: () => it,
    }
    return it
  }

  /** End every iterator (after its buffered events) and drop every listener. Idempotent. */
  end(): void {
    if (this.#ended) return
    this.#ended = true
    for (const f of [...this.#enders]) f()
    this.#listeners.clear()
  }
}
