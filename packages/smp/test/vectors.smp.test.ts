import {
  type CryptoProvider,
  Encoder,
  type SignAlg,
  decodePublicKeyOf,
  decodePublicVerifyKey,
  equalBytes,
  nobleCrypto,
  pad,
} from '@simplex-ts/core'
import { nativeCrypto } from '@simplex-ts/core/native'
import { frameTransmissions } from '@simplex-ts/transport'
import { describe, expect, it } from 'vitest'
import {
  type Command,
  type ErrorType,
  type ReceivedTransmission,
  type Response,
  type SmpVersion,
  decodeCommand,
  decodeNMsgMeta,
  decodeResponse,
  decryptDeliveredMessage,
  decryptNMsgMeta,
  encodeCommand,
  encodeCommandTransmission,
  encodeNMsgMeta,
  encodeResponse,
  encodeResponseTransmission,
  encodeSigned,
  encodeTransmission,
  encryptDeliveredMessage,
  encryptNMsgMeta,
  parseCommandBlock,
  parseCommandTransmission,
  parseResponseBlock,
  parseResponseTransmission,
  signTransmission,
  verifyCommandAuth,
  verifySignature,
} from '../src/index'
import { ascii, hex, loadVectors, str, toh } from './vectors'

interface KeyVec {
  alg: string
  priv_hex: string
  pub_hex: string
  pub_der_hex: string
}
interface Parsed {
  signature_hex: string
  corrId_str: string
  entityId_hex: string
  command_reencoded_hex: string
  signature_verified?: boolean | null
}
interface TransmissionVec {
  name: string
  version: SmpVersion
  direction: 'client->server' | 'server->client'
  signer: string | null
  corrId_str: string
  entityId_hex: string
  fields: Record<string, string | number | boolean>
  command_hex: string
  signed_hex: string
  signature_hex: string
  transmission_hex: string
  block_content_hex: string
  block_sha256_hex: string
  parsed_by_server?: Parsed
  parsed_by_client?: Parsed
}
interface ParseResult {
  corrId_str: string
  entityId_hex: string
  command?: { error: string } | { ok_reencoded_hex: string }
  response?: { error: string } | { ok_reencoded_hex: string }
}
interface BatchVec {
  name: string
  version: SmpVersion
  transmissions_hex: string[]
  tPut_results: string[]
  blocks: { block_content_hex: string; block_sha256_hex: string }[]
  parsed_per_block: {
    corrId_str: string
    entityId_hex: string
    signed_hex: string
    command_reencoded_hex: string
  }[][]
}
interface DeliveryVec {
  version: SmpVersion
  rcvDhSecret_hex: string
  nonce_hex: string
  msgId_hex: string
  msgTs: number
  notification: boolean
  body_hex: string
  inner_plaintext_hex: string
  padded_len: number
  encrypted_hex: string
  encrypted_len: number
  client_decrypt: { plaintext_hex: string; msgTs?: number; notification?: boolean; body_hex?: string }
}
interface SmpVectors {
  session_id_hex: string
  block_size: number
  keys: Record<string, KeyVec>
  ids: {
    recipientId_hex: string
    senderId_hex: string
    notifierId_hex: string
    msgId_hex: string
    msgTs: number
  }
  transmissions: TransmissionVec[]
  batches: BatchVec[]
  server_parse: {
    case: string
    version: SmpVersion
    transmission_hex: string
    block_content_hex: string
    result: ParseResult
  }[]
  server_parse_bad_batch: { case: string; block_content_hex: string; results: ParseResult[] }[]
  client_parse: { case: string; version: SmpVersion; transmission_hex: string; result: ParseResult }[]
  msg_delivery: DeliveryVec[]
  nmsg: {
    rcvNtfDhSecret_hex: string
    nonce_hex: string
    nmsg_meta_plain_hex: string
    padded_len: number
    encNMsgMeta_hex: string
    decrypted: { msgId_hex: string; msgTs: number }
    parse_with_trailing_bytes_ok: boolean
  }
}

const V = loadVectors<SmpVectors>('smp.json')
const sessionId = hex(V.session_id_hex)
const providers: [string, CryptoProvider][] = [
  ['noble', nobleCrypto],
  ['native', nativeCrypto],
]

