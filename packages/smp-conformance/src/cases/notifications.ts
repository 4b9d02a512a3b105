/**
 * Cases for notifier credentials and notifications: `NKEY`/`NID`, `NSUB`,
 * `NMSG` and its encrypted metadata, `END` for notifier subscriptions, `NDEL`.
 *
 * @see ../shared/spec/smp.md §10
 */
import { utf8 } from '@simplex-ts/core'
import { type SmpVersion, decryptNMsgMeta } from '@simplex-ts/smp'
import { check, expectBytes, expectError, expectResponse } from '../assert'
import type { ConformanceCase } from '../case'
import type { CaseContext, RawQueue } from '../context'
import type { RawConnection } from '../raw'
import { send } from './commands'

/** `SEND` flags exist from v2: a v1 case sends its notifying messages over a v4 connection. */
function senderVersion(v: SmpVersion): SmpVersion {
  return v >= 2 ? v : 4
}

async function withNotifier(ctx: CaseContext): Promise<{
  a: RawConnection
  q: RawQueue
  nk: ReturnType<CaseContext['crypto']['generateSignKeyPair']>
  notifierId: Uint8Array
  secret: Uint8Array
}> {
  const a = await ctx.open()
  const q = await ctx.newQueue(a)
  const nk = ctx.crypto.generateSignKeyPair('ed25519')
  const dh = ctx.crypto.generateDhKeyPair('x25519')
  const r = await a.call({ type: 'NKEY', ntfAuthKey: nk, rcvNtfDhKey: dh }, q.rcvId, q.rcvKey)
  const nid = expectResponse(r, 'NID', 'NKEY')
  expectBytes(r.entityId, q.rcvId, 'NID entity id')
  check(nid.notifierId.length === 24, `notifier id must be 24 bytes, got ${nid.notifierId.length}`)
  const secret = ctx.crypto.dh('x25519', dh.privateKey, nid.srvNtfDhKey.publicKey)
  return { a, q, nk, notifierId: nid.notifierId, secret }
}

/** The notification cases. */
export const notificationCases: readonly ConformanceCase[] = [
  {
    name: 'NKEY answers NID; SEND with the notification flag pushes NMSG whose metadata names the message',
    spec: 'smp.md §10',
    async run(ctx) {
      const { a, q, nk, notifierId, secret } = await withNotifier(ctx)
      const n = await ctx.open()
      expectResponse(await n.call({ type: 'NSUB' }, notifierId, nk), 'OK', 'NSUB')
      const s = await ctx.open(senderVersion(ctx.version))
      expectResponse(await send(s, q.sndId, utf8('notify me'), { notification: true }), 'OK', 'SEND T')
      const pushed = await n.pushed('NMSG')
      expectBytes(pushed.entityId, notifierId, 'NMSG entity id')
      const nmsg = expectResponse(pushed, 'NMSG')
      check(nmsg.encMeta.length === 144, `encrypted metadata must be 144 bytes, got ${nmsg.encMeta.length}`)
      const meta = decryptNMsgMeta(ctx.crypto, secret, nmsg.nonce, nmsg.encMeta)
      const m = expectResponse(await a.pushed('MSG'), 'MSG')
      expectBytes(meta.msgId, m.msgId, 'NMSG metadata message id')
      check(meta.msgTs === ctx.decrypt(q, m).msgTs, 'NMSG metadata timestamp must be the message’s')
      expectResponse(await send(s, q.sndId, utf8('quiet'), { notification: false }), 'OK', 'SEND F')
      await n.quiet(100, (x) => x.response.type === 'NMSG')
    },
  },
  {
    name: 'a second NKEY replaces the notifier: new id, NSUB with the old one gets AUTH',
    spec: 'smp.md §10',
    async run(ctx) {
      const { a, q, nk, notifierId } = await withNotifier(ctx)
      const nk2 = ctx.crypto.generateSignKeyPair('ed25519')
      const dh2 = ctx.crypto.generateDhKeyPair('x25519')
      const r = await a.call({ type: 'NKEY', ntfAuthKey: nk2, rcvNtfDhKey: dh2 }, q.rcvId, q.rcvKey)
      const nid2 = expectResponse(r, 'NID', 'second NKEY')
      check(nid2.notifierId.join() !== notifierId.join(), 'a new notifier id each time')
      const n = await ctx.open()
      expectError(await n.call({ type: 'NSUB' }, notifierId, nk), 'AUTH', 'NSUB with the old id')
      expectResponse(await n.call({ type: 'NSUB' }, nid2.notifierId, nk2), 'OK', 'NSUB with the new id')
    },
  },
  {
    name: 'NSUB from another connection moves the subscription and sends END (notifier id) to the first',
    spec: 'smp.md §10',
    async run(ctx) {
      const { q, nk, notifierId } = await withNotifier(ctx)
      const n1 = await ctx.open()
      const n2 = await ctx.open()
      expectResponse(await n1.call({ type: 'NSUB' }, notifierId, nk), 'OK', 'first NSUB')
      expectResponse(await n2.call({ type: 'NSUB' }, notifierId, nk), 'OK', 'second NSUB')
      const end = await n1.pushed('END')
      expectBytes(end.entityId, notifierId, 'END entity id')
      const s = await ctx.open(senderVersion(ctx.version))
      expectResponse(await send(s, q.sndId, utf8('n'), { notification: true }), 'OK')
      expectResponse(await n2.pushed('NMSG'), 'NMSG')
      await n1.quiet(100, (x) => x.response.type === 'NMSG')
    },
  },
  {
    name: 'NDEL removes the notifier: NSUB gets AUTH and the old subscriber gets no NMSG',
    spec: 'smp.md §10',
    async run(ctx) {
      const { a, q, nk, notifierId } = await withNotifier(ctx)
      const n = await ctx.open()
      expectResponse(await n.call({ type: 'NSUB' }, notifierId, nk), 'OK', 'NSUB')
      expectResponse(await a.call({ type: 'NDEL' }, q.rcvId, q.rcvKey), 'OK', 'NDEL')
      const s = await ctx.open(senderVersion(ctx.version))
      expectResponse(await send(s, q.sndId, utf8('n'), { notification: true }), 'OK')
      await n.quiet(100, (x) => x.response.type === 'NMSG')
      const n2 = await ctx.open()
      expectError(await n2.call({ type: 'NSUB' }, notifierId, nk), 'AUTH', 'NSUB after NDEL')
    },
  },
  {
    name: 'NSUB with a wrong key or a recipient id, NKEY with a wrong key get AUTH',
    spec: 'smp.md §4.2, §10',
    async run(ctx) {
      const { a, q, nk, notifierId } = await withNotifier(ctx)
      const other = ctx.crypto.generateSignKeyPair('ed25519')
      expectError(await a.call({ type: 'NSUB' }, notifierId, other), 'AUTH', 'NSUB, wrong key')
      expectError(await a.call({ type: 'NSUB' }, q.rcvId, nk), 'AUTH', 'NSUB with the recipient id')
      const dh = ctx.crypto.generateDhKeyPair('x25519')
      expectError(
        await a.call({ type: 'NKEY', ntfAuthKey: nk, rcvNtfDhKey: dh }, q.rcvId, other),
        'AUTH',
        'NKEY, wrong key',
      )
      const plain = await ctx.newQueue(a)
      expectError(await a.call({ type: 'NSUB' }, plain.rcvId, plain.rcvKey), 'AUTH', 'NSUB without NKEY')
    },
  },
]
