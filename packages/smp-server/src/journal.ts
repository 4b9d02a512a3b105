/**
 * Durable append-only text files with group commit.
 *
 * Lines are appended synchronously to an in-memory buffer (so their order is
 * the order of the state changes); {@link GroupCommit.commit} resolves once
 * every line appended before the call is written and, unless disabled,
 * `fdatasync`ed. Concurrent callers share one write + sync per file, which
 * keeps throughput high when many `SEND`s wait for their `OK`.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { StoreLogError } from './errors'

/** How durable a committed line is. */
export type Durability =
  /** `fdatasync` before the commit resolves: survives power loss. */
  | 'fsync'
  /** `write(2)` before the commit resolves: survives the process being killed (SIGKILL), not power loss. */
  | 'write'

function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())))
}

/**
 * Write `lines` to `file` atomically (temp file, sync, rename, sync the folder).
 * @throws the file system error
 */
export function rewriteFile(file: string, lines: Iterable<string>): void {
  const tmp = `${file}.tmp`
  const fd = fs.openSync(tmp, 'w', 0o600)
  try {
    let chunk: string[] = []
    let size = 0
    const out = (): void => {
      if (chunk.length === 0) return
      fs.writeSync(fd, Buffer.from(`${chunk.join('\n')}\n`, 'latin1'))
      chunk = []
      size = 0
    }
    for (const l of lines) {
      chunk.push(l)
      size += l.length
      if (size > 1 << 20) out()
    }
    out()
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, file)
  try {
    const dfd = fs.openSync(path.dirname(file), 'r')
    try {
      fs.fsyncSync(dfd)
    } finally {
      fs.closeSync(dfd)
    }
  } catch {
    // some platforms cannot fsync a directory; the rename itself is still atomic
  }
}

/** One append-only file of newline-terminated text lines. */
export class AppendLog {
  /** The file path. */
  readonly path: string
  #fd: number | undefined
  #pending: string[] = []
  #bytes = 0
  readonly #durability: Durability

  private constructor(path: string, fd: number, durability: Durability) {
    this.path = path
    this.#fd = fd
    this.#durability = durability
  }

  /**
   * Open (creating if needed) `path` for appending.
   * @throws StoreLogError when the file cannot be opened
   */
  static open(path: string, durability: Durability): AppendLog {
    try {
      return new AppendLog(path, fs.openSync(path, 'a', 0o600), durability)
    } catch (e) {
      throw new StoreLogError(`cannot open log ${path}`, { cause: e })
    }
  }

