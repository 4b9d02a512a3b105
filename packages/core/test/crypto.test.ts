import { describe, expect, it } from 'vitest'
import { nativeCrypto } from '../src/crypto/native'
import {
  AESDecryptError,
  CBDecryptError,
  CryptoIVError,
  CryptoKeyError,
  CryptoLargeMsgError,
  type CryptoProvider,
  DecodeError,
  type DhAlg,
  type SignAlg,
  cbDecrypt,
  cbEncrypt,
  concatBytes,
  constantTimeEqual,
  decodePrivateKey,
  decodePublicKey,
  decodeSignature,
  decryptAEAD,
  defaultCrypto,
  dh,
  encodePrivateKey,
  encodePublicKey,
  encryptAEAD,
  fromHex,
  hkdf3,
  keyPairFromPrivate,
  nobleCrypto,
  parsePrivateKeyJson,
  parsePublicKeyStr,
  randomCbNonce,
  sign,
  toHex,
  utf8,
  verify,
} from '../src/index'

const PROVIDERS: readonly CryptoProvider[] = [nativeCrypto, nobleCrypto]
const SIGN_ALGS: readonly SignAlg[] = ['ed25519', 'ed448']
const DH_ALGS: readonly DhAlg[] = ['x25519', 'x448']
const other = (p: CryptoProvider): CryptoProvider => (p === nativeCrypto ? nobleCrypto : nativeCrypto)

describe('defaultCrypto', () => {
  it('is the native provider on Node', () => {
    expect(defaultCrypto()).toBe(nativeCrypto)
    expect(defaultCrypto()).toBe(defaultCrypto())
  })
})

describe('constantTimeEqual', () => {
  it.each(PROVIDERS)('agrees with byte equality ($name and the JS export)', (p) => {
    const a = Uint8Array.of(1, 2, 3, 4)
    for (const eq of [constantTimeEqual, p.constantTimeEqual]) {
      expect(eq(a, Uint8Array.of(1, 2, 3, 4))).toBe(true)
      expect(eq(a, Uint8Array.of(1, 2, 3, 5))).toBe(false)
      expect(eq(a, Uint8Array.of(0x81, 2, 3, 4))).toBe(false)
      expect(eq(a, Uint8Array.of(1, 2, 3))).toBe(false)
      expect(eq(new Uint8Array(0), new Uint8Array(0))).toBe(true)
    }
  })
})

