import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MsgQueue, MsgStore } from '../src/messages'
import { encodeMsgLogRecord, parseMsgLogRecord } from '../src/msglog'
import { type QueueRec, QueueStore } from '../src/queues'
import { encodeStoreLogRecord, parseStoreLogRecord } from '../src/storelog'

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill)

function queue(n: number): QueueRec {
  return {
    recipientId: bytes(24, n),
    recipientKey: bytes(44, 7),
    rcvDhSecret: bytes(32, 9),
    senderId: bytes(24, n + 100),
    senderKey: undefined,
    notifier: undefined,
    status: 'active',
  }
}

describe('QueueStore', () => {
  it('indexes a queue by recipient, sender and notifier id', () => {
    const st = new QueueStore()
    const q = queue(1)
    expect(st.addQueue(q)).toBeUndefined()
    expect(st.getQueue('recipient', q.recipientId)).toBe(q)
    expect(st.getQueue('sender', q.senderId)).toBe(q)
    expect(st.getQueue('recipient', q.senderId)).toBeUndefined()
    expect(st.getQueue('sender', q.recipientId)).toBeUndefined()
    const creds = { notifierId: bytes(24, 50), notifierKey: bytes(44, 1), rcvNtfDhSecret: bytes(32, 2) }
    expect(st.addQueueNotifier(q.recipientId, creds)).toBeUndefined()
    expect(st.getQueue('notifier', creds.notifierId)).toBe(q)
  })

  it('rejects duplicate ids without changing anything', () => {
    const st = new QueueStore()
    st.addQueue(queue(1))
    const dup = { ...queue(2), recipientId: bytes(24, 1) }
    expect(st.addQueue(dup)).toBe('DUPLICATE')
    expect(st.getQueue('sender', dup.senderId)).toBeUndefined()
    expect(st.size).toBe(1)
  })

  it('secures once: a second KEY is AUTH even with the same key', () => {
    const st = new QueueStore()
    const q = queue(1)
    st.addQueue(q)
    expect(st.secureQueue(q.recipientId, bytes(44, 3))).toBeUndefined()
    expect(st.secureQueue(q.recipientId, bytes(44, 3))).toBe('AUTH')
    expect(q.senderKey).toEqual(bytes(44, 3))
    expect(st.secureQueue(bytes(24, 99), bytes(44, 3))).toBe('AUTH')
  })

  it('NKEY replaces the notifier id; NDEL removes it; DEL removes every id', () => {
    const st = new QueueStore()
    const q = queue(1)
    st.addQueue(q)
    const c1 = { notifierId: bytes(24, 50), notifierKey: bytes(44, 1), rcvNtfDhSecret: bytes(32, 2) }
    const c2 = { ...c1, notifierId: bytes(24, 51) }
    st.addQueueNotifier(q.recipientId, c1)
    st.addQueueNotifier(q.recipientId, c2)
    expect(st.getQueue('notifier', c1.notifierId)).toBeUndefined()
    expect(st.getQueue('notifier', c2.notifierId)).toBe(q)
    expect(st.addQueueNotifier(q.recipientId, c2)).toBe('DUPLICATE')
    expect(st.deleteQueueNotifier(q.recipientId)).toBeUndefined()
    expect(st.getQueue('notifier', c2.notifierId)).toBeUndefined()
    st.addQueueNotifier(q.recipientId, c1)
    expect(st.suspendQueue(q.recipientId)).toBeUndefined()
    expect(q.status).toBe('off')
    expect(st.deleteQueue(q.recipientId)).toBe(q)
    expect(st.deleteQueue(q.recipientId)).toBe('AUTH')
    expect(st.getQueue('sender', q.senderId)).toBeUndefined()
    expect(st.getQueue('notifier', c1.notifierId)).toBeUndefined()
  })
})

const msg = (n: number, ts = 1000) => ({ msgId: bytes(24, n), ts, notify: false, body: bytes(3, n) })

describe('MsgQueue', () => {
  it('holds at most the quota (128 by default)', () => {
    const st = new MsgStore()
    const q = st.getMsgQueue(bytes(24, 1))
    for (let i = 0; i < 128; i++) expect(q.write(msg(i))).toBe(true)
    expect(q.isFull()).toBe(true)
    expect(q.write(msg(200))).toBe(false)
    expect(q.length).toBe(128)
  })

  it('deletes the head only when the id matches; an empty id (v1 ACK) matches any head', () => {
    const q = new MsgQueue(4)
    q.write(msg(1))
    q.write(msg(2))
    expect(q.tryDelete(bytes(24, 2))).toBe(false)
    expect(q.tryDelete(bytes(24, 1))).toBe(true)
    expect(q.peek()?.msgId).toEqual(bytes(24, 2))
    expect(q.tryDelete(new Uint8Array(0))).toBe(true)
    expect(q.tryDelete(new Uint8Array(0))).toBe(false)
  })

  it('expires from the head by receive time', () => {
    const q = new MsgQueue(4)
    q.write(msg(1, 10))
    q.write(msg(2, 20))
    q.write(msg(3, 30))
    expect(q.deleteExpired(25)).toBe(2)
    expect(q.peek()?.msgId).toEqual(bytes(24, 3))
  })
})