function signKey(signer: string): { alg: SignAlg; privateKey: Uint8Array; publicKey: Uint8Array } {
  const k = V.keys[signer.replace(' ', '_')]
  if (k === undefined) throw new Error(`no key ${signer}`)
  return { alg: k.alg.toLowerCase() as SignAlg, privateKey: hex(k.priv_hex), publicKey: hex(k.pub_hex) }
}

function deliveryFor(version: number): DeliveryVec {
  const d = V.msg_delivery.find((x) => x.version === version && x.body_hex === V.msg_delivery[0]!.body_hex)
  if (d === undefined) throw new Error(`no delivery for v${version}`)
  return d
}

function field(t: TransmissionVec, name: string): string {
  const v = t.fields[name]
  if (typeof v !== 'string') throw new Error(`${t.name}: no field ${name}`)
  return v
}

/** Build the command value a transmission vector describes. */
function commandOf(t: TransmissionVec): Command {
  const tag = t.name.split(' ')[0]!
  switch (tag) {
    case 'NEW':
      return {
        type: 'NEW',
        rcvAuthKey: decodePublicVerifyKey(hex(field(t, 'rcvPublicVerifyKey_der_hex'))),
        rcvDhKey: decodePublicKeyOf('x25519', hex(field(t, 'rcvPublicDhKey_der_hex'))),
      }
    case 'KEY':
      return { type: 'KEY', sndAuthKey: decodePublicVerifyKey(hex(field(t, 'sndPublicVerifyKey_der_hex'))) }
    case 'NKEY':
      return {
        type: 'NKEY',
        ntfAuthKey: decodePublicVerifyKey(hex(field(t, 'ntfPublicVerifyKey_der_hex'))),
        rcvNtfDhKey: decodePublicKeyOf('x25519', hex(field(t, 'rcvNtfPublicDhKey_der_hex'))),
      }
    case 'ACK':
      return { type: 'ACK', msgId: hex(field(t, 'msgId_hex')) }
    case 'SEND':
      return {
        type: 'SEND',
        flags: { notification: t.fields.notification === true },
        body: hex(field(t, 'body_hex')),
      }
    case 'SUB':
    case 'NDEL':
    case 'GET':
    case 'OFF':
    case 'DEL':
    case 'PING':
    case 'NSUB':
      return { type: tag }
    default:
      throw new Error(`unknown command vector ${t.name}`)
  }
}

/** Build the server message a transmission vector describes (MSG via the delivery encryption). */
function responseOf(t: TransmissionVec, crypto: CryptoProvider): Response {
  const tag = t.name.split(' ')[0]!
  switch (tag) {
    case 'IDS':
      return {
        type: 'IDS',
        rcvId: hex(field(t, 'rcvId_hex')),
        sndId: hex(field(t, 'sndId_hex')),
        srvDhKey: decodePublicKeyOf('x25519', hex(field(t, 'srvDhPublicKey_der_hex'))),
      }
    case 'MSG': {
      const d = deliveryFor(t.version)
      return encryptDeliveredMessage(
        crypto,
        hex(d.rcvDhSecret_hex),
        {
          msgId: hex(field(t, 'msgId_hex')),
          msgTs: t.fields.msgTs as number,
          msgFlags: { notification: t.fields.notification === true },
          body: hex(d.body_hex),
        },
        t.version,
      )
    }
    case 'NID':
      return {
        type: 'NID',
        notifierId: hex(field(t, 'notifierId_hex')),
        srvNtfDhKey: decodePublicKeyOf('x25519', hex(field(t, 'srvNtfPublicDhKey_der_hex'))),
      }
    case 'NMSG':
      return { type: 'NMSG', nonce: hex(field(t, 'nonce_hex')), encMeta: hex(field(t, 'encNMsgMeta_hex')) }
    case 'ERR':
      return { type: 'ERR', error: field(t, 'error') as ErrorType }
    case 'END':
    case 'OK':
    case 'PONG':
      return { type: tag }
    default:
      throw new Error(`unknown response vector ${t.name}`)
  }
}

function blockContent(t: Uint8Array, version: number): Uint8Array {
  return version >= 4 ? new Encoder().u8(1).large(t).finish() : t
}