describe.each(PROVIDERS)('$name provider', (p) => {
  const q = other(p)

  describe.each(SIGN_ALGS)('%s', (alg) => {
    it('generates keys that round-trip through DER and sign/verify across providers', () => {
      for (let i = 0; i < 5; i++) {
        const kp = p.generateSignKeyPair(alg)
        expect(kp.alg).toBe(alg)
        expect(q.signPublicKey(alg, kp.privateKey)).toEqual(kp.publicKey)
        expect(decodePublicKey(encodePublicKey(kp))).toEqual({ alg, publicKey: kp.publicKey })
        expect(decodePrivateKey(encodePrivateKey(kp))).toEqual({ alg, privateKey: kp.privateKey })
        expect(keyPairFromPrivate(q, kp)).toEqual(kp)
        const msg = p.randomBytes(i * 37)
        const sig = sign(p, kp, msg)
        expect(sign(q, kp, msg)).toEqual(sig)
        expect(decodeSignature(sig.bytes)).toEqual(sig)
        expect(verify(q, kp, sig, msg)).toBe(true)
        expect(verify(p, kp, sig, concatBytes(msg, Uint8Array.of(0)))).toBe(false)
        const flipped = sig.bytes.slice()
        flipped[3]! ^= 1
        expect(verify(q, kp, { alg, bytes: flipped }, msg)).toBe(false)
      }
    })

    it('returns false, never throws, for unusable verify inputs', () => {
      const kp = p.generateSignKeyPair(alg)
      const sig = p.sign(alg, kp.privateKey, utf8('m'))
      expect(p.verify(alg, kp.publicKey.subarray(1), utf8('m'), sig)).toBe(false)
      expect(p.verify(alg, kp.publicKey, utf8('m'), sig.subarray(1))).toBe(false)
      expect(p.verify(alg, new Uint8Array(kp.publicKey.length).fill(0xff), utf8('m'), sig)).toBe(false)
      expect(p.verify('x25519' as SignAlg, kp.publicKey, utf8('m'), sig)).toBe(false)
      const otherAlg: SignAlg = alg === 'ed25519' ? 'ed448' : 'ed25519'
      const otherKey = p.generateSignKeyPair(otherAlg)
      // a signature of the other algorithm never verifies (the reference compares algorithms first)
      expect(verify(p, otherKey, { alg, bytes: sig }, utf8('m'))).toBe(false)
    })

    it('rejects a private key of the wrong size with a typed error and exact message', () => {
      const size = alg === 'ed25519' ? 32 : 57
      const name = alg === 'ed25519' ? 'Ed25519' : 'Ed448'
      const short = new Uint8Array(size - 1)
      expect(() => p.sign(alg, short, utf8('m'))).toThrow(CryptoKeyError)
      expect(() => p.sign(alg, short, utf8('m'))).toThrow(
        `expected ${size}-byte ${name} private key, got ${size - 1}`,
      )
      expect(() => p.signPublicKey(alg, new Uint8Array(size + 1))).toThrow(CryptoKeyError)
      expect(() => p.generateSignKeyPair('x25519' as SignAlg)).toThrow(CryptoKeyError)
    })
  })

  it('follows a key array changed in place (no stale parsed key is reused)', () => {
    const a = p.generateSignKeyPair('ed25519')
    const b = q.generateSignKeyPair('ed25519')
    const msg = utf8('same array, new key')
    const key = a.privateKey.slice()
    expect(p.sign('ed25519', key, msg)).toEqual(q.sign('ed25519', a.privateKey, msg))
    key.set(b.privateKey)
    expect(p.sign('ed25519', key, msg)).toEqual(q.sign('ed25519', b.privateKey, msg))
    expect(p.signPublicKey('ed25519', key)).toEqual(b.publicKey)
    // the same 32 bytes read as an X25519 scalar are a different key
    expect(p.dhPublicKey('x25519', key)).toEqual(q.dhPublicKey('x25519', b.privateKey.slice()))
    const pub = a.publicKey.slice()
    const sig = p.sign('ed25519', b.privateKey, msg)
    expect(p.verify('ed25519', pub, msg, sig)).toBe(false)
    pub.set(b.publicKey)
    expect(p.verify('ed25519', pub, msg, sig)).toBe(true)
    // a freshly generated key signs as the other provider does with the same bytes
    expect(p.sign('ed25519', a.privateKey, msg)).toEqual(q.sign('ed25519', a.privateKey.slice(), msg))
  })

  describe.each(DH_ALGS)('%s', (alg) => {
    it('agrees on DH both ways and across providers', () => {
      for (let i = 0; i < 5; i++) {
        const a = p.generateDhKeyPair(alg)
        const b = q.generateDhKeyPair(alg)
        expect(q.dhPublicKey(alg, a.privateKey)).toEqual(a.publicKey)
        const s1 = dh(p, b, a)
        expect(s1.length).toBe(alg === 'x25519' ? 32 : 56)
        expect(dh(q, a, b)).toEqual(s1)
        expect(dh(p, a, b)).toEqual(s1)
        expect(decodePrivateKey(encodePrivateKey(a))).toEqual({ alg, privateKey: a.privateKey })
      }
    })

    it('rejects keys of the wrong size or algorithm with typed errors', () => {
      const a = p.generateDhKeyPair(alg)
      const name = alg === 'x25519' ? 'X25519' : 'X448'
      const size = alg === 'x25519' ? 32 : 56
      expect(() => p.dh(alg, a.privateKey, a.publicKey.subarray(1))).toThrow(
        `expected ${size}-byte ${name} public key, got ${size - 1}`,
      )
      expect(() => p.dh(alg, a.privateKey, a.publicKey.subarray(1))).toThrow(CryptoKeyError)
      expect(() => p.dhPublicKey(alg, new Uint8Array(3))).toThrow(CryptoKeyError)
      const otherAlg: DhAlg = alg === 'x25519' ? 'x448' : 'x25519'
      expect(() => dh(p, p.generateDhKeyPair(otherAlg), a)).toThrow(CryptoKeyError)
      expect(() => p.generateDhKeyPair('ed25519' as DhAlg)).toThrow(CryptoKeyError)
    })

    it('refuses a low-order public key (all-zero secret) with CryptoKeyError', () => {
      const a = p.generateDhKeyPair(alg)
      const zero = new Uint8Array(alg === 'x25519' ? 32 : 56)
      expect(() => p.dh(alg, a.privateKey, zero)).toThrow(CryptoKeyError)
      expect(() => q.dh(alg, a.privateKey, zero)).toThrow(CryptoKeyError)
    })
  })

  it('randomBytes gives fresh bytes of any length', () => {
    expect(p.randomBytes(0)).toEqual(new Uint8Array(0))
    expect(p.randomBytes(70_000).length).toBe(70_000)
    expect(p.randomBytes(32)).not.toEqual(p.randomBytes(32))
    expect(p.randomBytes(5)).toBeInstanceOf(Uint8Array)
    expect(() => p.randomBytes(-1)).toThrow(RangeError)
    expect(() => p.randomBytes(1.5)).toThrow(RangeError)
  })

  it('hashes like the other provider', () => {
    for (const n of [0, 1, 64, 16_384]) {
      const data = p.randomBytes(n)
      expect(p.sha256(data)).toEqual(q.sha256(data))
      expect(p.sha512(data)).toEqual(q.sha512(data))
      expect(p.sha512(data).length).toBe(64)
    }
    expect(toHex(p.sha512(utf8('abc'))).slice(0, 16)).toBe('ddaf35a193617aba')
  })

  it('derives HKDF-SHA512 like the other provider, including long info and edge lengths', () => {
    const salt = p.randomBytes(64)
    const ikm = p.randomBytes(56)
    for (const info of [
      new Uint8Array(0),
      utf8('SimpleXRootRatchet'),
      p.randomBytes(1024),
      p.randomBytes(3000),
    ]) {
      for (const len of [0, 1, 96, 255 * 64]) {
        expect(p.hkdfSha512(salt, ikm, info, len)).toEqual(q.hkdfSha512(salt, ikm, info, len))
      }
    }
    expect(p.hkdfSha512(new Uint8Array(0), ikm, new Uint8Array(0), 96)).toEqual(
      q.hkdfSha512(new Uint8Array(0), ikm, new Uint8Array(0), 96),
    )
    expect(() => p.hkdfSha512(salt, ikm, new Uint8Array(0), 255 * 64 + 1)).toThrow(RangeError)
    const [a, b, c] = hkdf3(p, salt, ikm, utf8('SimpleXChainRatchet'))
    expect(concatBytes(a, b, c)).toEqual(q.hkdfSha512(salt, ikm, utf8('SimpleXChainRatchet'), 96))
  })

  describe('AES-256-GCM', () => {
    const key = fromHex('42b8342e4169baa1d43f59cf97d6e950085096804e62c832f5fa1d36fba965e9')

    it('matches the other provider for 16-, 12- and 8-byte IVs and any sizes', () => {
      for (const ivLen of [16, 12, 8, 32]) {
        const iv = p.randomBytes(ivLen)
        for (const n of [0, 1, 15, 16, 17, 16_384]) {
          const pt = p.randomBytes(n)
          const ad = p.randomBytes(n % 40)
          const s = p.aesGcmEncrypt(key, iv, ad, pt)
          expect(q.aesGcmEncrypt(key, iv, ad, pt)).toEqual(s)
          expect(s.authTag.length).toBe(16)
          expect(q.aesGcmDecrypt(key, iv, ad, s.ciphertext, s.authTag)).toEqual(pt)
        }
      }
    })

    it('fails authentication with AESDecryptError and typed errors for bad keys, IVs and tags', () => {
      const iv = p.randomBytes(16)
      const s = p.aesGcmEncrypt(key, iv, utf8('ad'), utf8('secret'))
      const badTag = s.authTag.slice()
      badTag[0]! ^= 1
      expect(() => p.aesGcmDecrypt(key, iv, utf8('ad'), s.ciphertext, badTag)).toThrow(AESDecryptError)
      expect(() => p.aesGcmDecrypt(key, iv, utf8('ad'), s.ciphertext, s.authTag.subarray(0, 12))).toThrow(
        AESDecryptError,
      )
      const badCt = s.ciphertext.slice()
      badCt[0]! ^= 1
      expect(() => p.aesGcmDecrypt(key, iv, utf8('ad'), badCt, s.authTag)).toThrow(AESDecryptError)
      expect(() => p.aesGcmEncrypt(key.subarray(0, 16), iv, utf8(''), utf8('x'))).toThrow(
        'expected 32-byte AES-256 key, got 16',
      )
      expect(() => p.aesGcmEncrypt(key, iv.subarray(0, 7), utf8(''), utf8('x'))).toThrow(CryptoIVError)
      expect(() => p.aesGcmDecrypt(key, iv.subarray(0, 0), utf8(''), s.ciphertext, s.authTag)).toThrow(
        CryptoIVError,
      )
    })

    it('encryptAEAD checks the IV before the key and the key before padding, as the reference', () => {
      const iv = p.randomBytes(16)
      const big = new Uint8Array(100)
      expect(() => encryptAEAD(p, key.subarray(1), iv.subarray(1), 10, utf8(''), big)).toThrow(CryptoIVError)
      expect(() => encryptAEAD(p, key.subarray(1), iv, 10, utf8(''), big)).toThrow(CryptoKeyError)
      expect(() => encryptAEAD(p, key, iv, 10, utf8(''), big)).toThrow(CryptoLargeMsgError)
    })

    it('decryptAEAD unpads only authentic content', () => {
      const iv = p.randomBytes(16)
      // an authentic plaintext that is not validly padded: length prefix 0xffff
      const s = p.aesGcmEncrypt(key, iv, utf8(''), Uint8Array.of(0xff, 0xff, 1, 2))
      expect(() => decryptAEAD(p, key, iv, utf8(''), s.ciphertext, s.authTag)).toThrow(CryptoLargeMsgError)
      const tag = s.authTag.slice()
      tag[15]! ^= 0x80
      expect(() => decryptAEAD(p, key, iv, utf8(''), s.ciphertext, tag)).toThrow(AESDecryptError)
    })
  })

  describe('crypto_box', () => {
    it('round-trips random messages across providers', () => {
      const a = p.generateDhKeyPair('x25519')
      const b = q.generateDhKeyPair('x25519')
      const secret = dh(p, b, a)
      for (const n of [0, 1, 100, 16_000]) {
        const nonce = randomCbNonce(p)
        const msg = p.randomBytes(n)
        const box = cbEncrypt(p, secret, nonce, msg, 16_106)
        expect(box.length).toBe(16_106 + 16)
        expect(cbEncrypt(q, dh(q, a, b), nonce, msg, 16_106)).toEqual(box)
        expect(cbDecrypt(q, secret, nonce, box)).toEqual(msg)
      }
    })

    it('secretbox primitives: layout, authentication and typed errors', () => {
      const key = p.randomBytes(32)
      const nonce = p.randomBytes(24)
      const box = p.secretbox(key, nonce, utf8('hello'))
      expect(box.length).toBe(21)
      expect(q.secretboxOpen(key, nonce, box)).toEqual(utf8('hello'))
      expect(p.secretboxOpen(key, nonce, p.secretbox(key, nonce, new Uint8Array(0)))).toEqual(
        new Uint8Array(0),
      )
      const bad = box.slice()
      bad[20]! ^= 1
      expect(() => p.secretboxOpen(key, nonce, bad)).toThrow(CBDecryptError)
      expect(() => p.secretboxOpen(key, nonce, box.subarray(0, 15))).toThrow(CBDecryptError)
      expect(() => p.secretbox(key.subarray(1), nonce, utf8('x'))).toThrow(CryptoKeyError)
      expect(() => p.secretbox(key, nonce.subarray(1), utf8('x'))).toThrow(
        'expected 24-byte XSalsa20 nonce, got 23',
      )
      expect(() => p.secretbox(key, nonce.subarray(1), utf8('x'))).toThrow(CryptoIVError)
      expect(() => p.cryptoBoxBeforeNm(new Uint8Array(56))).toThrow(
        'expected 32-byte X25519 shared secret, got 56',
      )
    })

    it('cbEncrypt / cbDecrypt reject a bad nonce or secret with typed errors', () => {
      const secret = p.randomBytes(32)
      expect(() => cbEncrypt(p, secret, new Uint8Array(23), utf8('x'), 32)).toThrow(CryptoIVError)
      expect(() => cbDecrypt(p, secret, new Uint8Array(25), new Uint8Array(40))).toThrow(CryptoIVError)
      expect(() => cbEncrypt(p, secret.subarray(1), new Uint8Array(24), utf8('x'), 32)).toThrow(
        CryptoKeyError,
      )
    })
  })
})

