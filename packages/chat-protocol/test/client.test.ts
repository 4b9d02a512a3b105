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

describe('chat client: contact address', () => {
  it('a request is accepted or rejected by the owner; a repeated address is refused', async () => {
    const alice = await client('alice')
    const bob = await client('bob')
    const carol = await client('carol')
    const addr = await alice.createAddress()
    expect(addr.autoAccept).toBe(false)
    await expect(alice.createAddress()).rejects.toMatchObject({ code: 'SEDuplicateContactLink' })

    const req = next(alice, 'contactRequest')
    const pending = await bob.connect(addr.link)
    expect(pending.kind).toBe('requested')
    const { request } = await req
    expect(request.profile.displayName).toBe('bob')
    expect((await alice.contactRequests()).map((r) => r.requestId)).toEqual([request.requestId])

    const aCon = next(alice, 'contactConnected')
    const bCon = next(bob, 'contactConnected')
    const accepted = await alice.acceptContactRequest(request.requestId)
    expect(accepted.viaAddress).toBe(true)
    const [{ contact: ab }, { contact: ba }] = await Promise.all([aCon, bCon])
    expect(ab.contactId).toBe(accepted.contactId)
    expect(ba.profile.displayName).toBe('alice')
    expect(await alice.contactRequests()).toEqual([])
    const hi = next(alice, 'newMessage')
    await bob.sendText(ba.contactId, 'thanks for accepting')
    expect((await hi).item.text).toBe('thanks for accepting')

    // connecting again to the same address is refused locally
    await expect(bob.connect(addr.link)).rejects.toMatchObject({ code: 'CEContactAlreadyExists' })

    const req2 = next(alice, 'contactRequest')
    await carol.connect(addr.link)
    const { request: r2 } = await req2
    await alice.rejectContactRequest(r2.requestId)
    expect(await alice.contactRequests()).toEqual([])
    await expect(alice.rejectContactRequest(r2.requestId)).rejects.toMatchObject({
      code: 'SEContactRequestNotFound',
    })
    expect((await alice.contacts()).map((c) => c.localDisplayName)).toEqual(['bob'])
    expect((await carol.pendingConnections()).map((p) => p.kind)).toEqual(['requested'])

    await alice.deleteAddress()
    expect(await alice.address()).toBeUndefined()
    await expect(alice.deleteAddress()).rejects.toMatchObject({ code: 'SEUserContactLinkNotFound' })
  })

  it('auto-accept connects at once and sends the auto-reply', async () => {
    const alice = await client('alice')
    const bob = await client('bob')
    await alice.createAddress()
    const a = await alice.setAutoAccept(true, { autoReply: 'welcome!' })
    expect(a.autoReply).toEqual({ type: 'text', text: 'welcome!' })
    const reply = next(bob, 'newMessage')
    const connecting = next(alice, 'contactConnecting')
    await bob.connect(a.link)
    expect((await connecting).contact.profile.displayName).toBe('bob')
    const r = await reply
    expect(r.item.text).toBe('welcome!')
    expect(r.contact.profile.displayName).toBe('alice')
    expect(alice.log.some((e) => e.type === 'contactRequest')).toBe(false)
    const [ab] = await alice.contacts()
    expect((await alice.history(ab?.contactId as number)).map((i) => i.text)).toEqual(['welcome!'])
  })
})