describe('smp.json transmissions (all 148, versions 1–4)', () => {
  it('has every transmission', () => {
    expect(V.transmissions).toHaveLength(148)
  })

  for (const t of V.transmissions) {
    const title = `${t.name} v${t.version}`
    const header = { corrId: ascii(t.corrId_str), entityId: hex(t.entityId_hex) }

    if (t.direction === 'client->server') {
      it(`${title}: command, signed part, signature, transmission, block`, () => {
        const cmd = commandOf(t)
        const command = encodeCommand(cmd, t.version)
        expect(toh(command)).toBe(t.command_hex)
        const signed = encodeSigned(sessionId, header, command)
        expect(toh(signed)).toBe(t.signed_hex)
        for (const [, crypto] of providers) {
          const signature =
            t.signer === null ? undefined : signTransmission(crypto, signKey(t.signer), signed)
          expect(toh(signature?.bytes ?? new Uint8Array(0))).toBe(t.signature_hex)
          const transmission = encodeTransmission(signature, signed)
          expect(toh(transmission)).toBe(t.transmission_hex)
          const signer = t.signer === null ? undefined : { crypto, key: signKey(t.signer) }
          expect(
            toh(encodeCommandTransmission(sessionId, { ...header, command: cmd }, t.version, signer)),
          ).toBe(t.transmission_hex)
          const content = blockContent(transmission, t.version)
          expect(toh(content)).toBe(t.block_content_hex)
          expect(toh(crypto.sha256(pad(content, V.block_size)))).toBe(t.block_sha256_hex)
        }
      })

      it(`${title}: parsed by the server`, () => {
        const p = t.parsed_by_server!
        const r = parseCommandTransmission(hex(t.transmission_hex), { sessionId, version: t.version })
        if (!r.ok) throw r.error
        expect(str(r.corrId)).toBe(p.corrId_str)
        expect(toh(r.entityId)).toBe(p.entityId_hex)
        expect(toh(r.signature?.bytes ?? new Uint8Array(0))).toBe(p.signature_hex)
        expect(toh(r.signed)).toBe(t.signed_hex)
        expect(toh(encodeCommand(r.command, t.version))).toBe(p.command_reencoded_hex)
        expect(toh(encodeCommand(decodeCommand(hex(t.command_hex), t.version), t.version))).toBe(
          t.command_hex,
        )
        for (const [, crypto] of providers) {
          if (t.signer === null) {
            expect(p.signature_verified).toBeNull()
            expect(r.signature).toBeUndefined()
          } else {
            const key = signKey(t.signer)
            expect(verifySignature(crypto, key, r.signature, r.signed)).toBe(p.signature_verified)
            // a changed signed part does not verify
            const tampered = r.signed.slice()
            tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1
            expect(verifySignature(crypto, key, r.signature, tampered)).toBe(false)
          }
          // the server's authorization with the matching queue keys
          const k = t.signer === null ? undefined : signKey(t.signer)
          const queue =
            r.command.type === 'SEND'
              ? { recipientKey: signKey('recipient ed25519'), senderKey: k }
              : r.command.type === 'NSUB'
                ? { recipientKey: signKey('recipient ed25519'), notifierKey: k }
                : { recipientKey: k ?? signKey('recipient ed25519') }
          expect(verifyCommandAuth(crypto, r, queue)).toBe(true)
        }
      })
    } else {
      it(`${title}: server message, transmission, block`, () => {
        for (const [, crypto] of providers) {
          const res = responseOf(t, crypto)
          const command = encodeResponse(res, t.version)
          expect(toh(command)).toBe(t.command_hex)
          const signed = encodeSigned(sessionId, header, command)
          expect(toh(signed)).toBe(t.signed_hex)
          expect(t.signature_hex).toBe('')
          const transmission = encodeResponseTransmission(sessionId, { ...header, command: res }, t.version)
          expect(toh(transmission)).toBe(t.transmission_hex)
          const content = blockContent(transmission, t.version)
          expect(toh(content)).toBe(t.block_content_hex)
          expect(toh(crypto.sha256(pad(content, V.block_size)))).toBe(t.block_sha256_hex)
        }
      })

      it(`${title}: parsed by the client`, () => {
        const p = t.parsed_by_client!
        const r = parseResponseTransmission(hex(t.transmission_hex), { sessionId, version: t.version })
        if (!r.ok) throw r.error
        expect(str(r.corrId)).toBe(p.corrId_str)
        expect(toh(r.entityId)).toBe(p.entityId_hex)
        expect(r.signature).toBeUndefined()
        expect(toh(encodeResponse(r.command, t.version))).toBe(p.command_reencoded_hex)
        expect(toh(encodeResponse(decodeResponse(hex(t.command_hex), t.version), t.version))).toBe(
          t.command_hex,
        )
        if (r.command.type === 'MSG') {
          // the clear header fields per version, and the recipient's decryption
          expect(r.command.msgTs).toBe(t.version <= 2 ? t.fields.msgTs : 0)
          expect(r.command.msgFlags.notification).toBe(t.version === 2 ? t.fields.notification : false)
          const d = deliveryFor(t.version)
          for (const [, crypto] of providers) {
            const m = decryptDeliveredMessage(crypto, hex(d.rcvDhSecret_hex), r.command, t.version)
            expect(toh(m.body)).toBe(d.body_hex)
            expect(m.msgTs).toBe(t.fields.msgTs)
            expect(m.msgFlags.notification).toBe(t.version === 1 ? false : t.fields.notification)
          }
        }
      })
    }
  }
})

