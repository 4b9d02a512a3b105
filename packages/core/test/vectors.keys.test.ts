import { describe, expect, it } from 'vitest'
import { nativeCrypto } from '../src/crypto/native'
import {
  CryptoKeyError,
  CryptoSignatureError,
  type CryptoProvider,
  DecodeError,
  type DhAlg,
  type KeyAlg,
  type SignAlg,
  decodeAll,
  decodeOptionalSignature,
  decodePrivateDhKey,
  decodePrivateKey,
  decodePrivateKeyOf,
  decodePrivateSignKey,
  decodePublicDhKey,
  decodePublicKey,
  decodePublicKeyOf,
  decodePublicVerifyKey,
  decodeSignature,
  dh,
  encodePrivateKey,
  encodePrivateKeyJson,
  encodePrivateKeyStr,
  encodePublicKey,
  encodePublicKeyStr,
  fromHex,
  keyPairFromPrivate,
  nobleCrypto,
  parsePrivateKeyJson,
  parsePrivateKeyStr,
  parsePublicKeyStr,
  sign,
  toHex,
  verify,
} from '../src/index'
import { loadVectors } from './vectors'

interface SignatureCase {
  msg_hex: string
  signature_hex: string
  verify: boolean
  verify_with_other_msg: boolean
}
interface SignatureKey {
  alg: 'Ed25519' | 'Ed448'
  priv_hex: string
  pub_hex: string
  pub_der_hex: string
  pub_smp_hex: string
  pub_str: string
  priv_pkcs8_der_hex: string
  priv_smp_hex: string
  priv_str: string
  signatures: SignatureCase[]
}
interface DhCase {
  alg: 'X25519' | 'X448'
  a_priv_hex: string
  a_pub_hex: string
  a_pub_der_hex: string
  a_pub_smp_hex: string
  a_pub_str: string
  a_priv_pkcs8_der_hex: string
  a_priv_json: string
  b_priv_hex: string
  b_pub_hex: string
  b_pub_der_hex: string
  dh_a_priv_b_pub_hex: string
  dh_b_priv_a_pub_hex: string
}
interface PublicKeyDecodingCase {
  case: string
  input_hex: string
  result: { ok_pub_hex?: string; error?: string }
}
interface SignatureDecodingCase {
  len: number
  result: { ok_alg?: string; error?: string }
}
interface KeysVectors {
  signature_keys: SignatureKey[]
  dh: DhCase[]
  public_key_decoding: PublicKeyDecodingCase[]
  signature_decoding: SignatureDecodingCase[]
}

const v = loadVectors<KeysVectors>('keys.json')
const alg = <A extends KeyAlg>(name: string): A => name.toLowerCase() as A

