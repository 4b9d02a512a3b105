// The SMP client (@simplex-ts/smp) against our real relay over TLS and WebSocket: every operation,
// typed errors, v4 batching observed at the transport, the event stream, abort and close.
import { defaultCrypto, equalBytes, fromUtf8, utf8 } from '@simplex-ts/core'
import {
  SmpAuthError,
  SmpClientClosedError,
  SmpCmdProhibitedError,
  type SmpClientEvent,
  type SmpConnect,
  SmpNoMsgError,
  SmpQuotaError,
  type SmpVersion,
  decryptNMsgMeta,
  parseSmpServer,
} from '@simplex-ts/smp'
import { createSmpClient, nodeConnect } from '@simplex-ts/smp/node'
import { type Transport, frameTransmissions } from '@simplex-ts/transport'
import { wsConnectNode } from '@simplex-ts/transport/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nextEvent } from '../src/cases/restart'
import { type TestRelay, startTestRelay } from './relay'

const crypto = defaultCrypto()
let relay: TestRelay
let small: TestRelay

beforeAll(async () => {
  relay = await startTestRelay({ wsPort: 0 })
  small = await startTestRelay({ quota: 3 })
})
afterAll(async () => {
  await relay?.close()
  await small?.close()
})

/** A connector that records, per write, how many transmissions and blocks the client sent. */
function recordingConnect(writes: { transmissions: number; blocks: number }[]): SmpConnect {
  return async (server, options) => {
    const t = await nodeConnect(server, options)
    return new Proxy(t, {
      get(target, p, receiver) {
        if (p === 'sendTransmissions')
          return (ts: readonly Uint8Array[]) => {
            const blocks = frameTransmissions(ts, { batch: target.batch }).blocks.length
            writes.push({ transmissions: ts.length, blocks })
            return target.sendTransmissions(ts)
          }
        return Reflect.get(target, p, receiver)
      },
    }) as Transport
  }
}

