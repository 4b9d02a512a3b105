// Delivery and durability: many messages both ways, a restart on SQLite mid-conversation, a move to
// another adapter through an archive, and a message redelivered after its ACK was lost.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { type Storage, createMemoryStorage, exportArchive, importArchive } from '@simplex-ts/storage'
import { openSqliteStorage } from '@simplex-ts/storage/sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MessageEvent } from '../src/events'
import { type TestRelay, connectPair, newAgent, next, startRelay, str, text } from './agent-helpers'

let relay: TestRelay
let dir: string

beforeAll(async () => {
  relay = await startRelay()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-delivery-'))
})
afterAll(async () => {
  await relay.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

function collect(agent: { on: (t: 'message', f: (e: MessageEvent) => void) => () => void }, n: number) {
  const got: MessageEvent[] = []
  return {
    got,
    done: new Promise<MessageEvent[]>((resolve) => {
      const off = agent.on('message', (e) => {
        if (e.redelivered === true) return
        got.push(e)
        if (got.length === n) {
          off()
          resolve(got)
        }
      })
    }),
  }
}

describe('agent delivery', () => {
  it('moves 1,000 messages each way in order with a clean hash chain', async () => {
    const alice = await newAgent(relay)
    const bob = await newAgent(relay)
    const { a, b } = await connectPair(alice, bob)
    const N = 1000
    const toBob = collect(bob, N)
    const toAlice = collect(alice, N)
    const sends: Promise<number>[] = []
    for (let i = 0; i < N; i++) {
      sends.push(alice.sendMessage(a, text(`a${i}`)))
      sends.push(bob.sendMessage(b, text(`b${i}`)))
    }
    await Promise.all(sends)
    const [gb, ga] = await Promise.all([toBob.done, toAlice.done])
    expect(gb.map((e) => str(e.body))).toEqual(Array.from({ length: N }, (_, i) => `a${i}`))
    expect(ga.map((e) => str(e.body))).toEqual(Array.from({ length: N }, (_, i) => `b${i}`))
    expect(gb.every((e) => e.integrity === null) && ga.every((e) => e.integrity === null)).toBe(true)
    expect(gb.map((e) => e.sndMsgId)).toEqual(Array.from({ length: N }, (_, i) => i + 3))
    await alice.close()
    await bob.close()
  }, 60_000)

  it('continues after a restart on SQLite and after moving to another adapter by archive', async () => {
    const file = path.join(dir, 'bob.db')
    let bobStore: Storage = await openSqliteStorage({ path: file })
    const alice = await newAgent(relay)
    let bob = await newAgent(relay, { storage: bobStore })
    const { a, b } = await connectPair(alice, bob)
    const got = next(bob, 'message')
    await alice.sendMessage(a, text('one'))
    expect(str((await got).body)).toBe('one')

    // bob stops; alice keeps writing; bob comes back on the same file
    await bob.close()
    await bobStore.close()
    const d1 = next(alice, 'delivered')
    await alice.sendMessage(a, text('two'))
    await alice.sendMessage(a, text('three'))
    await d1
    bobStore = await openSqliteStorage({ path: file })
    bob = await newAgent(relay, { storage: bobStore })
    const back = collect(bob, 2)
    expect((await back.done).map((e) => str(e.body))).toEqual(['two', 'three'])
    expect(back.got.every((e) => e.integrity === null)).toBe(true)

    // bob queues a message while alice's relay connection is fine but bob is about to move
    await bob.close()
    const archive = await exportArchive(bobStore, { passphrase: 'pw', kdf: { log2N: 8, r: 8, p: 1 } })
    await bobStore.close()
    const moved = createMemoryStorage()
    await importArchive(moved, archive, { passphrase: 'pw' })
    bob = await newAgent(relay, { storage: moved })
    const toAlice = next(alice, 'message')
    await bob.sendMessage(b, text('from the new device'))
    const m = await toAlice
    expect(str(m.body)).toBe('from the new device')
    expect(m.integrity).toBeNull()
    const toBob = next(bob, 'message')
    await alice.sendMessage(a, text('four'))
    expect((await toBob).integrity).toBeNull()
    await alice.close()
    await bob.close()
  })

  it('sends queued while the relay is down are delivered after it comes back, in order', async () => {
    const own = await startRelay()
    const alice = await newAgent(own)
    const bob = await newAgent(own)
    const { a } = await connectPair(alice, bob)
    const down = next(alice, 'down')
    await own.stop()
    await down
    for (const t of ['x', 'y', 'z']) await alice.sendMessage(a, text(t))
    const got = collect(bob, 3)
    const up = next(bob, 'up')
    await own.start()
    await up
    expect((await got.done).map((e) => str(e.body))).toEqual(['x', 'y', 'z'])
    await alice.close()
    await bob.close()
    await own.close()
  })

  it('a message stored but not acknowledged is redelivered and not shown twice', async () => {
    const alice = await newAgent(relay)
    const bobStore = createMemoryStorage()
    let bob = await newAgent(relay, { storage: bobStore })
    const { a } = await connectPair(alice, bob)
    // close bob right after it stores a message, before its ACK reaches the relay
    const first = next(bob, 'message')
    const b0 = bob
    b0.on('message', () => {
      void b0.close()
    })
    await alice.sendMessage(a, text('once'))
    expect(str((await first).body)).toBe('once')
    bob = await newAgent(relay, { storage: bobStore })
    const after = next(bob, 'message', (e) => e.redelivered !== true)
    await alice.sendMessage(a, text('next'))
    const m = await after
    expect(str(m.body)).toBe('next')
    expect(m.integrity).toBeNull()
    const seen = bob.log.filter((e): e is MessageEvent => e.type === 'message')
    // `once` came back from the relay (its ACK never left) and was shown again with its old id
    expect(seen.map((e) => [str(e.body), e.redelivered === true])).toEqual([
      ['once', true],
      ['next', false],
    ])
    expect(seen[0]?.msgId).toBe((await first).msgId)
    await alice.close()
    await bob.close()
  })
})

describe('agent restart during the handshake', () => {
  it('completes the v2 handshake when both sides restart between its steps', async () => {
    const aStore = createMemoryStorage()
    const bStore = createMemoryStorage()
    let alice = await newAgent(relay, { storage: aStore })
    let bob = await newAgent(relay, { storage: bStore })
    const { connId: a, link } = await alice.createConnection()
    const conf = next(alice, 'confirmation')
    const b = await bob.joinConnection(link, text('bob'))
    const c = await conf
    // both stop before the initiator allows the connection
    await alice.close()
    await bob.close()
    alice = await newAgent(relay, { storage: aStore })
    const aCon = next(alice, 'connected')
    await alice.allowConnection(c.confId, text('alice'))
    bob = await newAgent(relay, { storage: bStore })
    const bCon = next(bob, 'connected')
    await Promise.all([aCon, bCon])
    const got = next(bob, 'message')
    await alice.sendMessage(a, text('after restarts'))
    const m = await got
    expect(m.connId).toBe(b)
    expect(m.integrity).toBeNull()
    await alice.close()
    await bob.close()
  })
})

describe('agent storage footprint', () => {
  it('keeps only the last received message and an empty send queue once delivered', async () => {
    const alice = await newAgent(relay)
    const bob = await newAgent(relay)
    const { a } = await connectPair(alice, bob)
    const got = collect(bob, 20)
    for (let i = 0; i < 20; i++) await alice.sendMessage(a, text(`m${i}`))
    await got.done
    const rcv = await bob.storage.read((tx) => tx.range('agent.rcv'))
    expect(rcv.length).toBe(1)
    const deadline = Date.now() + 5000
    while ((await alice.storage.read((tx) => tx.range('agent.snd'))).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20))
    }
    expect((await alice.storage.read((tx) => tx.range('agent.snd'))).length).toBe(0)
    await alice.close()
    await bob.close()
  })
})

describe('agent: a storage failure while receiving', () => {
  it('keeps the message on the relay and processes it again (nothing is dropped)', async () => {
    const inner = createMemoryStorage()
    let fail = 0
    const flaky: Storage = {
      kind: inner.kind,
      transaction: (fn) => {
        if (fail > 0) {
          fail--
          return Promise.reject(new Error('disk failure'))
        }
        return inner.transaction(fn)
      },
      read: (fn) => inner.read(fn),
      close: () => inner.close(),
    }
    const alice = await newAgent(relay)
    const bob = await newAgent(relay, { storage: flaky })
    const { a } = await connectPair(alice, bob)
    const err = next(bob, 'error')
    const got = next(bob, 'message')
    fail = 1
    await alice.sendMessage(a, text('survives'))
    expect((await err).error.message).toBe('disk failure')
    const m = await got
    expect(str(m.body)).toBe('survives')
    expect(m.integrity).toBeNull()
    await alice.close()
    await bob.close()
  })
})
