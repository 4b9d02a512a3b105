/**
 * agent.json, the agent layer: connection requests (produced and tolerant parsing), E2E params,
 * SMPQueueInfo, agent messages and envelopes, and the agent layers of the three chains, built
 * forward and peeled back from the delivered MSG, with both crypto providers.
 *
 * Server addresses, queue URIs, client messages and the per-queue box / SEND / MSG layers of the
 * chains are covered by packages/smp (vectors.agent-addresses.test.ts, envelope.test.ts); here
 * they are only used as the path between the agent layers.
 */
import { readFileSync } from 'node:fs'
import {
  type CryptoProvider,
  Decoder,
  type KeyPair,
  decodeAll,
  encode,
  fromHex,
  latin1,
  nobleCrypto,
  toHex,
  utf8,
} from '@simplex-ts/core'
import { nativeCrypto } from '@simplex-ts/core/native'
import {
  type SmpQueueUri,
  decodeClientMsgEnvelope,
  decryptDeliveredMessage,
  encodeClientMessage,
  openClientMessage,
  parseResponseTransmission,
  sealClientMessage,
} from '@simplex-ts/smp'
import { describe, expect, it } from 'vitest'
import {
  AGENT_VRANGE,
  type AgentMessage,
  type AgentMsgEnvelope,
  CmdSyntaxError,
  type ConnectionRequest,
  E2E_ENC_CONN_INFO_LENGTH,
  E2E_ENC_USER_MSG_LENGTH,
  type Ratchet,
  type SmpQueueInfo,
  agentMessageHash,
  decodeAgentClientMessage,
  decodeAgentMessage,
  decodeAgentMsgEnvelope,
  decodeE2ERatchetParams,
  decodeSmpQueueInfo,
  encodeAgentMessage,
  encodeAgentMsgEnvelope,
  encodeE2ERatchetParams,
  encodeE2ERatchetParamsUri,
  encodeSmpQueueInfo,
  formatConnectionRequest,
  initRcvRatchet,
  initSndRatchet,
  negotiateContact,
  negotiateInvitation,
  parseConnectionRequest,
  parseE2ERatchetParamsUri,
  rcDecrypt,
  rcEncrypt,
  x3dhRcv,
  x3dhSnd,
} from '../src/index'

// --- vector shapes ---------------------------------------------------------
interface ServerV {
  host: string
  port: string
  keyHash_hex: string
}
interface QueueUriV {
  smpServer: ServerV
  senderId_hex: string
  clientVRange: [number, number]
  dhPublicKey_hex: string
}
interface ConnReqV {
  mode: 'invitation' | 'contact'
  data: { scheme: string; agentVRange: [number, number]; smpQueues: QueueUriV[] }
  e2e?: { vrange: [number, number]; key1_hex: string; key2_hex: string }
}
interface Case {
  case: string
  encoded_hex: string
}
interface ServerDelivery {
  rcvDhSecret_hex: string
  msgId_hex: string
  msgTs: number
  msg_v4_block_content_hex: string
}
interface ChainBase {
  agent_envelope_hex: string
  client_message_hex: string
  client_msg_envelope_hex: string
  send: { notification: boolean }
  server_delivery: ServerDelivery
}
interface AgentVectors {
  connection_requests: { case: string; parsed: ConnReqV; str: string }[]
  connection_request_parse: {
    case: string
    input_str: string
    result: { ok: ConnReqV } | { error: string }
  }[]
  e2e_params: {
    alice_params_smp_hex: string
    alice_params_uri_str: string
    bob_params_smp_hex: string
    alice_key1_pub_hex: string
    alice_key2_pub_hex: string
    bob_key1_pub_hex: string
    bob_key2_pub_hex: string
  }
  smp_queue_info: {
    clientVersion: number
    smpServer: ServerV
    senderId_hex: string
    dhPublicKey_hex: string
    smp_hex: string
  }
  agent_messages: Case[]
  agent_envelopes: Case[]
  chain_confirmation: ChainBase & {
    agent_message_hex: string
    ratchet: { padded_len: number; enc_conn_info_hex: string }
    per_queue_e2e: {
      recipient_e2e_priv_hex: string
      sender_e2e_pub_hex: string
      e2e_dh_secret_hex: string
      nonce_hex: string
    }
    sender_sign_key_ed448: { priv_hex: string; pub_der_hex: string }
  }
  chain_message: ChainBase & {
    agent_message_hex: string
    ratchet: { padded_len: number; enc_agent_message_hex: string }
    per_queue_e2e: { e2e_dh_secret_hex: string; nonce_hex: string }
  }
  chain_invitation: ChainBase & {
    bob_invitation_uri_str: string
    per_queue_e2e: {
      ephemeral_pub_hex: string
      recipient_e2e_priv_hex: string
      dh_secret_hex: string
      nonce_hex: string
    }
  }
}
interface KeyV {
  priv_hex: string
  pub_hex: string
}
interface RatchetVectors {
  x3dh: {
    alice_key1: KeyV
    alice_key2: KeyV
    bob_key1: KeyV
    bob_key2: KeyV
    bob_initial_dh_ratchet_key: KeyV
  }
}

