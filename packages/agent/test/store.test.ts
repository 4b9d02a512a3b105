/**
 * The agent's records: the binary connection record round-trips every shape a connection takes
 * (and records stored as JSON by earlier versions still read the same), and the cached send queue
 * follows committed state only (rolled-back writes never reach it; a backlog past the cache's
 * bound is read from storage again).
 */
import { encodeKey } from '@simplex-ts/storage'
import { createMemoryStorage } from '@simplex-ts/storage'
import { openSqliteStorage } from '@simplex-ts/storage/sqlite'
import fc from 'fast-check'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ConnRecord, PendingMessage, RcvQueueRecord, SndQueueRecord } from '../src/connection'
import * as store from '../src/store'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-store-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
const signPair = fc.oneof(
  fc.record({ alg: fc.constant('ed25519' as const), publicKey: bytes(32), privateKey: bytes(32) }),
  fc.record({ alg: fc.constant('ed448' as const), publicKey: bytes(57), privateKey: bytes(57) }),
)
const x25519 = fc.record({ alg: fc.constant('x25519' as const), publicKey: bytes(32), privateKey: bytes(32) })
const x448 = fc.record({ alg: fc.constant('x448' as const), publicKey: bytes(56), privateKey: bytes(56) })
const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })

const rcvQueue: fc.Arbitrary<RcvQueueRecord> = fc.record(
  {
    server: fc.string({ maxLength: 80, unit: 'grapheme' }),
    rcvId: bytes(24),
    sndId: bytes(24),
    rcvAuthKey: signPair,
    rcvDhSecret: bytes(32),
    e2eDhKey: x25519,
    e2eDhSecret: bytes(32),
    status: fc.constantFrom('new', 'confirmed', 'secured', 'active', 'disabled'),
    senderKey: signPair.map(({ alg, publicKey }) => ({ alg, publicKey })),
    lastBrokerId: fc.uint8Array({ maxLength: 24 }),
  },
  { requiredKeys: ['server', 'rcvId', 'sndId', 'rcvAuthKey', 'rcvDhSecret', 'e2eDhKey', 'status'] },
)

const sndQueue: fc.Arbitrary<SndQueueRecord> = fc.record({
  server: fc.string({ maxLength: 80, unit: 'grapheme' }),
  sndId: bytes(24),
  sndAuthKey: signPair,
  e2eDhKey: x25519,
  e2eDhSecret: bytes(32),
  status: fc.constantFrom('new', 'confirmed', 'active'),
})

const conn: fc.Arbitrary<ConnRecord> = fc.record(
  {
    connId: fc.string({ minLength: 1, maxLength: 16 }),
    mode: fc.constantFrom('invitation', 'contact'),
    initiator: fc.boolean(),
    agentVersion: fc.integer({ min: 0, max: 0xffff }),
    duplex: fc.boolean(),
    rcvQueue,
    sndQueue,
    e2eKeys: fc.record({ key1: x448, key2: x448 }),
    ownInfo: fc.uint8Array({ maxLength: 20_000 }),
    helloAt: count,
    connected: fc.boolean(),
    lastInternalId: count,
    lastInternalSndId: count,
    lastInternalRcvId: count,
    lastExternalSndId: count,
    lastSndHash: fc.uint8Array({ maxLength: 32 }),
    lastRcvHash: fc.uint8Array({ maxLength: 32 }),
    createdAt: count,
  },
  {
    requiredKeys: [
      'connId',
      'mode',
      'initiator',
      'agentVersion',
      'duplex',
      'connected',
      'lastInternalId',
      'lastInternalSndId',
      'lastInternalRcvId',
      'lastExternalSndId',
      'lastSndHash',
      'lastRcvHash',
      'createdAt',
    ],
  },
)

/** The JSON the agent stored connection records as before the binary form. */
function legacyJson(c: ConnRecord): Uint8Array {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url')
  return new TextEncoder().encode(
    JSON.stringify(c, (_k, v: unknown) => (v instanceof Uint8Array ? { $b: b64(v) } : v)),
  )
}

describe('connection records', () => {
  it('round-trip through the binary form, and the JSON of earlier versions reads the same', () => {
    fc.assert(
      fc.property(conn, (c) => {
        const stored = store.encodeConn(c)
        expect(stored[0]).toBe(0x43)
        expect(store.decodeConn(stored)).toEqual(c)
        expect(store.decodeConn(legacyJson(c))).toEqual(c)
      }),
      { numRuns: 1_000 },
    )
  })

  it('a truncated or unknown-format record fails to decode instead of reading garbage', () => {
    const c = fc.sample(conn, { numRuns: 1, seed: 7 })[0]!
    const stored = store.encodeConn(c)
    for (const cut of [2, 10, stored.length - 1]) {
      expect(() => store.decodeConn(stored.subarray(0, cut))).toThrow()
    }
    const future = stored.slice()
    future[1] = 9
    expect(() => store.decodeConn(future)).toThrow(/format 9/)
  })
})

