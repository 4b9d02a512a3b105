// The SMP client through relay restarts and failures: reconnection with backoff, resubscription of
// every queue and notifier subscription it held, commands waiting for the connection, timeouts,
// retriable errors for commands cut off by a disconnect, and reconnect: false.
import { defaultCrypto, equalBytes, fromUtf8, utf8 } from '@simplex-ts/core'
import {
  SmpConnectionLostError,
  SmpResponseTimeoutError,
  createSmpClient as createBrowserSafeClient,
} from '@simplex-ts/smp'
import { createSmpClient, nodeConnect } from '@simplex-ts/smp/node'
import type { Transport } from '@simplex-ts/transport'
import { type TransportServer, generateServerCredentials, tlsListen } from '@simplex-ts/transport/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nextEvent } from '../src/cases/restart'
import { type TestRelay, startTestRelay } from './relay'

const crypto = defaultCrypto()
let relay: TestRelay

beforeAll(async () => {
  relay = await startTestRelay()
})
afterAll(async () => {
  await relay?.close()
})

const fast = { initialDelayMs: 20, maxDelayMs: 200 }

/** A TLS SMP endpoint that completes the handshake and then does what `onConnection` says. */
async function silentServer(
  onConnection: (t: Transport) => void,
): Promise<{ address: string; server: TransportServer }> {
  const credentials = generateServerCredentials()
  const server = await tlsListen({ credentials, host: '127.0.0.1', port: 0, onConnection })
  const kh = Buffer.from(credentials.keyHash).toString('base64url')
  return { address: `smp://${kh}=@127.0.0.1:${server.port}`, server }
}

describe('SMP client reconnection', () => {
  it('reconnects after a relay restart and resubscribes every queue and notifier it held', async () => {
    const alice = await createSmpClient({ server: relay.address, reconnect: fast })
    const other = await createSmpClient({ server: relay.address })
    const created = await Promise.all([alice.createQueue(), alice.createQueue()])
    const foreign = await other.createQueue()
    await alice.subscribe(foreign) // taken over from `other`
    const nk = crypto.generateSignKeyPair('ed25519')
    const ntf = await other.enableNotifications(created[0], nk)
    await alice.subscribeNotifications({ notifierId: ntf.notifierId, notifierKey: nk })
    await other.close()

    const disconnected = nextEvent(alice, 'disconnected')
    const reconnected = nextEvent(alice, 'reconnected')
    await relay.restart()
    expect((await disconnected).reconnecting).toBe(true)
    const ev = await reconnected
    expect(ev).toMatchObject({ resubscribed: 3, renotified: 1, failed: 0, version: 4 })
    expect(alice.connected).toBe(true)

    const sender = await createSmpClient({ server: relay.address })
    const queues = [...created, foreign]
    const got = new Map<string, string>()
    const all = new Promise<void>((resolve) =>
      alice.on('message', (e) => {
        got.set(Buffer.from(e.rcvId).toString('hex'), fromUtf8(e.message.body))
        if (got.size === queues.length) resolve()
      }),
    )
    const note = nextEvent(alice, 'notification')
    await Promise.all(queues.map((q, i) => sender.send(q.sndId, utf8(`after ${i}`), { notification: true })))
    await all
    expect(queues.map((q) => got.get(Buffer.from(q.rcvId).toString('hex')))).toEqual(
      queues.map((_, i) => `after ${i}`),
    )
    expect(equalBytes((await note).notifierId, ntf.notifierId)).toBe(true)
    await Promise.all([alice.close(), sender.close()])
  })

  it('commands issued while the relay is down wait for the reconnection; failed attempts are error events', async () => {
    const a = await createSmpClient({ server: relay.address, reconnect: fast, responseTimeoutMs: 10_000 })
    const q = await a.createQueue()
    const disconnected = nextEvent(a, 'disconnected')
    await relay.stop()
    await disconnected
    const failedAttempt = nextEvent(a, 'error')
    const ping = a.ping()
    const send = a.send(q.sndId, utf8('queued while down'))
    expect((await failedAttempt).error).toMatchObject({ code: 'NETWORK', retriable: true })
    const reconnected = nextEvent(a, 'reconnected')
    const message = nextEvent(a, 'message')
    await relay.start()
    expect((await reconnected).attempts).toBeGreaterThan(1)
    await ping
    await send
    expect(fromUtf8((await message).message.body)).toBe('queued while down')
    await a.close()
  })

  it('drops a subscription the relay refuses on resubscription and reports it', async () => {
    const a = await createSmpClient({ server: relay.address, reconnect: fast })
    const b = await createSmpClient({ server: relay.address })
    const keep = await a.createQueue()
    const gone = await a.createQueue()
    await b.delete(gone) // DEL sends no END: `a` still believes it holds the queue
    await b.close()
    const refused = nextEvent(
      a,
      'error',
      (e) => e.entityId !== undefined && equalBytes(e.entityId, gone.rcvId),
    )
    const reconnected = nextEvent(a, 'reconnected')
    await relay.restart()
    expect((await refused).error).toMatchObject({ code: 'AUTH' })
    expect(await reconnected).toMatchObject({ resubscribed: 1, failed: 1 })
    const reconnectedAgain = nextEvent(a, 'reconnected')
    await relay.restart()
    expect(await reconnectedAgain).toMatchObject({ resubscribed: 1, failed: 0 })
    expect(keep.rcvId.length).toBe(24)
    await a.close()
  })

  it('fails a command cut off by a disconnect with a retriable SmpConnectionLostError', async () => {
    const { address, server } = await silentServer((t) => {
      void t.receiveBlock().then(() => t.close())
    })
    const a = await createSmpClient({ server: address, reconnect: false })
    const disconnected = nextEvent(a, 'disconnected')
    const err = await a.ping().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SmpConnectionLostError)
    expect(err).toMatchObject({ code: 'NETWORK', retriable: true })
    expect((await disconnected).reconnecting).toBe(false)
    await expect(a.ping()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
    await a.close()
    await server.close()
  })

  it('fails a command without a response in time with a retriable SmpResponseTimeoutError', async () => {
    const held: Transport[] = []
    const { address, server } = await silentServer((t) => held.push(t))
    const a = await createBrowserSafeClient({ server: address, connect: nodeConnect, responseTimeoutMs: 150 })
    const err = await a.ping().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SmpResponseTimeoutError)
    expect(err).toMatchObject({ code: 'RESPONSE_TIMEOUT', retriable: true })
    await a.close()
    await server.close()
  })
})