function outcome<C>(r: ReceivedTransmission<C>, reencode: (c: C) => Uint8Array) {
  return {
    corrId_str: str(r.corrId),
    entityId_hex: toh(r.entityId),
    outcome: r.ok ? { ok_reencoded_hex: toh(reencode(r.command)) } : { error: r.error.code },
  }
}

describe('smp.json server_parse (the server side of tGet)', () => {
  for (const c of V.server_parse) {
    it(c.case, () => {
      const r = parseCommandTransmission(hex(c.transmission_hex), { sessionId, version: c.version })
      const got = outcome(r, (cmd) => encodeCommand(cmd, c.version))
      expect({ corrId_str: got.corrId_str, entityId_hex: got.entityId_hex, command: got.outcome }).toEqual(
        c.result,
      )
    })
  }
})

describe('smp.json server_parse of the v4 block (batch of one)', () => {
  for (const c of V.server_parse) {
    it(c.case, () => {
      const rs = parseCommandBlock(hex(c.block_content_hex), { sessionId, version: c.version })
      expect(rs).toHaveLength(1)
      const got = outcome(rs[0]!, (cmd) => encodeCommand(cmd, c.version))
      expect({ corrId_str: got.corrId_str, entityId_hex: got.entityId_hex, command: got.outcome }).toEqual(
        c.result,
      )
    })
  }
})

describe('smp.json server_parse_bad_batch', () => {
  for (const c of V.server_parse_bad_batch) {
    it(c.case, () => {
      const rs = parseCommandBlock(hex(c.block_content_hex), { sessionId, version: 4 })
      const got = rs.map((r) => outcome(r, (cmd) => encodeCommand(cmd, 4)))
      expect(
        got.map((g) => ({ corrId_str: g.corrId_str, entityId_hex: g.entityId_hex, command: g.outcome })),
      ).toEqual(c.results)
    })
  }
})

describe('smp.json batches (v4)', () => {
  for (const b of V.batches) {
    it(b.name, () => {
      const ts = b.transmissions_hex.map(hex)
      expect(b.tPut_results.every((r) => r === 'ok')).toBe(true)
      const framed = frameTransmissions(ts, { batch: true })
      expect(framed.tooLarge).toEqual([])
      expect(framed.blocks.map((x) => toh(x.content))).toEqual(b.blocks.map((x) => x.block_content_hex))
      for (const [i, blk] of b.blocks.entries()) {
        expect(toh(nobleCrypto.sha256(pad(hex(blk.block_content_hex), V.block_size)))).toBe(
          blk.block_sha256_hex,
        )
        const parsed = b.name.startsWith('server')
          ? parseResponseBlock(hex(blk.block_content_hex), { sessionId, version: b.version }).map((r) => {
              if (!r.ok) throw r.error
              return { ...r, reencoded: encodeResponse(r.command, b.version) }
            })
          : parseCommandBlock(hex(blk.block_content_hex), { sessionId, version: b.version }).map((r) => {
              if (!r.ok) throw r.error
              return { ...r, reencoded: encodeCommand(r.command, b.version) }
            })
        expect(
          parsed.map((r) => ({
            corrId_str: str(r.corrId),
            entityId_hex: toh(r.entityId),
            signed_hex: toh(r.signed),
            command_reencoded_hex: toh(r.reencoded),
          })),
        ).toEqual(b.parsed_per_block[i])
      }
    })
  }
})

