/**
 * Connection links beyond the vectors: the reference's own conformance cases
 * (simplexmq@v3.1.2 tests/AgentTests/ConnectionRequestTests.hs, data only), links a v3.2+ peer
 * writes and how they negotiate down, the contact link a v1 agent wrote, and every tolerance and
 * failure of the parser.
 */
import { DecodeError, EncodeError, fromHex, latin1 } from '@simplex-ts/core'
import { type SmpQueueUri, parseQueueUri } from '@simplex-ts/smp'
import { describe, expect, it } from 'vitest'
import {
  AGENT_VRANGE,
  AgentMessageError,
  AgentVersionError,
  CmdSyntaxError,
  type ConnectionRequest,
  type InvitationRequest,
  SIMPLEX_CHAT_SCHEME,
  decodeAgentMsgEnvelope,
  formatConnectionRequest,
  newConnReqData,
  negotiateContact,
  negotiateInvitation,
  parseConnectionRequest,
  parseInvitationRequest,
} from '../src/index'

/** Standard base64 (as the reference test writes keys) to base64url. */
const url = (b64: string): string => b64.replaceAll('+', '-').replaceAll('/', '_')
/** `urlEncode True` for the characters these links contain. */
const esc = (s: string): string => encodeURIComponent(s)

// The reference test's values: key hash "\215m\248\251", sender id "\223\142z\251", and its keys.
const dhKeyStr = url('MCowBQYDK2VuAyEAjiswwI3O/NlS8Fk3HJUW870EY2bAwmttMBsvRB9eV3o=')
const dhKeyStrUri = esc(dhKeyStr)
const x448Str = url(
  'MEIwBQYDK2VvAzkAmKuSYeQ/m0SixPDS8Wq8VBaTS1cW+Lp0n0h4Diu+kUpR+qXx4SDJ32YGEFoGFGSbGPry5Ychr6U=',
)
const x448Raw = Uint8Array.from(atob(x448Str.replaceAll('-', '+').replaceAll('_', '/')), (c) =>
  c.charCodeAt(0),
).slice(12)
const queue: SmpQueueUri = {
  smpServer: { scheme: 'smp', host: 'smp.simplex.im', port: '5223', keyHash: fromHex('d76df8fb') },
  senderId: fromHex('df8e7afb'),
  clientVRange: { min: 1, max: 1 },
  dhPublicKey: parseQueueUri(`smp://1234-w==@smp.simplex.im:5223/3456-w==#${dhKeyStr}`).dhPublicKey,
}
const connectionRequest: InvitationRequest = {
  mode: 'invitation',
  data: { scheme: SIMPLEX_CHAT_SCHEME, agentVRange: { min: 1, max: 1 }, smpQueues: [queue] },
  e2eParams: { versionRange: { min: 1, max: 1 }, key1: x448Raw, key2: x448Raw },
}
const connectionRequest12: InvitationRequest = {
  mode: 'invitation',
  data: { scheme: SIMPLEX_CHAT_SCHEME, agentVRange: AGENT_VRANGE, smpQueues: [queue, queue] },
  e2eParams: { versionRange: { min: 1, max: 3 }, key1: x448Raw, key2: x448Raw },
}
const qShort = `smp%3A%2F%2F1234-w%3D%3D%40smp.simplex.im%3A5223%2F3456-w%3D%3D%23`
const e2e1 = `v%3D1%26x3dh%3D${esc(x448Str)}%2C${esc(x448Str)}`

describe('reference conformance cases (ConnectionRequestTests.hs)', () => {
  it('serializes connection requests', () => {
    expect(formatConnectionRequest(connectionRequest)).toBe(
      `https://simplex.chat/invitation#/?v=1&smp=${qShort}${dhKeyStrUri}&e2e=${e2e1}`,
    )
    expect(formatConnectionRequest(connectionRequest12)).toBe(
      `https://simplex.chat/invitation#/?v=1-2&smp=${qShort}${dhKeyStrUri}%2C${qShort}${dhKeyStrUri}&e2e=${e2e1.replace('v%3D1', 'v%3D1-3')}`,
    )
  })

  it('parses connection requests in any parameter order and queue-URI form', () => {
    const cases: [string, ConnectionRequest][] = [
      [`https://simplex.chat/invitation#/?smp=${qShort}${dhKeyStrUri}&e2e=${e2e1}&v=1`, connectionRequest],
      [
        `https://simplex.chat/invitation#/?smp=${qShort}%2F%3Fv%3D1%26dh%3D${dhKeyStrUri}&e2e=${e2e1}&v=1`,
        connectionRequest,
      ],
      [
        `https://simplex.chat/invitation#/?smp=${qShort}%2F%3Fv%3D1%26dh%3D${dhKeyStrUri}&e2e=${e2e1.replace('v%3D1', 'v%3D1-1')}&v=1-1`,
        connectionRequest,
      ],
      [
        `https://simplex.chat/invitation#/?smp=${qShort}%2F%3Fv%3D1%26extra_param%3Dabc%26dh%3D${dhKeyStrUri}%2C${qShort}%2F%3Fv%3D1%26dh%3D${dhKeyStrUri}&e2e=extra_key%3Dnew%26${e2e1.replace('v%3D1', 'v%3D1-3')}&some_new_param=abc&v=1-2`,
        connectionRequest12,
      ],
    ]
    for (const [text, expected] of cases) expect(parseConnectionRequest(text)).toEqual(expected)
  })
})

