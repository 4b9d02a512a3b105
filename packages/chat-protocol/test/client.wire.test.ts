// What our client puts on the wire, checked against the v3.1 reference's flows (chat.md §4, §3.2):
// exact connection-info bodies, shared ids shaped as the reference makes them, notification flags.
import type { Agent } from '@simplex-ts/agent'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeChatMessage } from '../src/message'
import { type TestClient, type TestRelay, newClient, next, startRelay } from './client-helpers'

let relay: TestRelay
const clients: TestClient[] = []
beforeAll(async () => {
  relay = await startRelay()
})
afterAll(async () => {
  for (const c of clients) await c.close()
  await relay.close()
})

interface Sent {
  readonly op: string
  readonly body: string
  readonly notification?: boolean
}

/** Record every body the client hands to its agent. */
function tap(agent: Agent): Sent[] {
  const log: Sent[] = []
  const text = (b: Uint8Array): string => new TextDecoder().decode(b)
  const join = agent.joinConnection.bind(agent)
  agent.joinConnection = (link, info) => {
    log.push({ op: 'JOIN', body: text(info) })
    return join(link, info)
  }
  const allow = agent.allowConnection.bind(agent)
  agent.allowConnection = (id, info) => {
    log.push({ op: 'LET', body: text(info) })
    return allow(id, info)
  }
  const acpt = agent.acceptContact.bind(agent)
  agent.acceptContact = (id, info) => {
    log.push({ op: 'ACPT', body: text(info) })
    return acpt(id, info)
  }
  const send = agent.sendMessage.bind(agent)
  agent.sendMessage = (connId, body, o) => {
    log.push({
      op: 'SEND',
      body: text(body),
      ...(o?.notification === undefined ? {} : { notification: o.notification }),
    })
    return send(connId, body, o)
  }
  return log
}

const SHARED_ID = /^"msgId":"([A-Za-z0-9_-]{22}==)"/

describe('chat client: wire conformance', () => {
  it('sends the reference connection info, shared ids and notification flags', async () => {
    const alice = await newClient(relay, { displayName: 'alice' })
    const bob = await newClient(relay, { displayName: 'bob' })
    clients.push(alice, bob)
    const aw = tap(alice.agent)
    const bw = tap(bob.agent)

    // invitation: JOIN and LET carry x.info without msgId
    const inv = await alice.createInvitation()
    const connected = Promise.all([next(alice, 'contactConnected'), next(bob, 'contactConnected')])
    await bob.connect(inv.link as string)
    const [{ contact: ab }, { contact: ba }] = await connected
    expect(bw[0]).toEqual({
      op: 'JOIN',
      body: '{"event":"x.info","params":{"profile":{"displayName":"bob","fullName":""}}}',
    })
    expect(aw[0]).toEqual({
      op: 'LET',
      body: '{"event":"x.info","params":{"profile":{"displayName":"alice","fullName":""}}}',
    })

    // messages: a fresh 16-char base64 text id, base64url-encoded; notification only on x.msg.new
    const got = next(bob, 'newMessage')
    const m = await alice.sendText(ab.contactId, 'hi')
    const bm = (await got).item
    const edited = next(bob, 'messageUpdated')
    await alice.editMessage(ab.contactId, m.itemId, 'hi!')
    await edited
    await alice.updateProfile({ displayName: 'alice', fullName: 'A' })
    const reply = next(alice, 'newMessage')
    await bob.sendText(ba.contactId, 're', { quote: bm.itemId })
    await reply
    const sends = aw.filter((s) => s.op === 'SEND')
    expect(sends.map((s) => [decodeChatMessage(s.body).event, s.notification])).toEqual([
      ['x.msg.new', true],
      ['x.msg.update', false],
      ['x.info', false],
    ])
    for (const s of sends) {
      const id = SHARED_ID.exec(s.body.slice(1))?.[1] as string
      expect(id).toBeDefined()
      // the bytes are the standard base64 text of 12 random bytes, as the reference makes them
      expect(Buffer.from(id, 'base64url').toString('latin1')).toMatch(/^[A-Za-z0-9+/]{16}$/)
    }
    expect(sends[0]?.body).toMatch(
      /^\{"msgId":"[^"]+","event":"x\.msg\.new","params":\{"content":\{"text":"hi","type":"text"\}\}\}$/,
    )
    const q = bw.filter((s) => s.op === 'SEND')[0]?.body as string
    const qm = decodeChatMessage(q)
    expect(qm.event).toBe('x.msg.new')
    if (qm.event === 'x.msg.new') {
      expect(qm.params.quote?.msgRef.sent).toBe(false)
      expect(qm.params.quote?.msgRef.msgId).toEqual(m.sharedMsgId)
      expect(qm.params.quote?.content).toEqual({ type: 'text', text: 'hi!' })
    }

    // contact address: x.contact with a 16-byte request id, reused for the same address; ACPT with x.info
    const carol = await newClient(relay, { displayName: 'carol' })
    clients.push(carol)
    const cw = tap(carol.agent)
    const addr = await alice.createAddress()
    const req = next(alice, 'contactRequest')
    await carol.connect(addr.link)
    const r1 = await req
    const x1 = decodeChatMessage(cw[0]?.body as string)
    expect(x1.msgId).toBeUndefined()
    expect(x1.event).toBe('x.contact')
    const id1 = x1.event === 'x.contact' ? x1.params.contactReqId : undefined
    expect(id1?.length).toBe(16)
    // asking again before being accepted reuses the id, and the owner updates the same request
    const req2 = next(alice, 'contactRequest')
    await carol.connect(addr.link)
    const r2 = await req2
    const x2 = decodeChatMessage(cw[1]?.body as string)
    expect(x2.event === 'x.contact' ? x2.params.contactReqId : undefined).toEqual(id1)
    expect(r2.request.requestId).toBe(r1.request.requestId)
    expect((await alice.contactRequests()).length).toBe(1)
    const cc = next(carol, 'contactConnected')
    await alice.acceptContactRequest(r1.request.requestId)
    await cc
    expect(aw.filter((s) => s.op === 'ACPT')).toEqual([
      { op: 'ACPT', body: '{"event":"x.info","params":{"profile":{"displayName":"alice","fullName":"A"}}}' },
    ])
  })
})
