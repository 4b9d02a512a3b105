/**
 * Server state and its persistence: the queue store and message store,
 * restored from the store log and the message log on open, compacted (only
 * live queues and un-ACKed messages rewritten) on open and on close.
 *
 * Every state change the relay answers positively is appended to a log
 * before the answer is sent and committed ({@link ServerStore.commitUpTo}):
 * synced, except deletions by `ACK`, which are written to the OS but synced
 * with the next batch. So a relay killed at any moment restarts with every
 * message it answered `OK` to and without any message whose `ACK` it
 * confirmed; after a power loss it may redeliver a message ACKed in the last
 * few milliseconds, never lose one it accepted.
 *
 * @see ../shared/spec/smp.md §13
 */
import * as fs from 'node:fs'
import { isSimplexError } from '@simplex-ts/core'
import { StoreClosedError, StoreLogError } from './errors'
import { idKey } from './ids'
import { AppendLog, type Durability, GroupCommit, rewriteFile } from './journal'
import { type Message, MSG_QUEUE_QUOTA, MsgStore } from './messages'
import { type MsgLogRecord, encodeMsgLogRecord, parseMsgLogRecord } from './msglog'
import { QueueStore, type QueueRec } from './queues'
import { type StoreLogRecord, encodeStoreLogRecord, parseStoreLogRecord } from './storelog'

/** The reference's message expiry: 30 days. @see ../shared/spec/smp.md §11.7 */
export const DEFAULT_MESSAGE_TTL = 30 * 86400

/** Options of {@link ServerStore.open}. */
export interface ServerStoreOptions {
  /** Store log path (queue records); omit both paths for a memory-only store. */
  readonly storeLogFile?: string
  /** Message log path (messages and ACKs); requires `storeLogFile`. */
  readonly msgLogFile?: string
  /** Per-queue quota (default 128). */
  readonly quota?: number
  /** Durability of a commit (default `fsync`). */
  readonly durability?: Durability
  /** Message expiry in seconds (default 30 days); `null` disables expiry. */
  readonly messageTtl?: number | null
  /** Clock in seconds (tests). */
  readonly now?: () => number
  /**
   * Compact the logs while running once they grew by this many bytes (and by
   * twice their compacted size). Default 64 MiB.
   */
  readonly compactThreshold?: number
}

/** What was found while restoring. */
export interface RestoreStats {
  /** Queues restored. */
  readonly queues: number
  /** Messages restored. */
  readonly messages: number
  /** Lines that could not be parsed (skipped, as the reference does). */
  readonly skippedLines: number
  /** Number of files whose last line was cut short (a write interrupted by a crash); the partial line is dropped. */
  readonly truncatedFiles: number
  /** Messages dropped because they had expired. */
  readonly expired: number
  /** Messages dropped because their queue was deleted or unknown, or over quota. */
  readonly dropped: number
}

/** Split a file into complete lines; `truncated` when the last line lacks its newline. */
function readLines(file: string): { lines: string[]; truncated: boolean } {
  let buf: Buffer
  try {
    buf = fs.readFileSync(file)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], truncated: false }
    throw new StoreLogError(`cannot read ${file}`, { cause: e })
  }
  const lines: string[] = []
  let start = 0
  for (;;) {
    const nl = buf.indexOf(0x0a, start)
    if (nl < 0) break
    if (nl > start) lines.push(buf.toString('latin1', start, nl))
    start = nl + 1
  }
  return { lines, truncated: start < buf.length }
}

function fileSize(file: string | undefined): number {
  if (file === undefined) return 0
  try {
    return fs.statSync(file).size
  } catch {
    return 0
  }
}

function applyStoreRecord(qs: Map<string, QueueRec>, r: StoreLogRecord): void {
  if (r.type === 'CREATE') {
    qs.set(idKey(r.queue.recipientId), { ...r.queue })
    return
  }
  const k = idKey(r.recipientId)
  const q = qs.get(k)
  if (q === undefined) return
  switch (r.type) {
    case 'SECURE':
      // the reference logs SECURE before checking, so a refused second KEY leaves a record: first key wins
      q.senderKey ??= r.senderKey
      break
    case 'NOTIFIER':
      q.notifier = r.creds
      break
    case 'NDELETE':
      q.notifier = undefined
      break
    case 'SUSPEND':
      q.status = 'off'
      break
    case 'DELETE':
      qs.delete(k)
      break
  }
}

/**
 * The relay's state (queues, messages) and its logs.
 * @see ../shared/spec/smp.md §11, §13
 */
export class ServerStore {
  /** Queue records. */
  readonly queues: QueueStore
  /** Messages per queue. */
  readonly msgs: MsgStore
  /** What the restore found. */
  readonly restored: RestoreStats
  /** Message expiry in seconds, or `null`. */
  readonly messageTtl: number | null
  readonly #now: () => number
  readonly #storeLogFile: string | undefined
  readonly #msgLogFile: string | undefined
  readonly #durability: Durability
  #storeLog: AppendLog | undefined
  #msgLog: AppendLog | undefined
  #commit: GroupCommit | undefined
  #closed = false
  #appended = 0
  /** {@link appended} right after the last record that must be synced before it is answered. */
  #durableMark = 0
  /** {@link appended} covered by the last completed durable commit. */
  #syncedMark = 0
  /** The {@link appended} mark of each message logged since open (restored ones are synced: mark 0). */
  readonly #messageMarks = new WeakMap<Message, number>()
  readonly #compactThreshold: number
  #compactedBytes = 0
  #compactions = 0