describe('store log records', () => {
  it('writes the reference text format', () => {
    const q = queue(1)
    const line = encodeStoreLogRecord({ type: 'CREATE', queue: q })
    expect(line).toMatch(/^CREATE rid=[A-Za-z0-9_-]{32} rk=[\w-]+=* rdh=[\w-]+=* sid=[\w-]{32} sk=$/)
    expect(parseStoreLogRecord(line)).toEqual({ type: 'CREATE', queue: q })
    const full: QueueRec = {
      ...q,
      senderKey: bytes(44, 4),
      notifier: { notifierId: bytes(24, 5), notifierKey: bytes(69, 6), rcvNtfDhSecret: bytes(32, 8) },
    }
    const line2 = encodeStoreLogRecord({ type: 'CREATE', queue: full })
    expect(line2).toContain(' notifier=BQUF')
    expect(parseStoreLogRecord(line2)).toEqual({ type: 'CREATE', queue: full })
    expect(encodeStoreLogRecord({ type: 'DELETE', recipientId: bytes(3, 0xfb) })).toBe('DELETE -_v7')
    expect(parseStoreLogRecord('SECURE AQID BAUG\r')).toEqual({
      type: 'SECURE',
      recipientId: Uint8Array.of(1, 2, 3),
      senderKey: Uint8Array.of(4, 5, 6),
    })
  })

  it('rejects malformed lines with DecodeError', () => {
    for (const line of [
      '',
      'CREATE',
      'SECURE AQID',
      'DELETE',
      'DELETE AQID x',
      'OFF AQID',
      'DELETE A!ID',
      'NDELETE ',
    ]) {
      expect(() => parseStoreLogRecord(line), line).toThrowError(expect.objectContaining({ code: 'DECODE' }))
    }
  })

  it('round-trips every record (property)', () => {
    const id = fc.uint8Array({ minLength: 1, maxLength: 40 })
    const rec = fc.oneof(
      fc.record({ type: fc.constant('SECURE' as const), recipientId: id, senderKey: id }),
      fc.record({
        type: fc.constantFrom('DELETE' as const, 'NDELETE' as const, 'SUSPEND' as const),
        recipientId: id,
      }),
      fc.record({
        type: fc.constant('NOTIFIER' as const),
        recipientId: id,
        creds: fc.record({ notifierId: id, notifierKey: id, rcvNtfDhSecret: id }),
      }),
    )
    fc.assert(
      fc.property(rec, (r) => {
        expect(parseStoreLogRecord(encodeStoreLogRecord(r))).toEqual(r)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('message log records', () => {
  it('writes the reference v3 saved-message line and reads it back', () => {
    const r = {
      type: 'MSG' as const,
      recipientId: bytes(24, 1),
      msg: { msgId: bytes(24, 2), ts: 1658000000, notify: true, body: Uint8Array.of(104, 105) },
    }
    const line = encodeMsgLogRecord(r)
    expect(line).toBe(
      'v3 AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB AgICAgICAgICAgICAgICAgICAgICAgIC 1658000000 flags=T aGk=',
    )
    expect(parseMsgLogRecord(line)).toEqual(r)
    const empty = { ...r, msg: { ...r.msg, body: new Uint8Array(0), notify: false } }
    expect(parseMsgLogRecord(encodeMsgLogRecord(empty))).toEqual(empty)
    const ack = { type: 'ACK' as const, recipientId: bytes(24, 1), msgId: bytes(24, 2) }
    expect(parseMsgLogRecord(encodeMsgLogRecord(ack))).toEqual(ack)
  })

  it('rejects malformed lines', () => {
    for (const line of [
      'v3 AQ AQ 12 flags=X aGk=',
      'v3 AQ AQ x flags=T aGk=',
      'v3 AQ AQ 1 flags=T',
      'ACK AQ',
      'v2 a b c d e',
    ]) {
      expect(() => parseMsgLogRecord(line), line).toThrowError(expect.objectContaining({ code: 'DECODE' }))
    }
  })

  it('round-trips (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 30 }),
        fc.uint8Array({ minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 300 }),
        (rid, mid, ts, notify, body) => {
          const r = { type: 'MSG' as const, recipientId: rid, msg: { msgId: mid, ts, notify, body } }
          expect(parseMsgLogRecord(encodeMsgLogRecord(r))).toEqual(r)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
