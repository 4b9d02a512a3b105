import { base64urlEncode } from '@simplex-ts/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CHAT_EVENT_TAGS,
  ChatDecodeError,
  type ChatMessage,
  type JsonObject,
  type JsonValue,
  type MsgContent,
  UNKNOWN_MSG_TYPE,
  decodeChatMessage,
  encodeChatMessage,
  encodeChatMessageText,
  formatUtcTime,
} from '../src/index'

/** Decoders run ≥ 10,000 times per property; each run is cheap. */
const RUNS = { numRuns: 10_000 }

/** Decode, accepting only success or a typed decode error; on success the result re-encodes stably. */
function decodesSafely(input: Uint8Array | string): void {
  let m: ChatMessage
  try {
    m = decodeChatMessage(input)
  } catch (e) {
    expect(e).toBeInstanceOf(ChatDecodeError)
    expect((e as ChatDecodeError).code).toBe('CEInvalidChatMessage')
    return
  }
  const text = encodeChatMessageText(m)
  expect(encodeChatMessageText(decodeChatMessage(text))).toBe(text)
}

// ---------------------------------------------------------------------------
// structure-aware random JSON: the protocol's keys and plausible values, so
// that typed decoding is exercised deeply, not only the JSON parser

const KEYS = [
  'msgId',
  'event',
  'params',
  'content',
  'type',
  'text',
  'preview',
  'uri',
  'title',
  'description',
  'image',
  'file',
  'fileName',
  'fileSize',
  'fileConnReq',
  'quote',
  'forward',
  'msgRef',
  'sentAt',
  'sent',
  'memberId',
  'profile',
  'displayName',
  'fullName',
  'contactReqId',
  'groupInvitation',
  'fromMember',
  'invitedMember',
  'memberRole',
  'connRequest',
  'groupProfile',
  'memberInfo',
  'memberIntro',
  'groupConnReq',
  'directConnReq',
  'probe',
  'probeHash',
  'callId',
  'invitation',
  'offer',
  'answer',
  'extra',
  'callType',
  'media',
  'capabilities',
  'encryption',
  'callDhPubKey',
  'rtcSession',
  'rtcIceCandidates',
  'rtcExtraInfo',
  'x',
]

const plausibleString = fc.oneof(
  fc.constantFrom(
    ...CHAT_EVENT_TAGS,
    'text',
    'link',
    'image',
    'file',
    'voice',
    'owner',
    'admin',
    'member',
    'audio',
    'video',
    '3XYr57OIsxlGsmjj',
    'AAE',
    '!!',
    '',
    '2022-07-22T10:11:12.345Z',
    '2022-07-22T10:11:12+01:00',
    'MCowBQYDK2VuAyEARm_3JfsVYrF6Z-B9zla6hNYyXtJ26Zvr9YlV9OYtiC0=',
  ),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
)

const plausibleNumber = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, 1, 1.5, -1, 2 ** 53, 1e300),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)

const { json: plausibleJson } = fc.letrec<{ json: JsonValue }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    plausibleNumber,
    plausibleString,
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('json'), { maxKeys: 6 }),
  ),
}))

const plausibleMessage = fc.record(
  {
    msgId: fc.oneof(plausibleString, plausibleJson),
    event: fc.oneof(fc.constantFrom(...CHAT_EVENT_TAGS), plausibleString),
    params: fc.oneof(fc.dictionary(fc.constantFrom(...KEYS), plausibleJson, { maxKeys: 8 }), plausibleJson),
    x: plausibleJson,
  },
  { requiredKeys: [] },
)

// ---------------------------------------------------------------------------
// typed messages

const bytes = fc.uint8Array({ minLength: 1, maxLength: 24 })
const text = fc.string({ unit: 'grapheme', maxLength: 16 })
const time = fc.record({
  seconds: fc.integer({ min: -62_000_000_000, max: 300_000_000_000 }),
  picos: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999_999_999 })),
})
const profile = fc.record(
  { displayName: text, fullName: text, image: text },
  { requiredKeys: ['displayName', 'fullName'] },
)
const role = fc.constantFrom('owner' as const, 'admin' as const, 'member' as const)
const memberIdRole = fc.record({ memberId: bytes, memberRole: role })
const memberInfo = fc.record({ memberId: bytes, memberRole: role, profile })
const intro = fc.record({ groupConnReq: text, directConnReq: text })
const fileInv = fc.record(
  { fileName: text, fileSize: fc.maxSafeInteger(), fileConnReq: text },
  { requiredKeys: ['fileName', 'fileSize'] },
)
const plainJson = fc
  .jsonValue({ stringUnit: 'grapheme', maxDepth: 3 })
  .map((v) => JSON.parse(JSON.stringify(v)) as JsonValue)
