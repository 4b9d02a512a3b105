import {
  CryptoKeyError,
  type CryptoProvider,
  EncodeError,
  VersionIncompatibleError,
  fromHex,
  latin1,
  nobleCrypto,
} from '@simplex-ts/core'
import { nativeCrypto } from '@simplex-ts/core/native'
import { describe, expect, it } from 'vitest'
import {
  ERROR_TYPES,
  MAX_MESSAGE_LENGTH,
  SmpAuthError,
  SmpBlockError,
  SmpCmdNoEntityError,
  SmpCmdSyntaxError,
  SmpCmdUnknownError,
  SmpLargeMsgError,
  SmpProtocolError,
  SmpQuotaError,
  type SmpVersion,
  checkSmpVersion,
  commandParty,
  createMessageNotification,
  decodeCommand,
  decodeResponse,
  decryptNMsgMeta,
  dummyVerify,
  encodeCommand,
  encodeCommandTransmission,
  encodeResponse,
  encodeTransmission,
  encryptDeliveredMessage,
  isErrorType,
  isSmpProtocolError,
  parseCommandTransmission,
  smpErrorFromType,
  verifyCommandAuth,
  verifySignature,
} from '../src/index'

const sessionId = new Uint8Array(32).fill(0x11)
const rid = new Uint8Array(24).fill(0x21)
const sid = new Uint8Array(24).fill(0x22)
const enc = latin1

describe('errors', () => {
  it('maps every ErrorType to its own class whose code is the wire text', () => {
    const classes = new Set<unknown>()
    for (const t of ERROR_TYPES) {
      const e = smpErrorFromType(t)
      expect(e).toBeInstanceOf(SmpProtocolError)
      expect(e.code).toBe(t)
      expect(e.layer).toBe('smp')
      expect(isErrorType(t)).toBe(true)
      expect(isSmpProtocolError(e, t)).toBe(true)
      classes.add(e.constructor)
    }
    expect(classes.size).toBe(ERROR_TYPES.length)
    expect(ERROR_TYPES).toHaveLength(14)
    expect(isErrorType('CMD NO_QUEUE')).toBe(false)
  })
  it('decides retriability once per class: QUOTA retries, AUTH and the rest do not', () => {
    expect(smpErrorFromType('QUOTA')).toBeInstanceOf(SmpQuotaError)
    for (const t of ERROR_TYPES) expect(smpErrorFromType(t).retriable).toBe(t === 'QUOTA')
    expect(new SmpAuthError('x').retriable).toBe(false)
  })
  it('parses ERR texts exactly: legacy NO_QUEUE, no trailing space, no unknown names', () => {
    const err = (s: string) => decodeResponse(enc(`ERR ${s}`), 4)
    expect(err('CMD NO_QUEUE')).toEqual({ type: 'ERR', error: 'CMD NO_ENTITY' })
    for (const t of ERROR_TYPES) expect(err(t)).toEqual({ type: 'ERR', error: t })
    for (const bad of ['AUTH ', 'CMD', 'CMD ', 'CMD AUTH', 'auth', 'NO_QUEUE', 'CMD SYNTAX X', '']) {
      expect(() => err(bad)).toThrow(SmpCmdSyntaxError)
    }
    expect(() => decodeResponse(enc('ERR'), 4)).toThrow(SmpCmdSyntaxError)
  })
})

