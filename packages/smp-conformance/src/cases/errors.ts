/**
 * Cases for every error path of transmission parsing and credential checks:
 * `CMD UNKNOWN`, `CMD SYNTAX`, `CMD NO_AUTH`, `CMD HAS_AUTH`,
 * `CMD NO_ENTITY`, `SESSION`, `BLOCK`, and v4 batch handling.
 *
 * @see ../shared/spec/smp.md §3, §4.1, §7
 * @see ../shared/spec/transport.md §8
 */
import { Encoder, encodePublicKey, latin1 } from '@simplex-ts/core'
import { check, expectBytes, expectError, expectResponse } from '../assert'
import type { ConformanceCase } from '../case'
import type { RawConnection } from '../raw'

const EMPTY = new Uint8Array(0)

async function rawCall(
  c: RawConnection,
  parts: Omit<Parameters<RawConnection['encodeRaw']>[0], 'corrId'>,
): Promise<ReturnType<RawConnection['response']>> {
  const corrId = c.nextCorrId()
  await c.sendTransmissions([c.encodeRaw({ ...parts, corrId })])
  return c.response(corrId)
}

/** The error-path cases. */
export const errorCases: readonly ConformanceCase[] = [
  {
    name: 'an unknown command, or a server message sent as a command, gets CMD UNKNOWN',
    spec: 'smp.md §3, §6, §7',
    async run(ctx) {
      const c = await ctx.open()
      expectError(await rawCall(c, { command: latin1('HELLO') }), 'CMD UNKNOWN', 'HELLO')
      expectError(await rawCall(c, { command: latin1('OK') }), 'CMD UNKNOWN', 'OK')
      expectError(await rawCall(c, { command: latin1('PONG') }), 'CMD UNKNOWN', 'PONG')
    },
  },
  {
    name: 'a known command with malformed parameters or trailing bytes gets CMD SYNTAX',
    spec: 'smp.md §2.1, §2.2, §3, §7',
    async run(ctx) {
      const c = await ctx.open()
      const q = await ctx.newQueue(c)
      const key = q.rcvKey
      expectError(
        await rawCall(c, { command: latin1('SUB extra'), entityId: q.rcvId, key }),
        'CMD SYNTAX',
        'SUB with trailing bytes',
      )
      expectError(
        await rawCall(c, { command: latin1('KEY \x03abc'), entityId: q.rcvId, key }),
        'CMD SYNTAX',
        'KEY with a malformed key',
      )
      const x25519 = ctx.crypto.generateDhKeyPair('x25519')
      expectError(
        await rawCall(c, {
          command: new Encoder().ascii('KEY ').str8(encodePublicKey(x25519)).finish(),
          entityId: q.rcvId,
          key,
        }),
        'CMD SYNTAX',
        'KEY with an X25519 key',
      )
      const auth = ctx.crypto.generateSignKeyPair('ed25519')
      const x448 = ctx.crypto.generateDhKeyPair('x448')
      expectError(
        await rawCall(c, {
          command: new Encoder()
            .ascii('NEW ')
            .str8(encodePublicKey(auth))
            .str8(encodePublicKey(x448))
            .finish(),
          key: auth,
        }),
        'CMD SYNTAX',
        'NEW with an X448 DH key',
      )
      if (ctx.version >= 2) {
        expectError(
          await rawCall(c, { command: latin1('SEND X body'), entityId: q.sndId }),
          'CMD SYNTAX',
          'SEND with a bad flag byte',
        )
        expectError(
          await rawCall(c, { command: latin1('ACK'), entityId: q.rcvId, key }),
          'CMD SYNTAX',
          'ACK without a message id',
        )
      }
    },
  },
  {
    name: 'commands needing a signature or entity without one get CMD NO_AUTH',
    spec: 'smp.md §4.1',
    async run(ctx) {
      const c = await ctx.open()
      const q = await ctx.newQueue(c)
      const rcvDhKey = ctx.crypto.generateDhKeyPair('x25519')
      expectError(
        await c.call({ type: 'NEW', rcvAuthKey: q.rcvKey, rcvDhKey }),
        'CMD NO_AUTH',
        'unsigned NEW',
      )
      expectError(await c.call({ type: 'SUB' }, q.rcvId), 'CMD NO_AUTH', 'unsigned SUB')
      expectError(await c.call({ type: 'DEL' }, EMPTY, q.rcvKey), 'CMD NO_AUTH', 'DEL without entity')
      expectError(await c.call({ type: 'NSUB' }, q.rcvId), 'CMD NO_AUTH', 'unsigned NSUB')
    },
  },
  {
    name: 'NEW with an entity id, PING with an entity id or a signature get CMD HAS_AUTH',
    spec: 'smp.md §4.1',
    async run(ctx) {
      const c = await ctx.open()
      const key = ctx.crypto.generateSignKeyPair('ed25519')
      const rcvDhKey = ctx.crypto.generateDhKeyPair('x25519')
      const entity = ctx.crypto.randomBytes(24)
      expectError(
        await c.call({ type: 'NEW', rcvAuthKey: key, rcvDhKey }, entity, key),
        'CMD HAS_AUTH',
        'NEW with entity',
      )
      expectError(await c.call({ type: 'PING' }, entity), 'CMD HAS_AUTH', 'PING with entity')
      expectError(await c.call({ type: 'PING' }, EMPTY, key), 'CMD HAS_AUTH', 'signed PING')
    },
  },
  {
    name: 'SEND without an entity id gets CMD NO_ENTITY',
    spec: 'smp.md §4.1',
    async run(ctx) {
      const c = await ctx.open()
      const r = await c.call({ type: 'SEND', flags: { notification: false }, body: latin1('x') })
      expectError(r, 'CMD NO_ENTITY')
    },
  },
  {
    name: 'a transmission with another session id gets SESSION, corrId kept, entity empty',
    spec: 'smp.md §3',
    async run(ctx) {
      const c = await ctx.open()
      const q = await ctx.newQueue(c)
      const r = await rawCall(c, {
        command: latin1('SUB'),
        entityId: q.rcvId,
        key: q.rcvKey,
        sessionId: ctx.crypto.randomBytes(c.sessionId.length),
      })
      expectError(r, 'SESSION')
      check(r.entityId.length === 0, 'ERR SESSION must have an empty entity id')
    },
  },
  {
    name: 'a signature of invalid length gets BLOCK, corrId kept, entity empty',
    spec: 'smp.md §2.3, §3',
    async run(ctx) {
      const c = await ctx.open()
      const q = await ctx.newQueue(c)
      const r = await rawCall(c, {
        command: latin1('SUB'),
        entityId: q.rcvId,
        signature: ctx.crypto.randomBytes(10),
      })
      expectError(r, 'BLOCK')
      check(r.entityId.length === 0, 'ERR BLOCK must have an empty entity id')
    },
  },
  {
    name: 'a transmission that cannot be split into its fields gets BLOCK with empty corrId',
    spec: 'smp.md §3',
    async run(ctx) {
      const c = await ctx.open()
      await c.sendTransmissions([Uint8Array.of(0x05, 0x01)])
      const r = await c.wait((x) => x.response.type === 'ERR', 'ERR for a truncated transmission')
      expectError(r, 'BLOCK')
      check(r.corrId === '', 'the corrId of an unreadable transmission is empty')
      expectResponse(await c.call({ type: 'PING' }), 'PONG', 'the connection stays usable')
    },
  },
  {
    name: 'v4: a batch with count 0 or trailing bytes gets one BLOCK; the connection stays usable',
    spec: 'transport.md §8',
    versions: [4],
    async run(ctx) {
      const c = await ctx.open()
      await c.sendBlockContent(Uint8Array.of(0))
      expectError(await c.wait((x) => x.response.type === 'ERR', 'ERR for count 0'), 'BLOCK', 'count 0')
      const ping = c.encode({ command: { type: 'PING' }, corrId: 'x' })
      const trailing = new Encoder().u8(1).large(ping).u8(0xff).finish()
      await c.sendBlockContent(trailing)
      expectError(
        await c.wait((x) => x.response.type === 'ERR', 'ERR for trailing bytes'),
        'BLOCK',
        'trailing',
      )
      expectResponse(await c.call({ type: 'PING' }), 'PONG', 'PING after bad batches')
    },
  },
  {
    name: 'v4: every transmission of a batch is answered by its corrId; a bad item fails alone',
    spec: 'transport.md §8',
    versions: [4],
    async run(ctx) {
      const c = await ctx.open()
      const key = ctx.crypto.generateSignKeyPair('ed25519')
      const rcvDhKey = ctx.crypto.generateDhKeyPair('x25519')
      const good = c.encode({ command: { type: 'PING' }, corrId: 'p1' })
      const bad = c.encodeRaw({ command: latin1('HELLO'), corrId: 'bad' })
      const nw = c.encode({ command: { type: 'NEW', rcvAuthKey: key, rcvDhKey }, key, corrId: 'new' })
      const good2 = c.encode({ command: { type: 'PING' }, corrId: 'p2' })
      await c.sendBlockContent(new Encoder().u8(4).large(good).large(bad).large(nw).large(good2).finish())
      expectResponse(await c.response('p1'), 'PONG', 'p1')
      expectError(await c.response('bad'), 'CMD UNKNOWN', 'bad item')
      const ids = expectResponse(await c.response('new'), 'IDS', 'NEW in a batch')
      check(ids.rcvId.length > 0, 'IDS carries ids')
      expectResponse(await c.response('p2'), 'PONG', 'p2')
    },
  },
  {
    name: 'the relay correlates by corrId: any corrId up to 255 bytes is echoed',
    spec: 'smp.md §3',
    async run(ctx) {
      const c = await ctx.open()
      const corrId = 'c'.repeat(255)
      await c.sendTransmissions([c.encode({ command: { type: 'PING' }, corrId })])
      const r = await c.response(corrId)
      expectResponse(r, 'PONG')
      expectBytes(latin1(r.corrId), latin1(corrId), 'echoed corrId')
    },
  },
]