describe('chat client: replies, edits, deletes', () => {
  it('quotes, edits and deletes reach the peer with the reference semantics', async () => {
    const alice = await client('alice')
    const bob = await client('bob')
    const { ab, ba } = await connectPair(alice, bob)

    const got = next(bob, 'newMessage')
    const q = await alice.sendText(ab.contactId, 'coming?')
    const bq = (await got).item

    // bob replies quoting alice's message: alice sees a quote of her own item
    const got2 = next(alice, 'newMessage')
    const r = await bob.sendText(ba.contactId, 'yes', { quote: bq.itemId })
    expect(r.quote).toMatchObject({
      itemId: bq.itemId,
      sent: false,
      content: { type: 'text', text: 'coming?' },
    })
    const ar = (await got2).item
    expect(ar.quote).toMatchObject({
      itemId: q.itemId,
      sent: true,
      content: { type: 'text', text: 'coming?' },
    })
    expect(ar.quote?.sharedMsgId).toEqual(q.sharedMsgId)
    expect(ar.quote?.sentAt).toEqual(bq.sentAt)

    // alice quotes bob's reply with a link: the quote is reduced to text
    const got3 = next(bob, 'newMessage')
    await alice.sendMessage(
      ab.contactId,
      {
        type: 'link',
        text: 'see https://x.y',
        preview: { uri: 'https://x.y', title: 't', description: 'd', image: 'data:image/jpg;base64,AA==' },
      },
      { quote: ar.itemId },
    )
    const bl = (await got3).item
    expect(bl.content.type).toBe('link')
    expect(bl.quote).toMatchObject({ itemId: r.itemId, sent: true, content: { type: 'text', text: 'yes' } })

    // edit
    const upd = next(bob, 'messageUpdated')
    const edited = await alice.editMessage(ab.contactId, q.itemId, 'coming tonight?')
    expect(edited.edited).toBe(true)
    const u = (await upd).item
    expect(u).toMatchObject({ itemId: bq.itemId, text: 'coming tonight?', edited: true })
    await expect(alice.editMessage(ab.contactId, ar.itemId, 'not mine')).rejects.toMatchObject({
      code: 'CEInvalidChatItemUpdate',
    })

    // delete for everyone
    const del = next(bob, 'messageDeleted')
    const d = await alice.deleteMessage(ab.contactId, q.itemId)
    expect(d).toMatchObject({ deleted: true, text: '' })
    const bd = await del
    expect(bd.item).toMatchObject({ itemId: bq.itemId, deleted: true, text: '' })
    expect(bd.deletedContent).toEqual({ type: 'text', text: 'coming tonight?' })
    await expect(alice.deleteMessage(ab.contactId, ar.itemId, { forEveryone: true })).rejects.toMatchObject({
      code: 'CEInvalidChatItemDelete',
    })
    await expect(alice.editMessage(ab.contactId, q.itemId, 'too late')).rejects.toMatchObject({
      code: 'CEInvalidChatItemUpdate',
    })
    await expect(bob.sendText(ba.contactId, 'x', { quote: bq.itemId })).rejects.toMatchObject({
      code: 'CEInvalidQuote',
    })

    // local delete of a received item: gone here only
    expect(await bob.deleteMessage(ba.contactId, bl.itemId)).toBeUndefined()
    expect((await bob.history(ba.contactId)).map((i) => i.itemId)).toEqual([bq.itemId, r.itemId])
    expect((await alice.history(ab.contactId)).length).toBe(3)
  })

  it('refuses a peer editing or deleting our items, and malformed bodies never block the queue', async () => {
    const alice = await client('alice')
    const bob = await client('bob')
    const { ab, ba } = await connectPair(alice, bob)
    const got = next(bob, 'newMessage')
    const mine = await alice.sendText(ab.contactId, 'original')
    await got
    const raw = async (json: string): Promise<void> => {
      const [c] = await bob.agent.listConnections()
      await bob.agent.sendMessage(c?.connId as string, new TextEncoder().encode(json))
    }
    const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url')
    const errs: string[] = []
    alice.on('error', (e) => errs.push((e.error as { code?: string }).code ?? '?'))
    // bob (raw) tries to edit alice's own message, sends garbage and a known event with a bad field
    await raw(
      `{"msgId":"AAAA","event":"x.msg.update","params":{"msgId":"${b64(mine.sharedMsgId as Uint8Array)}","content":{"type":"text","text":"forged"}}}`,
    )
    await raw('not json at all')
    await raw('{"event":"x.msg.new","params":{"content":{"type":"text"}}}')
    const after = next(alice, 'newMessage')
    await bob.sendText(ba.contactId, 'still flowing')
    expect((await after).item.text).toBe('still flowing')
    expect(errs).toEqual(['CEMessageError', 'CEInvalidChatMessage', 'CEInvalidChatMessage'])
    expect((await alice.history(ab.contactId)).map((i) => i.text)).toEqual(['original', 'still flowing'])
  })
})

