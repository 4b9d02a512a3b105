import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { type Storage, StorageBackendError, StorageBusyError } from '../src/index'
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
