import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { createMemoryStorage, exportArchive, importArchive } from '@simplex-ts/storage'
import { openSqliteStorage } from '@simplex-ts/storage/sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestClient, type TestRelay, connectPair, newClient, next, startRelay } from './client-helpers'

let relay: TestRelay
let dir: string
beforeAll(async () => {
  relay = await startRelay()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-restart-'))
})
afterAll(async () => {
  await relay.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

async function sqliteClient(name: string, displayName?: string): Promise<TestClient> {
  const storage = await openSqliteStorage(path.join(dir, `${name}.db`))
  return newClient(relay, { storage, ...(displayName === undefined ? {} : { displayName }) })
}

async function stop(c: TestClient): Promise<void> {
  await c.close()
  await c.storage.close()
}

/** Collect `n` newMessage texts. */
function messages(c: TestClient, n: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const got: string[] = []
    const timer = setTimeout(() => reject(new Error(`got ${got.length} of ${n} messages`)), 10_000)
    const off = c.on('newMessage', (e) => {
      got.push(e.item.text)
      if (got.length === n) {
        clearTimeout(timer)
        off()
        resolve(got)
      }
    })
  })
}

describe('chat client: restarts on SQLite', () => {
  it('either side restarts mid-conversation and the conversation continues', async () => {
    let alice = await sqliteClient('alice', 'alice')
    let bob = await sqliteClient('bob', 'bob')
    const { ab, ba } = await connectPair(alice, bob)
    const first = next(bob, 'newMessage')
    const q = await alice.sendText(ab.contactId, 'before the restart')
    const bq = (await first).item

    // bob stops; alice keeps writing; bob comes back on the same file
    await stop(bob)
    for (const t of ['while', 'you', 'were', 'away']) await alice.sendText(ab.contactId, t)
    bob = await sqliteClient('bob')
    const got = await messages(bob, 4)
    expect(got).toEqual(['while', 'you', 'were', 'away'])
    expect((await bob.contacts()).map((c) => [c.contactId, c.ready])).toEqual([[ba.contactId, true]])

    // bob replies quoting the message from before his restart
    const reply = next(alice, 'newMessage')
    await bob.sendText(ba.contactId, 'back', { quote: bq.itemId })
    expect((await reply).item.quote).toMatchObject({ itemId: q.itemId, sent: true })

    // now alice restarts, with an edit from bob waiting for her
    await stop(alice)
    const items = await bob.history(ba.contactId)
    const back = items.at(-1)
    await bob.editMessage(ba.contactId, back?.itemId as number, 'back again')
    alice = await sqliteClient('alice')
    const upd = await next(alice, 'messageUpdated')
    expect(upd.item.text).toBe('back again')
    expect((await alice.history(ab.contactId)).map((i) => i.text)).toEqual([
      'before the restart',
      'while',
      'you',
      'were',
      'away',
      'back again',
    ])
    const last = next(bob, 'newMessage')
    await alice.sendText(ab.contactId, 'and on we go')
    expect((await last).item.text).toBe('and on we go')
    // nothing was handled twice
    expect(bob.log.filter((e) => e.type === 'newMessage').length).toBe(5)
    await stop(alice)
    await stop(bob)
  })

  it('restarts in the middle of the handshake', async () => {
    let carol = await sqliteClient('carol', 'carol')
    const dave = await sqliteClient('dave', 'dave')
    const inv = await carol.createInvitation()
    await stop(carol)
    const davePending = await dave.connect(inv.link as string)
    expect(davePending.kind).toBe('joined')
    const dCon = next(dave, 'contactConnected')
    carol = await sqliteClient('carol')
    const cCon = next(carol, 'contactConnected')
    const [c, d] = await Promise.all([cCon, dCon])
    expect(c.contact.profile.displayName).toBe('dave')
    expect(d.contact.profile.displayName).toBe('carol')
    expect(await carol.pendingConnections()).toEqual([])
    await stop(carol)
    await stop(dave)
  })
})

describe('chat client: export and import', () => {
  it('a store moved by encrypted archive continues the conversation', async () => {
    const alice = await newClient(relay, { displayName: 'alice' })
    const bob = await newClient(relay, { displayName: 'bob' })
    const { ab, ba } = await connectPair(alice, bob)
    const m = next(bob, 'newMessage')
    const q = await alice.sendText(ab.contactId, 'from the old device')
    await m
    const hi = next(alice, 'newMessage')
    await bob.sendText(ba.contactId, 'hello old device')
    await hi

    await alice.close()
    const kdf = { log2N: 8, r: 8, p: 1 }
    const archive = await exportArchive(alice.storage, { passphrase: 'pass', kdf })
    const fresh = createMemoryStorage()
    await importArchive(fresh, archive, { passphrase: 'pass' })
    const moved = await newClient(relay, { storage: fresh })
    expect((await moved.users.active())?.profile.displayName).toBe('alice')
    expect((await moved.history(ab.contactId)).map((i) => i.text)).toEqual([
      'from the old device',
      'hello old device',
    ])

    const got = next(moved, 'newMessage')
    await bob.sendText(ba.contactId, 'where are you now?')
    expect((await got).item.text).toBe('where are you now?')
    const r = next(bob, 'newMessage')
    await moved.sendText(ab.contactId, 'on the new device', { quote: q.itemId })
    const ri = (await r).item
    expect(ri.text).toBe('on the new device')
    expect(ri.quote?.sent).toBe(false)
    await moved.close()
    await bob.close()
  })
})

describe('chat client: handshake recovery', () => {
  it('a LET that failed is retried on the next start', async () => {
    let alice = await sqliteClient('alice-let', 'alice')
    const bob = await sqliteClient('bob-let', 'bob')
    const inv = await alice.createInvitation()
    // the relay refuses KEY this once (as if unreachable at that moment)
    const allow = alice.agent.allowConnection.bind(alice.agent)
    let failed = 0
    alice.agent.allowConnection = async () => {
      failed++
      throw new Error('relay unreachable')
    }
    const connecting = next(alice, 'contactConnecting')
    const err = next(alice, 'error')
    await bob.connect(inv.link as string)
    await connecting
    expect((await err).error.message).toBe('relay unreachable')
    expect(failed).toBe(1)
    alice.agent.allowConnection = allow
    await stop(alice)
    const bCon = next(bob, 'contactConnected')
    alice = await sqliteClient('alice-let')
    const aCon = await next(alice, 'contactConnected')
    expect(aCon.contact.profile.displayName).toBe('bob')
    await bCon
    await stop(alice)
    await stop(bob)
  })
})
