import { describe, expect, it } from 'vitest'
import { nativeCrypto } from '../src/crypto/native'
import {
  base64urlEncode,
  base64urlParse,
  cbDecrypt,
  cbEncrypt,
  fromHex,
  nobleCrypto,
  toHex,
  utf8,
} from '../src/index'
import { loadVectors } from './vectors'

// ntf.json's push payloads: the parts built on this layer's crypto_box (pad to 512, XSalsa20-Poly1305
// keyed by the token DH secret, one fixed nonce). The NTF protocol itself is not built yet.
interface NtfVectors {
  push: {
    tknDhSecret_hex: string
    nonce_hex: string
    padded_len: number
    reg_code_hex: string
    pn_message_data_str: string
    notifications: { case: string; apns_json_str: string; client_decrypted_code_hex?: string }[]
  }
}

const { push } = loadVectors<NtfVectors>('ntf.json')
const secret = fromHex(push.tknDhSecret_hex)
const nonce = fromHex(push.nonce_hex)
const payload = (name: string): { notificationData: Record<string, string> } => {
  const n = push.notifications.find((x) => x.case === name)
  if (n === undefined) throw new Error(`no ${name} vector`)
  return JSON.parse(n.apns_json_str) as { notificationData: Record<string, string> }
}
const unb64 = (s: string) => base64urlParse(s)

describe.each([nativeCrypto, nobleCrypto])('ntf.json push payloads with $name', (p) => {
  it('the verification code: encrypted byte for byte, and decrypted', () => {
    const data = payload('PNVerification').notificationData
    expect(toHex(unb64(data.nonce!))).toBe(push.nonce_hex)
    const code = fromHex(push.reg_code_hex)
    const box = cbEncrypt(p, secret, nonce, code, push.padded_len)
    expect(base64urlEncode(box)).toBe(data.verification)
    expect(toHex(cbDecrypt(p, secret, nonce, unb64(data.verification!)))).toBe(push.reg_code_hex)
  })

  it('the message notification data: encrypted byte for byte, and decrypted', () => {
    const data = payload('PNMessage').notificationData
    const box = cbEncrypt(p, secret, nonce, utf8(push.pn_message_data_str), push.padded_len)
    expect(base64urlEncode(box)).toBe(data.message)
    expect(new TextDecoder().decode(cbDecrypt(p, secret, nonce, unb64(data.message!)))).toBe(
      push.pn_message_data_str,
    )
  })
})
