import 'fake-indexeddb/auto'
import type { Storage } from '../src/index'
import { openIdbStorage } from '../src/idb'
import { describeCompliance } from './compliance'

const names = new WeakMap<Storage, string>()
let n = 0

describeCompliance('idb adapter compliance (fake-indexeddb)', {
  name: 'idb',
  async create() {
    const name = `compliance-${n++}`
    const st = await openIdbStorage({ name })
    names.set(st, name)
    return st
  },
  async reopen(st) {
    const name = names.get(st)!
    await st.close()
    const again = await openIdbStorage({ name })
    names.set(again, name)
    return again
  },
})
