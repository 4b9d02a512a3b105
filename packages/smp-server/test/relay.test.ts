import type { KeyPair, SignAlg } from '@simplex-ts/core'
import { type SmpVersion, decryptDeliveredMessage, decryptNMsgMeta } from '@simplex-ts/smp'
import { generateServerCredentials } from '@simplex-ts/transport/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../src/server'
import { RawClient, type Received, crypto } from './client'

const creds = generateServerCredentials({ alg: 'ed25519' })
let server: RunningServer

beforeAll(async () => {
  server = await startServer({ credentials: creds, port: 0, wsPort: 0 })
})
afterAll(async () => {
  await server.close()
})

const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array) => new TextDecoder().decode(b)

interface Q {
  rid: Uint8Array
  sid: Uint8Array
  rKey: KeyPair<SignAlg>
  secret: Uint8Array
}

async function newQueue(c: RawClient, alg: SignAlg = 'ed25519'): Promise<Q> {
  const rKey = crypto.generateSignKeyPair(alg)
  const dh = crypto.generateDhKeyPair('x25519')
  const r = await c.call({
    command: {
      type: 'NEW',
      rcvAuthKey: { alg, publicKey: rKey.publicKey },
      rcvDhKey: { alg: 'x25519', publicKey: dh.publicKey },
    },
    key: rKey,
  })
  if (r.command.type !== 'IDS') throw new Error(`expected IDS, got ${JSON.stringify(r.command)}`)
  expect(r.entityId).toHaveLength(0)
  return {
    rid: r.command.rcvId,
    sid: r.command.sndId,
    rKey,
    secret: crypto.dh('x25519', dh.privateKey, r.command.srvDhKey.publicKey),
  }
}

function body(r: Received, q: Q, version: SmpVersion): string {
  if (r.command.type !== 'MSG') throw new Error(`expected MSG, got ${JSON.stringify(r.command)}`)
  return dec(decryptDeliveredMessage(crypto, q.secret, r.command, version).body)
}

const send = (q: Q, text: string, key?: KeyPair<SignAlg>, notification = false) => ({
  entityId: q.sid,
  command: { type: 'SEND' as const, flags: { notification }, body: enc(text) },
  ...(key === undefined ? {} : { key }),
})
const rcmd = (q: Q, command: { type: 'SUB' | 'GET' | 'OFF' | 'DEL' | 'NDEL' }) => ({
  entityId: q.rid,
  command,
  key: q.rKey,
})
const ack = (q: Q, msgId: Uint8Array) => ({
  entityId: q.rid,
  command: { type: 'ACK' as const, msgId },
  key: q.rKey,
})

describe.each([1, 2, 3, 4] as const)('SMP v%i over TLS', (v) => {
  it('NEW → KEY → SEND → MSG → ACK, re-encrypted per version', async () => {
    const r = await RawClient.connect(server, v)
    const s = await RawClient.connect(server, v)
    try {
      const q = await newQueue(r, v % 2 === 0 ? 'ed448' : 'ed25519')
      // confirmation: unsigned before KEY
      expect((await s.call(send(q, 'hello'))).command).toEqual({ type: 'OK' })
      const m1 = await r.next()
      expect(m1.corrId).toBe('')
      expect(m1.entityId).toEqual(q.rid)
      expect(body(m1, q, v)).toBe('hello')
      const sKey = crypto.generateSignKeyPair('ed25519')
      const key = await r.call({
        entityId: q.rid,
        command: { type: 'KEY', sndAuthKey: { alg: 'ed25519', publicKey: sKey.publicKey } },
        key: q.rKey,
      })
      expect(key.command).toEqual({ type: 'OK' })
      // now SEND must be signed with the sender key
      expect((await s.call(send(q, 'unsigned'))).command).toEqual({ type: 'ERR', error: 'AUTH' })
      expect((await s.call(send(q, 'signed', sKey))).command).toEqual({ type: 'OK' })
      if (m1.command.type !== 'MSG') return
      const next = await r.call(ack(q, v === 1 ? new Uint8Array(0) : m1.command.msgId))
      expect(body(next, q, v)).toBe('signed')
      if (next.command.type !== 'MSG') return
      expect((await r.call(ack(q, v === 1 ? new Uint8Array(0) : next.command.msgId))).command).toEqual({
        type: 'OK',
      })
      expect((await r.call(ack(q, next.command.msgId))).command).toEqual({ type: 'ERR', error: 'NO_MSG' })
    } finally {
      await r.close()
      await s.close()
    }
  })
})

