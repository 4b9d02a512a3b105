import { describe, expect, it } from 'vitest'
import { nativeCrypto } from '../src/crypto/native'
import {
  AESDecryptError,
  CBDecryptError,
  CryptoIVError,
  CryptoLargeMsgError,
  type CryptoProvider,
  cbDecrypt,
  cbEncrypt,
  cbNonce,
  decryptAEAD,
  decryptAES,
  dh,
  encryptAEAD,
  encryptAES,
  fromHex,
  hkdf3,
  nobleCrypto,
  toHex,
  utf8,
} from '../src/index'
import { loadVectors } from './vectors'

type Result<T> = T & { error?: undefined }
type Failure = { error: string }

interface CryptoVectors {
  crypto_box: {
    a_priv_hex: string
    a_pub_hex: string
    b_priv_hex: string
    b_pub_hex: string
    dh_secret_hex: string
    nonce_hex: string
    encrypt: {
      msg_hex: string
      padded_len: number
      result: Result<{ ciphertext_hex: string; decrypt_msg_hex: string }> | Failure
    }[]
    decrypt: { case: string; ciphertext_hex: string; result: Result<{ msg_hex: string }> | Failure }[]
  }
  aes_gcm: {
    key_hex: string
    iv_hex: string
    cases: {
      ad_hex: string
      msg_hex: string
      padded_len: number
      result:
        | Result<{
            ciphertext_hex: string
            auth_tag_hex: string
            decrypt_msg_hex: string
            decrypt_with_other_ad: Failure
          }>
        | Failure
    }[]
    iv_of_wrong_size: string
  }
  hkdf3_sha512: {
    salt_hex: string
    ikm_hex: string
    info_str: string
    out1_hex: string
    out2_hex: string
    out3_hex: string
  }[]
  sha256: { msg_hex: string; sha256_hex: string }[]
  cb_nonce: { input_hex: string; nonce_hex: string }[]
}

const v = loadVectors<CryptoVectors>('crypto.json')

/** The reference's error constructor names, mapped to our classes (codes equal the names). */
const ERRORS = {
  CryptoLargeMsgError,
  CBDecryptError,
  AESDecryptError,
  CryptoIVError,
} as const

function errorClass(name: string) {
  const cls = ERRORS[name as keyof typeof ERRORS]
  if (cls === undefined) throw new Error(`unmapped reference error ${name}`)
  return cls
}

function expectError(f: () => unknown, name: string): void {
  const cls = errorClass(name)
  expect(f).toThrow(cls)
  try {
    f()
  } catch (e) {
    expect((e as { code: string }).code).toBe(name)
  }
}