const load = <T>(file: string): T =>
  JSON.parse(readFileSync(new URL(`../../../../shared/vectors/${file}`, import.meta.url), 'utf8')) as T
const A = load<AgentVectors>('agent.json')
const R = load<RatchetVectors>('ratchet.json').x3dh
const sessionId = fromHex(load<{ session_id_hex: string }>('smp.json').session_id_hex)

const providers: CryptoProvider[] = [nativeCrypto, nobleCrypto]
const hex = fromHex
const toh = toHex

// --- vector ↔ value ----------------------------------------------------------
function queueUri(v: QueueUriV): SmpQueueUri {
  return {
    smpServer: {
      scheme: 'smp',
      host: v.smpServer.host,
      port: v.smpServer.port,
      keyHash: hex(v.smpServer.keyHash_hex),
    },
    senderId: hex(v.senderId_hex),
    clientVRange: { min: v.clientVRange[0], max: v.clientVRange[1] },
    dhPublicKey: { alg: 'x25519', publicKey: hex(v.dhPublicKey_hex) },
  }
}

function connReq(v: ConnReqV): ConnectionRequest {
  const scheme =
    v.data.scheme === 'simplex:'
      ? ({ type: 'simplex' } as const)
      : (() => {
          const loc = v.data.scheme.slice('https://'.length)
          const [host, port = ''] = loc.split(':') as [string, string?]
          return { type: 'appServer' as const, host, port }
        })()
  const [first, ...rest] = v.data.smpQueues.map(queueUri)
  const data = {
    scheme,
    agentVRange: { min: v.data.agentVRange[0], max: v.data.agentVRange[1] },
    smpQueues: [first!, ...rest] as const,
  }
  if (v.mode === 'contact') return { mode: 'contact', data }
  const e2e = v.e2e!
  return {
    mode: 'invitation',
    data,
    e2eParams: {
      versionRange: { min: e2e.vrange[0], max: e2e.vrange[1] },
      key1: hex(e2e.key1_hex),
      key2: hex(e2e.key2_hex),
    },
  }
}

const keyPair = (k: KeyV): KeyPair<'x448'> => ({
  alg: 'x448',
  privateKey: hex(k.priv_hex),
  publicKey: hex(k.pub_hex),
})

const Q = A.smp_queue_info
const queueInfo: SmpQueueInfo = {
  clientVersion: Q.clientVersion,
  smpServer: {
    scheme: 'smp',
    host: Q.smpServer.host,
    port: Q.smpServer.port,
    keyHash: hex(Q.smpServer.keyHash_hex),
  },
  senderId: hex(Q.senderId_hex),
  dhPublicKey: { alg: 'x25519', publicKey: hex(Q.dhPublicKey_hex) },
}
const E = A.e2e_params
const aliceParams = { version: 1, key1: hex(E.alice_key1_pub_hex), key2: hex(E.alice_key2_pub_hex) }
const bobParams = { version: 1, key1: hex(E.bob_key1_pub_hex), key2: hex(E.bob_key2_pub_hex) }
const bobInfo = utf8('{"displayName":"bob"}')

// --- links -------------------------------------------------------------------
describe('agent.json connection_requests', () => {
  for (const c of A.connection_requests) {
    it(c.case, () => {
      const cr = connReq(c.parsed)
      expect(formatConnectionRequest(cr)).toBe(c.str)
      expect(parseConnectionRequest(c.str)).toEqual(cr)
    })
  }
})

