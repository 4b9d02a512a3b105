import { execFileSync } from 'node:child_process'
import { X509Certificate, createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DecodeError, base64urlEncode, equalBytes } from '@simplex-ts/core'
import * as fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AuthorityTooDeepError,
  CertificateExpiredError,
  CertificateInFutureError,
  EmptyChainError,
  InvalidSignatureError,
  LeafNotV3Error,
  NotAnAuthorityError,
  UnknownCAError,
} from '../src/index'
import {
  type ServerCredentials,
  certificateKeyHash,
  derToPem,
  generateServerCredentials,
  issueServerCertificate,
  loadServerCredentials,
  parseCertificate,
  pemToDer,
  validateServerChain,
  writeServerCredentials,
} from '../src/node'
import { integer, sequence, time } from '../src/asn1'
import {
  algorithmIdentifier,
  encodeCertificate,
  encodeName,
  encodeTbsCertificate,
  serverExtensions,
} from '../src/x509'

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'])
    return true
  } catch {
    return false
  }
})()

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const chainOf = (c: ServerCredentials): Uint8Array[] => [
  pemToDer(c.serverCertificate),
  pemToDer(c.caCertificate),
]

describe.each(['ed448', 'ed25519'] as const)('%s credentials as smp-server init makes them', (alg) => {
  const creds = generateServerCredentials({ alg, commonName: 'smp.example.org' })

  it('has the reference names, extensions and validity', () => {
    const ca = new X509Certificate(creds.caCertificate)
    const leaf = new X509Certificate(creds.serverCertificate)
    expect(ca.subject).toBe('CN=SMP server CA\nO=SimpleX')
    expect(ca.issuer).toBe(ca.subject)
    expect(ca.ca).toBe(true)
    expect(leaf.ca).toBe(false)
    expect(leaf.subject).toBe('CN=smp.example.org')
    expect(leaf.issuer).toBe(ca.subject)
    expect(leaf.checkIssued(ca)).toBe(true)
    expect(leaf.verify(ca.publicKey)).toBe(true)
    expect(ca.verify(ca.publicKey)).toBe(true)
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1'])
    expect(ca.publicKey.asymmetricKeyType).toBe(alg)
    const p = parseCertificate(pemToDer(creds.serverCertificate))
    expect(p.version).toBe(3)
    expect(p.notAfter.getTime() - p.notBefore.getTime()).toBe(999999 * 86_400_000)
    expect(p.notAfter.getUTCFullYear()).toBeGreaterThan(4700)
  })

  it('identity = SHA-256 of the CA certificate DER', () => {
    const der = pemToDer(creds.caCertificate)
    expect(creds.keyHash).toEqual(new Uint8Array(createHash('sha256').update(der).digest()))
    expect(certificateKeyHash(creds.caCertificate)).toEqual(creds.keyHash)
    expect(certificateKeyHash(der)).toEqual(creds.keyHash)
  })

  it.runIf(hasOpenssl)('is accepted by openssl (x509 -text, verify)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smp-cert-'))
    dirs.push(dir)
    return writeServerCredentials(dir, creds).then(() => {
      const text = execFileSync('openssl', ['x509', '-in', join(dir, 'ca.crt'), '-noout', '-text'], {
        encoding: 'utf8',
      })
      expect(text).toContain('Version: 3 (0x2)')
      expect(text).toContain(`Signature Algorithm: ${alg.toUpperCase()}`)
      expect(text).toContain('CN = SMP server CA, O = SimpleX')
      expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/)
      expect(text).toContain('X509v3 Subject Key Identifier')
      expect(text).toContain('X509v3 Authority Key Identifier')
      const leaf = execFileSync('openssl', ['x509', '-in', join(dir, 'server.crt'), '-noout', '-text'], {
        encoding: 'utf8',
      })
      expect(leaf).toMatch(/Basic Constraints:\s+CA:FALSE/)
      expect(leaf).toMatch(/Key Usage:\s+Digital Signature, Non Repudiation, Key Agreement/)
      expect(leaf).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/)
      const ok = execFileSync(
        'openssl',
        ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'server.crt')],
        {
          encoding: 'utf8',
        },
      )
      expect(ok).toContain(': OK')
      const der = execFileSync('openssl', ['x509', '-in', join(dir, 'ca.crt'), '-outform', 'DER'])
      expect(base64urlEncode(new Uint8Array(createHash('sha256').update(der).digest()))).toBe(
        readFileSync(join(dir, 'fingerprint'), 'utf8').trim(),
      )
    })
  })

  it('validates its own chain, and rejects each broken one with its reason', () => {
    const chain = chainOf(creds)
    expect(() => validateServerChain(chain, creds.keyHash)).not.toThrow()
    expect(() => validateServerChain([], creds.keyHash)).toThrow(EmptyChainError)
    expect(() => validateServerChain(chain.slice(0, 1), creds.keyHash)).toThrow(EmptyChainError)
    expect(() => validateServerChain([...chain, chain[1]!], creds.keyHash)).toThrow(AuthorityTooDeepError)
    const wrong = creds.keyHash.slice()
    wrong[0]! ^= 1
    expect(() => validateServerChain(chain, wrong)).toThrow(UnknownCAError)
    expect(() => validateServerChain(chain, creds.keyHash, new Date('2000-01-01'))).toThrow(
      CertificateInFutureError,
    )
    expect(() => validateServerChain(chain, creds.keyHash, new Date('5000-01-01'))).toThrow(
      CertificateExpiredError,
    )
    // an online certificate of another CA with the same names: the signature does not verify
    const other = generateServerCredentials({ alg })
    expect(() => validateServerChain([chain[0]!, pemToDer(other.caCertificate)], other.keyHash)).toThrow(
      InvalidSignatureError,
    )
    // garbage in place of the leaf
    expect(() => validateServerChain([new Uint8Array(40), chain[1]!], creds.keyHash)).toThrow(
      InvalidSignatureError,
    )
  })

  it('rejects a CA without CA:true', () => {
    // self-issued "CA" carrying the online extensions (CA:FALSE)
    const { privateKey, publicKey } =
      alg === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ed448')
    const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })).subarray(12)
    const name = { commonName: 'SMP server CA', organization: 'SimpleX' }
    const mk = (subjectKey: Uint8Array, subject: typeof name | { commonName: string }) => {
      const tbs = encodeTbsCertificate({
        alg,
        serial: Uint8Array.of(1),
        issuer: name,
        subject,
        notBefore: new Date(Date.now() - 1000),
        notAfter: new Date(Date.now() + 86_400_000),
        publicKey: subjectKey,
        extensions: serverExtensions(),
      })
      return encodeCertificate(tbs, alg, new Uint8Array(sign(null, tbs, privateKey)))
    }
    const ca = mk(raw, name)
    const leaf = mk(raw, { commonName: 'x' })
    const hash = new Uint8Array(createHash('sha256').update(ca).digest())
    expect(() => validateServerChain([leaf, ca], hash)).toThrow(NotAnAuthorityError)
    expect(new X509Certificate(derToPem(ca)).ca).toBe(false)
  })

  it('rejects an online certificate that is not X.509 v3 (LeafNotV3)', () => {
    const caKey = createPrivateKey(creds.caKey!)
    const { publicKey } = alg === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ed448')
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }))
    const ca = parseCertificate(pemToDer(creds.caCertificate))
    const now = Date.now()
    // v1: no version field, no extensions
    const tbs = sequence(
      integer(Uint8Array.of(7)),
      algorithmIdentifier(alg),
      ca.subject,
      sequence(time(new Date(now - 1000)), time(new Date(now + 86_400_000))),
      encodeName({ commonName: 'v1' }),
      spki,
    )
    const leaf = encodeCertificate(tbs, alg, new Uint8Array(sign(null, tbs, caKey)))
    expect(parseCertificate(leaf).version).toBe(1)
    expect(() => validateServerChain([leaf, pemToDer(creds.caCertificate)], creds.keyHash)).toThrow(
      LeafNotV3Error,
    )
  })

  it('re-issues the online certificate under the same identity', () => {
    const { caKey } = creds
    if (caKey === undefined) throw new Error('generated credentials keep the CA key')
    const renewed = issueServerCertificate(
      { caCertificate: creds.caCertificate, caKey },
      { commonName: '10.0.0.1' },
    )
    expect(renewed.serverCertificate).not.toBe(creds.serverCertificate)
    expect(createPrivateKey(renewed.serverKey).asymmetricKeyType).toBe(alg)
    expect(() =>
      validateServerChain(
        [pemToDer(renewed.serverCertificate), pemToDer(creds.caCertificate)],
        creds.keyHash,
      ),
    ).not.toThrow()
  })

  it('writes and loads the reference file layout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smp-cert-'))
    dirs.push(dir)
    await writeServerCredentials(dir, creds)
    const loaded = await loadServerCredentials(dir)
    expect(loaded).toEqual(creds)
    expect(readFileSync(join(dir, 'fingerprint'), 'utf8')).toBe(`${base64urlEncode(creds.keyHash)}\n`)
  })
})

describe('parseCertificate', () => {
  const der = pemToDer(generateServerCredentials({ alg: 'ed25519' }).serverCertificate)

  it('property: random bytes either parse or throw DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          parseCertificate(bytes)
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError)
        }
      }),
      { numRuns: 10_000 },
    )
  })

  it('property: a certificate with one corrupted byte or truncated parses or throws DecodeError', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: der.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        (at, x, cut) => {
          const bytes = cut ? der.subarray(0, at) : der.slice()
          if (!cut) bytes[at]! ^= x
          try {
            const p = parseCertificate(bytes)
            expect(equalBytes(p.der, bytes)).toBe(true)
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError)
          }
        },
      ),
      { numRuns: 10_000 },
    )
  })
})