  /** Buffer one line (without its newline); it is written by the next flush. */
  append(line: string): void {
    if (this.#fd === undefined) throw new StoreLogError(`log ${this.path} is closed`)
    this.#pending.push(line)
    this.#bytes += line.length + 1
  }

  /** Bytes appended since the file was opened or last replaced. */
  get bytesAppended(): number {
    return this.#bytes
  }

  /**
   * Replace the whole file with `lines` (atomically, synced) and keep appending
   * to the new file. Buffered lines are dropped: the caller's snapshot must
   * include them. Call only while no flush is in flight ({@link GroupCommit.idle}).
   * @throws StoreLogError when the file cannot be rewritten or reopened
   */
  replace(lines: Iterable<string>): void {
    if (this.#fd !== undefined) fs.closeSync(this.#fd)
    this.#fd = undefined
    try {
      rewriteFile(this.path, lines)
      this.#fd = fs.openSync(this.path, 'a', 0o600)
    } catch (e) {
      throw new StoreLogError(`cannot rewrite log ${this.path}`, { cause: e })
    }
    this.#pending = []
    this.#bytes = 0
  }

  /** Whether lines are waiting to be written. */
  get hasPending(): boolean {
    return this.#pending.length > 0
  }

  /**
   * Write the buffered lines now (synchronously, so records reach the file in
   * the order they were appended); `true` when something was written.
   * @throws the file system error
   */
  writePending(): boolean {
    const fd = this.#fd
    if (this.#pending.length === 0 || fd === undefined) return false
    const lines = this.#pending
    this.#pending = []
    const data = Buffer.from(`${lines.join('\n')}\n`, 'latin1')
    for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off, data.length - off)
    return true
  }

  /** Make everything written so far durable (per the durability setting). */
  sync(): Promise<void> {
    const fd = this.#fd
    if (this.#durability !== 'fsync' || fd === undefined) return Promise.resolve()
    return datasync(fd)
  }

  /** Close the file (lines not yet written by a commit are lost: commit first). */
  close(): void {
    if (this.#fd !== undefined) fs.closeSync(this.#fd)
    this.#fd = undefined
  }
}

interface Waiter {
  resolve(): void
  reject(e: unknown): void
}

/** Syncs that may be in flight at once: a new batch need not wait for the previous one's `fdatasync`. */
const MAX_SYNCS = 2

/**
 * Group commit over a set of logs (see the module comment). {@link writeNow}
 * writes the pending lines at once (synchronously, in order). For durable
 * commits at most one pass runs per event-loop turn: every line appended
 * during the turn is written, and one `fdatasync` per written log covers the
 * waiters. Writes never wait for syncs; a sync may start while the previous
 * one is still running (up to {@link MAX_SYNCS}): it covers everything written before it began, and
 * reports success only after the previous one did, so a failed sync is never
 * hidden by a later one that succeeded.
 */
export class GroupCommit {
  readonly #logs: readonly AppendLog[]
  #durable: Waiter[] = []
  #scheduled = false
  #inFlight = 0
  /** Logs written since the last sync started. */
  readonly #unsynced = new Set<AppendLog>()
  /** Settles (never rejects) once the latest started sync settled. */
  #tail: Promise<void> = Promise.resolve()
  #failure: StoreLogError | undefined

  /** @param logs the logs flushed by every commit */
  constructor(logs: readonly AppendLog[]) {
    this.#logs = logs
  }

  /** Whether no write or sync is in flight or scheduled (a log may then be replaced). */
  get idle(): boolean {
    return this.#inFlight === 0 && !this.#scheduled
  }

  /** The write error that stopped the logs, if any (a failed log refuses further commits). */
  get failure(): StoreLogError | undefined {
    return this.#failure
  }

  /**
   * Resolve when every line appended so far is durable (written, and synced per
   * the logs' durability). {@link writeNow} is the written-only level.
   * @throws StoreLogError (rejection) when writing or syncing failed
   */
  commit(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (!this.#logs.some((l) => l.hasPending)) {
      if (this.#unsynced.size === 0) {
        // everything appended is written and covered by a sync: durable once the syncs in flight are
        if (this.#inFlight === 0) return Promise.resolve()
        return this.#tail.then(() => {
          if (this.#failure !== undefined) throw this.#failure
        })
      }
    }
    const p = new Promise<void>((resolve, reject) => this.#durable.push({ resolve, reject }))
    this.#schedule()
    return p
  }

  /**
   * Write every pending line now (synchronously, in order).
   * @throws StoreLogError when writing failed now or before
   */
  writeNow(): void {
    if (this.#failure !== undefined || !this.#write()) throw this.#failure
  }

  /** Write every pending line (in order); `false` after a failure (the logs are then stopped). */
  #write(): boolean {
    try {
      for (const l of this.#logs) if (l.writePending()) this.#unsynced.add(l)
      return true
    } catch (e) {
      this.#fail(e)
      return false
    }
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#pass()
    })
  }

  #fail(e: unknown): void {
    this.#failure ??= new StoreLogError('writing the store log failed', { cause: e })
    const waiters = this.#durable
    this.#durable = []
    for (const w of waiters) w.reject(this.#failure)
  }

  #pass(): void {
    if (this.#failure !== undefined || !this.#write()) return
    if (this.#durable.length > 0 && this.#inFlight < MAX_SYNCS) this.#startSync()
  }

  #startSync(): void {
    const waiters = this.#durable
    this.#durable = []
    const logs = [...this.#unsynced]
    this.#unsynced.clear()
    const prev = this.#tail
    let synced: Promise<unknown>
    try {
      synced = Promise.all(logs.map((l) => l.sync()))
    } catch (e) {
      synced = Promise.reject(e)
    }
    this.#inFlight++
    // the sync leaves flight before its waiters run, so one of them may find the logs idle (compaction)
    const settle = (): void => {
      this.#inFlight--
      if (this.#durable.length > 0) this.#schedule()
    }
    this.#tail = synced
      .then(() => prev)
      .then(() => {
        if (this.#failure !== undefined) throw this.#failure
        settle()
        for (const w of waiters) w.resolve()
      })
      .catch((e: unknown) => {
        settle()
        this.#fail(e)
        for (const w of waiters) w.reject(this.#failure)
      })
  }
}
