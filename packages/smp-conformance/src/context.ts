/**
 * What a conformance case gets: the relay, the version under test, raw
 * connections and clients that are closed after the case, and the queue
 * helpers every case needs.
 */
import { type CryptoProvider, type KeyPair, type SignAlg, equalBytes } from '@simplex-ts/core'
import {
  type MsgResponse,
  type ReceivedMessage,
  type SmpClient,
  type SmpClientOptions,
  type SmpConnect,
  type SmpServer,
  type SmpVersion,
  decryptDeliveredMessage,
} from '@simplex-ts/smp'
import { createSmpClient } from '@simplex-ts/smp/node'
import { check, expectResponse } from './assert'
import { RawConnection } from './raw'

/**
 * Relay-side control for the cases that need it. Absent for a foreign relay:
 * those cases are reported as skipped.
 */
export interface ConformanceControl {
  /**
   * Stop the relay (as an operator would, letting it save its state) and start
   * it again on the same address with the same store; resolves once it accepts connections.
   */
  restart(): Promise<void>
}

/** A queue created over a raw connection. */
export interface RawQueue {
  /** Recipient id. */
  readonly rcvId: Uint8Array
  /** Sender id. */
  readonly sndId: Uint8Array
  /** Recipient key pair. */
  readonly rcvKey: KeyPair<SignAlg>
  /** Delivery secret shared with the relay. */
  readonly rcvDhSecret: Uint8Array
}

/** The environment of one case run at one version. */
export interface CaseContext {
  /** The SMP version under test (every connection offers exactly this one). */
  readonly version: SmpVersion
  /** The relay. */
  readonly server: SmpServer
  /** Crypto provider. */
  readonly crypto: CryptoProvider
  /** How connections are opened. */
  readonly connect: SmpConnect
  /** The relay's per-queue message quota the suite expects (default 128, the reference's). */
  readonly quota: number
  /** Relay-side control, when available. */
  readonly control: ConformanceControl | undefined
  /** A new raw connection at `version` (or another version), closed after the case. */
  open(version?: SmpVersion): Promise<RawConnection>
  /** A new SMP client offering `version`, closed after the case. */
  client(options?: Partial<SmpClientOptions>): Promise<SmpClient>
  /** `NEW` over `conn` with a fresh key of `alg`; checks the `IDS`. */
  newQueue(conn: RawConnection, alg?: SignAlg): Promise<RawQueue>
  /** Decrypt a delivered `MSG` of `queue` received on a connection of `version`. */
  decrypt(queue: RawQueue, msg: MsgResponse, version?: SmpVersion): ReceivedMessage
  /** Run `fn` after the case, before connections close. */
  defer(fn: () => Promise<void> | void): void
}

/** The settings shared by every case. */
export interface SuiteSettings {
  readonly server: SmpServer
  readonly crypto: CryptoProvider
  readonly connect: SmpConnect
  readonly quota: number
  readonly control: ConformanceControl | undefined
  /** Wait for any one response this long. */
  readonly timeoutMs: number
}

/** Builds contexts and releases what each case opened. */
export class ContextFactory {
  readonly #base: SuiteSettings

  constructor(base: SuiteSettings) {
    this.#base = base
  }

  /** A context for one case at `version`, and the function that releases it. */
  create(version: SmpVersion): { ctx: CaseContext; release: () => Promise<void> } {
    const { server, crypto, connect, quota, control, timeoutMs } = this.#base
    const conns: RawConnection[] = []
    const clients: SmpClient[] = []
    const deferred: (() => Promise<void> | void)[] = []
    const ctx: CaseContext = {
      version,
      server,
      crypto,
      connect,
      quota,
      control,
      async open(v = version) {
        const c = await RawConnection.open(connect, server, v, crypto, timeoutMs)
        conns.push(c)
        check(c.version === v, `expected SMP v${v} to be negotiated, got v${c.version}`)
        return c
      },
      async client(options = {}) {
        const c = await createSmpClient({
          server,
          connect,
          crypto,
          versionRange: { min: version, max: version },
          responseTimeoutMs: timeoutMs,
          ...options,
        })
        clients.push(c)
        return c
      },
      async newQueue(conn, alg = 'ed25519') {
        const rcvKey = crypto.generateSignKeyPair(alg)
        const rcvDhKey = crypto.generateDhKeyPair('x25519')
        const r = await conn.call({ type: 'NEW', rcvAuthKey: rcvKey, rcvDhKey }, undefined, rcvKey)
        const ids = expectResponse(r, 'IDS', 'NEW')
        check(!equalBytes(ids.rcvId, ids.sndId), 'recipient and sender ids must differ')
        const rcvDhSecret = crypto.dh('x25519', rcvDhKey.privateKey, ids.srvDhKey.publicKey)
        return { rcvId: ids.rcvId, sndId: ids.sndId, rcvKey, rcvDhSecret }
      },
      decrypt(queue, msg, v = version) {
        return decryptDeliveredMessage(crypto, queue.rcvDhSecret, msg, v)
      },
      defer(fn) {
        deferred.push(fn)
      },
    }
    const release = async (): Promise<void> => {
      for (const fn of deferred.reverse()) await fn()
      await Promise.allSettled([...clients.map((c) => c.close()), ...conns.map((c) => c.close())])
    }
    return { ctx, release }
  }
}