describe('relay semantics over TLS (v4)', () => {
  it('a second SUB from another connection ENDs the first', async () => {
    const a = await RawClient.connect(server)
    const b = await RawClient.connect(server)
    try {
      const q = await newQueue(a)
      expect((await b.call(rcmd(q, { type: 'SUB' }))).command).toEqual({ type: 'OK' })
      const end = await a.next()
      expect(end).toMatchObject({ corrId: '', command: { type: 'END' } })
      expect(end.entityId).toEqual(q.rid)
      await b.send({ corrId: 's', ...send(q, 'x') })
      const got = await b.take(2)
      expect(got.find((g) => g.corrId === 's')?.command).toEqual({ type: 'OK' })
      expect(body(got.find((g) => g.corrId === '')!, q, 4)).toBe('x')
      expect(await a.quiet()).toBe(true)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('quota: the 129th SEND is ERR QUOTA; GET/ACK drain; GET on a subscribed connection is PROHIBITED', async () => {
    const r = await RawClient.connect(server)
    const g = await RawClient.connect(server)
    const s = await RawClient.connect(server)
    try {
      const q = await newQueue(r)
      const sends = Array.from({ length: 129 }, (_, i) => send(q, `m${i}`))
      await s.send(...sends)
      const answers = await s.take(129)
      expect(answers.filter((a) => a.command.type === 'OK')).toHaveLength(128)
      expect(answers[128]!.command).toEqual({ type: 'ERR', error: 'QUOTA' })
      expect(body(await r.next(), q, 4)).toBe('m0')
      expect((await r.call(rcmd(q, { type: 'GET' }))).command).toEqual({
        type: 'ERR',
        error: 'CMD PROHIBITED',
      })
      const got = await g.call(rcmd(q, { type: 'GET' }))
      expect(body(got, q, 4)).toBe('m0')
      if (got.command.type !== 'MSG') return
      expect((await g.call(ack(q, got.command.msgId))).command).toEqual({ type: 'OK' })
      expect(body(await g.call(rcmd(q, { type: 'GET' })), q, 4)).toBe('m1')
      expect((await g.call(rcmd(q, { type: 'SUB' }))).command).toEqual({
        type: 'ERR',
        error: 'CMD PROHIBITED',
      })
    } finally {
      await Promise.all([r.close(), g.close(), s.close()])
    }
  })

  it('answers one batch of commands in one block, MSG first', async () => {
    const r = await RawClient.connect(server)
    try {
      const q = await newQueue(r)
      const s = await RawClient.connect(server)
      await s.call(send(q, 'one'))
      await s.close()
      const pushed = await r.next()
      if (pushed.command.type !== 'MSG') throw new Error('expected MSG')
      await r.send(
        { corrId: 'p1', command: { type: 'PING' } },
        { corrId: 'a', ...ack(q, pushed.command.msgId) },
        { corrId: 'p2', command: { type: 'PING' } },
      )
      const out = [await r.next(), await r.next(), await r.next()]
      expect(out.map((o) => `${o.corrId}:${o.command.type}`)).toEqual(['p1:PONG', 'a:OK', 'p2:PONG'])
      expect(new Set(out.map((o) => o.block)).size).toBe(1)
    } finally {
      await r.close()
    }
  })

  it('OFF refuses SEND; DEL removes the queue; repeated DEL is AUTH', async () => {
    const r = await RawClient.connect(server)
    try {
      const q = await newQueue(r)
      expect((await r.call(rcmd(q, { type: 'OFF' }))).command).toEqual({ type: 'OK' })
      expect((await r.call(send(q, 'x'))).command).toEqual({ type: 'ERR', error: 'AUTH' })
      expect((await r.call(rcmd(q, { type: 'DEL' }))).command).toEqual({ type: 'OK' })
      expect((await r.call(rcmd(q, { type: 'DEL' }))).command).toEqual({ type: 'ERR', error: 'AUTH' })
      expect((await r.call(rcmd(q, { type: 'SUB' }))).command).toEqual({ type: 'ERR', error: 'AUTH' })
    } finally {
      await r.close()
    }
  })

  it('NKEY → NID, NSUB, flagged SEND → NMSG the recipient can decrypt, END to the old NSUB, NDEL', async () => {
    const r = await RawClient.connect(server)
    const n1 = await RawClient.connect(server)
    const n2 = await RawClient.connect(server)
    try {
      const q = await newQueue(r)
      const nKey = crypto.generateSignKeyPair('ed448')
      const nDh = crypto.generateDhKeyPair('x25519')
      const nid = await r.call({
        entityId: q.rid,
        command: {
          type: 'NKEY',
          ntfAuthKey: { alg: 'ed448', publicKey: nKey.publicKey },
          rcvNtfDhKey: { alg: 'x25519', publicKey: nDh.publicKey },
        },
        key: q.rKey,
      })
      if (nid.command.type !== 'NID') throw new Error('expected NID')
      const ntfSecret = crypto.dh('x25519', nDh.privateKey, nid.command.srvNtfDhKey.publicKey)
      const nsub = { entityId: nid.command.notifierId, command: { type: 'NSUB' as const }, key: nKey }
      expect((await n1.call(nsub)).command).toEqual({ type: 'OK' })
      await r.send({ corrId: 's', ...send(q, 'quiet') })
      const two = await r.take(2)
      expect(two.find((g) => g.corrId === 's')?.command).toEqual({ type: 'OK' })
      const pushed = two.find((g) => g.corrId === '')!
      expect(await n1.quiet(100)).toBe(true)
      await r.send(send(q, 'loud', undefined, true))
      expect((await r.next()).command.type).toBe('OK')
      const nmsg = await n1.next()
      expect(nmsg.entityId).toEqual(nid.command.notifierId)
      if (nmsg.command.type !== 'NMSG') throw new Error('expected NMSG')
      const meta = decryptNMsgMeta(crypto, ntfSecret, nmsg.command.nonce, nmsg.command.encMeta)
      expect(meta.msgTs).toBeGreaterThan(1_600_000_000)
      // the notified message is the second one: ACK the first and compare ids
      if (pushed.command.type !== 'MSG') throw new Error('expected MSG')
      const second = await r.call(ack(q, pushed.command.msgId))
      if (second.command.type !== 'MSG') throw new Error('expected MSG')
      expect(meta.msgId).toEqual(second.command.msgId)
      expect((await n2.call(nsub)).command).toEqual({ type: 'OK' })
      expect((await n1.next()).command).toEqual({ type: 'END' })
      expect((await r.call(rcmd(q, { type: 'NDEL' }))).command).toEqual({ type: 'OK' })
      expect((await n2.call(nsub)).command).toEqual({ type: 'ERR', error: 'AUTH' })
    } finally {
      await Promise.all([r.close(), n1.close(), n2.close()])
    }
  })

  it('rejects malformed, unauthorized and mis-credentialed transmissions with the reference errors', async () => {
    const c = await RawClient.connect(server)
    try {
      const q = await newQueue(c)
      const other = crypto.generateSignKeyPair('ed25519')
      // bad signature, unknown queue, sender id used as recipient id
      expect((await c.call({ ...rcmd(q, { type: 'SUB' }), key: other })).command).toEqual({
        type: 'ERR',
        error: 'AUTH',
      })
      expect((await c.call({ ...rcmd(q, { type: 'SUB' }), entityId: new Uint8Array(24) })).command).toEqual({
        type: 'ERR',
        error: 'AUTH',
      })
      expect((await c.call({ ...rcmd(q, { type: 'SUB' }), entityId: q.sid })).command).toEqual({
        type: 'ERR',
        error: 'AUTH',
      })
      // ed448 signature for an ed25519 key
      expect(
        (await c.call({ ...rcmd(q, { type: 'SUB' }), key: crypto.generateSignKeyPair('ed448') })).command,
      ).toEqual({
        type: 'ERR',
        error: 'AUTH',
      })
      // credential shape
      expect((await c.call({ entityId: q.rid, command: { type: 'SUB' } })).command).toEqual({
        type: 'ERR',
        error: 'CMD NO_AUTH',
      })
      expect((await c.call({ command: { type: 'PING' }, key: other })).command).toEqual({
        type: 'ERR',
        error: 'CMD HAS_AUTH',
      })
      expect(
        (await c.call({ command: { type: 'SEND', flags: { notification: false }, body: enc('x') } })).command,
      ).toEqual({
        type: 'ERR',
        error: 'CMD NO_ENTITY',
      })
      // LARGE_MSG
      const big = {
        entityId: q.sid,
        command: { type: 'SEND' as const, flags: { notification: false }, body: new Uint8Array(16089) },
      }
      expect((await c.call(big)).command).toEqual({ type: 'ERR', error: 'LARGE_MSG' })
      // raw bytes: unknown tag, trailing bytes, wrong session id, bad batch framing
      const raw = (cmd: string, session = c.transport.sessionId) => {
        const s = new Uint8Array([0, session.length, ...session, 1, 0x7a, 0, ...enc(cmd)])
        return s
      }
      await c.transport.sendTransmissions([raw('HELLO'), raw('PING x'), raw('PING', new Uint8Array(32))])
      const errs = [await c.next(), await c.next(), await c.next()]
      expect(errs.map((e) => e.command)).toEqual([
        { type: 'ERR', error: 'CMD UNKNOWN' },
        { type: 'ERR', error: 'CMD SYNTAX' },
        { type: 'ERR', error: 'SESSION' },
      ])
      expect(errs.map((e) => e.corrId)).toEqual(['z', 'z', 'z'])
      await c.transport.sendBlock(Uint8Array.of(0))
      const blockErr = await c.next()
      expect(blockErr).toMatchObject({ corrId: '', command: { type: 'ERR', error: 'BLOCK' } })
      expect((await c.call({ command: { type: 'PING' } })).command).toEqual({ type: 'PONG' })
    } finally {
      await c.close()
    }
  })

  it('disconnects inactive clients when configured', async () => {
    const s2 = await startServer({
      credentials: creds,
      port: 0,
      inactiveClients: { ttl: 0.3, checkInterval: 0.1 },
    })
    try {
      const idle = await RawClient.connect(s2)
      const busy = await RawClient.connect(s2)
      for (let i = 0; i < 8; i++) {
        expect((await busy.call({ command: { type: 'PING' } })).command).toEqual({ type: 'PONG' })
        await new Promise((res) => setTimeout(res, 100))
      }
      expect(idle.transport.isClosed).toBe(true)
      expect(busy.transport.isClosed).toBe(false)
      await busy.close()
    } finally {
      await s2.close()
    }
  })

  it('creates a store folder that does not exist yet and keeps queues in it', async () => {
    const { mkdtempSync, readdirSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const base = mkdtempSync(join(tmpdir(), 'smp-store-'))
    const storeDir = join(base, 'nested', 'data')
    const s2 = await startServer({ credentials: creds, port: 0, storeDir })
    try {
      const c = await RawClient.connect(s2)
      await newQueue(c)
      await c.close()
    } finally {
      await s2.close()
    }
    try {
      expect(readdirSync(storeDir).length).toBeGreaterThan(0)
    } finally {
      rmSync(base, { recursive: true, force: true })
    }
  })

  it('serves the same protocol over WebSocket-in-TLS', async () => {
    const c = await RawClient.connect(server, 4, server.wsPort)
    try {
      expect((await c.call({ command: { type: 'PING' } })).command).toEqual({ type: 'PONG' })
      const q = await newQueue(c)
      await c.send({ corrId: 's', ...send(q, 'over ws') })
      const two = await c.take(2)
      expect(two.find((g) => g.corrId === 's')?.command).toEqual({ type: 'OK' })
      expect(body(two.find((g) => g.corrId === '')!, q, 4)).toBe('over ws')
    } finally {
      await c.close()
    }
  })
})
