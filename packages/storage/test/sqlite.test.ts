import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import type { Storage } from '../src/index'
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