describe('chat client: profiles', () => {
  it('profile updates reach every contact; messages are marked sent by the relay', async () => {
    const alice = await client('alice')
    const bob = await client('bob')
    const carol = await client('carol')
    const { ab } = await connectPair(alice, bob)
    await connectPair(alice, carol)
    const status = next(alice, 'messageStatus')
    const item = await alice.sendText(ab.contactId, 'x')
    expect(item.status).toBe('sndNew')
    expect(await status).toMatchObject({ itemId: item.itemId, status: 'sndSent' })
    expect((await alice.history(ab.contactId))[0]?.status).toBe('sndSent')

    const bu = next(bob, 'contactUpdated')
    const cu = next(carol, 'contactUpdated')
    const user = await alice.updateProfile({ displayName: 'alice2', fullName: 'Alice Liddell' })
    expect(user.profile.fullName).toBe('Alice Liddell')
    const [b, c] = await Promise.all([bu, cu])
    expect(b.before.profile.displayName).toBe('alice')
    expect(b.contact.profile).toEqual({ displayName: 'alice2', fullName: 'Alice Liddell' })
    expect(b.contact.localDisplayName).toBe('alice2')
    expect(c.contact.profile.fullName).toBe('Alice Liddell')
    await expect(alice.updateProfile({ displayName: 'has space', fullName: '' })).rejects.toMatchObject({
      code: 'CEInvalidProfile',
    })
  })

  it('two profiles in one store stay separate', async () => {
    const store = await newClient(relay, { displayName: 'work' })
    clients.push(store)
    const home = await store.users.create({ displayName: 'home', fullName: '' })
    expect(home.active).toBe(false)
    const [work] = await store.users.list()
    const bob = await client('bob')
    const carol = await client('carol')

    // bob connects to "work", carol to "home" (the invitation made for home explicitly)
    const { ab } = await connectPair(store, bob)
    const inv = await store.createInvitation({ userId: home.userId })
    const hc = next(store, 'contactConnected')
    const cc = next(carol, 'contactConnected')
    await carol.connect(inv.link as string)
    const [homeSide, carolSide] = await Promise.all([hc, cc])
    expect(homeSide.userId).toBe(home.userId)
    expect(carolSide.contact.profile.displayName).toBe('home')
    expect(ab.userId).toBe(work?.userId)

    expect((await store.contacts()).map((c) => c.localDisplayName)).toEqual(['bob'])
    expect((await store.contacts({ userId: home.userId })).map((c) => c.localDisplayName)).toEqual(['carol'])
    await store.users.switch(home.userId)
    expect((await store.contacts()).map((c) => c.localDisplayName)).toEqual(['carol'])
    expect((await store.users.active())?.userId).toBe(home.userId)

    // a message to home lands in home's history only
    const m = next(store, 'newMessage')
    await carol.sendText(carolSide.contact.contactId, 'hi home')
    const got = await m
    expect(got.userId).toBe(home.userId)

    // updating home's profile does not touch work's contacts
    const cu = next(carol, 'contactUpdated')
    await store.updateProfile({ displayName: 'home2', fullName: '' })
    await cu
    await new Promise((r) => setTimeout(r, 200))
    expect(bob.log.some((e) => e.type === 'contactUpdated')).toBe(false)

    // deleting home removes its contacts and connections; work is untouched
    await store.users.delete(home.userId)
    expect((await store.users.list()).map((u) => u.profile.displayName)).toEqual(['work'])
    await expect(store.contacts()).rejects.toMatchObject({ code: 'CENoActiveUser' })
    await store.users.switch(work?.userId as number)
    expect((await store.contacts()).map((c) => c.localDisplayName)).toEqual(['bob'])
    expect((await store.agent.listConnections()).length).toBe(1)
    const w = next(bob, 'newMessage')
    await store.sendText(ab.contactId, 'work still works')
    expect((await w).item.text).toBe('work still works')
  })
})

describe('chat client: incognito', () => {
  it('the peer sees the incognito profile, never the main one', async () => {
    const alice = await client('alice')
    const bob = await client('bob')
    const carol = await client('carol')
    // alice joins bob's invitation incognito
    const { ab, ba } = await connectPair(bob, alice, { bIncognito: true })
    const incog = ba.incognitoProfile
    expect(incog?.displayName).toMatch(/^[A-Z][a-z]+[A-Z][a-z]+\d+$/)
    expect(ab.profile).toEqual(incog)
    expect(ab.profile.displayName).not.toBe('alice')

    // and creates an invitation incognito with a chosen profile for carol
    const { ab: ac, ba: ca } = await connectPair(alice, carol, { aIncognito: true })
    expect(ac.incognitoProfile?.displayName).not.toBe(incog?.displayName)
    expect(ca.profile).toEqual(ac.incognitoProfile)

    // via an address, incognito on the accepting side
    const dave = await client('dave')
    const addr = await alice.createAddress()
    const req = next(alice, 'contactRequest')
    await dave.connect(addr.link)
    const dCon = next(dave, 'contactConnected')
    const accepted = await alice.acceptContactRequest((await req).request.requestId, {
      incognito: { displayName: 'mystery', fullName: 'M' },
    })
    expect(accepted.incognitoProfile).toEqual({ displayName: 'mystery', fullName: 'M' })
    expect((await dCon).contact.profile).toEqual({ displayName: 'mystery', fullName: 'M' })

    // a profile update goes nowhere incognito
    await alice.updateProfile({ displayName: 'alice', fullName: 'Alice L.' })
    await new Promise((r) => setTimeout(r, 300))
    for (const c of [bob, carol, dave]) expect(c.log.some((e) => e.type === 'contactUpdated')).toBe(false)
    const m = next(bob, 'newMessage')
    await alice.sendText(ba.contactId, 'who am I?')
    expect((await m).contact.profile).toEqual(incog)
  })
})

