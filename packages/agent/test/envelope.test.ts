/**
 * Agent envelopes, agent messages and SMPQueueInfo beyond the vectors: every tag and failure,
 * the typed errors the agent reports, version checks, and the message-integrity rules.
 */
import {
  CryptoKeyError,
  DecodeError,
  Decoder,
  EncodeError,
  decodeAll,
  encode,
  fromHex,
  nobleCrypto,
  toHex,
  utf8,
} from '@simplex-ts/core'
import { describe, expect, it } from 'vitest'
import {
  AgentMessageError,
  AgentVersionError,
  type AgentMessage,
  type SmpQueueInfo,
  agentMessageHash,
  agentMessageType,
  checkClientVersion,
  checkConfirmationVersion,
  checkMsgIntegrity,
  compatibleQueueInfo,
  decodeAgentClientMessage,
  decodeAgentMessage,
  decodeAgentMsgEnvelope,
  decodeSmpQueueInfo,
  encodeAgentMessage,
  encodeAgentMsgEnvelope,
  encodeSmpQueueInfo,
  isDuplexHandshake,
  isQueueInfoCompatible,
  queueInfoToUri,
  queueUriToInfo,
} from '../src/index'

const x25519Spki = `302a300506032b656e032100${'11'.repeat(32)}`
const x448Spki = `3042300506032b656f033900${'22'.repeat(56)}`
const queue: SmpQueueInfo = {
  clientVersion: 1,
  smpServer: { scheme: 'smp', host: 'smp8.simplex.im', port: '', keyHash: new Uint8Array(32).fill(7) },
  senderId: new Uint8Array(24).fill(9),
  dhPublicKey: { alg: 'x25519', publicKey: new Uint8Array(32).fill(0x11) },
}
const queueHex = toHex(encode((e) => encodeSmpQueueInfo(e, queue)))

function agentError(f: () => unknown): AgentMessageError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(AgentMessageError)
    expect((e as AgentMessageError).code).toBe('AGENT A_MESSAGE')
    expect((e as AgentMessageError).cause).toBeInstanceOf(DecodeError)
    return e as AgentMessageError
  }
  throw new Error('expected AGENT A_MESSAGE')
}

describe('SMPQueueInfo', () => {
  it('is 122 bytes for smp8.simplex.im without a port (agent.md §3.5)', () => {
    expect(queueHex.length / 2).toBe(122)
    expect(decodeAll(fromHex(queueHex), decodeSmpQueueInfo)).toEqual(queue)
  })

  it('reads any client version with the v3.1 server layout, and rejects a non-X25519 key', () => {
    const v2 = `0002${queueHex.slice(4)}`
    expect(decodeAll(fromHex(v2), decodeSmpQueueInfo).clientVersion).toBe(2)
    expect(isQueueInfoCompatible(decodeAll(fromHex(v2), decodeSmpQueueInfo))).toBe(false)
    expect(isQueueInfoCompatible(queue)).toBe(true)
    const x448 = queueHex.replace(`2c${x25519Spki}`, `44${x448Spki}`)
    expect(() => decodeAll(fromHex(x448), decodeSmpQueueInfo)).toThrow(DecodeError)
    expect(() => decodeAll(fromHex(queueHex.slice(0, -2)), decodeSmpQueueInfo)).toThrow(DecodeError)
  })

  it('converts to and from queue URIs, agreeing the highest common client version', () => {
    const uri = queueInfoToUri(queue, { min: 1, max: 2 })
    expect(queueUriToInfo(uri, 1)).toEqual(queue)
    expect(compatibleQueueInfo(uri)).toEqual(queue)
    expect(compatibleQueueInfo(uri, { min: 1, max: 3 })?.clientVersion).toBe(2)
    expect(compatibleQueueInfo({ ...uri, clientVRange: { min: 2, max: 2 } })).toBeUndefined()
  })

  it('refuses to encode a key of another algorithm or an over-long field', () => {
    const x448 = {
      ...queue,
      dhPublicKey: { alg: 'x448', publicKey: new Uint8Array(56) },
    } as unknown as SmpQueueInfo
    expect(() => encode((e) => encodeSmpQueueInfo(e, x448))).toThrow(CryptoKeyError)
    expect(() => encode((e) => encodeSmpQueueInfo(e, { ...queue, senderId: new Uint8Array(256) }))).toThrow(
      EncodeError,
    )
  })
})

