import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nativeCrypto } from '../src/crypto/native'
import {
  AESDecryptError,
  CBDecryptError,
  CryptoKeyError,
  CryptoLargeMsgError,
  CryptoSignatureError,
  DecodeError,
  type KeyAlg,
  cbDecrypt,
  decodeOptionalSignature,
  decodePrivateDhKey,
  decodePrivateKey,
  decodePrivateSignKey,
  decodePublicDhKey,
  decodePublicKey,
  decodePublicKeyOf,
  decodePublicVerifyKey,
  decodeSignature,
  decryptAEAD,
  encodePrivateKey,
  encodePublicKey,
  nobleCrypto,
  parsePrivateKeyJson,
  parsePrivateKeyStr,
  parsePublicKeyStr,
} from '../src/index'

const RUNS = 10_000
const ALGS: readonly KeyAlg[] = ['ed25519', 'ed448', 'x25519', 'x448']
const TYPED = [DecodeError, CryptoKeyError, CryptoSignatureError] as const

/** Run `f`; anything it throws must be one of `allowed`. Returns the result or `undefined` on a typed error. */
function typedOnly<T>(
  f: () => T,
  allowed: readonly (abstract new (...args: never[]) => Error)[] = TYPED,
): T | undefined {
  try {
    return f()
  } catch (e) {
    if (!allowed.some((cls) => e instanceof cls)) throw e
    return undefined
  }
}

const rawKey = (size: number) => fc.uint8Array({ minLength: size, maxLength: size })
const validSpki = fc
  .constantFrom(...ALGS)
  .chain((alg) =>
    rawKey({ ed25519: 32, ed448: 57, x25519: 32, x448: 56 }[alg]).map((k) => ({ alg, publicKey: k })),
  )
  .map(encodePublicKey)
const validPkcs8 = fc
  .constantFrom(...ALGS)
  .chain((alg) =>
    rawKey({ ed25519: 32, ed448: 57, x25519: 32, x448: 56 }[alg]).map((k) => ({ alg, privateKey: k })),
  )
  .map(encodePrivateKey)

/** Valid encodings with random damage: overwritten bytes, truncation, extension. */
function damaged(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
      fc.nat(80),
      fc.uint8Array({ maxLength: 3 }),
    )
    .map(([bytes, edits, cut, extra]) => {
      const b = bytes.slice()
      for (const [i, v] of edits) b[i % b.length] = v
      const end = cut % 5 === 0 ? cut % (b.length + 1) : b.length
      const out = new Uint8Array(end + extra.length)
      out.set(b.subarray(0, end))
      out.set(extra, end)
      return out
    })
}

const keyInput = fc.oneof(
  fc.uint8Array({ maxLength: 100 }),
  damaged(validSpki),
  damaged(validPkcs8),
  validSpki,
  validPkcs8,
)

