// A raw SMP test client: builds transmissions with the smp codec, sends them
// over a real transport, and hands back parsed server transmissions.
import { type CryptoProvider, type KeyPair, type SignAlg, defaultCrypto, fromLatin1 } from '@simplex-ts/core'
import {
  type Command,
  type Response,
  type SmpVersion,
  encodeCommandTransmission,
  parseResponseTransmission,
} from '@simplex-ts/smp'
import type { Transport } from '@simplex-ts/transport'
import { tlsConnect, wsConnectNode } from '@simplex-ts/transport/node'

export const crypto: CryptoProvider = defaultCrypto()

/** A server transmission as received. */
export interface Received {
  readonly corrId: string
  readonly entityId: Uint8Array
  readonly command: Response
  /** Index of the block it arrived in (to check batching). */
  readonly block: number
}

/** One command to send; `key` signs it. */
export interface Outgoing {
  readonly corrId?: string
  readonly entityId?: Uint8Array
  readonly command: Command
  readonly key?: KeyPair<SignAlg>
}

export class RawClient {
  readonly transport: Transport
  readonly version: SmpVersion
  readonly #queue: Received[] = []
  #waiter: (() => void) | undefined
  #blocks = 0
  #corr = 0
  readonly done: Promise<void>

  private constructor(transport: Transport) {
    this.transport = transport
    this.version = transport.version as SmpVersion
    this.done = this.#read()
  }

  static async connect(
    server: { port: number; keyHash: Uint8Array },
    version: SmpVersion = 4,
    ws?: number,
  ): Promise<RawClient> {
    const versionRange = { min: version, max: version }
    const t =
      ws === undefined
        ? await tlsConnect({ host: '127.0.0.1', port: server.port, keyHash: server.keyHash, versionRange })
        : await wsConnectNode({ host: '127.0.0.1', port: ws, keyHash: server.keyHash, versionRange })
    return new RawClient(t)
  }

  async #read(): Promise<void> {
    try {
      for await (const items of this.transport.transmissions()) {
        const block = this.#blocks++
        for (const item of items) {
          if (item instanceof Error) throw item
          const r = parseResponseTransmission(item, {
            sessionId: this.transport.sessionId,
            version: this.version,
          })
          if (!r.ok) throw r.error
          this.#queue.push({ corrId: fromLatin1(r.corrId), entityId: r.entityId, command: r.command, block })
        }
        this.#waiter?.()
      }
    } catch {
      // connection ended
    }
    this.#waiter?.()
  }

  /** Encode one transmission (signed if `key`). */
  encode(o: Outgoing): Uint8Array {
    const corrId = new TextEncoder().encode(o.corrId ?? String(this.#corr++))
    const t = { corrId, entityId: o.entityId ?? new Uint8Array(0), command: o.command }
    return encodeCommandTransmission(
      this.transport.sessionId,
      t,
      this.version,
      o.key === undefined ? undefined : { crypto, key: { alg: o.key.alg, privateKey: o.key.privateKey } },
    )
  }

  /** Send commands in as few blocks as the version allows. */
  async send(...os: Outgoing[]): Promise<void> {
    await this.transport.sendTransmissions(os.map((o) => this.encode(o)))
  }

  /** The next received transmission (waits up to `ms`). */
  async next(ms = 5000): Promise<Received> {
    const deadline = Date.now() + ms
    while (this.#queue.length === 0) {
      if (this.transport.isClosed) throw new Error('connection closed')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('timeout waiting for a server transmission')
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiter = () => {
          clearTimeout(timer)
          this.#waiter = undefined
          resolve()
        }
      })
    }
    return this.#queue.shift()!
  }

  /** The next `n` transmissions, in arrival order. */
  async take(n: number): Promise<Received[]> {
    const out: Received[] = []
    for (let i = 0; i < n; i++) out.push(await this.next())
    return out
  }

  /** Send one command and return the next transmission (its answer unless something was pushed). */
  async call(o: Outgoing): Promise<Received> {
    await this.send(o)
    return this.next()
  }

  /** Whether nothing has been received within `ms`. */
  async quiet(ms = 200): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms))
    return this.#queue.length === 0
  }

  async close(): Promise<void> {
    await this.transport.close()
  }
}