describe('Ed25519 verification edge cases: both providers agree', () => {
  const msg = utf8('edge')
  const le = (n: bigint): Uint8Array =>
    Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n))
  const L = (1n << 252n) + 27742317777372353535851937790883648493n
  const identity = le(1n)
  // R = identity, S = 0: valid for the identity public key under either equation
  const trivialSig = concatBytes(identity, new Uint8Array(32))

  it.each([
    ['small-order (identity) public key', identity, trivialSig, true],
    ['non-canonical public key encoding (y = p + 1)', le((1n << 255n) - 19n + 1n), trivialSig, true],
  ] as const)('%s', (_, pub, sig, expected) => {
    expect(nativeCrypto.verify('ed25519', pub, msg, sig)).toBe(expected)
    expect(nobleCrypto.verify('ed25519', pub, msg, sig)).toBe(expected)
  })

  it('S + L (non-canonical scalar) is rejected by both', () => {
    const kp = nobleCrypto.generateSignKeyPair('ed25519')
    const sig = nobleCrypto.sign('ed25519', kp.privateKey, msg)
    let s = 0n
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!)
    const bad = concatBytes(sig.subarray(0, 32), le(s + L))
    expect(nativeCrypto.verify('ed25519', kp.publicKey, msg, bad)).toBe(false)
    expect(nobleCrypto.verify('ed25519', kp.publicKey, msg, bad)).toBe(false)
  })
})