describe('AgentMessage', () => {
  const hash = new Uint8Array(32).fill(0xab)
  const messages: [string, AgentMessage, string][] = [
    ['conn info', { type: 'AgentConnInfo', connInfo: utf8('hi') }, '496869'],
    ['empty conn info', { type: 'AgentConnInfo', connInfo: new Uint8Array(0) }, '49'],
    [
      'conn info reply',
      { type: 'AgentConnInfoReply', smpQueues: [queue], connInfo: utf8('hi') },
      `4401${queueHex}6869`,
    ],
    [
      'HELLO',
      {
        type: 'AgentMessage',
        header: { sndMsgId: 2n, prevMsgHash: new Uint8Array(0) },
        message: { type: 'HELLO' },
      },
      '4d00000000000000020048',
    ],
    [
      'REPLY with two queues',
      {
        type: 'AgentMessage',
        header: { sndMsgId: 3n, prevMsgHash: hash },
        message: { type: 'REPLY', smpQueues: [queue, queue] },
      },
      `4d000000000000000320${'ab'.repeat(32)}5202${queueHex}${queueHex}`,
    ],
    [
      'A_MSG with a negative id',
      {
        type: 'AgentMessage',
        header: { sndMsgId: -1n, prevMsgHash: hash },
        message: { type: 'A_MSG', body: utf8('x') },
      },
      `4dffffffffffffffff20${'ab'.repeat(32)}4d78`,
    ],
  ]
  for (const [name, m, hex] of messages) {
    it(`${name}: encodes, decodes, stored type ${agentMessageType(m)}`, () => {
      expect(toHex(encodeAgentMessage(m))).toBe(hex)
      expect(decodeAgentMessage(fromHex(hex))).toEqual(m)
    })
  }

  it('stored types are C, D, H, R, M (not the wire tags)', () => {
    expect(messages.map(([, m]) => agentMessageType(m))).toEqual(['C', 'C', 'D', 'H', 'R', 'M'])
  })

  const bad: [string, string][] = [
    ['empty input', ''],
    ['an unknown tag', '58'],
    ['a lower-case tag', '69'],
    ['a reply list with no queues', '440068'],
    ['a truncated queue', `4401${queueHex.slice(0, 40)}`],
    ['a truncated header', '4d000000'],
    ['a hash longer than the input', '4d000000000000000120ab'],
    ['an unknown AMessage', '4d000000000000000100'],
    ['trailing bytes after HELLO', '4d0000000000000001004800'],
    ['REPLY with no queues', '4d00000000000000010052'],
  ]
  for (const [name, hex] of bad) {
    it(`rejects ${name} with AGENT A_MESSAGE`, () => {
      agentError(() => decodeAgentMessage(fromHex(hex)))
    })
  }

  it('refuses to encode an empty queue list or an id outside Int64', () => {
    const empty = {
      type: 'AgentConnInfoReply',
      smpQueues: [],
      connInfo: new Uint8Array(0),
    } as unknown as AgentMessage
    expect(() => encodeAgentMessage(empty)).toThrow(EncodeError)
    const big: AgentMessage = {
      type: 'AgentMessage',
      header: { sndMsgId: 2n ** 63n, prevMsgHash: new Uint8Array(0) },
      message: { type: 'HELLO' },
    }
    expect(() => encodeAgentMessage(big)).toThrow(EncodeError)
  })

  it('hashes the encoded message with SHA-256', () => {
    const bytes = fromHex('4d00000000000000020048')
    expect(agentMessageHash(nobleCrypto, bytes)).toEqual(nobleCrypto.sha256(bytes))
    expect(agentMessageHash(nobleCrypto, bytes).length).toBe(32)
  })
})

describe('message integrity (agent.md §9)', () => {
  const h1 = new Uint8Array(32).fill(1)
  const h2 = new Uint8Array(32).fill(2)
  const hdr = (sndMsgId: bigint, prevMsgHash: Uint8Array) => ({ sndMsgId, prevMsgHash })

  it('judges every case as the reference', () => {
    expect(checkMsgIntegrity(4n, h1, hdr(5n, h1))).toBeNull()
    expect(checkMsgIntegrity(4n, h1, hdr(3n, h1))).toEqual({ type: 'MsgBadId', msgId: 3n })
    expect(checkMsgIntegrity(4n, h1, hdr(4n, h1))).toEqual({ type: 'MsgDuplicate' })
    expect(checkMsgIntegrity(4n, h1, hdr(8n, h2))).toEqual({ type: 'MsgSkipped', fromMsgId: 5n, toMsgId: 7n })
    expect(checkMsgIntegrity(4n, h1, hdr(5n, h2))).toEqual({ type: 'MsgBadHash' })
  })

  it("a peer's HELLO after its confirmation is MsgSkipped 1 1, and the next message is OK", () => {
    const empty = new Uint8Array(0)
    expect(checkMsgIntegrity(0n, empty, hdr(2n, empty))).toEqual({
      type: 'MsgSkipped',
      fromMsgId: 1n,
      toMsgId: 1n,
    })
    expect(checkMsgIntegrity(2n, h1, hdr(3n, h1))).toBeNull()
  })

  it('wraps at the Int64 boundary as the reference does', () => {
    const max = 2n ** 63n - 1n
    expect(checkMsgIntegrity(max, h1, hdr(-(2n ** 63n), h1))).toBeNull()
  })
})