describe('links from other agents', () => {
  const kh = 'lKJvp9E1xMuiPEqy1xUmKWdLL8eukOXAAD9HbqcE-Jc='
  const sid = 'IPkxswsgdGilJUnfGOXpPXGoZWGeAld_'
  const key = 'MCowBQYDK2VuAyEAhK424r0Ux7jNENPoh7dfBYKHJShOkLBNmTuYCC1SUiQ='
  const e2e = `v%3D1%26x3dh%3D${esc(x448Str)}%2C${esc(x448Str)}`

  it("reads a v3.2+ peer's versioned queue with extra hosts, and negotiates client version 1", () => {
    // v3.2 renders the queue URI as a query itself (dh padding %3D, srv list %2C), then escapes it again.
    const q32 = `smp://${kh}@smp1.example.com:5223/${sid}#/?v=1-2&dh=${esc(key)}&srv=${esc('abcdef.onion,ghijkl.onion')}`
    expect(q32).toContain('%3D&srv=abcdef.onion%2Cghijkl.onion')
    const link = `https://simplex.chat/invitation#/?v=1-2&smp=${esc(q32)}&e2e=${e2e}`
    expect(link).toContain('%253D%26srv%3Dabcdef.onion%252Cghijkl.onion')
    const cr = parseConnectionRequest(link)
    if (cr.mode !== 'invitation') throw new Error('not an invitation')
    const q = cr.data.smpQueues[0]
    expect(q.smpServer.host).toBe('smp1.example.com')
    expect(q.clientVRange).toEqual({ min: 1, max: 2 })
    expect(q.dhPublicKey).toEqual(parseQueueUri(`smp://${kh}@h/${sid}#${key}`).dhPublicKey)
    const agreed = negotiateInvitation(cr)
    expect(agreed.queue.clientVersion).toBe(1)
    expect(agreed.agentVersion).toBe(2)
    // what a v3.1 agent writes for the same queue: the short unversioned form
    expect(formatConnectionRequest(cr)).toContain(
      `&smp=${esc(`smp://${kh}@smp1.example.com:5223/${sid}#${key}`)}&e2e=`,
    )
  })

  it('rejects multi-host servers in a queue URI, as v3.1 does', () => {
    const q = `smp://${kh}@a.example,b.onion:5223/${sid}#/?v=2&dh=${esc(key)}`
    expect(() => parseConnectionRequest(`simplex:/contact#/?v=1-2&smp=${esc(q)}`)).toThrow(CmdSyntaxError)
  })

  it('reads a queue that only supports later client versions, and then cannot agree on one', () => {
    const q = `smp://${kh}@a.example/${sid}#/?v=2-3&dh=${esc(key)}`
    const cr = parseConnectionRequest(`simplex:/contact#/?v=1-2&smp=${esc(q)}`)
    if (cr.mode !== 'contact') throw new Error('not a contact link')
    expect(() => negotiateContact(cr)).toThrow(AgentVersionError)
  })

  it('agrees nothing with an agent range or e2e range outside ours', () => {
    const base = `https://simplex.chat/invitation#/?smp=${qShort}${dhKeyStrUri}`
    expect(() => negotiateInvitation(parseInvitationRequest(`${base}&e2e=${e2e}&v=3-4`))).toThrow(
      AgentVersionError,
    )
    const e2e23 = e2e.replace('v%3D1', 'v%3D2-3')
    expect(() => negotiateInvitation(parseInvitationRequest(`${base}&e2e=${e2e23}&v=1-2`))).toThrow(
      AgentVersionError,
    )
    expect(negotiateInvitation(parseInvitationRequest(`${base}&e2e=${e2e}&v=1`)).agentVersion).toBe(1)
  })

  it("reads the contact link a v1 agent wrote (simplex-chat v3.1.0's adminContactReq)", () => {
    const text =
      'https://simplex.chat/contact#/?v=1&smp=smp%3A%2F%2FPQUV2eL0t7OStZOoAsPEV2QYWt4-xilbakvGUGOItUo%3D%40smp6.simplex.im%2FK1rslx-m5bpXVIdMZg9NLUZ_8JBm8xTt%23MCowBQYDK2VuAyEALDeVe-sG8mRY22LsXlPgiwTNs9dbiLrNuA7f3ZMAJ2w%3D'
    const cr = parseConnectionRequest(text)
    expect(cr.mode).toBe('contact')
    expect(cr.data.agentVRange).toEqual({ min: 1, max: 1 })
    expect(cr.data.smpQueues[0].smpServer).toMatchObject({ host: 'smp6.simplex.im', port: '' })
    expect(formatConnectionRequest(cr)).toBe(text)
    if (cr.mode !== 'contact') throw new Error('not a contact link')
    expect(negotiateContact(cr).agentVersion).toBe(1)
  })
})