describe('commands and responses', () => {
  it('rejects versions outside 1–4', () => {
    for (const v of [0, 5, 1.5]) {
      expect(() => checkSmpVersion(v)).toThrow(VersionIncompatibleError)
      expect(() => encodeCommand({ type: 'PING' }, v as SmpVersion)).toThrow(VersionIncompatibleError)
    }
  })
  it('answers server tags sent as commands with CMD UNKNOWN, and vice versa', () => {
    expect(() => decodeCommand(enc('OK'), 4)).toThrow(SmpCmdUnknownError)
    expect(() => decodeResponse(enc('PING'), 4)).toThrow(SmpCmdUnknownError)
    expect(() => decodeCommand(enc(''), 4)).toThrow(SmpCmdUnknownError)
    expect(() => decodeCommand(enc('SUB '), 4)).toThrow(SmpCmdSyntaxError)
  })
  it('checks key algorithms per field (X25519 DH keys, Ed25519/Ed448 verification keys)', () => {
    const ed = fromHex(`302a300506032b6570032100${'01'.repeat(32)}`)
    const x = fromHex(`302a300506032b656e032100${'02'.repeat(32)}`)
    const x448 = fromHex(`3042300506032b656f033900${'03'.repeat(56)}`)
    const cmd = (a: Uint8Array, b: Uint8Array) =>
      Uint8Array.from([...enc('NEW '), a.length, ...a, b.length, ...b])
    expect(decodeCommand(cmd(ed, x), 4).type).toBe('NEW')
    expect(() => decodeCommand(cmd(x, x), 4)).toThrow(SmpCmdSyntaxError)
    expect(() => decodeCommand(cmd(ed, ed), 4)).toThrow(SmpCmdSyntaxError)
    expect(() => decodeCommand(cmd(ed, x448), 4)).toThrow(SmpCmdSyntaxError)
    expect(() =>
      encodeCommand({ type: 'KEY', sndAuthKey: { alg: 'ed25519', publicKey: new Uint8Array(31) } }, 4),
    ).toThrow(CryptoKeyError)
  })
  it('keeps SEND flag extras out of the re-encoding and needs the space before the body', () => {
    expect(decodeCommand(enc('SEND Tabc hi'), 2)).toEqual({
      type: 'SEND',
      flags: { notification: true },
      body: enc('hi'),
    })
    expect(() => decodeCommand(enc('SEND T'), 2)).toThrow(SmpCmdSyntaxError)
    expect(decodeCommand(enc('SEND T'), 1)).toEqual({
      type: 'SEND',
      flags: { notification: false },
      body: enc('T'),
    })
    expect(decodeCommand(enc('SEND '), 1)).toEqual({
      type: 'SEND',
      flags: { notification: false },
      body: new Uint8Array(0),
    })
  })
  it('refuses to encode an NMSG nonce that is not 24 bytes or an over-long id', () => {
    expect(() =>
      encodeResponse({ type: 'NMSG', nonce: new Uint8Array(23), encMeta: new Uint8Array(0) }, 4),
    ).toThrow(EncodeError)
    expect(() => encodeCommand({ type: 'ACK', msgId: new Uint8Array(256) }, 4)).toThrow(EncodeError)
  })
  it('names the party of each command', () => {
    expect(commandParty('NEW')).toBe('recipient')
    expect(commandParty({ type: 'SEND', flags: { notification: false }, body: new Uint8Array(0) })).toBe(
      'sender',
    )
    expect(commandParty('PING')).toBe('sender')
    expect(commandParty('NSUB')).toBe('notifier')
  })
})

