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

function writeAll(fd: number, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    let off = 0
    const step = (): void => {
      fs.write(fd, data, off, data.length - off, null, (err, n) => {
        if (err) return reject(err)
        off += n
        if (off < data.length) step()
        else resolve()
      })
    }
    step()
  })
}

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

  /** Write the buffered lines and sync them (per the durability setting). */
  async flush(): Promise<void> {
    const fd = this.#fd
    if (this.#pending.length === 0 || fd === undefined) return
    const lines = this.#pending
    this.#pending = []
    const data = Buffer.from(`${lines.join('\n')}\n`, 'latin1')
    await writeAll(fd, data)
    if (this.#durability === 'fsync') await datasync(fd)
  }

  /** Close the file (buffered lines not flushed are lost: call {@link flush} first). */
  close(): void {
    if (this.#fd !== undefined) fs.closeSync(this.#fd)
    this.#fd = undefined
  }
}

interface Waiter {
  resolve(): void
  reject(e: unknown): void
}

/** Group commit over a set of logs (see the module comment). */
export class GroupCommit {
  readonly #logs: readonly AppendLog[]
  #waiters: Waiter[] = []
  #running = false
  #failure: StoreLogError | undefined

  /** @param logs the logs flushed by every commit */
  constructor(logs: readonly AppendLog[]) {
    this.#logs = logs
  }

  /** Whether no write or sync is in flight (a log may then be replaced). */
  get idle(): boolean {
    return !this.#running
  }

  /** The write error that stopped the logs, if any (a failed log refuses further commits). */
  get failure(): StoreLogError | undefined {
    return this.#failure
  }

  /**
   * Resolve when every line appended so far is durable.
   * @throws StoreLogError (rejection) when writing or syncing failed
   */
  commit(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (!this.#running && !this.#logs.some((l) => l.hasPending)) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject })
      if (!this.#running) void this.#run()
    })
  }

  async #run(): Promise<void> {
    this.#running = true
    while (this.#waiters.length > 0) {
      const waiters = this.#waiters
      this.#waiters = []
      try {
        await Promise.all(this.#logs.map((l) => l.flush()))
        for (const w of waiters) w.resolve()
      } catch (e) {
        this.#failure ??= new StoreLogError('writing the store log failed', { cause: e })
        for (const w of waiters) w.reject(this.#failure)
        for (const w of this.#waiters) w.reject(this.#failure)
        this.#waiters = []
      }
    }
    this.#running = false
  }
}