describe('DER decoders', () => {
  const ed = fromHex(
    '302a300506032b657003210045097c4c017bbd28a20475985bc875117c3e664b5b6d587628fbdeeaaed812ec',
  )
  const x25519Pkcs8 = fromHex(
    '302e020100300506032b656e042204205027fbbe91b814c82bc01d93a69fe579fa8f29b6966878837419b95c43ee3375',
  )

  it('rejects trailing bytes, truncation and non-DER lengths with DecodeError', () => {
    expect(() => decodePublicKey(concatBytes(ed, Uint8Array.of(0)))).toThrow(DecodeError)
    expect(() => decodePublicKey(ed.subarray(0, 43))).toThrow(DecodeError)
    expect(() => decodePublicKey(new Uint8Array(0))).toThrow(DecodeError)
    // the same SPKI with its outer length in long form (0x81 0x2a): valid BER, not DER
    const longForm = concatBytes(Uint8Array.of(0x30, 0x81, 0x2a), ed.subarray(2))
    expect(() => decodePublicKey(longForm)).toThrow(DecodeError)
    // AlgorithmIdentifier with a NULL parameter (RFC 8410 forbids it; the reference's parser too)
    const withNull = fromHex(`302c300706032b65700500032100${toHex(ed.subarray(12))}`)
    expect(() => decodePublicKey(withNull)).toThrow(DecodeError)
    // BIT STRING with unused bits
    const unused = ed.slice()
    unused[11] = 1
    expect(() => decodePublicKey(unused)).toThrow(DecodeError)
    expect(() => decodePrivateKey(concatBytes(x25519Pkcs8, Uint8Array.of(5, 0)))).toThrow(DecodeError)
  })

  it('rejects unknown algorithms and wrong key sizes with CryptoKeyError', () => {
    const unknown = ed.slice()
    unknown[8] = 0x71 + 10
    expect(() => decodePublicKey(unknown)).toThrow('unknown key algorithm')
    expect(() => decodePublicKey(unknown)).toThrow(CryptoKeyError)
    // an Ed25519 OID carrying 31 key bytes
    const short = fromHex(`3029300506032b6570032000${toHex(ed.subarray(13))}`)
    expect(() => decodePublicKey(short)).toThrow('expected 32-byte Ed25519 public key, got 31')
    // an RSA-style OID (1.2.840.113549.1.1.1)
    const rsa = fromHex('3012300d06092a864886f70d0101010500030100')
    expect(() => decodePublicKey(rsa)).toThrow(CryptoKeyError)
  })

  it('accepts PKCS#8 v1 with attributes and public key, as the reference parser does', () => {
    const seed = x25519Pkcs8.subarray(16)
    const pub = nobleCrypto.dhPublicKey('x25519', seed)
    // version 1, algorithm, privateKey, [0] attributes (empty), [1] publicKey (BIT STRING contents)
    const body = concatBytes(
      fromHex('020101300506032b656e04220420'),
      seed,
      Uint8Array.of(0xa0, 0x00),
      Uint8Array.of(0x81, 0x21, 0x00),
      pub,
    )
    const der = concatBytes(Uint8Array.of(0x30, body.length), body)
    expect(decodePrivateKey(der)).toEqual({ alg: 'x25519', privateKey: seed })
    const v2 = der.slice()
    v2[4] = 2
    expect(() => decodePrivateKey(v2)).toThrow(DecodeError)
  })

  it('text forms reject empty and malformed input with DecodeError', () => {
    expect(() => parsePublicKeyStr('')).toThrow(DecodeError)
    expect(() => parsePublicKeyStr('MCowBQYDK2VwAyEARQl8TAF7vSiiBHWYW8h1EXw+ZktbbVh2KPve6q7YEuw=')).toThrow(
      DecodeError,
    )
    expect(() => parsePrivateKeyJson('!!')).toThrow(DecodeError)
  })
})