describe('agent.json connection_request_parse', () => {
  for (const c of A.connection_request_parse) {
    it(`${c.case} → ${'ok' in c.result ? 'ok' : c.result.error}`, () => {
      if ('ok' in c.result) {
        const cr = parseConnectionRequest(c.input_str)
        expect(cr).toEqual(connReq(c.result.ok))
        // re-rendered as the reference renders it
        expect(parseConnectionRequest(formatConnectionRequest(cr))).toEqual(cr)
      } else {
        expect(() => parseConnectionRequest(c.input_str)).toThrow(CmdSyntaxError)
      }
    })
  }
})

// --- E2E params and SMPQueueInfo ---------------------------------------------
describe('agent.json e2e_params', () => {
  it('binary form of both parties', () => {
    expect(toh(encode((e) => encodeE2ERatchetParams(e, aliceParams)))).toBe(E.alice_params_smp_hex)
    expect(toh(encode((e) => encodeE2ERatchetParams(e, bobParams)))).toBe(E.bob_params_smp_hex)
    expect(decodeAll(hex(E.alice_params_smp_hex), decodeE2ERatchetParams)).toEqual(aliceParams)
    expect(decodeAll(hex(E.bob_params_smp_hex), decodeE2ERatchetParams)).toEqual(bobParams)
  })
  it('URI form, and as the e2e= value of an invitation', () => {
    const uri = { versionRange: { min: 1, max: 1 }, key1: aliceParams.key1, key2: aliceParams.key2 }
    expect(encodeE2ERatchetParamsUri(uri)).toBe(E.alice_params_uri_str)
    expect(parseE2ERatchetParamsUri(E.alice_params_uri_str)).toEqual(uri)
    const inv = parseConnectionRequest(A.connection_requests[0]!.str)
    expect(inv.mode === 'invitation' && inv.e2eParams).toEqual(uri)
  })
})

describe('agent.json smp_queue_info', () => {
  it('encodes and decodes', () => {
    expect(toh(encode((e) => encodeSmpQueueInfo(e, queueInfo)))).toBe(Q.smp_hex)
    expect(decodeAll(hex(Q.smp_hex), decodeSmpQueueInfo)).toEqual(queueInfo)
  })
})

// --- agent messages and envelopes ---------------------------------------------
const prevHash = (p: CryptoProvider) => agentMessageHash(p, utf8('previous agent message'))

/** The value each agent_messages case describes. */
function expectedAgentMessage(name: string, p: CryptoProvider): AgentMessage {
  const hdr = (id: bigint, h: Uint8Array) => ({ sndMsgId: id, prevMsgHash: h })
  if (name === 'AgentConnInfo') return { type: 'AgentConnInfo', connInfo: utf8('conn info') }
  if (name === 'AgentConnInfoReply') {
    return { type: 'AgentConnInfoReply', smpQueues: [queueInfo], connInfo: utf8('conn info') }
  }
  if (name.startsWith('AgentMessage HELLO')) {
    return { type: 'AgentMessage', header: hdr(1n, new Uint8Array(0)), message: { type: 'HELLO' } }
  }
  if (name.startsWith('AgentMessage REPLY')) {
    return {
      type: 'AgentMessage',
      header: hdr(2n, prevHash(p)),
      message: { type: 'REPLY', smpQueues: [queueInfo] },
    }
  }
  if (name.startsWith('AgentMessage A_MSG, sndMsgId 3')) {
    return {
      type: 'AgentMessage',
      header: hdr(3n, prevHash(p)),
      message: { type: 'A_MSG', body: utf8('hello') },
    }
  }
  if (name.startsWith('AgentMessage A_MSG, large')) {
    return {
      type: 'AgentMessage',
      header: hdr(1234567890123n, prevHash(p)),
      message: { type: 'A_MSG', body: new Uint8Array(0) },
    }
  }
  throw new Error(`unknown case ${name}`)
}

