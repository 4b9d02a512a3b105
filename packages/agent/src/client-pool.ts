/**
 * One SMP client per relay, created on first use and shared by every
 * connection with a queue there. A failed connection attempt is forgotten,
 * so the next use tries again (the caller's retry loop paces it).
 *
 * @see ../shared/spec/agent.md §10.3
 */
import type { SmpClient } from '@simplex-ts/smp'

/** Opens a client for one relay address. */
export type OpenClient = (server: string) => Promise<SmpClient>

/** SMP client methods and the relay command each one sends. */
const COMMANDS: Readonly<Record<string, string>> = {
  createQueue: 'NEW',
  secureQueue: 'KEY',
  subscribe: 'SUB',
  send: 'SEND',
  ack: 'ACK',
  get: 'GET',
  suspend: 'OFF',
  delete: 'DEL',
}

/** The agent's clients, keyed by relay address text. */
export class ClientPool {
  /** Relay commands sent through the pool's clients, by command name. */
  readonly commands: Record<string, number> = {}
  readonly #clients = new Map<string, Promise<SmpClient>>()
  readonly #open: OpenClient
  readonly #attach: (server: string, client: SmpClient) => void
  #closed = false

  /**
   * @param open creates a connected client.
   * @param attach called once per new client, before anyone uses it (to listen to its events).
   */
  constructor(open: OpenClient, attach: (server: string, client: SmpClient) => void) {
    this.#open = open
    this.#attach = attach
  }

  /** The client of `server`, connecting it when there is none. */
  get(server: string): Promise<SmpClient> {
    const existing = this.#clients.get(server)
    if (existing !== undefined) return existing
    const p = this.#open(server).then((client) => {
      if (this.#closed) {
        void client.close()
        throw new Error('agent closed')
      }
      this.#attach(server, client)
      return this.#counting(client)
    })
    this.#clients.set(server, p)
    p.catch(() => {
      if (this.#clients.get(server) === p) this.#clients.delete(server)
    })
    return p
  }

  /** The client with its command methods counted. */
  #counting(client: SmpClient): SmpClient {
    const commands = this.commands
    return new Proxy(client, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver)
        if (typeof prop !== 'string' || typeof value !== 'function') return value
        const cmd = COMMANDS[prop]
        const fn = value as (...args: unknown[]) => unknown
        if (cmd === undefined) return fn.bind(target)
        return (...args: unknown[]) => {
          commands[cmd] = (commands[cmd] ?? 0) + 1
          return fn.apply(target, args)
        }
      },
    })
  }

  /** The connected client of `server`, if one exists already. */
  async peek(server: string): Promise<SmpClient | undefined> {
    const p = this.#clients.get(server)
    if (p === undefined) return undefined
    try {
      return await p
    } catch {
      return undefined
    }
  }

  /** Close every client. */
  async close(): Promise<void> {
    this.#closed = true
    const all = [...this.#clients.values()]
    this.#clients.clear()
    await Promise.all(
      all.map(async (p) => {
        try {
          await (await p).close()
        } catch {
          // a client that never connected has nothing to close
        }
      }),
    )
  }
}