const jsonObject = fc.dictionary(text, plainJson, { maxKeys: 4 }) as fc.Arbitrary<JsonObject>

const unknownContent: fc.Arbitrary<MsgContent> = fc
  .tuple(
    text.filter((t) => !t.includes(' ') && !['text', 'link', 'image', 'file'].includes(t)),
    jsonObject,
    fc.option(text, { nil: undefined }),
  )
  .map(([tag, fields, t]) => {
    const json: Record<string, JsonValue> = { ...fields, type: tag }
    if (t === undefined) delete json.text
    else json.text = t
    return { type: 'unknown', tag, text: t ?? UNKNOWN_MSG_TYPE, json }
  })

const content: fc.Arbitrary<MsgContent> = fc.oneof(
  fc.record({ type: fc.constant('text' as const), text }),
  fc.record({
    type: fc.constant('link' as const),
    text,
    preview: fc.record({ uri: text, title: text, description: text, image: text }),
  }),
  fc.record({ type: fc.constant('image' as const), text, image: text }),
  fc.record({ type: fc.constant('file' as const), text }),
  unknownContent,
)

const msgRef = fc.record(
  { msgId: bytes, sentAt: time, sent: fc.boolean(), memberId: bytes },
  { requiredKeys: ['sentAt', 'sent'] },
)
const container = fc.oneof(
  fc.record({ content, file: fileInv }, { requiredKeys: ['content'] }),
  fc.record(
    { content, file: fileInv, quote: fc.record({ msgRef, content }) },
    { requiredKeys: ['content', 'quote'] },
  ),
  fc.record({ content, file: fileInv, forward: fc.constant(true) }, { requiredKeys: ['content', 'forward'] }),
)
const callType = fc.record({
  media: fc.constantFrom('audio' as const, 'video' as const),
  capabilities: fc.record({ encryption: fc.boolean() }),
})
const dhKey = fc.uint8Array({ minLength: 32, maxLength: 32 })
const session = fc.record({ rtcSession: text, rtcIceCandidates: text })

const event = <E extends string, P>(name: E, params: fc.Arbitrary<P>) =>
  params.map((p) => ({ event: name, params: p }))

const chatEvent = fc.oneof(
  event('x.msg.new', container),
  event('x.msg.update', fc.record({ msgId: bytes, content })),
  event('x.msg.del', fc.record({ msgId: bytes })),
  fc.constantFrom(
    { event: 'x.msg.deleted' as const },
    { event: 'x.grp.leave' as const },
    { event: 'x.grp.del' as const },
    { event: 'x.ok' as const },
  ),
  event('x.file', fc.record({ file: fileInv })),
  event('x.file.acpt', fc.record({ fileName: text })),
  event('x.file.acpt.inv', fc.record({ msgId: bytes, fileConnReq: text, fileName: text })),
  event('x.file.cancel', fc.record({ msgId: bytes })),
  event('x.info', fc.record({ profile })),
  event('x.contact', fc.record({ profile, contactReqId: bytes }, { requiredKeys: ['profile'] })),
  event(
    'x.grp.inv',
    fc.record({
      groupInvitation: fc.record({
        fromMember: memberIdRole,
        invitedMember: memberIdRole,
        connRequest: text,
        groupProfile: profile,
      }),
    }),
  ),
  ...(['x.grp.acpt', 'x.grp.mem.con', 'x.grp.mem.con.all', 'x.grp.mem.del'] as const).map((e) =>
    event(e, fc.record({ memberId: bytes })),
  ),
  event('x.grp.mem.new', fc.record({ memberInfo })),
  event('x.grp.mem.intro', fc.record({ memberInfo })),
  event('x.grp.mem.inv', fc.record({ memberId: bytes, memberIntro: intro })),
  event('x.grp.mem.fwd', fc.record({ memberInfo, memberIntro: intro })),
  event('x.grp.mem.info', fc.record({ memberId: bytes, profile })),
  event('x.grp.info', fc.record({ groupProfile: profile })),
  event('x.info.probe', fc.record({ probe: bytes })),
  event('x.info.probe.check', fc.record({ probeHash: bytes })),
  event('x.info.probe.ok', fc.record({ probe: bytes })),
  event(
    'x.call.inv',
    fc.record({
      callId: bytes,
      invitation: fc.record({ callType, callDhPubKey: dhKey }, { requiredKeys: ['callType'] }),
    }),
  ),
  event(
    'x.call.offer',
    fc.record({
      callId: bytes,
      offer: fc.record(
        { callType, rtcSession: session, callDhPubKey: dhKey },
        { requiredKeys: ['callType', 'rtcSession'] },
      ),
    }),
  ),
  event('x.call.answer', fc.record({ callId: bytes, answer: fc.record({ rtcSession: session }) })),
  event(
    'x.call.extra',
    fc.record({ callId: bytes, extra: fc.record({ rtcExtraInfo: fc.record({ rtcIceCandidates: text }) }) }),
  ),
  event('x.call.end', fc.record({ callId: bytes })),
  fc.record({
    event: fc.constant('unknown' as const),
    tag: text.filter((t) => !(CHAT_EVENT_TAGS as readonly string[]).includes(t)),
    params: jsonObject,
  }),
) as fc.Arbitrary<ChatMessage>

