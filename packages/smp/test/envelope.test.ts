import { CBDecryptError, type CryptoProvider, DecodeError, Encoder, nobleCrypto } from '@simplex-ts/core'
import { nativeCrypto } from '@simplex-ts/core/native'
import { describe, expect, it } from 'vitest'
import {
  E2E_ENC_CONFIRMATION_LENGTH,
  E2E_ENC_MESSAGE_LENGTH,
  decodeClientMessage,
  decodeClientMsgEnvelope,
  decryptDeliveredMessage,
  encodeClientMessage,
  encodeClientMsgEnvelope,
  encodeCommandTransmission,
  encodeResponseTransmission,
  encryptDeliveredMessage,
  openClientMessage,
  parseCommandTransmission,
  parseResponseTransmission,
  sealClientMessage,
  verifyCommandAuth,
} from '../src/index'
import { ascii, hex, loadVectors, toh } from './vectors'

interface Chain {
  client_message_hex: string
  per_queue_e2e: {
    e2e_dh_secret_hex?: string
    dh_secret_hex?: string
    sender_e2e_pub_hex?: string
    ephemeral_pub_hex?: string
    nonce_hex: string
    padded_len: number
    cm_enc_body_hex: string
  }
  client_msg_envelope_hex: string
  send: {
    corrId_str: string
    senderId_hex: string
    notification: boolean
    signed_hex: string
    signature_hex: string
    v4_block_content_hex: string
  }
  server_delivery: {
    rcvDhSecret_hex: string
    msgId_hex: string
    msgTs: number
    delivered_body_hex: string
    msg_v4_block_content_hex: string
    recipientId_hex: string
  }
}
interface AgentVectors {
  client_messages: { case: string; encoded_hex: string }[]
  chain_confirmation: Chain & { sender_sign_key_ed448: { priv_hex: string; pub_der_hex: string } }
  chain_message: Chain
  chain_invitation: Chain
}

const A = loadVectors<AgentVectors>('agent.json')
const { session_id_hex } = loadVectors<{ session_id_hex: string }>('smp.json')
const sessionId = hex(session_id_hex)
const senderKey = {
  alg: 'ed448' as const,
  privateKey: hex(A.chain_confirmation.sender_sign_key_ed448.priv_hex),
}
const providers: [string, CryptoProvider][] = [
  ['noble', nobleCrypto],
  ['native', nativeCrypto],
]

describe('agent.json client_messages (ClientMessage, ClientMsgEnvelope)', () => {
  for (const c of A.client_messages) {
    it(c.case, () => {
      const bytes = hex(c.encoded_hex)
      if (c.case.startsWith('ClientMessage ')) {
        const cm = decodeClientMessage(bytes)
        expect(cm.privHeader.type).toBe(c.case.includes('PHConfirmation') ? 'confirmation' : 'empty')
        expect(toh(encodeClientMessage(cm))).toBe(c.encoded_hex)
      } else {
        const env = decodeClientMsgEnvelope(bytes)
        expect(env.header.version).toBe(1)
        expect(env.header.e2ePubDhKey !== undefined).toBe(c.case.includes('with e2e key'))
        expect(toh(encodeClientMsgEnvelope(env))).toBe(c.encoded_hex)
      }
    })
  }
})

const chains: [string, Chain, 'sender' | 'ephemeral' | undefined][] = [
  ['confirmation', A.chain_confirmation, 'sender'],
  ['message', A.chain_message, undefined],
  ['invitation', A.chain_invitation, 'ephemeral'],
]

