import { readFileSync } from 'node:fs'
import { base64urlDecode, fromHex, toHex } from '@simplex-ts/core'
import { describe, expect, it } from 'vitest'
import {
  type ChatMessage,
  ChatDecodeError,
  type Profile,
  decodeChatMessage,
  encodeChatMessage,
  utcTimeFromDate,
} from '../src/index'

interface EncodeCase {
  case: string
  event: string
  encoded_hex: string
  encoded_str?: string
  roundtrip_equal: boolean
}
interface DecodeCase {
  case: string
  input_str: string
  result: { ok_reencoded_hex: string; ok_reencoded_str: string } | { error: string }
}
interface ChatVectors {
  shared_msg_id_hex: string
  member_ids_hex: [string, string]
  conn_req_invitation_str: string
  encode: EncodeCase[]
  decode: DecodeCase[]
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../../shared/vectors/chat.json', import.meta.url), 'utf8'),
) as ChatVectors

// Inputs of the vector generator, rebuilt by hand so the encoder is tested from typed values.
const msgId = fromHex(vectors.shared_msg_id_hex)
const [mem1, mem2] = vectors.member_ids_hex.map(fromHex) as [Uint8Array, Uint8Array]
const connReq = vectors.conn_req_invitation_str
const alice: Profile = { displayName: 'alice', fullName: 'Alice Liddell' }
const bob: Profile = {
  displayName: 'bob',
  fullName: '',
  image: 'data:image/jpg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD',
}
const team = { displayName: 'team', fullName: 'The Team' }
const sentAt = utcTimeFromDate(new Date('2022-07-22T10:11:12.345Z'))
const probe = base64urlDecode('Ab5OjCDZO0aYA1IV4TCBAbSot7s4GOJaOblGw2EgP-0=')
const probeHash = base64urlDecode('ser-Y4FVlVmV6PV_WzeR9JkQ24xDJkRojjh2CxwMe5s=')
const callId = base64urlDecode('oxkQZsq1Hx4=')
const dhKey = base64urlDecode('MCowBQYDK2VuAyEARm_3JfsVYrF6Z-B9zla6hNYyXtJ26Zvr9YlV9OYtiC0=').slice(12)
const rtcSession = { rtcSession: 'lzw-compressed-offer', rtcIceCandidates: 'lzw-compressed-candidates' }
const text = (t: string) => ({ type: 'text', text: t }) as const