describe('agent.json agent_messages', () => {
  for (const c of A.agent_messages) {
    it(c.case, () => {
      const expected = expectedAgentMessage(c.case, nobleCrypto)
      expect(toh(encodeAgentMessage(expected))).toBe(c.encoded_hex)
      expect(decodeAgentMessage(hex(c.encoded_hex))).toEqual(expected)
    })
  }
})

function expectedEnvelope(name: string): AgentMsgEnvelope {
  if (name === 'AgentConfirmation with e2e params') {
    return {
      type: 'AgentConfirmation',
      agentVersion: 2,
      e2eEncryption: bobParams,
      encConnInfo: latin1('<ratchet-encrypted conn info>'),
    }
  }
  if (name.startsWith('AgentConfirmation without')) {
    return {
      type: 'AgentConfirmation',
      agentVersion: 2,
      encConnInfo: latin1('<ratchet-encrypted conn info>'),
    }
  }
  if (name === 'AgentMsgEnvelope') {
    return {
      type: 'AgentMsgEnvelope',
      agentVersion: 2,
      encAgentMessage: latin1('<ratchet-encrypted agent message>'),
    }
  }
  if (name === 'AgentInvitation') {
    const inv = parseConnectionRequest(A.connection_requests[0]!.str)
    if (inv.mode !== 'invitation') throw new Error('not an invitation')
    return { type: 'AgentInvitation', agentVersion: 2, connReq: inv, connInfo: utf8('conn info') }
  }
  throw new Error(`unknown case ${name}`)
}

describe('agent.json agent_envelopes', () => {
  for (const c of A.agent_envelopes) {
    it(c.case, () => {
      const expected = expectedEnvelope(c.case)
      expect(toh(encodeAgentMsgEnvelope(expected))).toBe(c.encoded_hex)
      expect(decodeAgentMsgEnvelope(hex(c.encoded_hex))).toEqual(expected)
    })
  }
})

// --- chains: the agent layers, built forward and peeled back --------------------
/** The message as the recipient's agent gets it: v4 MSG block → delivered body → envelope. */
function deliveredEnvelope(p: CryptoProvider, d: ServerDelivery) {
  const block = new Decoder(hex(d.msg_v4_block_content_hex))
  expect(block.u8()).toBe(1)
  const got = parseResponseTransmission(block.large(), { sessionId, version: 4 })
  if (!got.ok || got.command.type !== 'MSG') throw new Error('MSG not parsed')
  const delivered = decryptDeliveredMessage(p, hex(d.rcvDhSecret_hex), got.command, 4)
  expect(delivered.msgTs).toBe(d.msgTs)
  return decodeClientMsgEnvelope(delivered.body)
}

/** Bob's (the joiner's) initial sending ratchet, from ratchet.json. */
function bobRatchet(p: CryptoProvider): Ratchet {
  const init = x3dhSnd(p, keyPair(R.bob_key1), keyPair(R.bob_key2), aliceParams)
  return initSndRatchet(p, aliceParams.key2, keyPair(R.bob_initial_dh_ratchet_key), init)
}