describe('chat client: duplicate-contact probes', () => {
  it('two connections between the same people are detected and merged on both sides', async () => {
    const alice = await client('alice')
    const bob = await client('bob')
    const first = await connectPair(alice, bob)
    const m1 = next(bob, 'newMessage')
    await alice.sendText(first.ab.contactId, 'first connection')
    await m1
    const aMerged = next(alice, 'contactMerged')
    const bMerged = next(bob, 'contactMerged')
    // the same two people connect again, this time via bob's address
    const addr = await bob.createAddress()
    await bob.setAutoAccept(true)
    await alice.connect(addr.link)
    const [am, bm] = await Promise.all([aMerged, bMerged])
    expect(am.into.contactId).toBe(first.ab.contactId)
    expect(bm.into.contactId).toBe(first.ba.contactId)
    expect(am.merged.profile).toEqual(am.into.profile)
    await new Promise((r) => setTimeout(r, 300))
    expect((await alice.contacts()).map((c) => c.contactId)).toEqual([first.ab.contactId])
    expect((await bob.contacts()).map((c) => c.contactId)).toEqual([first.ba.contactId])
    expect(alice.log.filter((e) => e.type === 'contactMerged').length).toBe(1)
    expect(bob.log.filter((e) => e.type === 'contactMerged').length).toBe(1)
    // both connections still deliver into the kept contact
    const m2 = next(bob, 'newMessage')
    await alice.sendText(first.ab.contactId, 'after merge')
    expect((await m2).contact.contactId).toBe(first.ba.contactId)
    expect((await bob.history(first.ba.contactId)).map((i) => i.text)).toEqual([
      'first connection',
      'after merge',
    ])
  })

  it('different people with identical profiles are probed but not merged', async () => {
    const alice = await client('alice')
    const bob = await client('bob')
    const otherBob = await client('bob')
    await connectPair(alice, bob)
    await connectPair(alice, otherBob)
    await new Promise((r) => setTimeout(r, 400))
    // alice sent a probe to the new bob and its hash to the old one; each got one half
    const probes = (c: TestClient) => c.storage.read((tx) => tx.range('chat.probe'))
    expect((await probes(alice)).length).toBe(1)
    expect((await probes(bob)).length).toBe(1)
    expect((await probes(otherBob)).length).toBe(1)
    expect(alice.log.some((e) => e.type === 'contactMerged')).toBe(false)
    expect(bob.log.some((e) => e.type === 'contactMerged' || e.type === 'error')).toBe(false)
    expect((await alice.contacts()).map((c) => c.localDisplayName)).toEqual(['bob', 'bob_1'])
  })
})

