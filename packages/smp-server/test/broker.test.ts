import { defaultCrypto } from '@simplex-ts/core'
import { describe, expect, it } from 'vitest'
import { Broker, type BrokerEvent, type BrokerResult, type BrokerSession } from '../src/broker'
import { ServerStore } from '../src/persistence'
import type { QueueRec } from '../src/queues'

const crypto = defaultCrypto()
const body = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

function setup(opts: { quota?: number; now?: () => number; messageTtl?: number } = {}) {
  const store = ServerStore.open(opts)
  const broker = new Broker(store, { crypto })
  const conn = () => {
    const events: BrokerEvent[] = []
    const session = broker.connect((e) => events.push(e))
    return { session, events }
  }
  const create = (s: BrokerSession): QueueRec => {
    const r = broker.newQueue(s, new Uint8Array(44), crypto.generateDhKeyPair('x25519').publicKey)
    if (r.type !== 'IDS') throw new Error('NEW failed')
    return store.queues.getQueue('recipient', r.recipientId)!
  }
  return { store, broker, conn, create }
}

function msgText(r: BrokerResult | BrokerEvent | undefined): string {
  if (r?.type !== 'MSG') throw new Error(`expected MSG, got ${JSON.stringify(r)}`)
  return text(r.msg.body)
}