describe('parser tolerance', () => {
  const good = formatConnectionRequest(connectionRequest)
  const query = good.slice(good.indexOf('#/?') + 3)

  it('accepts any app server with or without a port, and writes it back', () => {
    for (const scheme of ['https://example.com:8443', 'https://10.0.0.1', 'simplex:']) {
      const text = `${scheme}/invitation#/?${query}`
      const cr = parseConnectionRequest(text)
      expect(cr.data.scheme).toEqual(
        scheme === 'simplex:'
          ? { type: 'simplex' }
          : {
              type: 'appServer',
              ...(scheme.includes(':8443')
                ? { host: 'example.com', port: '8443' }
                : { host: '10.0.0.1', port: '' }),
            },
      )
      expect(formatConnectionRequest(cr)).toBe(text)
    }
  })

  it('accepts ; separators, unknown and repeated parameters (the first wins), a second ?, a / after the mode', () => {
    const expected = parseConnectionRequest(good)
    expect(parseConnectionRequest(good.replaceAll('&', ';'))).toEqual(expected)
    expect(parseConnectionRequest(`${good}&v=2&x=1&flag&`)).toEqual(expected)
    expect(parseConnectionRequest(good.replace('#/?', '#/??'))).toEqual(expected)
    expect(parseConnectionRequest(good.replace('/invitation#', '/invitation/#'))).toEqual(expected)
    expect(parseConnectionRequest(good.replace('v=1&', 'v=%31&'))).toEqual(expected)
  })

  it('keeps a malformed % escape as is (and then fails where the value must be base64url)', () => {
    expect(() => parseConnectionRequest(good.replace('v=1&', 'v=1%G&'))).toThrow(CmdSyntaxError)
  })

  const failures: [string, string][] = [
    ['another scheme', good.replace('https://', 'http://')],
    ['an upper-case scheme', good.replace('https://simplex.chat', 'SIMPLEX:')],
    ['an empty app server host', good.replace('simplex.chat', '')],
    ['a port without digits', good.replace('simplex.chat', 'simplex.chat:')],
    ['a port with letters', good.replace('simplex.chat', 'simplex.chat:80a')],
    ['no / before the mode', good.replace('/invitation', 'invitation')],
    ['an unknown mode', good.replace('invitation', 'invite')],
    ['no #/?', good.replace('#/?', '#?')],
    ['trailing text after a space', `${good} x`],
    ['a newline', `${good}\n`],
    ['no v', good.replace('v=1&', '')],
    ['a reversed v range', good.replace('v=1&', 'v=2-1&')],
    ['no smp', good.replace(/&smp=[^&]*/, '')],
    ['an empty smp', good.replace(/&smp=[^&]*/, '&smp=')],
    ['a trailing comma in smp', good.replace(/&e2e=/, '%2C&e2e=')],
    ['a space inside smp', good.replace('%2F3456', '%203456')],
    ['an invitation without e2e', good.replace(/&e2e=.*/, '')],
    ['e2e with one key', good.replace(/%2CMEIw.*$/, '')],
    ['e2e with an X25519 key', good.replace(/x3dh%3D[^%]*/, `x3dh%3D${dhKeyStr}`)],
    ['a non-Latin-1 character', good.replace('simplex.chat', 'simplex.ch\u0101t')],
    ['an empty string', ''],
  ]
  for (const [name, text] of failures) {
    it(`rejects ${name} with CMD SYNTAX`, () => {
      expect(text).not.toBe(good)
      let error: unknown
      try {
        parseConnectionRequest(text)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(CmdSyntaxError)
      expect((error as CmdSyntaxError).code).toBe('CMD SYNTAX')
      expect((error as CmdSyntaxError).cause).toBeInstanceOf(DecodeError)
    })
  }
})

describe('invitation-only contexts', () => {
  const contact: ConnectionRequest = { mode: 'contact', data: newConnReqData(queue) }
  const contactText = formatConnectionRequest(contact)

  it('new links are https://simplex.chat with agent versions 1-2 and no e2e for a contact', () => {
    expect(contactText).toBe(`https://simplex.chat/contact#/?v=1-2&smp=${qShort}${dhKeyStrUri}`)
    expect(parseConnectionRequest(contactText)).toEqual(contact)
  })

  it('parseInvitationRequest refuses a contact link', () => {
    expect(() => parseInvitationRequest(contactText)).toThrow(CmdSyntaxError)
  })

  it('an AgentInvitation carrying a contact link is AGENT A_MESSAGE', () => {
    const link = latin1(contactText)
    const env = new Uint8Array(5 + link.length)
    env.set([0, 2, 0x49, link.length >> 8, link.length & 255])
    env.set(link, 5)
    expect(() => decodeAgentMsgEnvelope(env)).toThrow(AgentMessageError)
  })

  it('refuses to write a host that is not Latin-1', () => {
    const bad: ConnectionRequest = {
      mode: 'contact',
      data: { ...contact.data, scheme: { type: 'appServer', host: 'ex\u0101mple', port: '' } },
    }
    expect(() => formatConnectionRequest(bad)).toThrow(EncodeError)
  })
})
