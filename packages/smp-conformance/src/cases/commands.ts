/**
 * Cases for the basic commands: the hello, `PING`, `NEW`, `SEND` and the
 * delivered `MSG` per version, `KEY`, signature algorithms.
 *
 * @see ../shared/spec/smp.md §2.3, §4, §5, §6, §8, §9, §11.2–11.3
 */
import { type PrivateSignKey, type SmpVersion, MAX_MESSAGE_LENGTH } from '@simplex-ts/smp'
import { utf8 } from '@simplex-ts/core'
import { check, expectBytes, expectError, expectResponse } from '../assert'
import type { ConformanceCase } from '../case'
import type { RawConnection, RawReceived } from '../raw'

const ID_LENGTH = 24

/** `SEND` over `conn` (unsigned unless `key`), waiting for the answer. */
export function send(
  conn: RawConnection,
  sndId: Uint8Array,
  body: Uint8Array,
  options: { key?: PrivateSignKey; notification?: boolean } = {},
): Promise<RawReceived> {
  return conn.call(
    { type: 'SEND', flags: { notification: options.notification ?? false }, body },
    sndId,
    options.key,
  )
}

/** Delivered body size: v1/v2 pad 16090, v3+ pad 16106, plus the 16-byte tag. */
export function encBodyLength(v: SmpVersion): number {
  return v >= 3 ? 16122 : 16106
}

