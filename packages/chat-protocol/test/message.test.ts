import { describe, expect, it } from 'vitest'
import {
  CHAT_EVENT_TAGS,
  type ChatDecodeReason,
  ChatDecodeError,
  ChatEncodeError,
  type ChatMessage,
  decodeChatMessage,
  decodeMsgContent,
  encodeMsgContent,
  encodeChatMessageText,
  hasNotification,
  parseChatMessage,
} from '../src/index'

const MSG_ID = '3XYr57OIsxlGsmjj'
const REF = '{"msgId":"3XYr57OIsxlGsmjj","sent":true,"sentAt":"2022-07-22T10:11:12.345Z"}'
const KEY = 'MCowBQYDK2VuAyEARm_3JfsVYrF6Z-B9zla6hNYyXtJ26Zvr9YlV9OYtiC0='

const msg = (event: string, params: string, extra = '') => `{"event":"${event}","params":${params}${extra}}`
const reencode = (input: string) => encodeChatMessageText(decodeChatMessage(input))

function failure(input: string): [ChatDecodeReason, string] | 'ok' {
  const r = parseChatMessage(input)
  return r.ok ? 'ok' : [r.error.reason, r.error.path]
}

describe('x.msg.new container alternatives', () => {
  const content = '"content":{"text":"hi","type":"text"}'

  it('a quote that does not parse is ignored, not an error', () => {
    const m = decodeChatMessage(msg('x.msg.new', `{${content},"quote":{"msgRef":{}}}`))
    expect(m).toMatchObject({ event: 'x.msg.new', params: { content: { text: 'hi' } } })
    expect(m.event === 'x.msg.new' && m.params.quote).toBeUndefined()
    expect(m.ignored).toEqual({ params: { quote: { msgRef: {} } } })
    expect(reencode(msg('x.msg.new', `{${content},"quote":null}`))).toBe(msg('x.msg.new', `{${content}}`))
  })

  it('a parsed quote wins over forward; a non-boolean forward is ignored', () => {
    const both = msg(
      'x.msg.new',
      `{${content},"forward":true,"quote":{"content":{"text":"q","type":"text"},"msgRef":${REF}}}`,
    )
    const m = decodeChatMessage(both)
    expect(m.event === 'x.msg.new' && m.params.forward).toBeUndefined()
    expect(m.ignored).toEqual({ params: { forward: true } })
    expect(reencode(msg('x.msg.new', `{${content},"forward":"yes"}`))).toBe(msg('x.msg.new', `{${content}}`))
    expect(reencode(msg('x.msg.new', `{${content},"forward":true}`))).toBe(
      msg('x.msg.new', `{${content},"forward":true}`),
    )
  })

  it('a malformed file is an error (it is read with .:?)', () => {
    expect(failure(msg('x.msg.new', `{${content},"file":{"fileName":"a"}}`))).toEqual([
      'MISSING',
      '$.params.file',
    ])
    expect(failure(msg('x.msg.new', `{${content},"file":null}`))).toBe('ok')
  })

  it('refuses a reply that is also a forward', () => {
    const m = decodeChatMessage(
      msg('x.msg.new', `{${content},"quote":{"content":{"text":"q","type":"text"},"msgRef":${REF}}}`),
    )
    if (m.event !== 'x.msg.new') throw new Error('expected x.msg.new')
    expect(() => encodeChatMessageText({ ...m, params: { ...m.params, forward: true } })).toThrow(
      ChatEncodeError,
    )
  })
})

