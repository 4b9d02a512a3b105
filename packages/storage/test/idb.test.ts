import 'fake-indexeddb/auto'
import { createStore, get as idbGet, keys as idbKeys, set as idbSet } from 'idb-keyval'
import { describe, expect, it } from 'vitest'
import { type Storage, StorageBackendError } from '../src/index'
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

describe('idb specifics', () => {
  it('stores records under UTF-8(ns) ‖ 00 ‖ key in one object store, values as bytes', async () => {
    const st = await openIdbStorage('layout')
    await st.transaction((tx) => tx.put('ns', new Uint8Array([0, 0xff]), new Uint8Array([7])))
    await st.close()
    const raw = createStore('layout', 'records')
    const keys = await idbKeys(raw)
    expect(keys.map((k) => Array.from(new Uint8Array(k as ArrayBuffer)))).toEqual([[0x6e, 0x73, 0, 0, 0xff]])
    expect(await idbGet(new Uint8Array([0x6e, 0x73, 0, 0, 0xff]), raw)).toEqual(new Uint8Array([7]))
  })

  it('a record that is not bytes is a StorageBackendError, not a crash', async () => {
    const raw = createStore('foreign', 'records')
    await idbSet(new Uint8Array([0x6e, 0, 1]), 'a string', raw)
    const st = await openIdbStorage('foreign')
    try {
      await expect(st.read((tx) => tx.get('n', new Uint8Array([1])))).rejects.toBeInstanceOf(
        StorageBackendError,
      )
      await expect(st.read((tx) => tx.range('n'))).rejects.toBeInstanceOf(StorageBackendError)
    } finally {
      await st.close()
    }
  })
})