const chatMessage: fc.Arbitrary<ChatMessage> = fc
  .tuple(chatEvent, fc.option(bytes, { nil: undefined }))
  .map(([e, msgId]) => (msgId === undefined ? e : ({ ...e, msgId } as ChatMessage)))

describe('chat message decoder properties', () => {
  it('random text gives a message or a typed error', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }), decodesSafely), RUNS)
  })

  it('random bytes give a message or a typed error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), decodesSafely), RUNS)
  })

  it('random JSON values give a message or a typed error', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (v) => decodesSafely(JSON.stringify(v))),
      RUNS,
    )
  })

  it('random protocol-shaped JSON gives a message or a typed error, and re-encodes stably', () => {
    fc.assert(
      fc.property(plausibleMessage, (m) => decodesSafely(JSON.stringify(m))),
      RUNS,
    )
  })

  it('valid messages with one field corrupted still decode safely', () => {
    fc.assert(
      fc.property(chatMessage, plausibleJson, fc.nat(), (m, junk, pick) => {
        const doc = JSON.parse(encodeChatMessageText(m)) as { params: Record<string, unknown> }
        const keys = Object.keys(doc.params)
        if (keys.length > 0) doc.params[keys[pick % keys.length]!] = junk
        decodesSafely(JSON.stringify(doc))
      }),
      RUNS,
    )
  })
})

describe('chat message round trips', () => {
  it('encode → decode gives the same message and the same bytes', () => {
    fc.assert(
      fc.property(chatMessage, (m) => {
        const body = encodeChatMessage(m)
        const decoded = decodeChatMessage(body)
        expect(decoded).toEqual(m)
        expect(encodeChatMessage(decoded)).toEqual(body)
      }),
      RUNS,
    )
  })

  it('writes the top-level keys in reference order', () => {
    fc.assert(
      fc.property(chatMessage, (m) => {
        const text = encodeChatMessageText(m)
        const head = m.msgId === undefined ? '{"event":' : `{"msgId":"${base64urlEncode(m.msgId)}","event":`
        expect(text.startsWith(head)).toBe(true)
        expect(text).toContain(',"params":{')
      }),
      { numRuns: 1000 },
    )
  })

  it('writes timestamps inside quotes as aeson does', () => {
    fc.assert(
      fc.property(time, (sentAt) => {
        const text = encodeChatMessageText({
          event: 'x.msg.new',
          params: {
            content: { type: 'text', text: '' },
            quote: { msgRef: { sentAt, sent: true }, content: { type: 'text', text: '' } },
          },
        })
        expect(text).toContain(`"sentAt":"${formatUtcTime(sentAt)}"`)
      }),
      { numRuns: 1000 },
    )
  })
})