describe('message content', () => {
  it('drops extra keys of known types and keeps unknown types whole', () => {
    expect(decodeMsgContent({ type: 'text', text: 'a', extra: 1 })).toEqual({ type: 'text', text: 'a' })
    expect(encodeMsgContent(decodeMsgContent({ type: 'voice', z: 1, a: 'é' }))).toBe(
      '{"a":"é","type":"voice","z":1}',
    )
    expect(reencode(msg('x.msg.new', '{"content":{"z":[1.0,{"b":2,"a":1}],"type":"x","text":"t"}}'))).toBe(
      msg('x.msg.new', '{"content":{"text":"t","type":"x","z":[1.0,{"a":1,"b":2}]}}'),
    )
  })

  it('follows the reference on odd tags and text', () => {
    expect(failure(msg('x.msg.new', '{"content":{"type":"voice note","text":"v"}}'))).toEqual([
      'INVALID',
      '$.params.content.type',
    ])
    expect(failure(msg('x.msg.new', '{"content":{"type":"voice","text":5}}'))).toEqual([
      'INVALID',
      '$.params.content.text',
    ])
    expect(failure(msg('x.msg.new', '{"content":{"type":"text"}}'))).toEqual(['MISSING', '$.params.content'])
    expect(failure(msg('x.msg.new', '{"content":{"text":"x"}}'))).toEqual(['MISSING', '$.params.content'])
    expect(decodeMsgContent({ type: '' })).toMatchObject({
      type: 'unknown',
      tag: '',
      text: 'unknown message type',
    })
    expect(decodeMsgContent({ type: 'v', text: null })).toMatchObject({ text: 'unknown message type' })
  })

  it('refuses inconsistent unknown content on encode', () => {
    const bad = (content: object) =>
      expect(() =>
        encodeChatMessageText({ event: 'x.msg.new', params: { content } } as unknown as ChatMessage),
      ).toThrow(ChatEncodeError)
    bad({ type: 'unknown', tag: 'text', text: 'x', json: { type: 'text', text: 'x' } })
    bad({ type: 'unknown', tag: 'a b', text: 'x', json: { type: 'a b', text: 'x' } })
    bad({ type: 'unknown', tag: 'voice', text: 'x', json: { type: 'audio', text: 'x' } })
    bad({ type: 'unknown', tag: 'voice', text: 'x', json: { type: 'voice' } })
    bad({ type: 'unknown', tag: 'voice', text: 'x', json: { type: 'voice', text: 1 } })
    bad({ type: 'sticker', text: 'x' })
  })
})

describe('field rules', () => {
  it('requires keys, allows null only for optional ones', () => {
    expect(failure(msg('x.msg.del', '{"msgId":null}'))).toEqual(['INVALID', '$.params.msgId'])
    expect(failure(msg('x.info', '{"profile":{"displayName":"a","fullName":"","image":null}}'))).toBe('ok')
    expect(failure(msg('x.info', '{"profile":{"displayName":"a"}}'))).toEqual(['MISSING', '$.params.profile'])
    expect(
      failure(msg('x.contact', '{"profile":{"displayName":"a","fullName":""},"contactReqId":null}')),
    ).toBe('ok')
    expect(
      failure(msg('x.contact', '{"profile":{"displayName":"a","fullName":""},"contactReqId":"*"}')),
    ).toEqual(['INVALID', '$.params.contactReqId'])
    expect(failure(`{"msgId":null,"event":"x.ok","params":{}}`)).toBe('ok')
    expect(failure('{"event":"x.ok","params":[]}')).toEqual(['INVALID', '$.params'])
    expect(failure('{"event":1,"params":{}}')).toEqual(['INVALID', '$.event'])
    expect(failure('[]')).toEqual(['INVALID', '$'])
  })

  it('reads integers as the reference does', () => {
    const file = (size: string) => msg('x.file', `{"file":{"fileName":"a","fileSize":${size}}}`)
    expect(reencode(file('1.0'))).toBe(msg('x.file', '{"file":{"fileName":"a","fileSize":1}}'))
    expect(reencode(file('2e3'))).toBe(msg('x.file', '{"file":{"fileName":"a","fileSize":2000}}'))
    expect(reencode(file('1500e-2'))).toBe(msg('x.file', '{"file":{"fileName":"a","fileSize":15}}'))
    expect(reencode(file('-0'))).toBe(msg('x.file', '{"file":{"fileName":"a","fileSize":0}}'))
    expect(failure(file('1.5'))).toEqual(['INVALID', '$.params.file.fileSize'])
    expect(failure(file('1e1025'))).toEqual(['INVALID', '$.params.file.fileSize'])
    expect(failure(file('"1"'))).toEqual(['INVALID', '$.params.file.fileSize'])
    expect(failure(file('9007199254740993'))).toEqual(['RANGE', '$.params.file.fileSize'])
    expect(failure(file('1e300'))).toEqual(['RANGE', '$.params.file.fileSize'])
  })

  it('checks roles, media and keys', () => {
    const member = (role: string) =>
      msg(
        'x.grp.mem.new',
        `{"memberInfo":{"memberId":"AA==","memberRole":"${role}","profile":{"displayName":"a","fullName":""}}}`,
      )
    expect(failure(member('admin'))).toBe('ok')
    expect(failure(member('Admin'))).toEqual(['INVALID', '$.params.memberInfo.memberRole'])
    const inv = (media: string, key: string) =>
      msg(
        'x.call.inv',
        `{"callId":"AA==","invitation":{"callType":{"media":"${media}","capabilities":{"encryption":true}}${key}}}`,
      )
    expect(failure(inv('video', `,"callDhPubKey":"${KEY}"`))).toBe('ok')
    expect(failure(inv('screen', ''))).toEqual(['INVALID', '$.params.invitation.callType.media'])
    // an Ed25519 SPKI is not an X25519 key
    expect(
      failure(inv('audio', ',"callDhPubKey":"MCowBQYDK2VwAyEARm_3JfsVYrF6Z-B9zla6hNYyXtJ26Zvr9YlV9OYtiC0="')),
    ).toEqual(['INVALID', '$.params.invitation.callDhPubKey'])
    expect(failure(inv('audio', ',"callDhPubKey":"AAAA"'))).toEqual([
      'INVALID',
      '$.params.invitation.callDhPubKey',
    ])
  })

  it('accepts base64url with or without padding and writes it padded', () => {
    expect(reencode(`{"msgId":"3XYr57OIsxlGsmjj","event":"x.msg.del","params":{"msgId":"AAE"}}`)).toBe(
      `{"msgId":"${MSG_ID}","event":"x.msg.del","params":{"msgId":"AAE="}}`,
    )
    expect(failure(msg('x.msg.del', '{"msgId":""}'))).toEqual(['INVALID', '$.params.msgId'])
    expect(failure(msg('x.msg.del', '{"msgId":"A"}'))).toEqual(['INVALID', '$.params.msgId'])
    expect(failure(msg('x.msg.del', '{"msgId":"AA+/"}'))).toEqual(['INVALID', '$.params.msgId'])
  })

  it('normalises timestamps as the reference does', () => {
    const quote = (sentAt: string) =>
      msg(
        'x.msg.new',
        `{"content":{"text":"r","type":"text"},"quote":{"content":{"text":"o","type":"text"},"msgRef":{"sent":false,"sentAt":"${sentAt}"}}}`,
      )
    expect(reencode(quote('2022-07-22T12:11:12.3400+02:00'))).toBe(quote('2022-07-22T10:11:12.34Z'))
    // a bad timestamp makes the quote unparseable, which the reference ignores
    expect(reencode(quote('yesterday'))).toBe(msg('x.msg.new', '{"content":{"text":"r","type":"text"}}'))
  })
})