describe.each(providers)('agent.json chains, agent layers ($name crypto)', (p) => {
  it('chain_confirmation: AgentConnInfoReply → ratchet → AgentConfirmation → ClientMessage, and back', () => {
    const C = A.chain_confirmation
    const e2e = C.per_queue_e2e
    expect(C.ratchet.padded_len).toBe(E2E_ENC_CONN_INFO_LENGTH)

    // build
    const agentMsg: AgentMessage = { type: 'AgentConnInfoReply', smpQueues: [queueInfo], connInfo: bobInfo }
    const agentMsgBytes = encodeAgentMessage(agentMsg)
    expect(toh(agentMsgBytes)).toBe(C.agent_message_hex)
    const enc = rcEncrypt(p, bobRatchet(p), E2E_ENC_CONN_INFO_LENGTH, agentMsgBytes)
    expect(toh(enc.message)).toBe(C.ratchet.enc_conn_info_hex)
    const envBytes = encodeAgentMsgEnvelope({
      type: 'AgentConfirmation',
      agentVersion: AGENT_VRANGE.max,
      e2eEncryption: bobParams,
      encConnInfo: enc.message,
    })
    expect(toh(envBytes)).toBe(C.agent_envelope_hex)
    const senderKey = {
      alg: 'ed448' as const,
      publicKey: p.signPublicKey('ed448', hex(C.sender_sign_key_ed448.priv_hex)),
    }
    const cm = encodeClientMessage({ privHeader: { type: 'confirmation', senderKey }, body: envBytes })
    expect(toh(cm)).toBe(C.client_message_hex)
    const body = sealClientMessage(p, {
      e2eDhSecret: hex(e2e.e2e_dh_secret_hex),
      e2ePubDhKey: { alg: 'x25519', publicKey: hex(e2e.sender_e2e_pub_hex) },
      message: decodeAgentClientMessage(cm),
      nonce: hex(e2e.nonce_hex),
    })
    expect(toh(body)).toBe(C.client_msg_envelope_hex)

    // peel, as Alice's agent: the sender's key in the header gives the per-queue secret
    const env = deliveredEnvelope(p, C.server_delivery)
    const senderE2E = env.header.e2ePubDhKey
    if (senderE2E === undefined) throw new Error('confirmation without sender key')
    const secret = p.dh('x25519', hex(e2e.recipient_e2e_priv_hex), senderE2E.publicKey)
    expect(toh(secret)).toBe(e2e.e2e_dh_secret_hex)
    const opened = decodeAgentClientMessage(encodeClientMessage(openClientMessage(p, secret, env)))
    if (opened.privHeader.type !== 'confirmation') throw new Error('expected the sender key')
    expect(opened.privHeader.senderKey).toEqual(senderKey)
    const conf = decodeAgentMsgEnvelope(opened.body)
    if (conf.type !== 'AgentConfirmation' || conf.e2eEncryption === undefined)
      throw new Error('not a joiner confirmation')
    expect(conf.agentVersion).toBe(2)
    const aliceRc = initRcvRatchet(
      keyPair(R.alice_key2),
      x3dhRcv(p, keyPair(R.alice_key1), keyPair(R.alice_key2), conf.e2eEncryption),
    )
    const dec = rcDecrypt(p, aliceRc, [], conf.encConnInfo)
    if (!dec.ok) throw dec.error
    expect(decodeAgentMessage(dec.plaintext)).toEqual(agentMsg)
  })

  it('chain_message: A_MSG → ratchet (second message) → AgentMsgEnvelope → ClientMessage, and back', () => {
    const C = A.chain_message
    expect(C.ratchet.padded_len).toBe(E2E_ENC_USER_MSG_LENGTH)
    const first = latin1('(first message, see chain_confirmation)')

    // build: Bob's second message on his sending chain
    const agentMsg = decodeAgentMessage(hex(C.agent_message_hex))
    if (agentMsg.type !== 'AgentMessage' || agentMsg.message.type !== 'A_MSG') throw new Error('not an A_MSG')
    expect(agentMsg.header.sndMsgId).toBe(2n)
    expect(agentMsg.header.prevMsgHash.length).toBe(32)
    expect(toh(encodeAgentMessage(agentMsg))).toBe(C.agent_message_hex)
    const enc1 = rcEncrypt(p, bobRatchet(p), E2E_ENC_CONN_INFO_LENGTH, first)
    const enc2 = rcEncrypt(p, enc1.state, E2E_ENC_USER_MSG_LENGTH, hex(C.agent_message_hex))
    expect(toh(enc2.message)).toBe(C.ratchet.enc_agent_message_hex)
    const envBytes = encodeAgentMsgEnvelope({
      type: 'AgentMsgEnvelope',
      agentVersion: 2,
      encAgentMessage: enc2.message,
    })
    expect(toh(envBytes)).toBe(C.agent_envelope_hex)
    const cm = encodeClientMessage({ privHeader: { type: 'empty' }, body: envBytes })
    expect(toh(cm)).toBe(C.client_message_hex)
    const secret = hex(C.per_queue_e2e.e2e_dh_secret_hex)
    const body = sealClientMessage(p, {
      e2eDhSecret: secret,
      message: decodeAgentClientMessage(cm),
      nonce: hex(C.per_queue_e2e.nonce_hex),
    })
    expect(toh(body)).toBe(C.client_msg_envelope_hex)

    // peel, as Alice's agent with the stored secret, after the first message
    const env = deliveredEnvelope(p, C.server_delivery)
    expect(env.header.e2ePubDhKey).toBeUndefined()
    const opened = decodeAgentClientMessage(encodeClientMessage(openClientMessage(p, secret, env)))
    expect(opened.privHeader.type).toBe('empty')
    const msgEnv = decodeAgentMsgEnvelope(opened.body)
    if (msgEnv.type !== 'AgentMsgEnvelope') throw new Error('not an AgentMsgEnvelope')
    let aliceRc = initRcvRatchet(
      keyPair(R.alice_key2),
      x3dhRcv(p, keyPair(R.alice_key1), keyPair(R.alice_key2), bobParams),
    )
    const dec1 = rcDecrypt(p, aliceRc, [], enc1.message)
    if (!dec1.ok) throw dec1.error
    expect(dec1.plaintext).toEqual(first)
    aliceRc = dec1.state
    const dec2 = rcDecrypt(p, aliceRc, [], msgEnv.encAgentMessage)
    if (!dec2.ok) throw dec2.error
    const got = decodeAgentMessage(dec2.plaintext)
    expect(got).toEqual(agentMsg)
    expect(toh(agentMessageHash(p, dec2.plaintext))).toBe(toh(p.sha256(hex(C.agent_message_hex))))
  })

  it('chain_invitation: AgentInvitation → ClientMessage (one-shot key), and back', () => {
    const C = A.chain_invitation
    const e2e = C.per_queue_e2e
    const inv = parseConnectionRequest(C.bob_invitation_uri_str)
    if (inv.mode !== 'invitation') throw new Error('not an invitation')
    expect(formatConnectionRequest(inv)).toBe(C.bob_invitation_uri_str)

    // build
    const envBytes = encodeAgentMsgEnvelope({
      type: 'AgentInvitation',
      agentVersion: 2,
      connReq: inv,
      connInfo: bobInfo,
    })
    expect(toh(envBytes)).toBe(C.agent_envelope_hex)
    const cm = encodeClientMessage({ privHeader: { type: 'empty' }, body: envBytes })
    expect(toh(cm)).toBe(C.client_message_hex)
    const body = sealClientMessage(p, {
      e2eDhSecret: hex(e2e.dh_secret_hex),
      e2ePubDhKey: { alg: 'x25519', publicKey: hex(e2e.ephemeral_pub_hex) },
      message: decodeAgentClientMessage(cm),
      nonce: hex(e2e.nonce_hex),
    })
    expect(toh(body)).toBe(C.client_msg_envelope_hex)

    // peel, as the contact address owner: one-shot key in the header, '_' private header
    const env = deliveredEnvelope(p, C.server_delivery)
    const eph = env.header.e2ePubDhKey
    if (eph === undefined) throw new Error('invitation without one-shot key')
    const secret = p.dh('x25519', hex(e2e.recipient_e2e_priv_hex), eph.publicKey)
    expect(toh(secret)).toBe(e2e.dh_secret_hex)
    const opened = openClientMessage(p, secret, env)
    expect(opened.privHeader.type).toBe('empty')
    const got = decodeAgentMsgEnvelope(opened.body)
    expect(got).toEqual({ type: 'AgentInvitation', agentVersion: 2, connReq: inv, connInfo: bobInfo })

    // what the owner then does with it: joins the requester's invitation
    if (got.type !== 'AgentInvitation') throw new Error('not an AgentInvitation')
    const join = negotiateInvitation(got.connReq)
    expect(join.agentVersion).toBe(2)
    expect(join.queue.clientVersion).toBe(1)
    expect(join.e2eParams.version).toBe(1)
  })
})

describe('agent.json links negotiate as v3.1 does', () => {
  it('contact links agree agent version 2 and client version 1', () => {
    const contact = parseConnectionRequest(A.connection_requests[2]!.str)
    if (contact.mode !== 'contact') throw new Error('not a contact link')
    expect(negotiateContact(contact)).toEqual({
      agentVersion: 2,
      queue: { ...queueUriOf(contact), clientVersion: 1 },
    })
  })
})

function queueUriOf(cr: ConnectionRequest) {
  const q = cr.data.smpQueues[0]
  return { smpServer: q.smpServer, senderId: q.senderId, dhPublicKey: q.dhPublicKey }
}