/** The basic command cases. */
export const commandCases: readonly ConformanceCase[] = [
  {
    name: 'hello negotiates the offered version',
    spec: 'transport.md §9',
    async run(ctx) {
      const c = await ctx.open()
      check(c.transport.serverVersionRange.min <= ctx.version, 'server range must include the version')
      check(c.transport.serverVersionRange.max >= ctx.version, 'server range must include the version')
    },
  },
  {
    name: 'PING is answered by PONG with the same corrId and no entity',
    spec: 'smp.md §5, §6',
    async run(ctx) {
      const c = await ctx.open()
      const r = await c.call({ type: 'PING' })
      expectResponse(r, 'PONG')
      check(r.entityId.length === 0, 'PONG must have an empty entity id')
    },
  },
  {
    name: 'NEW is answered by IDS: distinct 24-byte ids, X25519 server key, empty entity',
    spec: 'smp.md §5, §6, §11.1',
    async run(ctx) {
      const c = await ctx.open()
      const rcvKey = ctx.crypto.generateSignKeyPair('ed25519')
      const rcvDhKey = ctx.crypto.generateDhKeyPair('x25519')
      const r = await c.call({ type: 'NEW', rcvAuthKey: rcvKey, rcvDhKey }, undefined, rcvKey)
      const ids = expectResponse(r, 'IDS')
      check(r.entityId.length === 0, 'IDS must have an empty entity id')
      check(ids.rcvId.length === ID_LENGTH, `recipient id must be 24 bytes, got ${ids.rcvId.length}`)
      check(ids.sndId.length === ID_LENGTH, `sender id must be 24 bytes, got ${ids.sndId.length}`)
      check(ids.srvDhKey.alg === 'x25519', 'server DH key must be X25519')
      const q2 = await ctx.newQueue(c)
      check(q2.rcvId.join() !== ids.rcvId.join(), 'two queues must not share a recipient id')
    },
  },
  {
    name: 'NEW accepts an Ed448 recipient key and Ed448-signed commands',
    spec: 'smp.md §2.3',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a, 'ed448')
      const sk = ctx.crypto.generateSignKeyPair('ed448')
      expectResponse(await a.call({ type: 'KEY', sndAuthKey: sk }, q.rcvId, q.rcvKey), 'OK', 'KEY')
      expectResponse(await send(b, q.sndId, utf8('448'), { key: sk }), 'OK', 'Ed448-signed SEND')
      const ed25519 = ctx.crypto.generateSignKeyPair('ed25519')
      expectError(await send(b, q.sndId, utf8('x'), { key: ed25519 }), 'AUTH', 'SEND signed with Ed25519')
      expectResponse(await a.pushed('MSG'), 'MSG')
    },
  },
  {
    name: 'NEW signed with a key other than the one it registers gets AUTH',
    spec: 'smp.md §4.2',
    async run(ctx) {
      const c = await ctx.open()
      const rcvKey = ctx.crypto.generateSignKeyPair('ed25519')
      const other = ctx.crypto.generateSignKeyPair('ed25519')
      const rcvDhKey = ctx.crypto.generateDhKeyPair('x25519')
      expectError(await c.call({ type: 'NEW', rcvAuthKey: rcvKey, rcvDhKey }, undefined, other), 'AUTH')
    },
  },
  {
    name: 'SEND to an unsecured queue is pushed to the subscriber as MSG in this version’s format',
    spec: 'smp.md §6, §8.2, §8.3, §9, §11.2',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      const body = utf8(`conformance v${ctx.version}`)
      const notify = ctx.version >= 2
      const now = Date.now() / 1000
      expectResponse(await send(b, q.sndId, body, { notification: notify }), 'OK', 'SEND')
      const m = await a.pushed('MSG')
      expectBytes(m.entityId, q.rcvId, 'MSG entity id')
      const msg = expectResponse(m, 'MSG')
      check(msg.msgId.length === ID_LENGTH, `message id must be 24 bytes, got ${msg.msgId.length}`)
      check(
        msg.encBody.length === encBodyLength(ctx.version),
        `encrypted body must be ${encBodyLength(ctx.version)} bytes at v${ctx.version}, got ${msg.encBody.length}`,
      )
      const d = ctx.decrypt(q, msg)
      expectBytes(d.body, body, 'decrypted body')
      check(Math.abs(d.msgTs - now) < 300, `timestamp ${d.msgTs} is not the server's receive time`)
      check(d.msgFlags.notification === notify, 'delivered flags must be the sent flags')
    },
  },
  {
    name: 'SEND takes bodies up to 16088 bytes; longer gets LARGE_MSG',
    spec: 'smp.md §5',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      const max = new Uint8Array(MAX_MESSAGE_LENGTH).fill(0x61)
      expectResponse(await send(b, q.sndId, max), 'OK', '16088-byte SEND')
      const m = expectResponse(await a.pushed('MSG'), 'MSG')
      expectBytes(ctx.decrypt(q, m).body, max, 'decrypted 16088-byte body')
      const over = new Uint8Array(MAX_MESSAGE_LENGTH + 1).fill(0x62)
      expectError(await send(b, q.sndId, over), 'LARGE_MSG', '16089-byte SEND')
    },
  },
  {
    name: 'SEND to an unknown id, or to a recipient id, gets AUTH',
    spec: 'smp.md §4.2',
    async run(ctx) {
      const a = await ctx.open()
      const q = await ctx.newQueue(a)
      expectError(await send(a, ctx.crypto.randomBytes(24), utf8('x')), 'AUTH', 'unknown id')
      expectError(await send(a, q.rcvId, utf8('x')), 'AUTH', 'recipient id')
    },
  },
  {
    name: 'a signed SEND to an unsecured queue gets AUTH',
    spec: 'smp.md §4.2, §11.3',
    async run(ctx) {
      const a = await ctx.open()
      const q = await ctx.newQueue(a)
      const key = ctx.crypto.generateSignKeyPair('ed25519')
      expectError(await send(a, q.sndId, utf8('x'), { key }), 'AUTH')
    },
  },
  {
    name: 'KEY secures the queue: unsigned or wrongly signed SEND gets AUTH, the sender key works',
    spec: 'smp.md §11.3',
    async run(ctx) {
      const a = await ctx.open()
      const b = await ctx.open()
      const q = await ctx.newQueue(a)
      expectResponse(await send(b, q.sndId, utf8('confirmation')), 'OK', 'unsigned SEND before KEY')
      const sk = ctx.crypto.generateSignKeyPair('ed25519')
      expectResponse(await a.call({ type: 'KEY', sndAuthKey: sk }, q.rcvId, q.rcvKey), 'OK', 'KEY')
      expectError(await send(b, q.sndId, utf8('x')), 'AUTH', 'unsigned SEND after KEY')
      const other = ctx.crypto.generateSignKeyPair('ed25519')
      expectError(await send(b, q.sndId, utf8('x'), { key: other }), 'AUTH', 'SEND signed with another key')
      expectResponse(await send(b, q.sndId, utf8('signed'), { key: sk }), 'OK', 'signed SEND')
    },
  },
  {
    name: 'a second KEY gets AUTH, even with the same key',
    spec: 'smp.md §11.3',
    async run(ctx) {
      const a = await ctx.open()
      const q = await ctx.newQueue(a)
      const sk = ctx.crypto.generateSignKeyPair('ed25519')
      expectResponse(await a.call({ type: 'KEY', sndAuthKey: sk }, q.rcvId, q.rcvKey), 'OK', 'KEY')
      expectError(await a.call({ type: 'KEY', sndAuthKey: sk }, q.rcvId, q.rcvKey), 'AUTH', 'same key')
      const other = ctx.crypto.generateSignKeyPair('ed25519')
      expectError(await a.call({ type: 'KEY', sndAuthKey: other }, q.rcvId, q.rcvKey), 'AUTH', 'other key')
    },
  },
  {
    name: 'recipient commands with a wrong key, a sender id or an unknown id get AUTH',
    spec: 'smp.md §4.2',
    async run(ctx) {
      const a = await ctx.open()
      const q = await ctx.newQueue(a)
      const other = ctx.crypto.generateSignKeyPair('ed25519')
      const ed448 = ctx.crypto.generateSignKeyPair('ed448')
      const sk = ctx.crypto.generateSignKeyPair('ed25519')
      expectError(await a.call({ type: 'KEY', sndAuthKey: sk }, q.rcvId, other), 'AUTH', 'KEY, wrong key')
      expectError(await a.call({ type: 'SUB' }, q.rcvId, other), 'AUTH', 'SUB, wrong key')
      expectError(await a.call({ type: 'SUB' }, q.rcvId, ed448), 'AUTH', 'SUB, other algorithm')
      expectError(await a.call({ type: 'SUB' }, q.sndId, q.rcvKey), 'AUTH', 'SUB with the sender id')
      expectError(await a.call({ type: 'OFF' }, ctx.crypto.randomBytes(24), q.rcvKey), 'AUTH', 'unknown id')
      expectError(await a.call({ type: 'DEL' }, q.sndId, q.rcvKey), 'AUTH', 'DEL with the sender id')
    },
  },
]