function pending(internalId: number): PendingMessage {
  return {
    internalId,
    kind: 'message',
    envelope: new Uint8Array(100).fill(internalId & 0xff),
    notification: true,
    queuedAt: 1,
  }
}

const ids = (ms: readonly PendingMessage[]) => ms.map((m) => m.internalId)

describe('cached send queue', () => {
  for (const [name, open] of [
    ['memory', async () => createMemoryStorage()],
    ['sqlite', () => openSqliteStorage({ path: path.join(dir, `pending-${Date.now()}.sqlite`) })],
  ] as const) {
    it(`follows commits only, and a backlog past its bound comes from storage (${name})`, async () => {
      const storage = await open()
      const db = new store.CachedStore(storage)
      const c: ConnRecord = {
        connId: 'c1',
        mode: 'invitation',
        initiator: true,
        agentVersion: 2,
        duplex: true,
        connected: true,
        lastInternalId: 0,
        lastInternalSndId: 0,
        lastInternalRcvId: 0,
        lastExternalSndId: 0,
        lastSndHash: new Uint8Array(0),
        lastRcvHash: new Uint8Array(0),
        createdAt: 0,
      }
      try {
        await db.transaction((tx) => db.putConn(tx, c))
        // empty queue: read once from storage, known from then on
        expect((await db.pendingWindow('c1', 8)).ms).toEqual([])
        await db.transaction(async (tx) => {
          for (const i of [1, 2, 3]) await db.putPending(tx, 'c1', pending(i))
        })
        expect(ids((await db.pendingWindow('c1', 8)).ms)).toEqual([1, 2, 3])
        expect(ids((await db.pendingWindow('c1', 2)).ms)).toEqual([1, 2])
        // a rolled-back transaction changes neither storage nor the cache
        await expect(
          db.transaction(async (tx) => {
            await db.deletePending(tx, 'c1', 1)
            await db.putPending(tx, 'c1', pending(4))
            throw new Error('abort')
          }),
        ).rejects.toThrow('abort')
        expect(ids((await db.pendingWindow('c1', 8)).ms)).toEqual([1, 2, 3])
        await db.transaction(async (tx) => {
          await db.deletePending(tx, 'c1', 1)
          await db.deletePending(tx, 'c1', 2)
          await db.putPending(tx, 'c1', pending(4))
        })
        expect(ids((await db.pendingWindow('c1', 8)).ms)).toEqual([3, 4])
        // a backlog: 100 more messages, past the cache's bound
        await db.transaction(async (tx) => {
          for (let i = 5; i < 105; i++) await db.putPending(tx, 'c1', pending(i))
        })
        expect(ids((await db.pendingWindow('c1', 8)).ms)).toEqual([3, 4, 5, 6, 7, 8, 9, 10])
        await db.transaction(async (tx) => {
          for (let i = 3; i < 100; i++) await db.deletePending(tx, 'c1', i)
        })
        expect(ids((await db.pendingWindow('c1', 8)).ms)).toEqual([100, 101, 102, 103, 104])
        // the cache and storage agree
        const stored = await storage.read((tx) => store.firstPending(tx, 'c1', 100))
        expect(ids(stored)).toEqual([100, 101, 102, 103, 104])
        expect(stored[0]!.envelope).toEqual(pending(100).envelope)
        // a record framed in place (the header written into room in front of the envelope) is
        // stored as the same bytes as a copied one
        const room = new Uint8Array(store.PENDING_HEADER_LENGTH + 100)
        room.set(pending(200).envelope, store.PENDING_HEADER_LENGTH)
        const framed = { ...pending(200), envelope: room.subarray(store.PENDING_HEADER_LENGTH) }
        await db.transaction((tx) => db.putPending(tx, 'c1', framed, room))
        await expect(
          db.transaction((tx) => db.putPending(tx, 'c1', pending(201), room.subarray(1))),
        ).rejects.toThrow(RangeError)
        const back = await storage.read((tx) => store.firstPending(tx, 'c1', 100))
        expect(ids(back)).toEqual([100, 101, 102, 103, 104, 200])
        expect(back[5]).toEqual(pending(200))
        const raw = await storage.read((tx) => tx.get('agent.snd', encodeKey('c1', 200)))
        expect(raw).toEqual(room)
        // deleting the connection forgets its queue
        await db.transaction((tx) => db.deleteConnRecords(tx, 'c1'))
        expect(await db.pendingWindow('c1', 8)).toEqual({ conn: undefined, ms: [] })
        expect(await storage.read((tx) => tx.range('agent.snd', { prefix: encodeKey('c1') }))).toEqual([])
      } finally {
        await storage.close()
      }
    })
  }
})