describe.each<CryptoProvider>([nativeCrypto, nobleCrypto])('keys.json with $name', (p) => {
  describe.each(v.signature_keys.map((k, i) => ({ ...k, i })))('signature key $i ($alg)', (k) => {
    const a = alg<SignAlg>(k.alg)
    const privateKey = fromHex(k.priv_hex)
    const key = { alg: a, privateKey, publicKey: fromHex(k.pub_hex) }

    it('derives the public key', () => {
      expect(toHex(p.signPublicKey(a, privateKey))).toBe(k.pub_hex)
      expect(keyPairFromPrivate(p, { alg: a, privateKey })).toEqual(key)
    })

    it('encodes SPKI, str8(SPKI) and text forms', () => {
      expect(toHex(encodePublicKey(key))).toBe(k.pub_der_hex)
      expect(k.pub_smp_hex).toBe(toHex(Uint8Array.of(k.pub_der_hex.length / 2)) + k.pub_der_hex)
      expect(decodeAll(fromHex(k.pub_smp_hex), (d) => decodePublicVerifyKey(d.str8()))).toEqual({
        alg: a,
        publicKey: key.publicKey,
      })
      expect(encodePublicKeyStr(key)).toBe(k.pub_str)
      expect(parsePublicKeyStr(k.pub_str, decodePublicVerifyKey)).toEqual({
        alg: a,
        publicKey: key.publicKey,
      })
    })

    it('encodes PKCS#8, str8(PKCS#8) and text forms', () => {
      expect(toHex(encodePrivateKey(key))).toBe(k.priv_pkcs8_der_hex)
      expect(decodeAll(fromHex(k.priv_smp_hex), (d) => decodePrivateSignKey(d.str8()))).toEqual({
        alg: a,
        privateKey,
      })
      expect(encodePrivateKeyStr(key)).toBe(k.priv_str)
      expect(parsePrivateKeyStr(k.priv_str)).toEqual({ alg: a, privateKey })
    })

    it('decodes with the role checks of the reference', () => {
      const der = fromHex(k.pub_der_hex)
      expect(decodePublicKey(der)).toEqual({ alg: a, publicKey: key.publicKey })
      expect(decodePublicKeyOf(a, der).alg).toBe(a)
      expect(() => decodePublicDhKey(der)).toThrow(CryptoKeyError)
      expect(() => decodePublicKeyOf(a === 'ed25519' ? 'ed448' : 'ed25519', der)).toThrow(CryptoKeyError)
      const pkcs8 = fromHex(k.priv_pkcs8_der_hex)
      expect(decodePrivateKey(pkcs8)).toEqual({ alg: a, privateKey })
      expect(decodePrivateKeyOf(a, pkcs8).privateKey).toEqual(privateKey)
      expect(() => decodePrivateDhKey(pkcs8)).toThrow(CryptoKeyError)
    })

    it.each(k.signatures)('signs and verifies message $msg_hex', (s) => {
      const msg = fromHex(s.msg_hex)
      const sig = sign(p, key, msg)
      expect(toHex(sig.bytes)).toBe(s.signature_hex)
      expect(decodeSignature(fromHex(s.signature_hex))).toEqual({ alg: a, bytes: fromHex(s.signature_hex) })
      expect(verify(p, key, sig, msg)).toBe(s.verify)
      const other = Uint8Array.of(...msg, 0x21)
      expect(verify(p, key, sig, other)).toBe(s.verify_with_other_msg)
      expect(p.verify(a, key.publicKey, msg, fromHex(s.signature_hex))).toBe(true)
    })
  })

  describe.each(v.dh)('DH $alg', (c) => {
    const a = alg<DhAlg>(c.alg)
    const aKey = { alg: a, privateKey: fromHex(c.a_priv_hex), publicKey: fromHex(c.a_pub_hex) }
    const bKey = { alg: a, privateKey: fromHex(c.b_priv_hex), publicKey: fromHex(c.b_pub_hex) }

    it('derives public keys and encodes them', () => {
      expect(toHex(p.dhPublicKey(a, aKey.privateKey))).toBe(c.a_pub_hex)
      expect(toHex(p.dhPublicKey(a, bKey.privateKey))).toBe(c.b_pub_hex)
      expect(toHex(encodePublicKey(aKey))).toBe(c.a_pub_der_hex)
      expect(toHex(encodePublicKey(bKey))).toBe(c.b_pub_der_hex)
      expect(decodeAll(fromHex(c.a_pub_smp_hex), (d) => decodePublicDhKey(d.str8()))).toEqual({
        alg: a,
        publicKey: aKey.publicKey,
      })
      expect(encodePublicKeyStr(aKey)).toBe(c.a_pub_str)
      expect(parsePublicKeyStr(c.a_pub_str, decodePublicDhKey).publicKey).toEqual(aKey.publicKey)
      expect(() => decodePublicVerifyKey(fromHex(c.a_pub_der_hex))).toThrow(CryptoKeyError)
    })

    it('encodes the private key as PKCS#8 and as the reference JSON (base64url twice)', () => {
      expect(toHex(encodePrivateKey(aKey))).toBe(c.a_priv_pkcs8_der_hex)
      expect(decodePrivateDhKey(fromHex(c.a_priv_pkcs8_der_hex))).toEqual({
        alg: a,
        privateKey: aKey.privateKey,
      })
      expect(() => decodePrivateSignKey(fromHex(c.a_priv_pkcs8_der_hex))).toThrow(CryptoKeyError)
      expect(encodePrivateKeyJson(aKey)).toBe(c.a_priv_json)
      expect(parsePrivateKeyJson(c.a_priv_json, decodePrivateDhKey)).toEqual({
        alg: a,
        privateKey: aKey.privateKey,
      })
    })

    it('computes the shared secret both ways', () => {
      expect(toHex(dh(p, bKey, aKey))).toBe(c.dh_a_priv_b_pub_hex)
      expect(toHex(dh(p, aKey, bKey))).toBe(c.dh_b_priv_a_pub_hex)
      expect(toHex(p.dh(a, aKey.privateKey, bKey.publicKey))).toBe(c.dh_a_priv_b_pub_hex)
    })
  })
})

describe('keys.json public_key_decoding', () => {
  const decoders: Record<string, (bytes: Uint8Array) => unknown> = {
    'X25519 SPKI as APublicDhKey': decodePublicDhKey,
    'Ed25519 SPKI as APublicDhKey': decodePublicDhKey,
    'Ed25519 SPKI as APublicVerifyKey': decodePublicVerifyKey,
    'X25519 key in binary protocol form (str8-prefixed SPKI) parsed with smpP': (b) =>
      decodeAll(b, (d) => decodePublicDhKey(d.str8())),
    'truncated SPKI': decodePublicKey,
  }
  // The reference's message names the condition; ours is a class (parser wording is not part of the contract).
  const errorClass: Record<string, typeof CryptoKeyError | typeof DecodeError> = {
    'key does not support DH algorithms': CryptoKeyError,
    ParsingPartial: DecodeError,
  }

  it('covers every case', () => {
    expect(v.public_key_decoding.map((c) => c.case).sort()).toEqual(Object.keys(decoders).sort())
  })

  it.each(v.public_key_decoding)('$case', (c) => {
    const decode = decoders[c.case]!
    const input = fromHex(c.input_hex)
    if (c.result.ok_pub_hex !== undefined) {
      expect(toHex((decode(input) as { publicKey: Uint8Array }).publicKey)).toBe(c.result.ok_pub_hex)
    } else {
      const cls = errorClass[c.result.error!]!
      expect(() => decode(input)).toThrow(cls)
    }
  })

  it('reports the reference wording for a DH field given a signature key', () => {
    const c = v.public_key_decoding.find((x) => x.case === 'Ed25519 SPKI as APublicDhKey')!
    expect(() => decodePublicDhKey(fromHex(c.input_hex))).toThrow('key does not support DH algorithms')
  })
})

describe('keys.json signature_decoding', () => {
  it.each(v.signature_decoding)('length $len', (c) => {
    const bytes = new Uint8Array(c.len).fill(7)
    if (c.result.ok_alg !== undefined) {
      expect(decodeSignature(bytes).alg).toBe(alg(c.result.ok_alg))
    } else {
      expect(c.result.error).toBe('bad signature size')
      expect(() => decodeSignature(bytes)).toThrow(CryptoSignatureError)
      if (c.len === 0) expect(decodeOptionalSignature(bytes)).toBeUndefined()
      else expect(() => decodeOptionalSignature(bytes)).toThrow(CryptoSignatureError)
    }
  })
})