describe('key decoders on arbitrary bytes throw only typed errors', () => {
  it('decodePublicKey: typed errors only, and a success re-encodes to the input', () => {
    fc.assert(
      fc.property(keyInput, (bytes) => {
        const key = typedOnly(() => decodePublicKey(bytes))
        if (key !== undefined) expect(encodePublicKey(key)).toEqual(bytes)
      }),
      { numRuns: RUNS },
    )
  })

  it('role decoders of public keys', () => {
    fc.assert(
      fc.property(keyInput, fc.constantFrom(...ALGS), (bytes, alg) => {
        const v = typedOnly(() => decodePublicVerifyKey(bytes))
        if (v !== undefined) expect(['ed25519', 'ed448']).toContain(v.alg)
        const d = typedOnly(() => decodePublicDhKey(bytes))
        if (d !== undefined) expect(['x25519', 'x448']).toContain(d.alg)
        const o = typedOnly(() => decodePublicKeyOf(alg, bytes))
        if (o !== undefined) expect(o.alg).toBe(alg)
      }),
      { numRuns: RUNS },
    )
  })

  it('private key decoders', () => {
    fc.assert(
      fc.property(keyInput, (bytes) => {
        const k = typedOnly(() => decodePrivateKey(bytes))
        if (k !== undefined) expect(decodePrivateKey(encodePrivateKey(k))).toEqual(k)
        typedOnly(() => decodePrivateSignKey(bytes))
        typedOnly(() => decodePrivateDhKey(bytes))
      }),
      { numRuns: RUNS },
    )
  })

  it('signature decoders', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 130 }), (bytes) => {
        const s = typedOnly(() => decodeSignature(bytes))
        if (s !== undefined) expect(s.bytes.length).toBe(s.alg === 'ed25519' ? 64 : 114)
        else expect(() => decodeSignature(bytes)).toThrow(CryptoSignatureError)
        typedOnly(() => decodeOptionalSignature(bytes))
      }),
      { numRuns: RUNS },
    )
  })

  it('text and JSON key parsers', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,100}={0,3}$/),
      validSpki.map((b) => Buffer.from(b).toString('base64url')),
    )
    fc.assert(
      fc.property(text, (s) => {
        typedOnly(() => parsePublicKeyStr(s))
        typedOnly(() => parsePrivateKeyStr(s))
        typedOnly(() => parsePrivateKeyJson(s))
      }),
      { numRuns: RUNS },
    )
  })
})

describe.each([nativeCrypto, nobleCrypto])('decryption of arbitrary packets with $name', (p) => {
  const secret = p.randomBytes(32)
  const nonce = p.randomBytes(24)
  const key = p.randomBytes(32)
  const iv = p.randomBytes(16)

  it('cbDecrypt throws only CBDecryptError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (packet) => {
        expect(() => cbDecrypt(p, secret, nonce, packet)).toThrow(CBDecryptError)
      }),
      { numRuns: RUNS },
    )
  })

  it('decryptAEAD throws only AESDecryptError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 20 }), (ct, tag) => {
        const r = typedOnly(() => decryptAEAD(p, key, iv, new Uint8Array(0), ct, tag), [AESDecryptError])
        expect(r).toBeUndefined()
      }),
      { numRuns: RUNS },
    )
  })

  it('an authentic box with arbitrary content unpads or throws CryptoLargeMsgError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (content) => {
        const box = p.secretbox(p.cryptoBoxBeforeNm(secret), nonce, content)
        const msg = typedOnly(() => cbDecrypt(p, secret, nonce, box), [CryptoLargeMsgError])
        if (msg !== undefined) expect(msg.length).toBe(((content[0]! << 8) | content[1]!) >>> 0)
      }),
      { numRuns: 2_000 },
    )
  })
})

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

describe('native secretbox (libsodium wasm) against noble', () => {
  it('runs on libsodium here', () => {
    expect(nativeCrypto.name).toBe('native')
  })

  it('seals and opens the same bytes as noble, across scratch growth', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.integer({ min: 0, max: 300_000 }),
        fc.integer({ min: 0, max: 255 }),
        (key, nonce, length, fill) => {
          const msg = new Uint8Array(length).fill(fill)
          if (length > 0) msg[length - 1] = length & 0xff
          const box = nativeCrypto.secretbox(key, nonce, msg)
          // (a byte loop: deep equality of 300 KB arrays is far too slow for a property)
          expect(sameBytes(box, nobleCrypto.secretbox(key, nonce, msg))).toBe(true)
          expect(sameBytes(nobleCrypto.secretboxOpen(key, nonce, box), msg)).toBe(true)
          expect(sameBytes(nativeCrypto.secretboxOpen(key, nonce, box), msg)).toBe(true)
          const bad = box.slice()
          bad[(fill * 7919) % bad.length]! ^= 1 << (fill % 8)
          expect(() => nativeCrypto.secretboxOpen(key, nonce, bad)).toThrow(CBDecryptError)
        },
      ),
      { numRuns: 60 },
    )
  })
})
