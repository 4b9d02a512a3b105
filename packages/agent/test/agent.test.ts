import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestRelay, connectPair, newAgent, next, startRelay, str, text } from './agent-helpers'

let relay: TestRelay

beforeAll(async () => {
  relay = await startRelay()
})
afterAll(async () => {
  await relay.close()
})

describe('agent: v2 duplex handshake over TLS', () => {
  it('connects two agents and exchanges messages both ways', async () => {
    const alice = await newAgent(relay)
    const bob = await newAgent(relay)
    const { connId: a, link } = await alice.createConnection()
    expect(link).toMatch(/^https:\/\/simplex\.chat\/invitation#\/\?v=1-2&smp=/)
    const conf = next(alice, 'confirmation')
    const info = next(bob, 'info')
    const b = await bob.joinConnection(link, text('bob profile'))
    const c = await conf
    expect(c.connId).toBe(a)
    expect(str(c.info)).toBe('bob profile')
    const aCon = next(alice, 'connected')
    const bCon = next(bob, 'connected')
    await alice.allowConnection(c.confId, text('alice profile'))
    expect(str((await info).info)).toBe('alice profile')
    await Promise.all([aCon, bCon])
    expect((await alice.getConnection(a)).agentVersion).toBe(2)

    const got = next(bob, 'message')
    const delivered = next(alice, 'delivered')
    const id = await alice.sendMessage(a, text('hello bob'))
    expect((await delivered).msgId).toBe(id)
    const m = await got
    expect(str(m.body)).toBe('hello bob')
    expect(m.integrity).toBeNull()
    expect(m.sndMsgId).toBe(3)

    const got2 = next(alice, 'message')
    await bob.sendMessage(b, text('hello alice'))
    const m2 = await got2
    expect(str(m2.body)).toBe('hello alice')
    expect(m2.integrity).toBeNull()
    expect(m2.sndMsgId).toBe(3)
    await alice.close()
    await bob.close()
  })
})

describe('agent: v1 handshake', () => {
  it('connects a v1 initiator with a v2 joiner (REPLY flow) and exchanges messages', async () => {
    const alice = await newAgent(relay, { agentVersionRange: { min: 1, max: 1 } })
    const bob = await newAgent(relay)
    const { a, b } = await connectPair(alice, bob)
    expect((await alice.getConnection(a)).agentVersion).toBe(1)
    expect((await bob.getConnection(b)).agentVersion).toBe(1)
    const got = next(bob, 'message')
    await alice.sendMessage(a, text('v1 hello'))
    const m = await got
    expect(str(m.body)).toBe('v1 hello')
    expect(m.integrity).toBeNull()
    expect(m.sndMsgId).toBe(3) // conf, HELLO, then the message
    const got2 = next(alice, 'message')
    await bob.sendMessage(b, text('v1 reply'))
    const m2 = await got2
    expect(str(m2.body)).toBe('v1 reply')
    expect(m2.integrity).toBeNull()
    expect(m2.sndMsgId).toBe(4) // conf, HELLO, REPLY, then the message
    await alice.close()
    await bob.close()
  })

  it('connects a v2 initiator with a v1 joiner', async () => {
    const alice = await newAgent(relay)
    const bob = await newAgent(relay, { agentVersionRange: { min: 1, max: 1 } })
    const { a, b } = await connectPair(alice, bob)
    expect((await alice.getConnection(a)).agentVersion).toBe(1)
    const got = next(alice, 'message')
    await bob.sendMessage(b, text('from v1'))
    expect(str((await got).body)).toBe('from v1')
    await alice.close()
    await bob.close()
  })
})

describe('agent: contact addresses', () => {
  it('accepts a contact request and connects', async () => {
    const owner = await newAgent(relay)
    const requester = await newAgent(relay)
    const { connId: addr, link } = await owner.createAddress()
    expect(link).toMatch(/^https:\/\/simplex\.chat\/contact#\/\?v=1-2&smp=/)
    const req = next(owner, 'request')
    const r = await requester.joinConnection(link, text('requester profile'))
    const q = await req
    expect(q.connId).toBe(addr)
    expect(str(q.info)).toBe('requester profile')
    const conf = next(requester, 'confirmation', (e) => e.connId === r)
    const o = await owner.acceptContact(q.invitationId, text('owner profile'))
    const c = await conf
    expect(str(c.info)).toBe('owner profile')
    const rCon = next(requester, 'connected')
    const oCon = next(owner, 'connected')
    await requester.allowConnection(r, text('requester profile'))
    await Promise.all([rCon, oCon])
    const got = next(requester, 'message')
    await owner.sendMessage(o, text('welcome'))
    expect(str((await got).body)).toBe('welcome')
    // the address keeps working for further requests
    const req2 = next(owner, 'request')
    await requester.joinConnection(link, text('again'))
    expect(str((await req2).info)).toBe('again')
    await owner.close()
    await requester.close()
  })

  it('rejects a contact request: nothing is joined and the request is gone', async () => {
    const owner = await newAgent(relay)
    const requester = await newAgent(relay)
    const { link } = await owner.createAddress()
    const req = next(owner, 'request')
    await requester.joinConnection(link, text('hi'))
    const q = await req
    await owner.rejectContact(q.invitationId)
    await expect(owner.acceptContact(q.invitationId, text('x'))).rejects.toMatchObject({
      code: 'CONN NOT_FOUND',
    })
    expect((await owner.listConnections()).length).toBe(1)
    await owner.close()
    await requester.close()
  })
})

describe('agent: suspend and delete', () => {
  it('suspends and deletes the receive queue on its relay; the peer then gets AUTH', async () => {
    const alice = await newAgent(relay)
    const bob = await newAgent(relay)
    const { a, b } = await connectPair(alice, bob)
    await alice.suspendConnection(a)
    expect((await alice.getConnection(a)).rcvQueue?.status).toBe('disabled')
    let err = next(bob, 'message-error')
    const id = await bob.sendMessage(b, text('to a suspended queue'))
    let e = await err
    expect(e.msgId).toBe(id)
    expect(e.error).toMatchObject({ code: 'AUTH' })

    await alice.deleteConnection(a)
    await expect(alice.getConnection(a)).rejects.toMatchObject({ code: 'CONN NOT_FOUND' })
    await expect(alice.sendMessage(a, text('x'))).rejects.toMatchObject({ code: 'CONN NOT_FOUND' })
    err = next(bob, 'message-error')
    await bob.sendMessage(b, text('to a deleted queue'))
    e = await err
    expect(e.error).toMatchObject({ code: 'AUTH' })
    expect(await alice.storage.read((tx) => tx.range('agent.conn'))).toEqual([])
    await alice.close()
    await bob.close()
  })

  it('rejects bad input with typed errors and changes nothing', async () => {
    const alice = await newAgent(relay)
    await expect(
      alice.joinConnection('https://simplex.chat/invitation#/?v=1-2', text('x')),
    ).rejects.toMatchObject({
      code: 'CMD SYNTAX',
    })
    await expect(alice.allowConnection('nope', text('x'))).rejects.toMatchObject({ code: 'CONN NOT_FOUND' })
    await expect(alice.rejectContact('nope')).rejects.toMatchObject({ code: 'CONN NOT_FOUND' })
    const { connId } = await alice.createConnection()
    await expect(alice.sendMessage(connId, text('too early'))).rejects.toMatchObject({
      code: 'CMD PROHIBITED',
    })
    expect((await alice.listConnections()).length).toBe(1)
    // an aborted signal stops the wait before anything starts
    const ac = new AbortController()
    ac.abort(new Error('stop'))
    await expect(alice.createConnection({ signal: ac.signal })).rejects.toThrow('stop')
    await expect(alice.joinConnection('x', text('x'), { signal: ac.signal })).rejects.toThrow('stop')
    expect((await alice.listConnections()).length).toBe(1)
    await alice.close()
    await expect(alice.createConnection()).rejects.toMatchObject({ code: 'AGENT_CLOSED' })
  })

  it('refuses a message over the size limit', async () => {
    const alice = await newAgent(relay)
    const bob = await newAgent(relay)
    const { a } = await connectPair(alice, bob)
    await expect(alice.sendMessage(a, new Uint8Array(15812))).rejects.toMatchObject({ code: 'CMD LARGE' })
    const got = next(bob, 'message')
    await alice.sendMessage(a, new Uint8Array(15811).fill(0x62))
    expect((await got).body.length).toBe(15811)
    await alice.close()
    await bob.close()
  })
})

describe('agent: other paths', () => {
  it('a v1 joiner whose HELLO is never accepted gives up after the HELLO timeout (CONN NOT_ACCEPTED)', async () => {
    const alice = await newAgent(relay, { agentVersionRange: { min: 1, max: 1 } })
    const bob = await newAgent(relay, { helloTimeoutMs: 300 })
    const { link } = await alice.createConnection()
    const conf = next(alice, 'confirmation')
    const err = next(bob, 'error')
    const b = await bob.joinConnection(link, text('bob'))
    await conf // alice never allows it
    const e = await err
    expect(e.connId).toBe(b)
    expect(e.error).toMatchObject({ code: 'CONN NOT_ACCEPTED' })
    await alice.close()
    await bob.close()
  })

  it('interoperates between the native and the pure-JS (browser) crypto providers', async () => {
    const { nobleCrypto } = await import('@simplex-ts/core')
    const alice = await newAgent(relay, { crypto: nobleCrypto })
    const bob = await newAgent(relay)
    const { a, b } = await connectPair(alice, bob)
    const got = next(bob, 'message')
    await alice.sendMessage(a, text('from noble'))
    expect(str((await got).body)).toBe('from noble')
    const got2 = next(alice, 'message')
    await bob.sendMessage(b, text('from native'))
    expect(str((await got2).body)).toBe('from native')
    expect(alice.stats().commands.NEW).toBe(1)
    await alice.close()
    await bob.close()
  })
})