describe('SMP client', () => {
  for (const version of [1, 2, 3, 4] as SmpVersion[]) {
    it(`runs the queue life cycle at SMP v${version}`, async () => {
      const versionRange = { min: version, max: version }
      const alice = await createSmpClient({ server: relay.address, versionRange })
      const bob = await createSmpClient({ server: relay.address, versionRange })
      expect(alice.version).toBe(version)
      expect(alice.connected).toBe(true)
      const q = await alice.createQueue({ signAlg: version === 2 ? 'ed448' : 'ed25519' })
      expect(q.rcvId.length).toBe(24)
      expect(q.rcvAuthKey.alg).toBe(version === 2 ? 'ed448' : 'ed25519')
      const first = nextEvent(alice, 'message')
      await bob.send(q.sndId, utf8('confirmation'))
      const m1 = await first
      expect(fromUtf8(m1.message.body)).toBe('confirmation')
      expect(equalBytes(m1.rcvId, q.rcvId)).toBe(true)
      expect(Math.abs(m1.message.msgTs - Date.now() / 1000)).toBeLessThan(60)
      const sk = crypto.generateSignKeyPair('ed25519')
      await alice.secureQueue(q, sk)
      await alice.ack(q, m1.message.msgId)
      await expect(bob.send(q.sndId, utf8('unsigned'))).rejects.toBeInstanceOf(SmpAuthError)
      const second = nextEvent(alice, 'message')
      await bob.send(q.sndId, utf8('signed'), { signKey: sk, notification: true })
      const m2 = await second
      expect(fromUtf8(m2.message.body)).toBe('signed')
      expect(m2.message.msgFlags.notification).toBe(version >= 2)
      await alice.ack(q, m2.message.msgId)
      await expect(alice.ack(q, m2.message.msgId)).rejects.toBeInstanceOf(SmpNoMsgError)
      await alice.ping()
      await alice.suspend(q)
      await expect(bob.send(q.sndId, utf8('x'), { signKey: sk })).rejects.toMatchObject({
        code: 'AUTH',
        retriable: false,
      })
      await alice.delete(q)
      await expect(alice.subscribe(q)).rejects.toBeInstanceOf(SmpAuthError)
      await Promise.all([alice.close(), bob.close()])
      expect(alice.connected).toBe(false)
    })
  }

  it('GET fetches without subscribing; GET on a subscribed connection is CMD PROHIBITED', async () => {
    const alice = await createSmpClient({ server: relay.address })
    const other = await createSmpClient({ server: relay.address })
    const q = await alice.createQueue()
    await expect(alice.get(q)).rejects.toBeInstanceOf(SmpCmdProhibitedError)
    expect(await other.get(q)).toBeUndefined()
    const pushed = nextEvent(alice, 'message')
    await other.send(q.sndId, utf8('one'))
    const m = await pushed
    const got = await other.get(q)
    expect(got && equalBytes(got.msgId, m.message.msgId)).toBe(true)
    expect(got && fromUtf8(got.body)).toBe('one')
    await other.ack(q, got!.msgId)
    await Promise.all([alice.close(), other.close()])
  })

  it('subscribe from another client ends the first one’s subscription with an end event', async () => {
    const a = await createSmpClient({ server: relay.address })
    const b = await createSmpClient({ server: relay.address })
    const q = await a.createQueue()
    const ended = nextEvent(a, 'end')
    await b.subscribe(q)
    const e = await ended
    expect(e.party).toBe('recipient')
    expect(equalBytes(e.entityId, q.rcvId)).toBe(true)
    const got = nextEvent(b, 'message')
    await a.send(q.sndId, utf8('to b'))
    expect(fromUtf8((await got).message.body)).toBe('to b')
    await Promise.all([a.close(), b.close()])
  })

  it('notifications: NKEY, NSUB, NMSG naming the delivered message, NDEL', async () => {
    const alice = await createSmpClient({ server: relay.address })
    const notifier = await createSmpClient({ server: relay.address })
    const sender = await createSmpClient({ server: relay.address })
    const q = await alice.createQueue()
    const nk = crypto.generateSignKeyPair('ed25519')
    const ntf = await alice.enableNotifications(q, nk)
    expect(ntf.notifierId.length).toBe(24)
    await notifier.subscribeNotifications({ notifierId: ntf.notifierId, notifierKey: nk })
    const note = nextEvent(notifier, 'notification')
    const msg = nextEvent(alice, 'message')
    await sender.send(q.sndId, utf8('ring'), { notification: true })
    const n = await note
    const meta = decryptNMsgMeta(crypto, ntf.rcvNtfDhSecret, n.nonce, n.encMeta)
    expect(equalBytes(meta.msgId, (await msg).message.msgId)).toBe(true)
    await alice.disableNotifications(q)
    await expect(
      notifier.subscribeNotifications({ notifierId: ntf.notifierId, notifierKey: nk }),
    ).rejects.toBeInstanceOf(SmpAuthError)
    await Promise.all([alice.close(), notifier.close(), sender.close()])
  })

  it('QUOTA is a retriable typed error', async () => {
    const a = await createSmpClient({ server: small.address })
    const q = await a.createQueue()
    for (let i = 0; i < 3; i++) await a.send(q.sndId, utf8(`m${i}`))
    const err = await a.send(q.sndId, utf8('over')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SmpQuotaError)
    expect(err).toMatchObject({ code: 'QUOTA', retriable: true, layer: 'smp' })
    await a.close()
  })

  it('coalesces concurrent commands into one v4 batch (one write, one block)', async () => {
    const writes: { transmissions: number; blocks: number }[] = []
    const c = await createSmpClient({ server: relay.address, connect: recordingConnect(writes) })
    const queues = await Promise.all(Array.from({ length: 20 }, () => c.createQueue()))
    expect(writes).toEqual([{ transmissions: 20, blocks: 1 }])
    writes.length = 0
    await Promise.all(queues.map((q) => c.subscribe(q)))
    await Promise.all(queues.map((q) => c.send(q.sndId, utf8('batched'))))
    // 20 SUBs in one write and one block; 20 SENDs (~150 bytes each) in one write
    expect(writes[0]).toEqual({ transmissions: 20, blocks: 1 })
    expect(writes[1]).toEqual({ transmissions: 20, blocks: 1 })
    await c.close()
  })

  it('splits a batch that does not fit one block, and sends one transmission per block before v4', async () => {
    const writes: { transmissions: number; blocks: number }[] = []
    const c = await createSmpClient({ server: relay.address, connect: recordingConnect(writes) })
    const q = await c.createQueue()
    writes.length = 0
    const big = new Uint8Array(6000)
    await Promise.all([1, 2, 3].map(() => c.send(q.sndId, big)))
    expect(writes).toEqual([{ transmissions: 3, blocks: 2 }])
    await c.close()
    const w3: { transmissions: number; blocks: number }[] = []
    const c3 = await createSmpClient({
      server: relay.address,
      connect: recordingConnect(w3),
      versionRange: { min: 3, max: 3 },
    })
    await Promise.all([c3.ping(), c3.ping(), c3.ping()])
    expect(w3).toEqual([{ transmissions: 3, blocks: 3 }])
    await c3.close()
  })

  it('works over WebSocket-in-TLS', async () => {
    const server = parseSmpServer(relay.address)
    const connect: SmpConnect = (s, o) =>
      wsConnectNode({ host: s.host, port: relay.server.wsPort!, keyHash: s.keyHash, ...o })
    const a = await createSmpClient({ server, connect })
    const q = await a.createQueue()
    const got = nextEvent(a, 'message')
    await a.send(q.sndId, utf8('over ws'))
    expect(fromUtf8((await got).message.body)).toBe('over ws')
    await a.close()
  })

  it('events() yields the stream and finishes on close; on() stops when its function is called', async () => {
    const a = await createSmpClient({ server: relay.address })
    const q = await a.createQueue()
    const seen: SmpClientEvent['type'][] = []
    const off = a.on('message', (e) => seen.push(e.type))
    const it = a.events()
    await a.send(q.sndId, utf8('x'))
    const first = await it.next()
    expect(first.done).toBe(false)
    expect(first.value?.type).toBe('message')
    off()
    const closing = a.close()
    expect((await it.next()).done).toBe(true)
    await closing
    expect(seen).toEqual(['message'])
  })

  it('close() and the abort signal fail waiting and later commands with CLIENT_CLOSED', async () => {
    const ac = new AbortController()
    const a = await createSmpClient({ server: relay.address, signal: ac.signal })
    const pending = a.createQueue()
    ac.abort()
    await expect(pending).rejects.toBeInstanceOf(SmpClientClosedError)
    await expect(a.ping()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
    await a.close()
    const aborted = new AbortController()
    aborted.abort()
    await expect(createSmpClient({ server: relay.address, signal: aborted.signal })).rejects.toBeInstanceOf(
      SmpClientClosedError,
    )
  })

  it('refuses a relay whose identity is not the address’s key hash', async () => {
    const wrong = relay.address.replace(/^smp:\/\/[^@]+@/, `smp://${'A'.repeat(43)}=@`)
    await expect(createSmpClient({ server: wrong })).rejects.toMatchObject({ code: 'UnknownCA' })
  })
})
