/**
 * The per-store readers-writer lock that makes transactions isolated: one
 * writer at a time, readers only while no writer runs, strictly first come
 * first served (a reader that arrives after a waiting writer waits too, so
 * writers are never starved).
 */

/** Lock mode: `shared` for `read()`, `exclusive` for `transaction()`. */
export type LockMode = 'shared' | 'exclusive'

interface Waiter {
  mode: LockMode
  grant: () => void
}

/** FIFO readers-writer lock for one store within one JavaScript realm. */
export class RwLock {
  private readers = 0
  private writer = false
  private readonly queue: Waiter[] = []

  /** Run `fn` holding the lock in `mode`; the lock is released when `fn` settles. */
  async run<T>(mode: LockMode, fn: () => Promise<T>): Promise<T> {
    await this.acquire(mode)
    try {
      return await fn()
    } finally {
      this.release(mode)
    }
  }

  /** `true` while nobody holds or waits for the lock. */
  get idle(): boolean {
    return !this.writer && this.readers === 0 && this.queue.length === 0
  }

  private acquire(mode: LockMode): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push({ mode, grant: resolve })
      this.pump()
    })
  }

  private release(mode: LockMode): void {
    if (mode === 'exclusive') this.writer = false
    else this.readers--
    this.pump()
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.writer) {
      const head = this.queue[0]!
      if (head.mode === 'shared') {
        this.queue.shift()
        this.readers++
        head.grant()
      } else {
        if (this.readers > 0) return
        this.queue.shift()
        this.writer = true
        head.grant()
        return
      }
    }
  }
}