describe.each<CryptoProvider>([nativeCrypto, nobleCrypto])('crypto.json with $name', (p) => {
  describe('crypto_box', () => {
    const cb = v.crypto_box
    const secret = fromHex(cb.dh_secret_hex)
    const nonce = fromHex(cb.nonce_hex)

    it('derives the DH secret from both key pairs', () => {
      const a = {
        alg: 'x25519' as const,
        privateKey: fromHex(cb.a_priv_hex),
        publicKey: fromHex(cb.a_pub_hex),
      }
      const b = {
        alg: 'x25519' as const,
        privateKey: fromHex(cb.b_priv_hex),
        publicKey: fromHex(cb.b_pub_hex),
      }
      expect(toHex(p.dhPublicKey('x25519', a.privateKey))).toBe(cb.a_pub_hex)
      expect(toHex(p.dhPublicKey('x25519', b.privateKey))).toBe(cb.b_pub_hex)
      expect(toHex(dh(p, b, a))).toBe(cb.dh_secret_hex)
      expect(toHex(dh(p, a, b))).toBe(cb.dh_secret_hex)
    })

    it.each(cb.encrypt)('encrypt $msg_hex padded to $padded_len', (c) => {
      const msg = fromHex(c.msg_hex)
      if (c.result.error !== undefined) {
        expectError(() => cbEncrypt(p, secret, nonce, msg, c.padded_len), c.result.error)
        return
      }
      const box = cbEncrypt(p, secret, nonce, msg, c.padded_len)
      expect(toHex(box)).toBe(c.result.ciphertext_hex)
      expect(box.length).toBe(c.padded_len + 16)
      expect(toHex(cbDecrypt(p, secret, nonce, box))).toBe(c.result.decrypt_msg_hex)
    })

    it.each(cb.decrypt)('decrypt: $case', (c) => {
      const packet = fromHex(c.ciphertext_hex)
      if (c.result.error !== undefined) expectError(() => cbDecrypt(p, secret, nonce, packet), c.result.error)
      else expect(toHex(cbDecrypt(p, secret, nonce, packet))).toBe(c.result.msg_hex)
    })
  })

  describe('aes_gcm', () => {
    const g = v.aes_gcm
    const key = fromHex(g.key_hex)
    const iv = fromHex(g.iv_hex)

    it.each(g.cases)('ad $ad_hex, msg $msg_hex padded to $padded_len', (c) => {
      const ad = fromHex(c.ad_hex)
      const msg = fromHex(c.msg_hex)
      if (c.result.error !== undefined) {
        expectError(() => encryptAEAD(p, key, iv, c.padded_len, ad, msg), c.result.error)
        return
      }
      const r = c.result
      const sealed = encryptAEAD(p, key, iv, c.padded_len, ad, msg)
      expect(toHex(sealed.ciphertext)).toBe(r.ciphertext_hex)
      expect(toHex(sealed.authTag)).toBe(r.auth_tag_hex)
      const ct = fromHex(r.ciphertext_hex)
      const tag = fromHex(r.auth_tag_hex)
      expect(toHex(decryptAEAD(p, key, iv, ad, ct, tag))).toBe(r.decrypt_msg_hex)
      const otherAd = Uint8Array.of(...ad, 0x78)
      expectError(() => decryptAEAD(p, key, iv, otherAd, ct, tag), r.decrypt_with_other_ad.error)
      if (ad.length === 0) {
        expect(toHex(encryptAES(p, key, iv, c.padded_len, msg).ciphertext)).toBe(r.ciphertext_hex)
        expect(toHex(decryptAES(p, key, iv, ct, tag))).toBe(r.decrypt_msg_hex)
      }
    })

    it('rejects an IV of the wrong size with the reference error', () => {
      const iv5 = iv.subarray(0, 5)
      expectError(() => encryptAEAD(p, key, iv5, 64, new Uint8Array(0), utf8('hello')), g.iv_of_wrong_size)
      const sealed = encryptAEAD(p, key, iv, 64, new Uint8Array(0), utf8('hello'))
      expectError(
        () => decryptAEAD(p, key, iv5, new Uint8Array(0), sealed.ciphertext, sealed.authTag),
        g.iv_of_wrong_size,
      )
      // the reference takes exactly one AES block: 12 and 17 bytes fail as well
      expectError(
        () => encryptAEAD(p, key, iv.subarray(0, 12), 64, new Uint8Array(0), utf8('x')),
        'CryptoIVError',
      )
      expectError(
        () => encryptAEAD(p, key, Uint8Array.of(...iv, 0), 64, new Uint8Array(0), utf8('x')),
        'CryptoIVError',
      )
    })
  })

  it.each(v.hkdf3_sha512)('hkdf3 info "$info_str"', (c) => {
    const [o1, o2, o3] = hkdf3(p, fromHex(c.salt_hex), fromHex(c.ikm_hex), utf8(c.info_str))
    expect([toHex(o1), toHex(o2), toHex(o3)]).toEqual([c.out1_hex, c.out2_hex, c.out3_hex])
  })

  it.each(v.sha256)('sha256 of $msg_hex', (c) => {
    expect(toHex(p.sha256(fromHex(c.msg_hex)))).toBe(c.sha256_hex)
  })
})

describe('crypto.json cb_nonce', () => {
  it.each(v.cb_nonce)('cbNonce $input_hex', (c) => {
    expect(toHex(cbNonce(fromHex(c.input_hex)))).toBe(c.nonce_hex)
  })
})