describe('chat client: history and typed errors', () => {
  it('pages history from storage, oldest first within a page', async () => {
    const alice = await client('alice')
    const bob = await client('bob')
    const { ab, ba } = await connectPair(alice, bob)
    const all = new Promise<void>((resolve) => {
      let n = 0
      bob.on('newMessage', () => {
        if (++n === 25) resolve()
      })
    })
    for (let i = 1; i <= 25; i++) await alice.sendText(ab.contactId, `m${i}`)
    await all
    const last = await bob.history(ba.contactId, { limit: 10 })
    expect(last.map((i) => i.text)).toEqual(Array.from({ length: 10 }, (_, k) => `m${16 + k}`))
    const prev = await bob.history(ba.contactId, { limit: 10, before: last[0]?.itemId as number })
    expect(prev.map((i) => i.text)).toEqual(Array.from({ length: 10 }, (_, k) => `m${6 + k}`))
    const first = await bob.history(ba.contactId, { limit: 10, before: prev[0]?.itemId as number })
    expect(first.map((i) => i.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5'])
    expect(await bob.history(ba.contactId, { before: first[0]?.itemId as number })).toEqual([])
  })

  it('refuses bad commands with typed errors and changes nothing', async () => {
    const nobody = await newClient(relay)
    clients.push(nobody)
    await expect(nobody.createInvitation()).rejects.toMatchObject({ code: 'CENoActiveUser', layer: 'chat' })
    await expect(nobody.users.create({ displayName: '', fullName: '' })).rejects.toMatchObject({
      code: 'CEInvalidProfile',
    })
    await expect(nobody.users.switch(999)).rejects.toMatchObject({ code: 'SEUserNotFound' })
    await expect(nobody.contact(999)).rejects.toMatchObject({ code: 'SEContactNotFound' })
    await expect(nobody.sendText(999, 'x')).rejects.toMatchObject({ code: 'SEContactNotFound' })
    await expect(nobody.acceptContactRequest(999)).rejects.toMatchObject({ code: 'SEContactRequestNotFound' })
    await expect(nobody.deletePendingConnection('nope')).rejects.toMatchObject({
      code: 'SEPendingConnectionNotFound',
    })
    const before = await nobody.storage.read(async (tx) => (await tx.range('chat.user')).length)
    expect(before).toBe(0)
    const u = await nobody.users.create({ displayName: 'eve', fullName: '' })
    expect(u.active).toBe(true)
    await expect(nobody.connect('https://simplex.chat/invitation#/?v=1&smp=garbage')).rejects.toMatchObject({
      code: 'CMD SYNTAX',
    })
    await expect(nobody.history(12345)).rejects.toMatchObject({ code: 'SEContactNotFound' })
    const bob = await client('bob')
    const { ab } = await connectPair(nobody, bob)
    await expect(nobody.editMessage(ab.contactId, 424242, 'x')).rejects.toMatchObject({
      code: 'SEChatItemNotFound',
    })
    await expect(nobody.sendText(ab.contactId, 'x'.repeat(20_000))).rejects.toMatchObject({
      code: 'CMD LARGE',
    })
    expect(await nobody.history(ab.contactId)).toEqual([])
    const inv = await nobody.createInvitation()
    expect((await nobody.pendingConnections()).map((p) => p.connId)).toEqual([inv.connId])
    await nobody.deletePendingConnection(inv.connId)
    expect(await nobody.pendingConnections()).toEqual([])
    await nobody.close()
    await expect(nobody.sendText(ab.contactId, 'x')).rejects.toMatchObject({ code: 'CEChatNotStarted' })
  })
})

describe('chat client: deleting a contact', () => {
  it('removes its connection on the relay: the peer’s next message fails with sndError', async () => {
    const alice = await client('alice')
    const bob = await client('bob')
    const { ab, ba } = await connectPair(alice, bob)
    await alice.deleteContact(ab.contactId)
    expect(await alice.contacts()).toEqual([])
    expect(await alice.agent.listConnections()).toEqual([])
    await expect(alice.history(ab.contactId)).rejects.toMatchObject({ code: 'SEContactNotFound' })
    const failed = next(bob, 'messageStatus', (e) => e.status === 'sndError')
    const item = await bob.sendText(ba.contactId, 'anyone there?')
    expect((await failed).itemId).toBe(item.itemId)
    expect((await bob.history(ba.contactId))[0]?.status).toBe('sndError')
  })
})

describe('chat client: AbortSignal', () => {
  it('a command aborted before it runs never runs; one under way finishes and keeps its records', async () => {
    const alice = await client('alice')
    const aborted = AbortSignal.abort(new Error('never mind'))
    await expect(alice.createInvitation({ signal: aborted })).rejects.toThrow('never mind')
    // queued behind a slow command, then aborted: it does not run
    const ac = new AbortController()
    const first = alice.createInvitation()
    const second = alice.createInvitation({ signal: ac.signal })
    ac.abort(new Error('changed my mind'))
    await expect(second).rejects.toThrow('changed my mind')
    await first
    expect((await alice.pendingConnections()).length).toBe(1)
    // aborted while under way: the caller stops waiting, the invitation is still recorded
    const ac2 = new AbortController()
    const third = alice.createInvitation({ signal: ac2.signal })
    await new Promise((r) => setTimeout(r, 0))
    ac2.abort(new Error('too slow'))
    await expect(third).rejects.toThrow('too slow')
    await alice.contacts() // reads do not wait; a command does:
    await alice.setAutoAccept(false).catch(() => undefined)
    expect((await alice.pendingConnections()).length).toBe(2)
    expect((await alice.agent.listConnections()).length).toBe(2)
  })
})
