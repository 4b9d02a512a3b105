/**
 * The storage compliance suite: every adapter must pass every check.
 *
 * Framework-free (plain async functions and the assertions in `./assert`), so
 * `test/compliance.ts` runs it under vitest for memory, SQLite and IndexedDB on
 * fake-indexeddb, and `test/browser/entry.ts` runs the very same checks in
 * real Chromium.
 */
import {
  compareBytes,
  decodeKey,
  encodeKey,
  type Entry,
  exportArchive,
  getGeneration,
  importArchive,
  type RangeOptions,
  type ReadTx,
  type Storage,
  type Tx,
} from '../../src/index'
import { assert, eq, eqBytes, hex, rejectsWith, randomBytes, rng, sleep } from './assert'

/** How a check gets stores of the adapter under test. */
export interface Harness {
  /** Adapter name, for messages. */
  readonly name: string
  /** A new, empty store. */
  create(): Promise<Storage>
  /** Close `store` and open the same database again; absent for non-persistent adapters. */
  reopen?: (store: Storage) => Promise<Storage>
}

/** One compliance check. */
export interface Check {
  readonly name: string
  run(h: Harness): Promise<void>
}

const b = (...xs: number[]) => Uint8Array.from(xs)
const te = new TextEncoder()
const s = (x: string) => te.encode(x)

/** Fast KDF cost for tests; the default (2^17) is exercised once in archive.test.ts. */
export const TEST_KDF = { log2N: 8, r: 8, p: 1 }

async function withStore(h: Harness, fn: (st: Storage) => Promise<void>): Promise<void> {
  const st = await h.create()
  try {
    await fn(st)
  } finally {
    await st.close()
  }
}

/** All records of all namespaces, as comparable hex strings. */
export async function dump(st: Storage, includeMeta = false): Promise<string[]> {
  return st.read(async (tx) => {
    const out: string[] = []
    for (const ns of await tx.namespaces()) {
      if (!includeMeta && ns.startsWith('$')) continue
      for (const e of await tx.range(ns)) out.push(`${ns}/${hex(e.key)}=${hex(e.value)}`)
    }
    return out
  })
}

/** The reference model of a range scan: filter, sort bytewise, reverse, limit. */
function modelRange(entries: Map<string, Entry>, o: RangeOptions): Entry[] {
  const startsWith = (k: Uint8Array, p: Uint8Array) => k.length >= p.length && p.every((x, i) => k[i] === x)
  let out = [...entries.values()].filter((e) => {
    const k = e.key
    if (o.gt && compareBytes(k, o.gt) <= 0) return false
    if (o.gte && compareBytes(k, o.gte) < 0) return false
    if (o.lt && compareBytes(k, o.lt) >= 0) return false
    if (o.lte && compareBytes(k, o.lte) > 0) return false
    if (o.prefix && !startsWith(k, o.prefix)) return false
    return true
  })
  out.sort((x, y) => compareBytes(x.key, y.key))
  if (o.reverse) out.reverse()
  if (o.limit !== undefined) out = out.slice(0, o.limit)
  return out
}

function eqEntries(got: Entry[], want: Entry[], msg: string): void {
  eq(
    got.map((e) => `${hex(e.key)}=${hex(e.value)}`),
    want.map((e) => `${hex(e.key)}=${hex(e.value)}`),
    msg,
  )
}

/** Keys over a tiny alphabet that hits every ordering corner (empty, 0x00, 0x7f/0x80, 0xff, prefixes). */
function cornerKey(rand: () => number): Uint8Array {
  const alphabet = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]
  const n = Math.floor(rand() * 5)
  return Uint8Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]!)
}

function randomOptions(rand: () => number): RangeOptions {
  const o: RangeOptions = {}
  const lo = rand()
  if (lo < 0.3) o.gt = cornerKey(rand)
  else if (lo < 0.6) o.gte = cornerKey(rand)
  const hi = rand()
  if (hi < 0.3) o.lt = cornerKey(rand)
  else if (hi < 0.6) o.lte = cornerKey(rand)
  if (rand() < 0.3) o.prefix = cornerKey(rand).subarray(0, 2)
  if (rand() < 0.5) o.reverse = true
  if (rand() < 0.4) o.limit = Math.floor(rand() * 8)
  return o
}

