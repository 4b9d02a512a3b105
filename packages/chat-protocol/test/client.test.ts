import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestClient, type TestRelay, connectPair, newClient, next, startRelay } from './client-helpers'

let relay: TestRelay
const clients: TestClient[] = []
beforeAll(async () => {
  relay = await startRelay()
})
afterAll(async () => {
  for (const c of clients) await c.close()
  await relay.close()
})

async function client(displayName: string): Promise<TestClient> {
  const c = await newClient(relay, { displayName })
  clients.push(c)
  return c
}

describe('chat client: invitation and messages', () => {
  it('connects two clients by a one-time link and exchanges messages both ways', async () => {
    const alice = await client('alice')
    const bob = await client('bob')
    const { ab, ba } = await connectPair(alice, bob)
    expect(ab.profile.displayName).toBe('bob')
    expect(ba.profile.displayName).toBe('alice')
    expect(ab.ready && ba.ready).toBe(true)

    const got = next(bob, 'newMessage')
    const sent = await alice.sendText(ab.contactId, 'hello bob')
    const m = await got
    expect(m.item.text).toBe('hello bob')
    expect(m.item.direction).toBe('rcv')
    expect(m.contact.contactId).toBe(ba.contactId)
    expect(m.item.sharedMsgId).toEqual(sent.sharedMsgId)
    expect(sent.sharedMsgId?.length).toBe(16)

    const back = next(alice, 'newMessage')
    await bob.sendText(ba.contactId, 'hi alice 👋')
    expect((await back).item.text).toBe('hi alice 👋')

    const ah = await alice.history(ab.contactId)
    expect(ah.map((i) => [i.direction, i.text])).toEqual([
      ['snd', 'hello bob'],
      ['rcv', 'hi alice 👋'],
    ])
    expect((await alice.pendingConnections()).length).toBe(0)
  })
})