  private constructor(opts: ServerStoreOptions, queues: QueueStore, msgs: MsgStore, restored: RestoreStats) {
    this.queues = queues
    this.msgs = msgs
    this.restored = restored
    this.messageTtl = opts.messageTtl === undefined ? DEFAULT_MESSAGE_TTL : opts.messageTtl
    this.#now = opts.now ?? (() => Math.floor(Date.now() / 1000))
    this.#storeLogFile = opts.storeLogFile
    this.#msgLogFile = opts.msgLogFile
    this.#durability = opts.durability ?? 'fsync'
    this.#compactThreshold = opts.compactThreshold ?? 64 * 1024 * 1024
  }

  /**
   * Restore the state from the logs (if configured), compact them and open them for appending.
   * Unparseable lines are skipped and a last line cut short by a crash is dropped.
   * @throws StoreLogError when a log cannot be read or rewritten
   */
  static open(opts: ServerStoreOptions = {}): ServerStore {
    const now = opts.now ?? (() => Math.floor(Date.now() / 1000))
    const ttl = opts.messageTtl === undefined ? DEFAULT_MESSAGE_TTL : opts.messageTtl
    const queues = new QueueStore()
    const msgs = new MsgStore(opts.quota ?? MSG_QUEUE_QUOTA)
    let skippedLines = 0
    let truncatedFiles = 0
    let expired = 0
    let dropped = 0
    if (opts.msgLogFile !== undefined && opts.storeLogFile === undefined) {
      throw new StoreLogError('a message log requires a store log')
    }
    if (opts.storeLogFile !== undefined) {
      const qs = new Map<string, QueueRec>()
      const sl = readLines(opts.storeLogFile)
      if (sl.truncated) truncatedFiles++
      for (const line of sl.lines) {
        try {
          applyStoreRecord(qs, parseStoreLogRecord(line))
        } catch (e) {
          if (!isSimplexError(e, 'DECODE')) throw e
          skippedLines++
        }
      }
      for (const q of qs.values()) {
        if (queues.addQueue(q) !== undefined) skippedLines++
      }
    }
    if (opts.msgLogFile !== undefined) {
      const ml = readLines(opts.msgLogFile)
      if (ml.truncated) truncatedFiles++
      for (const line of ml.lines) {
        let r: MsgLogRecord
        try {
          r = parseMsgLogRecord(line)
        } catch (e) {
          if (!isSimplexError(e, 'DECODE')) throw e
          skippedLines++
          continue
        }
        if (queues.getQueue('recipient', r.recipientId) === undefined) {
          if (r.type === 'MSG') dropped++
          continue
        }
        if (r.type === 'MSG') {
          if (!msgs.getMsgQueue(r.recipientId).write(r.msg)) dropped++
        } else if (msgs.peekMsgQueue(r.recipientId)?.deleteById(r.msgId) !== true) {
          // an ACK whose message was never restored (over quota) is harmless
        }
      }
      const old = ttl === null ? undefined : now() - ttl
      for (const [, q] of msgs.entries()) if (old !== undefined) expired += q.deleteExpired(old)
    }
    const store = new ServerStore(opts, queues, msgs, {
      queues: queues.size,
      messages: msgs.count(),
      skippedLines,
      truncatedFiles,
      expired,
      dropped,
    })
    store.#compactAndOpen()
    store.#compactedBytes = fileSize(opts.storeLogFile) + fileSize(opts.msgLogFile)
    return store
  }

