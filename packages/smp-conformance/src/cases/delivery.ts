/**
 * Cases for delivery: one outstanding message per subscription, `ACK`,
 * `END` when another connection subscribes, redelivery, `GET`.
 *
 * @see ../shared/spec/smp.md §11.4–11.6, §11.9
 */
import { utf8 } from '@simplex-ts/core'
import { expectBytes, expectError, expectResponse } from '../assert'
import type { ConformanceCase } from '../case'
import { send } from './commands'

/** The delivery cases. */
export const deliveryCases: readonly ConformanceCase[] = [
  {
    name: 'one message is outstanding per subscription; ACK answers with the next MSG, then OK',
    spec: 'smp.md §11.4, §11.6',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      for (const s of ['m1', 'm2', 'm3']) expectResponse(await send(b, q.sndId, utf8(s)), 'OK', `SEND ${s}`)
      const m1 = expectResponse(await a.pushed('MSG'), 'MSG')
      expectBytes(ctx.decrypt(q, m1).body, utf8('m1'), 'first message')
      await a.quiet(100, (r) => r.response.type === 'MSG')
      const r2 = await a.call({ type: 'ACK', msgId: m1.msgId }, q.rcvId, q.rcvKey)
      const m2 = expectResponse(r2, 'MSG', 'ACK of m1')
      expectBytes(r2.entityId, q.rcvId, 'MSG entity id')
      expectBytes(ctx.decrypt(q, m2).body, utf8('m2'), 'second message')
      const m3 = expectResponse(await a.call({ type: 'ACK', msgId: m2.msgId }, q.rcvId, q.rcvKey), 'MSG')
      expectBytes(ctx.decrypt(q, m3).body, utf8('m3'), 'third message')
      expectResponse(await a.call({ type: 'ACK', msgId: m3.msgId }, q.rcvId, q.rcvKey), 'OK', 'last ACK')
      expectResponse(await send(b, q.sndId, utf8('m4')), 'OK', 'SEND m4')
      const m4 = expectResponse(await a.pushed('MSG'), 'MSG')
      expectBytes(ctx.decrypt(q, m4).body, utf8('m4'), 'message pushed after the queue emptied')
    },
  },
  {
    name: 'ACK without a delivered message, with another id, or repeated gets NO_MSG',
    spec: 'smp.md §11.6',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      const ack = (msgId: Uint8Array) => a.call({ type: 'ACK', msgId }, q.rcvId, q.rcvKey)
      expectError(await ack(ctx.crypto.randomBytes(24)), 'NO_MSG', 'ACK with nothing delivered')
      expectResponse(await send(b, q.sndId, utf8('m1')), 'OK')
      const m1 = expectResponse(await a.pushed('MSG'), 'MSG')
      if (ctx.version >= 2) {
        expectError(await ack(ctx.crypto.randomBytes(24)), 'NO_MSG', 'ACK with another id')
      }
      expectResponse(await ack(m1.msgId), 'OK', 'ACK')
      expectError(await ack(m1.msgId), 'NO_MSG', 'repeated ACK')
    },
  },
  {
    name: 'SUB from another connection takes the subscription and sends END to the first',
    spec: 'smp.md §11.4',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const c = await ctx.open()
      const q = await ctx.newQueue(a)
      expectResponse(await send(b, q.sndId, utf8('m1')), 'OK')
      const m1 = expectResponse(await a.pushed('MSG'), 'MSG')
      const r = await c.call({ type: 'SUB' }, q.rcvId, q.rcvKey)
      const again = expectResponse(r, 'MSG', 'SUB with a pending message')
      expectBytes(again.msgId, m1.msgId, 'the unacknowledged message is delivered to the new subscriber')
      const end = await a.pushed('END')
      expectBytes(end.entityId, q.rcvId, 'END entity id')
      expectResponse(await send(b, q.sndId, utf8('m2')), 'OK')
      const m2 = expectResponse(await c.call({ type: 'ACK', msgId: m1.msgId }, q.rcvId, q.rcvKey), 'MSG')
      expectBytes(ctx.decrypt(q, m2).body, utf8('m2'), 'next message on the new subscriber')
      await a.quiet(100, (x) => x.response.type === 'MSG')
    },
  },
  {
    name: 'SUB on an empty queue answers OK and the next arrival is pushed',
    spec: 'smp.md §11.4',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      await a.close()
      const c = await ctx.open()
      expectResponse(await c.call({ type: 'SUB' }, q.rcvId, q.rcvKey), 'OK', 'SUB')
      expectResponse(await send(b, q.sndId, utf8('pushed')), 'OK')
      const m = await c.pushed('MSG')
      expectBytes(ctx.decrypt(q, expectResponse(m, 'MSG')).body, utf8('pushed'), 'pushed body')
    },
  },
  {
    name: 'a repeated SUB on the same connection delivers the head message again',
    spec: 'smp.md §11.4',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      expectResponse(await send(b, q.sndId, utf8('m1')), 'OK')
      const m1 = expectResponse(await a.pushed('MSG'), 'MSG')
      const again = expectResponse(await a.call({ type: 'SUB' }, q.rcvId, q.rcvKey), 'MSG', 'repeated SUB')
      expectBytes(again.msgId, m1.msgId, 'redelivered message id')
      await a.quiet(100, (x) => x.response.type === 'END')
      expectResponse(await a.call({ type: 'ACK', msgId: m1.msgId }, q.rcvId, q.rcvKey), 'OK', 'ACK')
    },
  },
  {
    name: 'a message delivered but not acknowledged is delivered again after reconnecting',
    spec: 'smp.md §11.4, §11.9',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      expectResponse(await send(b, q.sndId, utf8('unacked')), 'OK')
      const m1 = expectResponse(await a.pushed('MSG'), 'MSG')
      await a.close()
      const c = await ctx.open()
      const again = expectResponse(await c.call({ type: 'SUB' }, q.rcvId, q.rcvKey), 'MSG', 'SUB')
      expectBytes(again.msgId, m1.msgId, 'redelivered message id')
      expectBytes(ctx.decrypt(q, again).body, utf8('unacked'), 'redelivered body')
    },
  },
  {
    name: 'GET answers OK when empty, MSG with its corrId otherwise; ACK after GET answers OK',
    spec: 'smp.md §11.5',
    versions: [2, 3, 4],
    async run(ctx) {
      const a = await ctx.open()
      const q = await ctx.newQueue(a)
      await a.close()
      const g = await ctx.open()
      const b = await ctx.open()
      expectResponse(await g.call({ type: 'GET' }, q.rcvId, q.rcvKey), 'OK', 'GET on an empty queue')
      for (const s of ['g1', 'g2']) expectResponse(await send(b, q.sndId, utf8(s)), 'OK')
      const r1 = await g.call({ type: 'GET' }, q.rcvId, q.rcvKey)
      const m1 = expectResponse(r1, 'MSG', 'GET')
      expectBytes(ctx.decrypt(q, m1).body, utf8('g1'), 'first GET')
      expectResponse(await g.call({ type: 'ACK', msgId: m1.msgId }, q.rcvId, q.rcvKey), 'OK', 'ACK after GET')
      await g.quiet(100)
      const m2 = expectResponse(await g.call({ type: 'GET' }, q.rcvId, q.rcvKey), 'MSG', 'second GET')
      expectBytes(ctx.decrypt(q, m2).body, utf8('g2'), 'second GET')
      expectResponse(await g.call({ type: 'ACK', msgId: m2.msgId }, q.rcvId, q.rcvKey), 'OK')
      expectResponse(await g.call({ type: 'GET' }, q.rcvId, q.rcvKey), 'OK', 'GET after the last ACK')
    },
  },
  {
    name: 'GET on a subscribed connection, and SUB after GET on one connection, get CMD PROHIBITED',
    spec: 'smp.md §11.5',
    versions: [2, 3, 4],
    async run(ctx) {
      const a = await ctx.open()
      const q = await ctx.newQueue(a)
      expectError(await a.call({ type: 'GET' }, q.rcvId, q.rcvKey), 'CMD PROHIBITED', 'GET after NEW')
      const g = await ctx.open()
      expectResponse(await g.call({ type: 'GET' }, q.rcvId, q.rcvKey), 'OK', 'GET')
      expectError(await g.call({ type: 'SUB' }, q.rcvId, q.rcvKey), 'CMD PROHIBITED', 'SUB after GET')
    },
  },
  {
    name: 'GET does not take the subscription from another connection',
    spec: 'smp.md §11.5',
    versions: [2, 3, 4],
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      const g = await ctx.open()
      expectResponse(await g.call({ type: 'GET' }, q.rcvId, q.rcvKey), 'OK', 'GET')
      await a.quiet(100, (x) => x.response.type === 'END')
      expectResponse(await send(b, q.sndId, utf8('still mine')), 'OK')
      const m = expectResponse(await a.pushed('MSG'), 'MSG')
      expectBytes(ctx.decrypt(q, m).body, utf8('still mine'), 'pushed to the subscriber')
    },
  },
]