const built: Record<string, ChatMessage> = {
  'x.msg.new text, no msgId': { event: 'x.msg.new', params: { content: text('hello') } },
  'x.msg.new text with msgId': { msgId, event: 'x.msg.new', params: { content: text('hello') } },
  'x.msg.new text with non-ASCII and characters needing escapes': {
    msgId,
    event: 'x.msg.new',
    params: { content: text('привет 👋 "quoted" back\\slash <tag> & new\nline \t tab') },
  },
  'x.msg.new quote (reply)': {
    msgId,
    event: 'x.msg.new',
    params: {
      content: text('reply'),
      quote: { msgRef: { msgId, sentAt, sent: true }, content: text('original') },
    },
  },
  'x.msg.new quote in group (memberId)': {
    msgId,
    event: 'x.msg.new',
    params: {
      content: text('reply'),
      quote: { msgRef: { sentAt, sent: false, memberId: mem1 }, content: text('original') },
    },
  },
  'x.msg.new forward': { msgId, event: 'x.msg.new', params: { content: text('fwd'), forward: true } },
  'x.msg.new link': {
    msgId,
    event: 'x.msg.new',
    params: {
      content: {
        type: 'link',
        text: 'https://simplex.chat',
        preview: {
          uri: 'https://simplex.chat',
          title: 'SimpleX',
          description: 'private messaging',
          image: 'data:image/jpg;base64,AAAA',
        },
      },
    },
  },
  'x.msg.new image': {
    msgId,
    event: 'x.msg.new',
    params: { content: { type: 'image', text: '', image: 'data:image/jpg;base64,AAAA' } },
  },
  'x.msg.new file (inline file invitation, direct protocol)': {
    msgId,
    event: 'x.msg.new',
    params: {
      content: { type: 'file', text: '' },
      file: { fileName: 'photo.jpg', fileSize: 12345, fileConnReq: connReq },
    },
  },
  'x.msg.new file (group protocol, no conn req)': {
    msgId,
    event: 'x.msg.new',
    params: { content: { type: 'file', text: 'see file' }, file: { fileName: 'doc.pdf', fileSize: 99 } },
  },
  'x.msg.update': { event: 'x.msg.update', params: { msgId, content: text('edited') } },
  'x.msg.del': { event: 'x.msg.del', params: { msgId } },
  'x.msg.deleted': { event: 'x.msg.deleted' },
  'x.file': { event: 'x.file', params: { file: { fileName: 'a.txt', fileSize: 10, fileConnReq: connReq } } },
  'x.file.acpt': { event: 'x.file.acpt', params: { fileName: 'a.txt' } },
  'x.file.acpt.inv': { event: 'x.file.acpt.inv', params: { msgId, fileConnReq: connReq, fileName: 'a.txt' } },
  'x.file.cancel': { event: 'x.file.cancel', params: { msgId } },
  'x.info': { event: 'x.info', params: { profile: alice } },
  'x.info with image': { event: 'x.info', params: { profile: bob } },
  'x.contact with contactReqId': {
    event: 'x.contact',
    params: { profile: alice, contactReqId: base64urlDecode('0RQxCbvIy7e3CBuY2Hrjiw==') },
  },
  'x.contact without contactReqId': { event: 'x.contact', params: { profile: alice } },
  'x.grp.inv': {
    event: 'x.grp.inv',
    params: {
      groupInvitation: {
        fromMember: { memberId: mem1, memberRole: 'owner' },
        invitedMember: { memberId: mem2, memberRole: 'admin' },
        connRequest: connReq,
        groupProfile: team,
      },
    },
  },
  'x.grp.acpt': { event: 'x.grp.acpt', params: { memberId: mem2 } },
  'x.grp.mem.new': {
    event: 'x.grp.mem.new',
    params: { memberInfo: { memberId: mem2, memberRole: 'member', profile: bob } },
  },
  'x.grp.mem.intro': {
    event: 'x.grp.mem.intro',
    params: { memberInfo: { memberId: mem2, memberRole: 'member', profile: alice } },
  },
  'x.grp.mem.inv': {
    event: 'x.grp.mem.inv',
    params: { memberId: mem2, memberIntro: { groupConnReq: connReq, directConnReq: connReq } },
  },
  'x.grp.mem.fwd': {
    event: 'x.grp.mem.fwd',
    params: {
      memberInfo: { memberId: mem1, memberRole: 'admin', profile: alice },
      memberIntro: { groupConnReq: connReq, directConnReq: connReq },
    },
  },
  'x.grp.mem.info': { event: 'x.grp.mem.info', params: { memberId: mem1, profile: alice } },
  'x.grp.mem.con': { event: 'x.grp.mem.con', params: { memberId: mem1 } },
  'x.grp.mem.con.all': { event: 'x.grp.mem.con.all', params: { memberId: mem1 } },
  'x.grp.mem.del': { event: 'x.grp.mem.del', params: { memberId: mem1 } },
  'x.grp.leave': { event: 'x.grp.leave' },
  'x.grp.del': { event: 'x.grp.del' },
  'x.grp.info': { event: 'x.grp.info', params: { groupProfile: team } },
  'x.info.probe': { event: 'x.info.probe', params: { probe } },
  'x.info.probe.check': { event: 'x.info.probe.check', params: { probeHash } },
  'x.info.probe.ok': { event: 'x.info.probe.ok', params: { probe } },
  'x.call.inv with DH key (e2e encrypted call)': {
    event: 'x.call.inv',
    params: {
      callId,
      invitation: { callType: { media: 'video', capabilities: { encryption: true } }, callDhPubKey: dhKey },
    },
  },
  'x.call.inv audio without DH key': {
    event: 'x.call.inv',
    params: { callId, invitation: { callType: { media: 'audio', capabilities: { encryption: false } } } },
  },
  'x.call.offer': {
    event: 'x.call.offer',
    params: {
      callId,
      offer: {
        callType: { media: 'video', capabilities: { encryption: true } },
        rtcSession,
        callDhPubKey: dhKey,
      },
    },
  },
  'x.call.answer': { event: 'x.call.answer', params: { callId, answer: { rtcSession } } },
  'x.call.extra': {
    event: 'x.call.extra',
    params: { callId, extra: { rtcExtraInfo: { rtcIceCandidates: 'lzw-compressed-candidates' } } },
  },
  'x.call.end': { event: 'x.call.end', params: { callId } },
  'x.ok': { event: 'x.ok' },
}