describe('events', () => {
  it('ignores the params of events without any', () => {
    for (const tag of ['x.msg.deleted', 'x.grp.leave', 'x.grp.del', 'x.ok']) {
      const m = decodeChatMessage(msg(tag, '{"a":1}'))
      expect(m).toEqual({ event: tag, ignored: { params: { a: 1 } } })
      expect(encodeChatMessageText(m)).toBe(msg(tag, '{}'))
    }
  })

  it('keeps unknown events, with any tag, and refuses to disguise a known one', () => {
    expect(reencode(msg('', '{"b":{"d":1,"c":2},"a":[]}'))).toBe(msg('', '{"a":[],"b":{"c":2,"d":1}}'))
    expect(reencode('{"event":"x.msg.new ","params":{}}')).toBe('{"event":"x.msg.new ","params":{}}')
    expect(() => encodeChatMessageText({ event: 'unknown', tag: 'x.ok', params: {} })).toThrow(
      ChatEncodeError,
    )
  })

  it('refuses empty ids, which the reference could not parse back', () => {
    expect(() => encodeChatMessageText({ event: 'x.msg.del', params: { msgId: new Uint8Array(0) } })).toThrow(
      ChatEncodeError,
    )
    expect(() => encodeChatMessageText({ msgId: new Uint8Array(0), event: 'x.ok' })).toThrow(ChatEncodeError)
  })

  it('lists the 32 events of v3.1 and their notification flags', () => {
    expect(CHAT_EVENT_TAGS).toHaveLength(32)
    // only the events without params decode from `{}`
    const empty = CHAT_EVENT_TAGS.filter((tag) => parseChatMessage(msg(tag, '{}')).ok)
    expect(empty).toEqual(['x.msg.deleted', 'x.grp.leave', 'x.grp.del', 'x.ok'])
    expect(empty.filter((tag) => hasNotification(decodeChatMessage(msg(tag, '{}'))))).toEqual(['x.grp.del'])
    expect(hasNotification({ event: 'x.grp.del' })).toBe(true)
    expect(hasNotification({ event: 'x.ok' })).toBe(false)
    expect(hasNotification({ event: 'x.msg.new', params: { content: { type: 'text', text: '' } } })).toBe(
      true,
    )
    expect(hasNotification({ event: 'unknown', tag: 'x.msg.new', params: {} })).toBe(false)
  })

  it('never throws anything but ChatDecodeError', () => {
    for (const input of ['', '{', 'null', '{"event":"x.msg.new","params":{"content":[]}}', '\ud800']) {
      const r = parseChatMessage(input)
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error).toBeInstanceOf(ChatDecodeError)
    }
  })
})