  *#queueLines(): Generator<string> {
    for (const q of this.queues.queues()) {
      yield encodeStoreLogRecord({ type: 'CREATE', queue: q })
      if (q.status === 'off') yield encodeStoreLogRecord({ type: 'SUSPEND', recipientId: q.recipientId })
    }
  }

  *#messageLines(): Generator<string> {
    for (const q of this.queues.queues()) {
      const mq = this.msgs.peekMsgQueue(q.recipientId)
      if (mq === undefined) continue
      for (const msg of mq.messages())
        yield encodeMsgLogRecord({ type: 'MSG', recipientId: q.recipientId, msg })
    }
  }

  #compactAndOpen(): void {
    try {
      if (this.#storeLogFile !== undefined) {
        rewriteFile(this.#storeLogFile, this.#queueLines())
        this.#storeLog = AppendLog.open(this.#storeLogFile, this.#durability)
      }
      if (this.#msgLogFile !== undefined) {
        rewriteFile(this.#msgLogFile, this.#messageLines())
        this.#msgLog = AppendLog.open(this.#msgLogFile, this.#durability)
      }
    } catch (e) {
      if (isSimplexError(e)) throw e
      throw new StoreLogError('cannot compact the store log', { cause: e })
    }
    const logs = [this.#storeLog, this.#msgLog].filter((l): l is AppendLog => l !== undefined)
    this.#commit = logs.length > 0 ? new GroupCommit(logs) : undefined
  }

  /**
   * Compact while running, once the logs grew by more than the threshold and
   * twice their size after the last compaction: the logs are rewritten from
   * memory (which already holds every appended change) while no write is in
   * flight, so nothing committed is lost and nothing waits on the old files.
   */
  #maybeCompact(): void {
    const gc = this.#commit
    if (gc === undefined || this.#closed || !gc.idle) return
    const grown = (this.#storeLog?.bytesAppended ?? 0) + (this.#msgLog?.bytesAppended ?? 0)
    if (grown < Math.max(this.#compactThreshold, 2 * this.#compactedBytes)) return
    this.#storeLog?.replace(this.#queueLines())
    this.#msgLog?.replace(this.#messageLines())
    this.#compactedBytes = fileSize(this.#storeLogFile) + fileSize(this.#msgLogFile)
    this.#compactions++
  }

  /** How many times the logs were compacted while running. */
  get compactions(): number {
    return this.#compactions
  }

  /** Current time in seconds (the store's clock). */
  now(): number {
    return this.#now()
  }

  /** Whether changes are written to disk. */
  get persistent(): boolean {
    return this.#storeLog !== undefined
  }

  /** Whether messages are written to disk. */
  get persistentMessages(): boolean {
    return this.#msgLog !== undefined
  }

  /**
   * Append a queue record (no-op for a memory-only store).
   * @throws StoreClosedError after {@link close}
   */
  logQueue(r: StoreLogRecord): void {
    if (this.#closed) throw new StoreClosedError('store is closed')
    if (this.#storeLog === undefined) return
    this.#storeLog.append(encodeStoreLogRecord(r))
    this.#durableMark = ++this.#appended
  }

  /**
   * Append a message record (no-op when messages are not persisted).
   * @throws StoreClosedError after {@link close}
   */
  logMsg(r: MsgLogRecord): void {
    if (this.#closed) throw new StoreClosedError('store is closed')
    if (this.#msgLog === undefined) return
    this.#msgLog.append(encodeMsgLogRecord(r))
    this.#appended++
    // a deletion by ACK need only be written before its answer: see commitUpTo
    if (r.type !== 'ACK') this.#durableMark = this.#appended
    if (r.type === 'MSG') this.#messageMarks.set(r.msg, this.#appended)
  }

  /** Count of records appended since open: a caller compares it before and after a command to know whether to commit. */
  get appended(): number {
    return this.#appended
  }

  /** {@link appended} right after the last record (other than a deletion by `ACK`) that must be durable before its answer. */
  get durableMark(): number {
    return this.#durableMark
  }

  /** The {@link appended} mark a delivery of `msg` must see durable (0 when it already is, or is not logged). */
  messageMark(msg: Message): number {
    const m = this.#messageMarks.get(msg)
    return m === undefined || m <= this.#syncedMark ? 0 : m
  }

  /** Append a stored message (shorthand for {@link logMsg}). */
  logMessage(recipientId: Uint8Array, msg: Message): void {
    this.logMsg({ type: 'MSG', recipientId, msg })
  }

  /**
   * Resolve once every record appended so far is durable (group commit).
   * @throws StoreLogError (rejection) when the disk write failed
   */
  commit(): Promise<void> {
    if (this.#commit === undefined) return Promise.resolve()
    const mark = this.#appended
    return this.#commit.commit().then(() => {
      if (mark > this.#syncedMark) this.#syncedMark = mark
      this.#maybeCompact()
    })
  }

  /**
   * Write every appended record to the OS now, synchronously: what an answer
   * that needs nothing durable (see {@link commitUpTo}) waits for.
   * @throws StoreLogError when the disk write failed (the logs are then stopped)
   */
  writeNow(): void {
    const gc = this.#commit
    if (gc === undefined) return
    gc.writeNow()
  }

  /**
   * Resolve once the records appended up to `mark` are durable and every later
   * one is at least written: what an answer needs. Deletions by `ACK` are thus
   * answered once written (a killed process keeps them; after a power loss the
   * relay may redeliver such a message, which the recipient's agent drops as
   * a duplicate), so the next message is not held back by an `fdatasync`.
   * @throws StoreLogError (rejection) when the disk write failed
   */
  commitUpTo(mark: number): Promise<void> {
    if (this.#commit === undefined) return Promise.resolve()
    if (mark > this.#syncedMark) return this.commit()
    try {
      this.writeNow()
    } catch (e) {
      return Promise.reject(e)
    }
    // compaction, when due, after this turn's work, as after a durable commit
    return Promise.resolve().then(() => this.#maybeCompact())
  }

  /**
   * Flush, then compact both logs (live queues and undelivered messages only) and close them.
   * Idempotent.
   * @throws StoreLogError when the final write fails
   */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.commit()
    this.#closed = true
    this.#storeLog?.close()
    this.#msgLog?.close()
    if (this.#storeLog !== undefined) {
      this.#compactAndOpen()
      this.#storeLog?.close()
      this.#msgLog?.close()
    }
  }
}