describe('Broker', () => {
  it('NEW answers IDS with a DH key that agrees with the stored secret, and subscribes the creator', () => {
    const { broker, store, conn } = setup()
    const a = conn()
    const rcv = crypto.generateDhKeyPair('x25519')
    const r = broker.newQueue(a.session, new Uint8Array(44), rcv.publicKey)
    if (r.type !== 'IDS') throw new Error('NEW failed')
    expect(r.recipientId).toHaveLength(24)
    expect(r.senderId).toHaveLength(24)
    const q = store.queues.getQueue('recipient', r.recipientId)!
    expect(crypto.dh('x25519', rcv.privateKey, r.serverDhKey)).toEqual(q.rcvDhSecret)
    broker.send(q, false, body('hi'))
    expect(a.events.map(msgText)).toEqual(['hi'])
  })

  it('NEW is AUTH when queue creation is disabled', () => {
    const broker = new Broker(ServerStore.open(), { crypto, allowNewQueues: false })
    const s = broker.connect(() => {})
    expect(broker.newQueue(s, new Uint8Array(44), crypto.generateDhKeyPair('x25519').publicKey)).toEqual({
      type: 'ERR',
      error: 'AUTH',
    })
  })

  it('delivers one message at a time until ACK; ACK answers the next MSG or OK', () => {
    const { broker, conn, create } = setup()
    const a = conn()
    const q = create(a.session)
    broker.send(q, false, body('1'))
    broker.send(q, false, body('2'))
    broker.send(q, false, body('3'))
    expect(a.events.map(msgText)).toEqual(['1'])
    const m1 = a.events[0]!
    if (m1.type !== 'MSG') return
    // wrong id: NO_MSG, state unchanged
    expect(broker.acknowledge(a.session, q, new Uint8Array(24))).toEqual({ type: 'ERR', error: 'NO_MSG' })
    const r2 = broker.acknowledge(a.session, q, m1.msg.msgId)
    expect(msgText(r2)).toBe('2')
    // repeated ACK of the same id: NO_MSG
    expect(broker.acknowledge(a.session, q, m1.msg.msgId)).toEqual({ type: 'ERR', error: 'NO_MSG' })
    if (r2.type !== 'MSG') return
    const r3 = broker.acknowledge(a.session, q, r2.msg.msgId)
    if (r3.type !== 'MSG') throw new Error('expected MSG')
    expect(broker.acknowledge(a.session, q, r3.msg.msgId)).toEqual({ type: 'OK' })
    // queue empty: the next arrival is pushed
    broker.send(q, false, body('4'))
    expect(a.events.map(msgText)).toEqual(['1', '4'])
  })

  it('v1 ACK (empty id) acknowledges whatever was delivered', () => {
    const { broker, conn, create } = setup()
    const a = conn()
    const q = create(a.session)
    broker.send(q, false, body('1'))
    expect(broker.acknowledge(a.session, q, new Uint8Array(0))).toEqual({ type: 'OK' })
    expect(broker.acknowledge(a.session, q, new Uint8Array(0))).toEqual({ type: 'ERR', error: 'NO_MSG' })
  })

  it('SUB from another connection takes the subscription and ENDs the old one; repeated SUB re-delivers', () => {
    const { broker, conn, create } = setup()
    const a = conn()
    const b = conn()
    const q = create(a.session)
    broker.send(q, false, body('1'))
    expect(msgText(broker.subscribe(b.session, q))).toBe('1')
    expect(a.events.map((e) => e.type)).toEqual(['MSG', 'END'])
    expect(msgText(broker.subscribe(b.session, q))).toBe('1')
    // a is no longer subscribed: ACK there is NO_MSG
    const m = a.events[0]!
    if (m.type !== 'MSG') return
    expect(broker.acknowledge(a.session, q, m.msg.msgId)).toEqual({ type: 'ERR', error: 'NO_MSG' })
    broker.send(q, false, body('2'))
    expect(a.events).toHaveLength(2)
    expect(b.events).toHaveLength(0) // 1 is still outstanding on b
    // b re-subscribing again does not END itself
    broker.subscribe(b.session, q)
    expect(b.events).toHaveLength(0)
  })

  it('GET and SUB are exclusive per connection; GET does not take the subscription', () => {
    const { broker, conn, create } = setup()
    const a = conn()
    const b = conn()
    const q = create(a.session)
    expect(broker.getMessage(a.session, q)).toEqual({ type: 'ERR', error: 'CMD PROHIBITED' })
    expect(broker.getMessage(b.session, q)).toEqual({ type: 'OK' })
    broker.send(q, false, body('1'))
    broker.send(q, false, body('2'))
    expect(a.events.map(msgText)).toEqual(['1'])
    const g = broker.getMessage(b.session, q)
    expect(msgText(g)).toBe('1')
    expect(a.events.map((e) => e.type)).toEqual(['MSG'])
    expect(broker.subscribe(b.session, q)).toEqual({ type: 'ERR', error: 'CMD PROHIBITED' })
    if (g.type !== 'MSG') return
    // ACK after GET deletes and answers OK without pushing
    expect(broker.acknowledge(b.session, q, g.msg.msgId)).toEqual({ type: 'OK' })
    expect(msgText(broker.getMessage(b.session, q))).toBe('2')
  })

  it('closing a connection keeps un-ACKed messages for the next SUB', () => {
    const { broker, conn, create } = setup()
    const a = conn()
    const q = create(a.session)
    broker.send(q, false, body('1'))
    broker.disconnect(a.session)
    expect(broker.subscriptionCount).toBe(0)
    const b = conn()
    expect(msgText(broker.subscribe(b.session, q))).toBe('1')
    expect(a.events).toHaveLength(1)
  })

  it('enforces the quota of 128 and LARGE_MSG above 16088 bytes', () => {
    const { broker, conn, create } = setup()
    const q = create(conn().session)
    for (let i = 0; i < 128; i++) expect(broker.send(q, false, body(`${i}`))).toEqual({ type: 'OK' })
    expect(broker.send(q, false, body('x'))).toEqual({ type: 'ERR', error: 'QUOTA' })
    const q2 = create(conn().session)
    expect(broker.send(q2, false, new Uint8Array(16088))).toEqual({ type: 'OK' })
    expect(broker.send(q2, false, new Uint8Array(16089))).toEqual({ type: 'ERR', error: 'LARGE_MSG' })
  })

  it('expired messages are purged on SEND before the quota check', () => {
    let now = 1000
    const { broker, conn, create, store } = setup({ quota: 2, now: () => now, messageTtl: 10 })
    const q = create(conn().session)
    broker.send(q, false, body('1'))
    broker.send(q, false, body('2'))
    expect(broker.send(q, false, body('3'))).toEqual({ type: 'ERR', error: 'QUOTA' })
    now += 11
    expect(broker.send(q, false, body('3'))).toEqual({ type: 'OK' })
    expect(store.msgs.peekMsgQueue(q.recipientId)?.length).toBe(1)
  })

  it('KEY once; OFF refuses SEND but keeps messages; DEL removes everything', () => {
    const { broker, conn, create, store } = setup()
    const a = conn()
    const q = create(a.session)
    expect(broker.secureQueue(q, new Uint8Array(44).fill(1))).toEqual({ type: 'OK' })
    expect(broker.secureQueue(q, new Uint8Array(44).fill(1))).toEqual({ type: 'ERR', error: 'AUTH' })
    broker.send(q, false, body('1'))
    expect(broker.suspendQueue(q)).toEqual({ type: 'OK' })
    expect(broker.suspendQueue(q)).toEqual({ type: 'OK' })
    expect(broker.send(q, false, body('2'))).toEqual({ type: 'ERR', error: 'AUTH' })
    expect(msgText(broker.subscribe(a.session, q))).toBe('1')
    expect(broker.deleteQueue(q)).toEqual({ type: 'OK' })
    expect(broker.deleteQueue(q)).toEqual({ type: 'ERR', error: 'AUTH' })
    expect(store.queues.getQueue('sender', q.senderId)).toBeUndefined()
    expect(store.msgs.peekMsgQueue(q.recipientId)).toBeUndefined()
    expect(broker.subscriptionCount).toBe(0)
  })

  it('NKEY/NSUB/NMSG/NDEL: notification only when flagged, to the current NSUB connection', () => {
    const { broker, conn, create, store } = setup()
    const a = conn()
    const n1 = conn()
    const n2 = conn()
    const q = create(a.session)
    const r = broker.addNotifier(q, new Uint8Array(44), crypto.generateDhKeyPair('x25519').publicKey)
    if (r.type !== 'NID') throw new Error('NKEY failed')
    const nq = store.queues.getQueue('notifier', r.notifierId)!
    expect(broker.subscribeNotifications(n1.session, nq)).toEqual({ type: 'OK' })
    broker.send(q, false, body('quiet'))
    broker.send(q, true, body('loud'))
    expect(n1.events.map((e) => e.type)).toEqual(['NMSG'])
    expect(broker.subscribeNotifications(n2.session, nq)).toEqual({ type: 'OK' })
    expect(n1.events.map((e) => e.type)).toEqual(['NMSG', 'END'])
    broker.send(q, true, body('loud2'))
    expect(n2.events.map((e) => e.type)).toEqual(['NMSG'])
    // NKEY again: new id, the old one stops working
    const r2 = broker.addNotifier(q, new Uint8Array(44), crypto.generateDhKeyPair('x25519').publicKey)
    if (r2.type !== 'NID') throw new Error('NKEY failed')
    expect(r2.notifierId).not.toEqual(r.notifierId)
    expect(store.queues.getQueue('notifier', r.notifierId)).toBeUndefined()
    broker.send(q, true, body('loud3'))
    expect(n2.events).toHaveLength(1)
    const nq2 = store.queues.getQueue('notifier', r2.notifierId)!
    broker.subscribeNotifications(n2.session, nq2)
    expect(broker.deleteNotifier(q)).toEqual({ type: 'OK' })
    broker.send(q, true, body('loud4'))
    expect(n2.events).toHaveLength(1)
    expect(n1.events).toHaveLength(2)
  })
})
