/**
 * Cases for a queue's life: `OFF` (suspend), `DEL`, and the message quota.
 *
 * @see ../shared/spec/smp.md §11.7, §11.8
 */
import { utf8 } from '@simplex-ts/core'
import { expectBytes, expectError, expectResponse } from '../assert'
import type { ConformanceCase } from '../case'
import { send } from './commands'

/** The queue life-cycle cases. */
export const lifecycleCases: readonly ConformanceCase[] = [
  {
    name: 'OFF suspends: SEND gets AUTH, the recipient still reads and acknowledges, OFF again is OK',
    spec: 'smp.md §11.8',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      expectResponse(await send(b, q.sndId, utf8('before OFF')), 'OK')
      const m = expectResponse(await a.pushed('MSG'), 'MSG')
      expectResponse(await a.call({ type: 'OFF' }, q.rcvId, q.rcvKey), 'OK', 'OFF')
      expectError(await send(b, q.sndId, utf8('after OFF')), 'AUTH', 'SEND to a suspended queue')
      expectBytes(ctx.decrypt(q, m).body, utf8('before OFF'), 'message sent before OFF')
      expectResponse(await a.call({ type: 'ACK', msgId: m.msgId }, q.rcvId, q.rcvKey), 'OK', 'ACK after OFF')
      expectResponse(await a.call({ type: 'OFF' }, q.rcvId, q.rcvKey), 'OK', 'second OFF')
    },
  },
  {
    name: 'DEL deletes the queue, its messages and notifier: every later command gets AUTH',
    spec: 'smp.md §11.8',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      const nk = ctx.crypto.generateSignKeyPair('ed25519')
      const rcvNtfDhKey = ctx.crypto.generateDhKeyPair('x25519')
      const nid = expectResponse(
        await a.call({ type: 'NKEY', ntfAuthKey: nk, rcvNtfDhKey }, q.rcvId, q.rcvKey),
        'NID',
        'NKEY',
      )
      expectResponse(await send(b, q.sndId, utf8('doomed')), 'OK')
      expectResponse(await a.call({ type: 'DEL' }, q.rcvId, q.rcvKey), 'OK', 'DEL')
      expectError(await send(b, q.sndId, utf8('x')), 'AUTH', 'SEND after DEL')
      const c = await ctx.open()
      expectError(await c.call({ type: 'SUB' }, q.rcvId, q.rcvKey), 'AUTH', 'SUB after DEL')
      expectError(await c.call({ type: 'NSUB' }, nid.notifierId, nk), 'AUTH', 'NSUB after DEL')
      expectError(await a.call({ type: 'DEL' }, q.rcvId, q.rcvKey), 'AUTH', 'second DEL')
    },
  },
  {
    name: 'a queue holds the quota of messages; one more gets QUOTA; ACK frees a place',
    spec: 'smp.md §11.7',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      const batch = 16
      for (let i = 0; i < ctx.quota; i += batch) {
        const n = Math.min(batch, ctx.quota - i)
        const ids = await b.sendCommands(
          Array.from({ length: n }, (_, k) => ({
            command: { type: 'SEND', flags: { notification: false }, body: utf8(`m${i + k}`) },
            entityId: q.sndId,
          })),
        )
        for (const id of ids) expectResponse(await b.response(id), 'OK', `SEND within the quota`)
      }
      expectError(await send(b, q.sndId, utf8('over')), 'QUOTA', `SEND number ${ctx.quota + 1}`)
      const m0 = expectResponse(await a.pushed('MSG'), 'MSG')
      expectBytes(ctx.decrypt(q, m0).body, utf8('m0'), 'first message')
      expectResponse(await a.call({ type: 'ACK', msgId: m0.msgId }, q.rcvId, q.rcvKey), 'MSG', 'ACK')
      expectResponse(await send(b, q.sndId, utf8('fits again')), 'OK', 'SEND after ACK')
      expectError(await send(b, q.sndId, utf8('over again')), 'QUOTA', 'SEND over the quota again')
    },
  },
]

/** Queues created per connection in the burst case (10 connections, 50 concurrent NEW each, repeated). */
const BURST_QUEUES = 6000

/**
 * The relay keeps answering under a sustained burst of queue creation: a
 * relay that persists queues must not stall its answers while its log grows
 * (and is compacted). Run at v4 only (it is about load, not encodings).
 */
export const burstCase: ConformanceCase = {
  name: `a burst of ${BURST_QUEUES} NEW over 10 connections is answered without stalling`,
  spec: 'smp.md §11.2, §13',
  versions: [4],
  async run(ctx) {
    const conns = await Promise.all(Array.from({ length: 10 }, () => ctx.open()))
    const rcvKey = ctx.crypto.generateSignKeyPair('ed25519')
    const rcvDhKey = ctx.crypto.generateDhKeyPair('x25519')
    for (let done = 0; done < BURST_QUEUES; done += 500) {
      await Promise.all(
        conns.map(async (c) => {
          const ids = await c.sendCommands(
            Array.from(
              { length: 50 },
              () => ({ command: { type: 'NEW', rcvAuthKey: rcvKey, rcvDhKey }, key: rcvKey }) as const,
            ),
          )
          for (const id of ids) expectResponse(await c.response(id), 'IDS', `NEW number ${done + 50}`)
        }),
      )
    }
  },
}
