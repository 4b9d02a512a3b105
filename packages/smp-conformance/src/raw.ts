/**
 * A raw SMP connection for conformance cases: it sends exactly the
 * transmissions (or block contents) a case builds — well-formed, wrongly
 * signed, with a foreign session id, in hand-made batches — and hands back
 * every server transmission parsed, so a case can check each byte the relay
 * chose. Responses are matched by `corrId`; pushed ones (empty `corrId`) are
 * kept in arrival order.
 *
 * @see ../shared/spec/smp.md §3–§7
 * @see ../shared/spec/transport.md §8
 */
import { type CryptoProvider, fromLatin1, latin1 } from '@simplex-ts/core'
import {
  type Command,
  type ErrorType,
  type PrivateSignKey,
  type Response,
  type SmpConnect,
  type SmpServer,
  type SmpVersion,
  checkSmpVersion,
  encodeCommandTransmission,
  encodeSigned,
  encodeTransmission,
  encodeCommand,
  parseResponseTransmission,
} from '@simplex-ts/smp'
import type { Transport } from '@simplex-ts/transport'
import { ConformanceAssertionError } from './assert'

/** A server transmission as a raw connection received it. */
export interface RawReceived {
  /** The echoed correlation id (`''` for server-initiated messages). */
  readonly corrId: string
  /** The entity id. */
  readonly entityId: Uint8Array
  /** The parsed server message. */
  readonly response: Response
  /** Sequence number of the block it arrived in (per connection, from 0). */
  readonly block: number
}

/** One command for {@link RawConnection.sendCommands}. */
export interface RawCommand {
  /** The command. */
  readonly command: Command
  /** Entity id (default empty). */
  readonly entityId?: Uint8Array
  /** Signing key (default: unsigned). */
  readonly key?: PrivateSignKey
  /** Correlation id (default: the next counter value). */
  readonly corrId?: string
}

type Matcher = (r: RawReceived) => boolean

const EMPTY = new Uint8Array(0)

/** A raw SMP connection at one version. */
export class RawConnection {
  /** The transport (after the hello handshake). */
  readonly transport: Transport
  /** The negotiated version. */
  readonly version: SmpVersion
  readonly #crypto: CryptoProvider
  readonly #timeoutMs: number
  readonly #inbox: RawReceived[] = []
  readonly #waiters = new Set<() => void>()
  #blocks = 0
  #corr = 0
  #ended = false
  #readError: Error | undefined
  readonly #reading: Promise<void>

  private constructor(transport: Transport, crypto: CryptoProvider, timeoutMs: number) {
    this.transport = transport
    this.version = checkSmpVersion(transport.version)
    this.#crypto = crypto
    this.#timeoutMs = timeoutMs
    this.#reading = this.#read()
  }

  /**
   * Connect offering exactly `version`.
   * @throws the connector's transport errors.
   */
  static async open(
    connect: SmpConnect,
    server: SmpServer,
    version: SmpVersion,
    crypto: CryptoProvider,
    timeoutMs = 5000,
  ): Promise<RawConnection> {
    const transport = await connect(server, {
      versionRange: { min: version, max: version },
      timeoutMs,
      signal: new AbortController().signal,
    })
    return new RawConnection(transport, crypto, timeoutMs)
  }

  /** The session id (TLS channel binding). */
  get sessionId(): Uint8Array {
    return this.transport.sessionId
  }

  /** Whether the relay closed the connection (or it failed). */
  get ended(): boolean {
    return this.#ended
  }

