/**
 * Cases that need relay-side control (a restart), plus the client-level
 * cases: what an SDK client sees through reconnects.
 *
 * @see ../shared/spec/smp.md §11.4, §11.9, §13, §14
 */
import { equalBytes, utf8 } from '@simplex-ts/core'
import type { SmpClient, SmpClientEvent } from '@simplex-ts/smp'
import { ConformanceAssertionError, check, expectBytes, expectError, expectResponse } from '../assert'
import type { ConformanceCase } from '../case'
import { send } from './commands'

/**
 * The next event of `type` matching `match`, within `timeoutMs`.
 * @throws ConformanceAssertionError on timeout.
 */
export function nextEvent<T extends SmpClientEvent['type']>(
  client: SmpClient,
  type: T,
  match: (e: Extract<SmpClientEvent, { type: T }>) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<Extract<SmpClientEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const off = client.on(type, (e) => {
      if (!match(e)) return
      clearTimeout(timer)
      off()
      resolve(e)
    })
    const timer = setTimeout(() => {
      off()
      reject(new ConformanceAssertionError(`no ${type} event within ${timeoutMs} ms`))
    }, timeoutMs)
  })
}

/** The client-level and relay-control cases. */
export const restartCases: readonly ConformanceCase[] = [
  {
    name: 'client: create, secure, send, receive, acknowledge, get and delete a queue',
    spec: 'smp.md §5, §14',
    async run(ctx) {
      const alice = await ctx.client()
      const bob = await ctx.client()
      const q = await alice.createQueue()
      const bobKey = ctx.crypto.generateSignKeyPair('ed25519')
      const first = nextEvent(alice, 'message')
      await bob.send(q.sndId, utf8('hello'))
      const m1 = await first
      expectBytes(m1.message.body, utf8('hello'), 'confirmation body')
      await alice.secureQueue(q, bobKey)
      const second = nextEvent(alice, 'message')
      await alice.ack(q, m1.message.msgId)
      await bob.send(q.sndId, utf8('secured'), { signKey: bobKey })
      const m2 = await second
      expectBytes(m2.message.body, utf8('secured'), 'signed message body')
      await alice.ack(q, m2.message.msgId)
      await alice.delete(q)
      try {
        await bob.send(q.sndId, utf8('gone'), { signKey: bobKey })
        throw new ConformanceAssertionError('SEND after DEL succeeded')
      } catch (e) {
        check((e as { code?: string }).code === 'AUTH', `SEND after DEL: expected AUTH, got ${String(e)}`)
      }
    },
  },
  {
    name: 'restart: queues, sender keys and unacknowledged messages survive',
    spec: 'smp.md §11.4, §13',
    needsControl: true,
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      const sk = ctx.crypto.generateSignKeyPair('ed25519')
      expectResponse(await a.call({ type: 'KEY', sndAuthKey: sk }, q.rcvId, q.rcvKey), 'OK', 'KEY')
      for (const s of ['r1', 'r2']) expectResponse(await send(b, q.sndId, utf8(s), { key: sk }), 'OK')
      const m1 = expectResponse(await a.pushed('MSG'), 'MSG')
      await ctx.control!.restart()
      const c = await ctx.open()
      const again = expectResponse(await c.call({ type: 'SUB' }, q.rcvId, q.rcvKey), 'MSG', 'SUB')
      expectBytes(again.msgId, m1.msgId, 'unacknowledged message id after restart')
      const m2 = expectResponse(await c.call({ type: 'ACK', msgId: m1.msgId }, q.rcvId, q.rcvKey), 'MSG')
      expectBytes(ctx.decrypt(q, m2).body, utf8('r2'), 'second message after restart')
      expectResponse(await c.call({ type: 'ACK', msgId: m2.msgId }, q.rcvId, q.rcvKey), 'OK')
      const s = await ctx.open()
      expectError(await send(s, q.sndId, utf8('x')), 'AUTH', 'unsigned SEND to a secured queue after restart')
      expectResponse(await send(s, q.sndId, utf8('r3'), { key: sk }), 'OK', 'signed SEND after restart')
      expectResponse(await c.pushed('MSG'), 'MSG')
    },
  },
  {
    name: 'restart: deleted queues stay deleted, notifier credentials survive',
    spec: 'smp.md §10, §13',
    needsControl: true,
    async run(ctx) {
      const a = await ctx.open()
      const gone = await ctx.newQueue(a)
      expectResponse(await a.call({ type: 'DEL' }, gone.rcvId, gone.rcvKey), 'OK', 'DEL')
      const q = await ctx.newQueue(a)
      const nk = ctx.crypto.generateSignKeyPair('ed25519')
      const dh = ctx.crypto.generateDhKeyPair('x25519')
      const nid = expectResponse(
        await a.call({ type: 'NKEY', ntfAuthKey: nk, rcvNtfDhKey: dh }, q.rcvId, q.rcvKey),
        'NID',
      )
      await ctx.control!.restart()
      const c = await ctx.open()
      expectError(await c.call({ type: 'SUB' }, gone.rcvId, gone.rcvKey), 'AUTH', 'SUB of a deleted queue')
      const n = await ctx.open()
      expectResponse(await n.call({ type: 'NSUB' }, nid.notifierId, nk), 'OK', 'NSUB after restart')
      const s = await ctx.open(ctx.version >= 2 ? ctx.version : 4)
      expectResponse(await send(s, q.sndId, utf8('n'), { notification: true }), 'OK')
      expectResponse(await n.pushed('NMSG'), 'NMSG', 'NMSG after restart')
    },
  },
  {
    name: 'restart: the client reconnects, resubscribes, and gets unacknowledged messages again',
    spec: 'smp.md §11.4, §11.9, §14',
    needsControl: true,
    async run(ctx) {
      const alice = await ctx.client({ reconnect: { initialDelayMs: 50, maxDelayMs: 1000 } })
      const q = await alice.createQueue()
      const q2 = await alice.createQueue()
      const b = await ctx.open()
      const first = nextEvent(alice, 'message')
      expectResponse(await send(b, q.sndId, utf8('before restart')), 'OK')
      const m1 = await first
      const disconnected = nextEvent(alice, 'disconnected')
      const reconnected = nextEvent(alice, 'reconnected')
      const redelivered = nextEvent(alice, 'message', (e) => equalBytes(e.message.msgId, m1.message.msgId))
      await ctx.control!.restart()
      check((await disconnected).reconnecting, 'the client reconnects')
      const ev = await reconnected
      check(ev.resubscribed === 2, `expected 2 queues resubscribed, got ${ev.resubscribed}`)
      const again = await redelivered
      expectBytes(again.message.body, utf8('before restart'), 'redelivered body')
      await alice.ack(q, again.message.msgId)
      const after = nextEvent(alice, 'message', (e) => equalBytes(e.rcvId, q2.rcvId))
      const s = await ctx.open()
      expectResponse(await send(s, q2.sndId, utf8('after restart')), 'OK')
      expectBytes((await after).message.body, utf8('after restart'), 'message after reconnect')
    },
  },
]