function describeOptions(o: RangeOptions): string {
  return JSON.stringify(o, (_k, v) => (v instanceof Uint8Array ? hex(v) : v))
}

export const checks: Check[] = [
  {
    name: 'get/put/delete, overwrite, namespaces apart, empty key and value',
    async run(h) {
      await withStore(h, async (st) => {
        await st.transaction(async (tx) => {
          eq(await tx.get('a', b(1)), undefined, 'missing key')
          await tx.put('a', b(1), b(10))
          await tx.put('b', b(1), b(20))
          await tx.put('a', b(), b())
          await tx.put('a', b(2), b(30))
          eqBytes(await tx.get('a', b(1)), b(10), 'read own write')
        })
        await st.transaction(async (tx) => {
          eqBytes(await tx.get('a', b(1)), b(10), 'committed a/1')
          eqBytes(await tx.get('b', b(1)), b(20), 'namespace b is separate')
          eqBytes(await tx.get('a', b()), b(), 'empty key, empty value')
          await tx.put('a', b(1), b(11))
          await tx.delete('a', b(2))
          await tx.delete('a', b(99))
          eq(await tx.get('a', b(2)), undefined, 'deleted in this tx')
        })
        await st.read(async (tx) => {
          eqBytes(await tx.get('a', b(1)), b(11), 'overwritten')
          eq(await tx.get('a', b(2)), undefined, 'deleted')
          eq(await tx.get('c', b(1)), undefined, 'unknown namespace')
          eqEntries(
            await tx.range('a'),
            [
              { key: b(), value: b() },
              { key: b(1), value: b(11) },
            ],
            'range a',
          )
        })
        eq(await st.transaction(() => 42), 42, 'transaction returns the callback value')
        eq(await st.read(async () => 'x'), 'x', 'read returns the callback value')
        eq(st.kind, h.name, 'kind')
      })
    },
  },
  {
    name: 'stored and returned bytes are copies',
    async run(h) {
      await withStore(h, async (st) => {
        const big = b(9, 1, 2, 3, 9)
        const key = b(5)
        await st.transaction(async (tx) => {
          await tx.put('n', key, big.subarray(1, 4))
          key[0] = 6
          big[2] = 99
        })
        await st.transaction(async (tx) => {
          const v = await tx.get('n', b(5))
          eqBytes(v, b(1, 2, 3), 'view stored exactly, unaffected by later mutation')
          assert(v !== undefined && v.byteLength === v.buffer.byteLength, 'value owns its buffer')
          v[0] = 77
          const [e] = await tx.range('n')
          e!.value[1] = 77
          await tx.put('n', b(7), b(1))
          const w = await tx.get('n', b(7))
          w![0] = 50
          eqBytes(await tx.get('n', b(7)), b(1), 'buffered write not mutated through a returned value')
        })
        await st.read(async (tx) => eqBytes(await tx.get('n', b(5)), b(1, 2, 3), 'store unaffected'))
      })
    },
  },
  {
    name: 'keys are ordered bytewise (unsigned, prefix first) in every scan',
    async run(h) {
      await withStore(h, async (st) => {
        const keys = [
          b(),
          b(0),
          b(0, 0),
          b(0, 1),
          b(1),
          b(0x7f),
          b(0x7f, 0xff),
          b(0x80),
          b(0x80, 0),
          b(0xfe, 0xff, 0xff),
          b(0xff),
          b(0xff, 0),
          b(0xff, 0xff),
          s('a'),
          s('ab'),
          s('b'),
          encodeKey(2 ** 32),
          encodeKey(2 ** 53 - 1),
        ]
        const shuffled = [...keys]
        const rand = rng(7)
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1))
          ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
        }
        await st.transaction(async (tx) => {
          for (const k of shuffled) await tx.put('o', k, k)
        })
        const sorted = [...keys].sort(compareBytes)
        await st.read(async (tx) => {
          eq(
            (await tx.range('o')).map((e) => hex(e.key)),
            sorted.map(hex),
            'ascending order',
          )
          eq(
            (await tx.range('o', { reverse: true })).map((e) => hex(e.key)),
            [...sorted].reverse().map(hex),
            'descending order',
          )
        })
      })
    },
  },
  {
    name: 'range options (gt/gte/lt/lte/prefix/reverse/limit) match the reference model',
    async run(h) {
      await withStore(h, async (st) => {
        const rand = rng(42)
        const model = new Map<string, Entry>()
        await st.transaction(async (tx) => {
          for (let i = 0; i < 300; i++) {
            const key = cornerKey(rand)
            const value = randomBytes(rand, 1 + Math.floor(rand() * 6))
            model.set(hex(key), { key, value })
            await tx.put('r', key, value)
            await tx.put('r2', key, b(1))
          }
        })
        await st.read(async (tx) => {
          for (let q = 0; q < 400; q++) {
            const o = randomOptions(rand)
            eqEntries(await tx.range('r', o), modelRange(model, o), `range ${describeOptions(o)}`)
          }
          eq(await tx.range('r', { gt: b(5), lt: b(1) }), [], 'inverted bounds give nothing')
          eq(await tx.range('r', { gte: b(5), lt: b(5) }), [], 'empty half-open interval')
          eq(await tx.range('r', { limit: 0 }), [], 'limit 0')
          eq(await tx.range('nothing-here'), [], 'empty namespace')
        })
      })
    },
  },
  {
    name: 'range inside a transaction merges uncommitted puts and deletes in key order',
    async run(h) {
      await withStore(h, async (st) => {
        const rand = rng(1234)
        const model = new Map<string, Entry>()
        await st.transaction(async (tx) => {
          for (let i = 0; i < 200; i++) {
            const key = cornerKey(rand)
            const value = randomBytes(rand, 3)
            model.set(hex(key), { key, value })
            await tx.put('m', key, value)
          }
        })
        for (let round = 0; round < 4; round++) {
          const committed = new Map(model)
          await st
            .transaction(async (tx) => {
              for (let i = 0; i < 60; i++) {
                const key = cornerKey(rand)
                if (rand() < 0.45) {
                  model.delete(hex(key))
                  await tx.delete('m', key)
                } else {
                  const value = randomBytes(rand, 2)
                  model.set(hex(key), { key, value })
                  await tx.put('m', key, value)
                }
                if (i % 6 === 0) {
                  const o = randomOptions(rand)
                  eqEntries(await tx.range('m', o), modelRange(model, o), `in-tx range ${describeOptions(o)}`)
                }
              }
              eqEntries(await tx.range('m'), modelRange(model, {}), 'full in-tx range')
              if (round % 2 === 1) throw new Error('roll back this round')
            })
            .catch((e: unknown) => {
              if (!(e instanceof Error && e.message === 'roll back this round')) throw e
              model.clear()
              for (const [k, v] of committed) model.set(k, v)
            })
          await st.read(async (tx) =>
            eqEntries(await tx.range('m'), modelRange(model, {}), `after round ${round}`),
          )
        }
      })
    },
  },
  {
    name: 'encodeKey keys page message history in order',
    async run(h) {
      await withStore(h, async (st) => {
        const conns = [b(1, 0, 2), b(1, 0), b(1)]
        const ids = [0, 1, 2, 255, 256, 65535, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]
        await st.transaction(async (tx) => {
          for (const c of conns) for (const id of ids) await tx.put('msg', encodeKey(c, id), encodeKey(id))
        })
        await st.read(async (tx) => {
          for (const c of conns) {
            const prefix = encodeKey(c)
            const got: number[] = []
            let after: Uint8Array | undefined
            for (;;) {
              const page = await tx.range('msg', { prefix, limit: 4, ...(after ? { gt: after } : {}) })
              if (page.length === 0) break
              for (const e of page) {
                const [conn, id] = decodeKey(e.key, ['bytes', 'uint'] as const)
                eqBytes(conn, c, 'connection part')
                got.push(id)
              }
              after = page[page.length - 1]!.key
            }
            eq(got, ids, `history of ${hex(c)} in order`)
            const latest = await tx.range('msg', { prefix, reverse: true, limit: 2 })
            eq(
              latest.map((e) => decodeKey(e.key, ['bytes', 'uint'] as const)[1]),
              [Number.MAX_SAFE_INTEGER, 2 ** 40 + 7],
              'latest first',
            )
          }
        })
      })
    },
  },
  {
    name: 'namespaces() lists non-empty namespaces in UTF-8 order, including uncommitted changes',
    async run(h) {
      await withStore(h, async (st) => {
        const names = ['zeta', 'a', 'a.b', 'ab', 'émoji-😀', 'ﬃ', 'A', 'a\u0001']
        await st.transaction(async (tx) => {
          for (const n of names) await tx.put(n, b(1), b(1))
        })
        const utf8Sorted = [...names].sort((x, y) => compareBytes(s(x), s(y)))
        await st.read(async (tx) => eq(await tx.namespaces(), utf8Sorted, 'all namespaces'))
        await st.transaction(async (tx) => {
          await tx.delete('zeta', b(1))
          await tx.put('new', b(2), b(2))
          eq(
            await tx.namespaces(),
            [...utf8Sorted.filter((n) => n !== 'zeta'), 'new'].sort((x, y) => compareBytes(s(x), s(y))),
            'in-tx view',
          )
        })
        await st.read(async (tx) => {
          const got = await tx.namespaces()
          assert(!got.includes('zeta') && got.includes('new'), `committed namespaces ${JSON.stringify(got)}`)
        })
      })
    },
  },
  {
    name: 'a thrown error rolls back every write and is rethrown unchanged',
    async run(h) {
      await withStore(h, async (st) => {
        await st.transaction(async (tx) => {
          await tx.put('t', b(1), b(1))
          await tx.put('t', b(2), b(2))
        })
        const before = await dump(st, true)
        const boom = new Error('boom')
        let caught: unknown
        try {
          await st.transaction(async (tx) => {
            await tx.put('t', b(1), b(100))
            await tx.delete('t', b(2))
            await tx.put('t', b(3), b(3))
            await tx.put('other', b(1), b(1))
            await sleep(1)
            throw boom
          })
        } catch (e) {
          caught = e
        }
        assert(caught === boom, 'the same error object is rethrown')
        eq(await dump(st, true), before, 'nothing changed after a throw')
        let thrownValue: unknown
        await st
          .transaction(async (tx) => {
            await tx.put('t', b(9), b(9))
            throw 'not an Error'
          })
          .catch((e: unknown) => {
            thrownValue = e
          })
        eq(thrownValue, 'not an Error', 'non-Error values are rethrown too')
        await st
          .transaction((tx) => {
            void tx.put('t', b(8), b(8))
            throw new Error('sync throw')
          })
          .catch(() => undefined)
        eq(await dump(st, true), before, 'nothing changed after non-Error and synchronous throws')
        await st.transaction((tx) => tx.put('t', b(4), b(4)))
        await st.read(async (tx) => eqBytes(await tx.get('t', b(4)), b(4), 'store usable after rollbacks'))
      })
    },
  },
  {
    name: 'a transaction handle is dead after the transaction ends; read() handles cannot write',
    async run(h) {
      await withStore(h, async (st) => {
        let leaked: Tx | undefined
        await st.transaction((tx) => {
          leaked = tx
        })
        await rejectsWith(() => leaked!.get('x', b(1)), 'TX_CLOSED', 'get after end')
        await rejectsWith(() => leaked!.put('x', b(1), b(1)), 'TX_CLOSED', 'put after end')
        await rejectsWith(() => leaked!.range('x'), 'TX_CLOSED', 'range after end')
        await rejectsWith(() => leaked!.namespaces(), 'TX_CLOSED', 'namespaces after end')
        let leakedRead: ReadTx | undefined
        await st.read((tx) => {
          leakedRead = tx
        })
        await rejectsWith(() => leakedRead!.get('x', b(1)), 'TX_CLOSED', 'read handle after end')
        await rejectsWith(
          st.read((tx) => (tx as Tx).put('x', b(1), b(1))),
          'TX_READ_ONLY',
          'put through a read() handle',
        )
        eq(await dump(st, true), [], 'nothing written')
      })
    },
  },
  {
    name: 'isolation: uncommitted writes are invisible to concurrent reads and transactions',
    async run(h) {
      await withStore(h, async (st) => {
        await st.transaction(async (tx) => {
          await tx.put('i', s('a'), b(0))
          await tx.put('i', s('b'), b(0))
        })
        for (const outcome of ['commit', 'throw'] as const) {
          const seen: string[] = []
          const reader = async () => {
            const r = await st.read(async (tx) => {
              const a = await tx.get('i', s('a'))
              await sleep(2)
              const c = await tx.get('i', s('b'))
              return `${hex(a)}${hex(c)}`
            })
            seen.push(r)
          }
          const writer = st.transaction(async (tx) => {
            const v = (await tx.get('i', s('a')))![0]! + 1
            await tx.put('i', s('a'), b(v))
            await sleep(5)
            await tx.put('i', s('b'), b(v))
            if (outcome === 'throw') throw new Error('abort')
          })
          const readers = [reader(), sleep(1).then(reader), sleep(3).then(reader)]
          await writer.catch(() => undefined)
          await Promise.all(readers)
          for (const r of seen)
            assert(r.slice(0, 2) === r.slice(2), `reader saw a torn state ${r} (${outcome})`)
        }
        await st.read(async (tx) => eqBytes(await tx.get('i', s('b')), b(1), 'one commit, one rollback'))
      })
    },
  },
  {
    name: 'concurrent transactions serialize (no lost updates)',
    async run(h) {
      await withStore(h, async (st) => {
        const key = s('counter')
        const n = 25
        const order: number[] = []
        await Promise.all(
          Array.from({ length: n }, (_, i) =>
            st.transaction(async (tx) => {
              const cur = (await tx.get('c', key))?.[0] ?? 0
              await sleep(i % 3)
              await tx.put('c', key, b(cur + 1))
              order.push(i)
            }),
          ),
        )
        await st.read(async (tx) => eqBytes(await tx.get('c', key), b(n), 'every increment kept'))
        eq(
          order,
          Array.from({ length: n }, (_, i) => i),
          'first come, first served',
        )
      })
    },
  },
  {
    name: 'large values (1 MiB and 3 MiB) round-trip',
    async run(h) {
      await withStore(h, async (st) => {
        const rand = rng(99)
        const one = randomBytes(rand, 1 << 20)
        const three = randomBytes(rand, 3 << 20)
        await st.transaction(async (tx) => {
          await tx.put('big', b(1), one)
          await tx.put('big', b(3), three)
          eqBytes(await tx.get('big', b(3)), three, '3 MiB inside the writing tx')
        })
        await st.read(async (tx) => {
          eqBytes(await tx.get('big', b(1)), one, '1 MiB')
          eqBytes(await tx.get('big', b(3)), three, '3 MiB')
          const r = await tx.range('big', { reverse: true })
          eq(
            r.map((e) => e.value.length),
            [3 << 20, 1 << 20],
            'range over large values',
          )
        })
      })
    },
  },
  {
    name: '100,000 records: batched writes, full scans, paging, point reads, bulk delete',
    async run(h) {
      await withStore(h, async (st) => {
        const total = 100_000
        const batch = 20_000
        const value = (i: number) => encodeKey(i * 7, i)
        for (let start = 0; start < total; start += batch) {
          await st.transaction(async (tx) => {
            for (let i = start; i < start + batch; i++) await tx.put('bulk', encodeKey(i), value(i))
          })
        }
        await st.read(async (tx) => {
          const all = await tx.range('bulk')
          eq(all.length, total, 'record count')
          for (let i = 0; i < total; i += 997) {
            eqBytes(all[i]!.key, encodeKey(i), `key ${i} in order`)
            eqBytes(all[i]!.value, value(i), `value ${i}`)
          }
          let pages = 0
          let seen = 0
          let after: Uint8Array | undefined
          for (;;) {
            const page = await tx.range('bulk', { limit: 5000, ...(after ? { gt: after } : {}) })
            if (page.length === 0) break
            eqBytes(page[0]!.key, encodeKey(seen), 'page starts where the last ended')
            seen += page.length
            pages++
            after = page[page.length - 1]!.key
          }
          eq([pages, seen], [20, total], 'paged through everything')
          const rand = rng(5)
          for (let j = 0; j < 500; j++) {
            const i = Math.floor(rand() * total)
            eqBytes(await tx.get('bulk', encodeKey(i)), value(i), `point read ${i}`)
          }
          const tail = await tx.range('bulk', { reverse: true, limit: 3 })
          eq(
            tail.map((e) => decodeKey(e.key, ['uint'] as const)[0]),
            [total - 1, total - 2, total - 3],
            'reverse tail',
          )
        })
        await st.transaction(async (tx) => {
          for (let i = 0; i < total; i += 2) await tx.delete('bulk', encodeKey(i))
        })
        await st.read(async (tx) => {
          const rest = await tx.range('bulk', { gte: encodeKey(1000), limit: 3 })
          eq(
            rest.map((e) => decodeKey(e.key, ['uint'] as const)[0]),
            [1001, 1003, 1005],
            'odd keys remain',
          )
          eq((await tx.range('bulk')).length, total / 2, 'half deleted')
        })
      })
    },
  },
  {
    name: 'invalid arguments give typed errors and change nothing',
    async run(h) {
      await withStore(h, async (st) => {
        await st.transaction((tx) => tx.put('v', b(1), b(1)))
        const before = await dump(st, true)
        const bad = (v: unknown) => v as never
        const cases: [string, (tx: Tx) => Promise<unknown>][] = [
          ['INVALID_NAMESPACE', (tx) => tx.put('', b(1), b(1))],
          ['INVALID_NAMESPACE', (tx) => tx.put('a\0b', b(1), b(1))],
          ['INVALID_NAMESPACE', (tx) => tx.put('x'.repeat(256), b(1), b(1))],
          ['INVALID_NAMESPACE', (tx) => tx.put('\ud800', b(1), b(1))],
          ['INVALID_NAMESPACE', (tx) => tx.get(bad(7), b(1))],
          ['INVALID_KEY', (tx) => tx.put('v', bad('key'), b(1))],
          ['INVALID_KEY', (tx) => tx.get('v', bad([1, 2]))],
          ['INVALID_KEY', (tx) => tx.delete('v', bad(undefined))],
          ['INVALID_VALUE', (tx) => tx.put('v', b(2), bad('value'))],
          ['INVALID_VALUE', (tx) => tx.put('v', b(2), bad(new ArrayBuffer(2)))],
          ['INVALID_RANGE', (tx) => tx.range('v', { gt: b(1), gte: b(1) })],
          ['INVALID_RANGE', (tx) => tx.range('v', { lt: b(1), lte: b(1) })],
          ['INVALID_RANGE', (tx) => tx.range('v', { limit: -1 })],
          ['INVALID_RANGE', (tx) => tx.range('v', { limit: 1.5 })],
          ['INVALID_RANGE', (tx) => tx.range('v', { prefix: bad('p') })],
        ]
        for (const [code, op] of cases) {
          await rejectsWith(
            st.transaction(async (tx) => {
              await tx.put('v', b(5), b(5))
              await op(tx)
            }),
            code,
            `${code} case`,
          )
        }
        eq(await dump(st, true), before, 'nothing changed')
      })
    },
  },
  {
    name: 'a closed store refuses work; queued transactions finish first; close is idempotent',
    async run(h) {
      const st = await h.create()
      const queued = st.transaction(async (tx) => {
        await sleep(5)
        await tx.put('q', b(1), b(1))
        return 'done'
      })
      const closing = st.close()
      eq(await queued, 'done', 'queued transaction completed')
      await closing
      await st.close()
      await rejectsWith(
        st.transaction(() => undefined),
        'STORAGE_CLOSED',
        'transaction after close',
      )
      await rejectsWith(
        st.read(() => undefined),
        'STORAGE_CLOSED',
        'read after close',
      )
    },
  },
  {
    name: 'commits persist across reopen',
    async run(h) {
      if (h.reopen === undefined) return
      let st = await h.create()
      try {
        await st.transaction(async (tx) => {
          await tx.put('p', b(1), b(1, 2, 3))
          await tx.put('p', b(2), b(4))
        })
        await st.transaction((tx) => tx.delete('p', b(2)))
        await st
          .transaction(async (tx) => {
            await tx.put('p', b(3), b(3))
            throw new Error('rolled back')
          })
          .catch(() => undefined)
        st = await h.reopen(st)
        eq(await dump(st), [`p/01=010203`], 'exactly the committed state after reopen')
      } finally {
        await st.close()
      }
    },
  },
  {
    name: 'archive: export/import round trip; wrong passphrase, truncation and older generation change nothing',
    async run(h) {
      const src = await h.create()
      const dst = await h.create()
      try {
        await src.transaction(async (tx) => {
          for (let i = 0; i < 50; i++) await tx.put('agent.conn', encodeKey(i), encodeKey(i * 3))
          await tx.put('chat.item', s('k'), randomBytes(rng(3), 70_000))
          await tx.put('empty-value', b(), b())
        })
        await dst.transaction((tx) => tx.put('old', b(1), b(1)))
        const archive = await exportArchive(src, { passphrase: 'correct horse', kdf: TEST_KDF })
        eq(await getGeneration(src), 1, 'export bumps the source generation')
        const dstBefore = await dump(dst, true)
        await rejectsWith(
          importArchive(dst, archive, { passphrase: 'wrong horse' }),
          'WRONG_PASSPHRASE',
          'wrong passphrase',
        )
        await rejectsWith(
          importArchive(dst, archive.subarray(0, archive.length - 1), { passphrase: 'correct horse' }),
          'ARCHIVE_TRUNCATED',
          'truncated',
        )
        const flipped = archive.slice()
        flipped[flipped.length - 40]! ^= 1
        await rejectsWith(
          importArchive(dst, flipped, { passphrase: 'correct horse' }),
          'ARCHIVE_CORRUPT',
          'corrupted',
        )
        eq(await dump(dst, true), dstBefore, 'target unchanged after rejected imports')
        const r = await importArchive(dst, archive, { passphrase: 'correct horse' })
        eq([r.generation, r.previousGeneration, r.records, r.namespaces], [1, 0, 52, 3], 'import result')
        eq(await dump(dst), await dump(src), 'target holds exactly the source records')
        const newer = await exportArchive(dst, { passphrase: 'p', kdf: TEST_KDF })
        await importArchive(dst, newer, { passphrase: 'p' })
        const afterNewer = await dump(dst, true)
        const older = await rejectsWith(
          importArchive(dst, archive, { passphrase: 'correct horse' }),
          'OLDER_GENERATION',
          'older archive',
        )
        eq(
          [(older as unknown as { archiveGeneration: number }).archiveGeneration, await getGeneration(dst)],
          [1, 2],
          'older generation details',
        )
        eq(await dump(dst, true), afterNewer, 'target unchanged after the older-generation refusal')
        const warned = await importArchive(dst, archive, {
          passphrase: 'correct horse',
          onOlderGeneration: 'warn',
        })
        eq(warned.warning?.code, 'OLDER_GENERATION', 'warning returned')
        eq(await dump(dst), await dump(src), 'imported under warn')
      } finally {
        await src.close()
        await dst.close()
      }
    },
  },
]