describe('transmissions', () => {
  const crypto: CryptoProvider = nativeCrypto
  const rcv = crypto.generateSignKeyPair('ed25519')
  const snd = crypto.generateSignKeyPair('ed448')

  it('refuses signatures of invalid length when encoding', () => {
    expect(() => encodeTransmission(new Uint8Array(10), new Uint8Array(0))).toThrow(EncodeError)
    expect(encodeTransmission(undefined, Uint8Array.of(1))).toEqual(Uint8Array.of(0, 1))
  })

  it('reports a transmission that cannot be split as BLOCK with empty corrId and entity', () => {
    const r = parseCommandTransmission(Uint8Array.of(0, 32, 1), { sessionId, version: 4 })
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error).toBeInstanceOf(SmpBlockError)
      expect(r.corrId).toHaveLength(0)
    }
  })

  it('authorizes SEND as the reference: unsigned before KEY, signed with the sender key after', () => {
    const send = { type: 'SEND' as const, flags: { notification: false }, body: enc('hi') }
    const unsigned = parseCommandTransmission(
      encodeCommandTransmission(sessionId, { corrId: enc('1'), entityId: sid, command: send }, 4),
      { sessionId, version: 4 },
    )
    const signed = parseCommandTransmission(
      encodeCommandTransmission(sessionId, { corrId: enc('2'), entityId: sid, command: send }, 4, {
        crypto,
        key: snd,
      }),
      { sessionId, version: 4 },
    )
    if (!unsigned.ok || !signed.ok) throw new Error('parse failed')
    const open = { recipientKey: rcv }
    const secured = { recipientKey: rcv, senderKey: snd }
    expect(verifyCommandAuth(crypto, unsigned, open)).toBe(true)
    expect(verifyCommandAuth(crypto, signed, open)).toBe(false)
    expect(verifyCommandAuth(crypto, unsigned, secured)).toBe(false)
    expect(verifyCommandAuth(crypto, signed, secured)).toBe(true)
    expect(verifyCommandAuth(crypto, signed, undefined)).toBe(false)
    // signed with the recipient's (Ed25519) key against an Ed448 sender key: algorithms differ
    expect(
      verifyCommandAuth(
        crypto,
        { ...signed, signature: { alg: 'ed25519', bytes: new Uint8Array(64) } },
        secured,
      ),
    ).toBe(false)
  })

  it('authorizes recipient commands only with the queue recipient key and NEW with its own key', () => {
    const sub = parseCommandTransmission(
      encodeCommandTransmission(sessionId, { corrId: enc('3'), entityId: rid, command: { type: 'SUB' } }, 4, {
        crypto,
        key: rcv,
      }),
      { sessionId, version: 4 },
    )
    if (!sub.ok) throw sub.error
    expect(verifyCommandAuth(crypto, sub, { recipientKey: rcv })).toBe(true)
    expect(verifyCommandAuth(crypto, sub, { recipientKey: crypto.generateSignKeyPair('ed25519') })).toBe(
      false,
    )
    expect(verifyCommandAuth(crypto, sub, { recipientKey: snd })).toBe(false)
    const dh = { alg: 'x25519' as const, publicKey: crypto.generateDhKeyPair('x25519').publicKey }
    const make = (key: typeof rcv) =>
      parseCommandTransmission(
        encodeCommandTransmission(
          sessionId,
          {
            corrId: enc('4'),
            entityId: new Uint8Array(0),
            command: { type: 'NEW', rcvAuthKey: rcv, rcvDhKey: dh },
          },
          4,
          { crypto, key },
        ),
        { sessionId, version: 4 },
      )
    const good = make(rcv)
    const forged = make(crypto.generateSignKeyPair('ed25519'))
    if (!good.ok || !forged.ok) throw new Error('parse failed')
    expect(verifyCommandAuth(crypto, good, undefined)).toBe(true)
    expect(verifyCommandAuth(crypto, forged, undefined)).toBe(false)
  })

  it('authorizes NSUB only with the notifier key of a queue that has one', () => {
    const ntf = crypto.generateSignKeyPair('ed25519')
    const nsub = parseCommandTransmission(
      encodeCommandTransmission(
        sessionId,
        { corrId: enc('5'), entityId: sid, command: { type: 'NSUB' } },
        4,
        {
          crypto,
          key: ntf,
        },
      ),
      { sessionId, version: 4 },
    )
    if (!nsub.ok) throw nsub.error
    expect(verifyCommandAuth(crypto, nsub, { recipientKey: rcv, notifierKey: ntf })).toBe(true)
    expect(verifyCommandAuth(crypto, nsub, { recipientKey: ntf })).toBe(false)
    expect(verifyCommandAuth(crypto, nsub, { recipientKey: rcv, notifierKey: rcv })).toBe(false)
    expect(verifyCommandAuth(crypto, { ...nsub, signature: undefined }, { recipientKey: rcv })).toBe(false)
  })

  it('verifySignature: false when unsigned or algorithms differ; dummyVerify is always false', () => {
    for (const p of [nobleCrypto, nativeCrypto]) {
      const sig = { alg: 'ed448' as const, bytes: p.sign('ed448', snd.privateKey, enc('m')) }
      expect(verifySignature(p, snd, sig, enc('m'))).toBe(true)
      expect(verifySignature(p, snd, undefined, enc('m'))).toBe(false)
      expect(verifySignature(p, rcv, sig, enc('m'))).toBe(false)
      expect(dummyVerify(p, sig, enc('m'))).toBe(false)
      expect(dummyVerify(p, undefined, enc('m'))).toBe(false)
    }
  })

  it('SEND without an entity is CMD NO_ENTITY and keeps the corrId', () => {
    const t = encodeCommandTransmission(
      sessionId,
      {
        corrId: enc('9'),
        entityId: new Uint8Array(0),
        command: { type: 'SEND', flags: { notification: true }, body: enc('x') },
      },
      3,
    )
    const r = parseCommandTransmission(t, { sessionId, version: 3 })
    expect(r.ok ? null : r.error).toBeInstanceOf(SmpCmdNoEntityError)
    expect(r.corrId).toEqual(enc('9'))
  })
})

describe('delivery and notifications', () => {
  it('refuses a stored body longer than 16088 bytes with LARGE_MSG, at every version', () => {
    for (const v of [1, 2, 3, 4] as const) {
      const msg = {
        msgId: rid,
        msgTs: 1,
        msgFlags: { notification: false },
        body: new Uint8Array(MAX_MESSAGE_LENGTH + 1),
      }
      expect(() => encryptDeliveredMessage(nobleCrypto, new Uint8Array(32), msg, v)).toThrow(SmpLargeMsgError)
      const ok = encryptDeliveredMessage(
        nobleCrypto,
        new Uint8Array(32),
        { ...msg, body: msg.body.subarray(1) },
        v,
      )
      expect(ok.encBody).toHaveLength(v <= 2 ? 16106 : 16122)
    }
  })
  it('builds an NMSG with a fresh nonce that the recipient can open', () => {
    const secret = new Uint8Array(32).fill(5)
    const a = createMessageNotification(nativeCrypto, secret, { msgId: rid, msgTs: 1658484560 })
    const b = createMessageNotification(nativeCrypto, secret, { msgId: rid, msgTs: 1658484560 })
    expect(a.nonce).not.toEqual(b.nonce)
    expect(a.encMeta).toHaveLength(144)
    expect(encodeResponse(a, 4)).toHaveLength(174)
    expect(decryptNMsgMeta(nobleCrypto, secret, a.nonce, a.encMeta)).toEqual({
      msgId: rid,
      msgTs: 1658484560,
    })
  })
})