describe('AgentMsgEnvelope', () => {
  const params = `0001${'44'}${x448Spki}${'44'}${x448Spki}`
  it('encodes and decodes each kind', () => {
    const conf = fromHex(`000243310001${'44'}${x448Spki}${'44'}${x448Spki}abcd`)
    const decoded = decodeAgentMsgEnvelope(conf)
    expect(decoded).toEqual({
      type: 'AgentConfirmation',
      agentVersion: 2,
      e2eEncryption: { version: 1, key1: new Uint8Array(56).fill(0x22), key2: new Uint8Array(56).fill(0x22) },
      encConnInfo: fromHex('abcd'),
    })
    expect(encodeAgentMsgEnvelope(decoded)).toEqual(conf)
    const msg = decodeAgentMsgEnvelope(fromHex('00014d'))
    expect(msg).toEqual({ type: 'AgentMsgEnvelope', agentVersion: 1, encAgentMessage: new Uint8Array(0) })
    expect(toHex(encodeAgentMsgEnvelope(msg))).toBe('00014d')
  })

  it('does not check the version of any envelope (the engine checks confirmations)', () => {
    expect(decodeAgentMsgEnvelope(fromHex('ffff4d00')).agentVersion).toBe(0xffff)
    expect(() => checkConfirmationVersion(3)).toThrow(AgentVersionError)
    expect(() => checkConfirmationVersion(0)).toThrow(AgentVersionError)
    expect(checkConfirmationVersion(1)).toBe(1)
    expect(checkClientVersion(1)).toBe(1)
    expect(() => checkClientVersion(2)).toThrow(AgentVersionError)
    expect(isDuplexHandshake(1)).toBe(false)
    expect(isDuplexHandshake(2)).toBe(true)
  })

  const bad: [string, string][] = [
    ['empty input', ''],
    ['a version only', '0002'],
    ['an unknown tag', '000258'],
    ['a bad Maybe tag', '0002433200'],
    ['X25519 ratchet keys', `000243310001${'2c'}${x25519Spki}${'2c'}${x25519Spki}`],
    ['truncated ratchet params', `00024331${params.slice(0, 100)}`],
    ['a link length past the end', '000249ffff'],
    ['a link that does not parse', `00024900036162630a`],
  ]
  for (const [name, hex] of bad) {
    it(`rejects ${name} with AGENT A_MESSAGE`, () => {
      agentError(() => decodeAgentMsgEnvelope(fromHex(hex)))
    })
  }

  it('refuses to encode a link over 65535 bytes', () => {
    const q = { ...queue, dhPublicKey: queue.dhPublicKey }
    const many = Array.from({ length: 400 }, () => queueInfoToUri(q))
    const e2eParams = { versionRange: { min: 1, max: 1 }, key1: new Uint8Array(56), key2: new Uint8Array(56) }
    const connReq = {
      mode: 'invitation' as const,
      data: {
        scheme: { type: 'simplex' as const },
        agentVRange: { min: 1, max: 2 },
        smpQueues: many as unknown as [ReturnType<typeof queueInfoToUri>],
      },
      e2eParams,
    }
    expect(() =>
      encodeAgentMsgEnvelope({
        type: 'AgentInvitation',
        agentVersion: 2,
        connReq,
        connInfo: new Uint8Array(0),
      }),
    ).toThrow(EncodeError)
  })
})

describe('client message as the agent decodes it', () => {
  it('reads both private headers and reports bad ones as AGENT A_MESSAGE', () => {
    expect(decodeAgentClientMessage(fromHex('5f00014d')).privHeader.type).toBe('empty')
    agentError(() => decodeAgentClientMessage(fromHex('41')))
    agentError(() => decodeAgentClientMessage(fromHex(`4b2c${x25519Spki}`)))
    agentError(() => decodeAgentClientMessage(new Uint8Array(0)))
  })
})

describe('Decoder-level pieces compose', () => {
  it('decodeSmpQueueInfo leaves the rest of the input', () => {
    const d = new Decoder(fromHex(`${queueHex}ff`))
    expect(decodeSmpQueueInfo(d)).toEqual(queue)
    expect(d.remaining).toBe(1)
  })
})
