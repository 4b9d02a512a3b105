/**
 * The agent's records: the cached send queue follows committed state only (rolled-back writes
 * never reach it; a backlog past the cache's bound is read from storage again).
 */
import { encodeKey } from '@simplex-ts/storage'
import { createMemoryStorage } from '@simplex-ts/storage'
import { openSqliteStorage } from '@simplex-ts/storage/sqlite'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ConnRecord, PendingMessage } from '../src/connection'
import * as store from '../src/store'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-store-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

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