  async #read(): Promise<void> {
    try {
      for await (const items of this.transport.transmissions()) {
        const block = this.#blocks++
        for (const item of items) {
          if (item instanceof Error) throw item
          const t = parseResponseTransmission(item, { sessionId: this.sessionId, version: this.version })
          if (!t.ok) throw t.error
          this.#inbox.push({ corrId: fromLatin1(t.corrId), entityId: t.entityId, response: t.command, block })
        }
        this.#wake()
      }
    } catch (e) {
      this.#readError = e instanceof Error ? e : new Error(String(e))
    }
    this.#ended = true
    this.#wake()
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w()
  }

  /** The next correlation id. */
  nextCorrId(): string {
    return String(this.#corr++)
  }

  /** Encode a command transmission for this connection (signed when `key` is given). */
  encode(c: RawCommand): Uint8Array {
    return encodeCommandTransmission(
      this.sessionId,
      { corrId: latin1(c.corrId ?? this.nextCorrId()), entityId: c.entityId ?? EMPTY, command: c.command },
      this.version,
      c.key === undefined ? undefined : { crypto: this.#crypto, key: c.key },
    )
  }

  /**
   * Encode a transmission from raw parts, bypassing the codec's own checks:
   * any command bytes, any session id, any signature bytes.
   */
  encodeRaw(parts: {
    readonly command: Uint8Array
    readonly corrId: string
    readonly entityId?: Uint8Array
    readonly sessionId?: Uint8Array
    readonly key?: PrivateSignKey
    readonly signature?: Uint8Array
  }): Uint8Array {
    const signed = encodeSigned(
      parts.sessionId ?? this.sessionId,
      { corrId: latin1(parts.corrId), entityId: parts.entityId ?? EMPTY },
      parts.command,
    )
    if (parts.signature !== undefined) {
      return new Uint8Array([parts.signature.length, ...parts.signature, ...signed])
    }
    const sig =
      parts.key === undefined ? undefined : this.#crypto.sign(parts.key.alg, parts.key.privateKey, signed)
    return encodeTransmission(sig, signed)
  }

  /** The encoding of a command for this connection's version. */
  commandBytes(command: Command): Uint8Array {
    return encodeCommand(command, this.version)
  }

  /** Send transmissions framed for the version (one v4 batch where they fit). */
  async sendTransmissions(ts: readonly Uint8Array[]): Promise<void> {
    const tooLarge = await this.transport.sendTransmissions(ts)
    if (tooLarge.length > 0)
      throw new ConformanceAssertionError(`transmissions ${tooLarge} do not fit a block`)
  }

  /** Send one raw block content (padded by the transport). */
  sendBlockContent(content: Uint8Array): Promise<void> {
    return this.transport.sendBlock(content)
  }

  /** Send commands together (one batch at v4); returns their correlation ids. */
  async sendCommands(cs: readonly RawCommand[]): Promise<string[]> {
    const ids = cs.map((c) => c.corrId ?? this.nextCorrId())
    await this.sendTransmissions(cs.map((c, i) => this.encode({ ...c, corrId: ids[i]! })))
    return ids
  }

  /** Send one command and wait for the transmission with its correlation id. */
  async call(command: Command, entityId: Uint8Array = EMPTY, key?: PrivateSignKey): Promise<RawReceived> {
    const [corrId] = await this.sendCommands([{ command, entityId, ...(key ? { key } : {}) }])
    return this.response(corrId!)
  }

  /** Wait for the response with this correlation id. */
  response(corrId: string, timeoutMs?: number): Promise<RawReceived> {
    return this.wait((r) => r.corrId === corrId, `response with corrId ${JSON.stringify(corrId)}`, timeoutMs)
  }

  /** Wait for the next server-initiated transmission (empty corrId), optionally of one type. */
  pushed(type?: Response['type'], timeoutMs?: number): Promise<RawReceived> {
    return this.wait(
      (r) => r.corrId === '' && (type === undefined || r.response.type === type),
      `pushed ${type ?? 'transmission'}`,
      timeoutMs,
    )
  }

  /**
   * Remove and return the first received transmission matching `match`, waiting up to `timeoutMs`.
   * @throws ConformanceAssertionError when none arrives in time or the connection ends.
   */
  wait(match: Matcher, what: string, timeoutMs = this.#timeoutMs): Promise<RawReceived> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const i = this.#inbox.findIndex(match)
        if (i >= 0) {
          const [r] = this.#inbox.splice(i, 1)
          done()
          resolve(r!)
          return true
        }
        if (this.#ended) {
          done()
          const why = this.#readError ? `: ${this.#readError.message}` : ''
          reject(new ConformanceAssertionError(`connection ended before ${what}${why}`))
          return true
        }
        return false
      }
      const timer = setTimeout(() => {
        done()
        reject(new ConformanceAssertionError(`no ${what} within ${timeoutMs} ms`))
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        this.#waiters.delete(listener)
      }
      const listener = (): void => {
        check()
      }
      if (!check()) this.#waiters.add(listener)
    })
  }

  /**
   * Assert that no server-initiated transmission (matching `match`) is waiting,
   * after a `PING` round trip and `settleMs` more.
   */
  async quiet(settleMs = 100, match: Matcher = () => true): Promise<void> {
    const pong = await this.call({ type: 'PING' })
    if (pong.response.type !== 'PONG') throw new ConformanceAssertionError('PING not answered by PONG')
    await new Promise((r) => setTimeout(r, settleMs))
    const extra = this.#inbox.find((r) => r.corrId === '' && match(r))
    if (extra !== undefined) {
      throw new ConformanceAssertionError(`unexpected pushed ${extra.response.type}`)
    }
  }

  /** Error type of a response, failing when it is not `ERR`. */
  static errorOf(r: RawReceived): ErrorType {
    if (r.response.type !== 'ERR') throw new ConformanceAssertionError(`expected ERR, got ${r.response.type}`)
    return r.response.error
  }

  /** Close the connection. */
  async close(): Promise<void> {
    await this.transport.close()
    await this.#reading
  }
}