describe('agent.json chains: per-queue e2e layer, SEND, server delivery, and back', () => {
  for (const [name, chain, keyKind] of chains) {
    for (const [pname, crypto] of providers) {
      it(`${name} (${pname})`, () => {
        const e2e = chain.per_queue_e2e
        const secret = hex(e2e.e2e_dh_secret_hex ?? e2e.dh_secret_hex ?? '')
        const e2ePub =
          keyKind === 'sender'
            ? e2e.sender_e2e_pub_hex
            : keyKind === 'ephemeral'
              ? e2e.ephemeral_pub_hex
              : undefined
        const message = decodeClientMessage(hex(chain.client_message_hex))
        expect(e2e.padded_len).toBe(
          e2ePub === undefined ? E2E_ENC_MESSAGE_LENGTH : E2E_ENC_CONFIRMATION_LENGTH,
        )

        // build: client message → envelope (the SEND body)
        const body = sealClientMessage(crypto, {
          e2eDhSecret: secret,
          e2ePubDhKey: e2ePub === undefined ? undefined : { alg: 'x25519', publicKey: hex(e2ePub) },
          message,
          nonce: hex(e2e.nonce_hex),
        })
        expect(toh(body)).toBe(chain.client_msg_envelope_hex)
        expect(toh(decodeClientMsgEnvelope(body).encBody)).toBe(e2e.cm_enc_body_hex)

        // build: SEND at v4, signed with the sender's Ed448 key once the queue is secured
        const signed = chain.send.signature_hex !== ''
        const send = encodeCommandTransmission(
          sessionId,
          {
            corrId: ascii(chain.send.corrId_str),
            entityId: hex(chain.send.senderId_hex),
            command: { type: 'SEND', flags: { notification: chain.send.notification }, body },
          },
          4,
          signed ? { crypto, key: senderKey } : undefined,
        )
        expect(toh(new Encoder().u8(1).large(send).finish())).toBe(chain.send.v4_block_content_hex)

        // server: parse, authorize, store, deliver as v4 MSG
        const received = parseCommandTransmission(send, { sessionId, version: 4 })
        if (!received.ok || received.command.type !== 'SEND') throw new Error('SEND not parsed')
        expect(toh(received.signed)).toBe(chain.send.signed_hex)
        const senderPub = signed
          ? { alg: 'ed448' as const, publicKey: crypto.signPublicKey('ed448', senderKey.privateKey) }
          : undefined
        const recipientPub = crypto.signPublicKey('ed25519', new Uint8Array(32).fill(1))
        const queue = {
          recipientKey: { alg: 'ed25519' as const, publicKey: recipientPub },
          senderKey: senderPub,
        }
        expect(verifyCommandAuth(crypto, received, queue)).toBe(true)
        const d = chain.server_delivery
        const msg = encryptDeliveredMessage(
          crypto,
          hex(d.rcvDhSecret_hex),
          {
            msgId: hex(d.msgId_hex),
            msgTs: d.msgTs,
            msgFlags: received.command.flags,
            body: received.command.body,
          },
          4,
        )
        expect(toh(msg.encBody)).toBe(d.delivered_body_hex)
        const msgT = encodeResponseTransmission(
          sessionId,
          { corrId: new Uint8Array(0), entityId: hex(d.recipientId_hex), command: msg },
          4,
        )
        expect(toh(new Encoder().u8(1).large(msgT).finish())).toBe(d.msg_v4_block_content_hex)

        // peel: MSG → delivered body → envelope → client message
        const got = parseResponseTransmission(msgT, { sessionId, version: 4 })
        if (!got.ok || got.command.type !== 'MSG') throw new Error('MSG not parsed')
        const delivered = decryptDeliveredMessage(crypto, hex(d.rcvDhSecret_hex), got.command, 4)
        expect(delivered.msgTs).toBe(d.msgTs)
        expect(delivered.msgFlags.notification).toBe(chain.send.notification)
        const env = decodeClientMsgEnvelope(delivered.body)
        const opened = openClientMessage(crypto, secret, env)
        expect(toh(encodeClientMessage(opened))).toBe(chain.client_message_hex)

        // a wrong secret does not open the envelope
        const wrong = secret.slice()
        wrong[0] = wrong[0]! ^ 1
        expect(() => openClientMessage(crypto, wrong, env)).toThrow(CBDecryptError)
      })
    }
  }
})

describe('client message decoding errors', () => {
  it('rejects an unknown private header, an X25519 sender key and a truncated envelope', () => {
    expect(() => decodeClientMessage(hex('41'))).toThrow(DecodeError)
    expect(() => decodeClientMessage(new Uint8Array(0))).toThrow(DecodeError)
    const x25519 = hex(`4b2c302a300506032b656e032100${'11'.repeat(32)}`)
    expect(() => decodeClientMessage(x25519)).toThrow(DecodeError)
    expect(() => decodeClientMsgEnvelope(hex(`000130${'00'.repeat(23)}`))).toThrow(DecodeError)
    expect(() => decodeClientMsgEnvelope(hex(`000132${'00'.repeat(24)}`))).toThrow(DecodeError)
  })
})