describe('chat.json encode[]', () => {
  it('covers every case with a hand-built message', () => {
    expect(vectors.encode.map((c) => c.case).sort()).toEqual(Object.keys(built).sort())
  })

  for (const c of vectors.encode) {
    it(`encodes ${c.case} byte for byte`, () => {
      const message = built[c.case]!
      expect(message.event).toBe(c.event)
      expect(toHex(encodeChatMessage(message))).toBe(c.encoded_hex)
      if (c.encoded_str !== undefined)
        expect(new TextDecoder().decode(fromHex(c.encoded_hex))).toBe(c.encoded_str)
    })

    it(`decodes ${c.case} to the typed message${c.roundtrip_equal ? ' and re-encodes it unchanged' : ''}`, () => {
      const decoded = decodeChatMessage(fromHex(c.encoded_hex))
      expect(decoded).toEqual(built[c.case])
      expect(decoded.ignored).toBeUndefined()
      if (c.roundtrip_equal) expect(toHex(encodeChatMessage(decoded))).toBe(c.encoded_hex)
    })
  }
})

describe('chat.json decode[]', () => {
  for (const c of vectors.decode) {
    it(c.case, () => {
      if ('error' in c.result) {
        let error: unknown
        try {
          decodeChatMessage(c.input_str)
        } catch (e) {
          error = e
        }
        expect(error).toBeInstanceOf(ChatDecodeError)
        expect((error as ChatDecodeError).code).toBe('CEInvalidChatMessage')
      } else {
        const decoded = decodeChatMessage(new TextEncoder().encode(c.input_str))
        const reencoded = encodeChatMessage(decoded)
        expect(toHex(reencoded)).toBe(c.result.ok_reencoded_hex)
        expect(new TextDecoder().decode(reencoded)).toBe(c.result.ok_reencoded_str)
      }
    })
  }

  it('classifies the error cases', () => {
    const reasonOf = (input: string) => {
      try {
        decodeChatMessage(input)
      } catch (e) {
        return e instanceof ChatDecodeError ? [e.reason, e.path] : ['other']
      }
      return ['ok']
    }
    expect(reasonOf('{"event":"x.msg.new"}')).toEqual(['MISSING', '$'])
    expect(reasonOf('{"event":"x.msg.new","params":{}}')).toEqual(['MISSING', '$.params'])
    expect(reasonOf('{"msgId":"!!","event":"x.msg.del","params":{"msgId":"AAAA"}}')).toEqual([
      'INVALID',
      '$.msgId',
    ])
    expect(reasonOf('hello')).toEqual(['JSON', '$'])
  })

  it('surfaces the fields the reference ignores', () => {
    const extra = decodeChatMessage(vectors.decode[0]!.input_str)
    expect(extra.ignored).toEqual({ message: { extra: 1 } })
    const forwardFalse = decodeChatMessage(
      '{"event":"x.msg.new","params":{"forward":false,"content":{"type":"text","text":"x"}}}',
    )
    expect(forwardFalse).toMatchObject({
      event: 'x.msg.new',
      params: { content: { type: 'text', text: 'x' } },
    })
    expect(forwardFalse.ignored).toBeUndefined()
    const unknown = decodeChatMessage(vectors.decode[1]!.input_str)
    expect(unknown).toEqual({ event: 'unknown', tag: 'x.future.thing', params: { a: 1 } })
    const voice = decodeChatMessage(vectors.decode[3]!.input_str)
    expect(voice).toMatchObject({
      event: 'x.msg.new',
      params: {
        content: { type: 'unknown', tag: 'voice', text: 'unknown message type', json: { type: 'voice' } },
      },
    })
  })
})