describe('smp.json client_parse (the client side of tGet)', () => {
  for (const c of V.client_parse) {
    it(c.case, () => {
      const r = parseResponseTransmission(hex(c.transmission_hex), { sessionId, version: c.version })
      const got = outcome(r, (res) => encodeResponse(res, c.version))
      expect({ corrId_str: got.corrId_str, entityId_hex: got.entityId_hex, response: got.outcome }).toEqual(
        c.result,
      )
    })
  }
})

describe('smp.json msg_delivery', () => {
  for (const d of V.msg_delivery) {
    for (const [name, crypto] of providers) {
      it(`v${d.version}, ${d.body_hex.length / 2}-byte body (${name})`, () => {
        const secret = hex(d.rcvDhSecret_hex)
        expect(d.nonce_hex).toBe(d.msgId_hex)
        const msg = {
          msgId: hex(d.msgId_hex),
          msgTs: d.msgTs,
          msgFlags: { notification: d.notification },
          body: hex(d.body_hex),
        }
        const res = encryptDeliveredMessage(crypto, secret, msg, d.version)
        expect(res.encBody).toHaveLength(d.encrypted_len)
        expect(toh(res.encBody)).toBe(d.encrypted_hex)
        const inner = crypto.secretboxOpen(crypto.cryptoBoxBeforeNm(secret), hex(d.nonce_hex), res.encBody)
        expect(inner).toHaveLength(d.padded_len)
        expect(toh(inner.subarray(2, 2 + ((inner[0]! << 8) | inner[1]!)))).toBe(d.inner_plaintext_hex)
        // the recipient: v1/v2 take ts/flags from the clear header, v3+ from the envelope
        const header = { msgId: res.msgId, msgTs: d.version <= 2 ? d.msgTs : 0, msgFlags: res.msgFlags }
        const got = decryptDeliveredMessage(
          crypto,
          secret,
          { ...header, encBody: hex(d.encrypted_hex) },
          d.version,
        )
        const expected = d.client_decrypt
        expect(toh(got.body)).toBe(expected.body_hex ?? expected.plaintext_hex)
        if (expected.msgTs !== undefined) expect(got.msgTs).toBe(expected.msgTs)
        if (expected.notification !== undefined) expect(got.msgFlags.notification).toBe(expected.notification)
        expect(equalBytes(got.msgId, msg.msgId)).toBe(true)
      })
    }
  }
})

describe('smp.json nmsg', () => {
  const n = V.nmsg
  for (const [name, crypto] of providers) {
    it(`encrypts and decrypts the notifier metadata (${name})`, () => {
      const meta = { msgId: hex(n.decrypted.msgId_hex), msgTs: n.decrypted.msgTs }
      expect(toh(encodeNMsgMeta(meta))).toBe(n.nmsg_meta_plain_hex)
      const enc = encryptNMsgMeta(crypto, hex(n.rcvNtfDhSecret_hex), hex(n.nonce_hex), meta)
      expect(enc).toHaveLength(n.padded_len + 16)
      expect(toh(enc)).toBe(n.encNMsgMeta_hex)
      const dec = decryptNMsgMeta(crypto, hex(n.rcvNtfDhSecret_hex), hex(n.nonce_hex), hex(n.encNMsgMeta_hex))
      expect(toh(dec.msgId)).toBe(n.decrypted.msgId_hex)
      expect(dec.msgTs).toBe(n.decrypted.msgTs)
    })
  }
  it('allows trailing bytes after the metadata', () => {
    expect(n.parse_with_trailing_bytes_ok).toBe(true)
    const withExtra = hex(`${n.nmsg_meta_plain_hex}54ffee`)
    const meta = decodeNMsgMeta(withExtra)
    expect(toh(meta.msgId)).toBe(n.decrypted.msgId_hex)
    expect(meta.msgTs).toBe(n.decrypted.msgTs)
  })
})
