import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import {
  type Storage,
  StorageBackendError,
  StorageBusyError,
  StorageError,
  StorageFullError,
} from '../src/index'
import { openSqliteStorage } from '../src/sqlite'
import { describeCompliance } from './compliance'

const dir = mkdtempSync(join(tmpdir(), 'simplex-storage-sqlite-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const paths = new WeakMap<Storage, string>()
let n = 0

describeCompliance('sqlite adapter compliance', {
  name: 'sqlite',
  async create() {
    const path = join(dir, `db-${n++}.sqlite`)
    const st = await openSqliteStorage({ path })
    paths.set(st, path)
    return st
  },
  async reopen(st) {
    const path = paths.get(st)!
    await st.close()
    const again = await openSqliteStorage({ path })
    paths.set(again, path)
    return again
  },
})

describe('sqlite specifics', () => {
  it('uses WAL and a real table; another connection sees only commits', async () => {
    const path = join(dir, 'specifics.sqlite')
    const st = await openSqliteStorage({ path })
    const raw = new Database(path, { readonly: true })
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
      let release!: () => void
      const held = new Promise<void>((r) => {
        release = r
      })
      const writer = st.transaction(async (tx) => {
        await tx.put('n', new Uint8Array([1]), new Uint8Array([1]))
        await held
      })
      await new Promise((r) => setTimeout(r, 20))
      expect(raw.prepare('SELECT count(*) FROM kv').pluck().get()).toBe(0)
      release()
      await writer
      expect(raw.prepare('SELECT ns, hex(key) k, hex(value) v FROM kv').all()).toEqual([
        { ns: 'n', k: '01', v: '01' },
      ])
    } finally {
      raw.close()
      await st.close()
    }
  })

  it('a second process-level writer gets StorageBusyError (retriable) after the busy timeout, then succeeds', async () => {
    const path = join(dir, 'busy.sqlite')
    const a = await openSqliteStorage({ path })
    const b = await openSqliteStorage({ path, busyTimeoutMs: 50 })
    try {
      let release!: () => void
      const held = new Promise<void>((r) => {
        release = r
      })
      const writer = a.transaction(async (tx) => {
        await tx.put('n', new Uint8Array([1]), new Uint8Array([1]))
        await held
      })
      await new Promise((r) => setTimeout(r, 10))
      const err = await b
        .transaction((tx) => tx.put('n', new Uint8Array([2]), new Uint8Array([2])))
        .catch((e) => e)
      expect(err).toBeInstanceOf(StorageBusyError)
      expect((err as StorageBusyError).retriable).toBe(true)
      release()
      await writer
      await b.transaction((tx) => tx.put('n', new Uint8Array([2]), new Uint8Array([2])))
      expect((await b.read((tx) => tx.range('n'))).length).toBe(2)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('a read() keeps one snapshot even while another connection commits', async () => {
    const path = join(dir, 'snapshot.sqlite')
    const a = await openSqliteStorage({ path })
    const b = await openSqliteStorage({ path })
    try {
      await a.transaction((tx) => tx.put('n', new Uint8Array([1]), new Uint8Array([1])))
      const seen = await a.read(async (tx) => {
        const first = await tx.range('n')
        await b.transaction((t2) => t2.put('n', new Uint8Array([2]), new Uint8Array([2])))
        const second = await tx.range('n')
        return [first.length, second.length]
      })
      expect(seen).toEqual([1, 1])
      expect((await a.read((tx) => tx.range('n'))).length).toBe(2)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('refuses files that are not databases or have a newer schema', async () => {
    const junk = join(dir, 'junk.sqlite')
    writeFileSync(junk, 'this is not a database, just some text long enough to look like a header'.repeat(20))
    await expect(openSqliteStorage(junk)).rejects.toBeInstanceOf(StorageBackendError)
    const newer = join(dir, 'newer.sqlite')
    const raw = new Database(newer)
    raw.pragma('user_version = 7')
    raw.close()
    await expect(openSqliteStorage(newer)).rejects.toBeInstanceOf(StorageBackendError)
  })
})

describe('sqlite: full disk and bring-your-own connection', () => {
  it('a full database gives StorageFullError and rolls the whole transaction back', async () => {
    const path = join(dir, 'full.sqlite')
    const db = new Database(path)
    const st = await openSqliteStorage({ database: db })
    try {
      await st.transaction((tx) => tx.put('n', new Uint8Array([1]), new Uint8Array([1])))
      // The connection is the caller's: cap it at about 400 KiB.
      db.pragma('max_page_count = 100')
      const err = await st
        .transaction(async (tx) => {
          await tx.put('n', new Uint8Array([2]), new Uint8Array([2]))
          for (let i = 0; i < 100; i++) await tx.put('big', new Uint8Array([i]), new Uint8Array(64 * 1024))
        })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(StorageFullError)
      expect((err as StorageFullError).code).toBe('STORAGE_FULL')
      expect(await st.read((tx) => tx.namespaces())).toEqual(['n'])
      expect((await st.read((tx) => tx.range('n'))).length).toBe(1)
      // Swallowing the error inside the callback cannot commit half a transaction either.
      const outcome = await st
        .transaction(async (tx) => {
          await tx.put('n', new Uint8Array([3]), new Uint8Array([3]))
          try {
            for (let i = 0; i < 100; i++) await tx.put('big', new Uint8Array([i]), new Uint8Array(64 * 1024))
          } catch {}
          await tx.put('n', new Uint8Array([4]), new Uint8Array([4]))
          return 'committed'
        })
        .catch((e: unknown) => e)
      const keys = (await st.read((tx) => tx.range('n'))).map((e) => e.key[0])
      const big = (await st.read((tx) => tx.range('big'))).length
      // Either SQLite undid only the failing statement (then the rest commits) or it rolled
      // everything back and the transaction rejects: never a partial commit.
      if (outcome === 'committed') expect([keys, big > 0]).toEqual([[1, 3, 4], true])
      else expect([keys, big, outcome instanceof StorageError]).toEqual([[1], 0, true])
    } finally {
      await st.close()
    }
    expect(db.open).toBe(false)
  })
})

/** WAL frames written so far (the WAL is never checkpointed in these small tests). */
function walFrames(path: string): number {
  const size = statSync(`${path}-wal`).size
  return size === 0 ? 0 : (size - 32) / (4096 + 24)
}

const k = (i: number) => new Uint8Array([i])

describe('sqlite group commit', () => {
  it('concurrent transactions share one COMMIT; one that throws rolls back alone', async () => {
    const path = join(dir, 'group.sqlite')
    const st = await openSqliteStorage({ path })
    try {
      // one at a time: a commit (and a WAL sync) each
      let before = walFrames(path)
      for (let i = 0; i < 8; i++) await st.transaction((tx) => tx.put('seq', k(i), k(i)))
      const sequential = walFrames(path) - before
      expect(sequential).toBeGreaterThanOrEqual(8)

      // all at once: one group; the fourth throws after writing, the sixth joins while the group runs
      before = walFrames(path)
      let joined: Promise<string> | undefined
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          st.transaction(async (tx) => {
            await tx.put('group', k(i), k(i))
            if (i === 3) throw new Error('member 3 fails')
            if (i === 5)
              joined = st.transaction(async (t2) => {
                await t2.put('group', k(100), k(100))
                // members see the writes of those before them in the group
                return String((await t2.range('group')).length)
              })
            return `ok ${i}`
          }),
        ),
      )
      expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(
        ['ok 0', 'ok 1', 'ok 2', 'member 3 fails', 'ok 4', 'ok 5', 'ok 6', 'ok 7'],
      )
      expect(await joined).toBe('8')
      expect(walFrames(path) - before).toBeLessThan(sequential)
      expect((await st.read((tx) => tx.range('group'))).map((e) => e.key[0])).toEqual([
        0, 1, 2, 4, 5, 6, 7, 100,
      ])
    } finally {
      await st.close()
    }
  })

  it('a failed COMMIT rejects every transaction of the group and writes none of them', async () => {
    const path = join(dir, 'group-commit-fails.sqlite')
    const db = new Database(path)
    const st = await openSqliteStorage({ database: db })
    try {
      // A deferred foreign key is checked at COMMIT only: putting into `poison` breaks the commit.
      db.exec(`
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (pid INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TRIGGER poison AFTER INSERT ON kv WHEN NEW.ns = 'poison' BEGIN INSERT INTO child VALUES (42); END;
      `)
      db.pragma('foreign_keys = ON')
      await st.transaction((tx) => tx.put('n', k(0), k(0)))
      const outcomes = await Promise.allSettled([
        st.transaction((tx) => tx.put('n', k(1), k(1))),
        st.transaction((tx) => tx.put('poison', k(1), k(1))),
        st.transaction((tx) => tx.put('n', k(2), k(2))),
      ])
      for (const o of outcomes) {
        expect(o.status).toBe('rejected')
        expect((o as PromiseRejectedResult).reason).toBeInstanceOf(StorageBackendError)
      }
      expect(await st.read((tx) => tx.namespaces())).toEqual(['n'])
      expect((await st.read((tx) => tx.range('n'))).map((e) => e.key[0])).toEqual([0])
      // the next group commits normally
      await Promise.all([1, 2].map((i) => st.transaction((tx) => tx.put('n', k(i), k(i)))))
      expect((await st.read((tx) => tx.range('n'))).map((e) => e.key[0])).toEqual([0, 1, 2])
    } finally {
      await st.close()
    }
  })

  it('when SQLite undoes the shared transaction (disk full), the members already done fail too', async () => {
    const path = join(dir, 'group-full.sqlite')
    const db = new Database(path)
    const st = await openSqliteStorage({ database: db })
    try {
      await st.transaction((tx) => tx.put('n', k(0), k(0)))
      db.pragma('max_page_count = 100')
      const outcomes = await Promise.allSettled([
        st.transaction((tx) => tx.put('n', k(1), k(1))),
        st.transaction(async (tx) => {
          for (let i = 0; i < 100; i++) await tx.put('big', k(i), new Uint8Array(64 * 1024))
        }),
        st.transaction((tx) => tx.put('n', k(2), k(2))),
      ])
      const [first, full, third] = outcomes
      expect(full?.status).toBe('rejected')
      expect((full as PromiseRejectedResult).reason).toBeInstanceOf(StorageError)
      // the third ran after SQLite's rollback, in a transaction of its own
      expect(third?.status).toBe('fulfilled')
      const keys = (await st.read((tx) => tx.range('n'))).map((e) => e.key[0])
      expect(await st.read((tx) => tx.range('big'))).toEqual([])
      // never half a group: the first is there exactly when it was reported committed
      if (first?.status === 'fulfilled') expect(keys).toEqual([0, 1, 2])
      else {
        expect((first as PromiseRejectedResult).reason).toBeInstanceOf(StorageBackendError)
        expect(keys).toEqual([0, 2])
      }
    } finally {
      await st.close()
    }
  })

  it('transactions queued when close() is called still commit', async () => {
    const path = join(dir, 'group-close.sqlite')
    const st = await openSqliteStorage({ path })
    const all = Promise.all(
      Array.from({ length: 150 }, (_, i) => st.transaction((tx) => tx.put('n', k(i), k(i)))),
    )
    await st.close()
    await all
    const again = await openSqliteStorage({ path })
    try {
      expect((await again.read((tx) => tx.range('n'))).length).toBe(150)
    } finally {
      await again.close()
    }
  })
})
