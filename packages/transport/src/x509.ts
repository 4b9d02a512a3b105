/**
 * X.509 v3 certificates as `smp-server init` makes them: an Ed448 (default)
 * or Ed25519 self-signed offline CA and an online server certificate it
 * signs. This file builds the to-be-signed structures and parses received
 * certificates; signing and verifying are done by the caller's crypto.
 *
 * @see ../shared/spec/transport.md §3, §4.1
 */
import { DecodeError } from '@simplex-ts/core'
import {
  type Der,
  Tag,
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  integer,
  octetString,
  oid,
  oidText,
  parseTime,
  readChildren,
  readExactly,
  sequence,
  set,
  smallInteger,
  time,
  utf8String,
} from './asn1'

/** Signature algorithms of SMP server certificates. */
export type CertificateAlgorithm = 'ed25519' | 'ed448'

/** OIDs of the algorithms and extensions used. */
export const OID = {
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const

/** Raw public key lengths per algorithm (RFC 8410). */
export const PUBLIC_KEY_LENGTH: Readonly<Record<CertificateAlgorithm, number>> = { ed25519: 32, ed448: 57 }

/** A distinguished name with the attributes SMP certificates use. */
export interface CertificateName {
  /** `CN`: `SMP server CA` for the CA; the server's FQDN or IP for the online certificate. */
  readonly commonName: string
  /** `O`: `SimpleX` for the CA; absent on the online certificate. */
  readonly organization?: string
}

/** DER `Name`: one single-valued RDN per attribute, CN first, as openssl writes the reference's config. */
export function encodeName(name: CertificateName): Uint8Array {
  const rdns = [set(sequence(oid(OID.commonName), utf8String(name.commonName)))]
  if (name.organization !== undefined) {
    rdns.push(set(sequence(oid(OID.organization), utf8String(name.organization))))
  }
  return sequence(...rdns)
}

/** `AlgorithmIdentifier` for EdDSA: the OID with absent parameters (RFC 8410). */
export function algorithmIdentifier(alg: CertificateAlgorithm): Uint8Array {
  return sequence(oid(OID[alg]))
}

/**
 * DER `SubjectPublicKeyInfo` of a raw EdDSA public key.
 * @throws RangeError on a wrong key length.
 */
export function encodeSubjectPublicKeyInfo(alg: CertificateAlgorithm, publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== PUBLIC_KEY_LENGTH[alg]) {
    throw new RangeError(`expected ${PUBLIC_KEY_LENGTH[alg]}-byte ${alg} public key, got ${publicKey.length}`)
  }
  return sequence(algorithmIdentifier(alg), bitString(publicKey))
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? sequence(oid(id), boolean(true), octetString(value))
    : sequence(oid(id), octetString(value))
}

/**
 * The CA extensions of the reference's `openssl_ca.conf` `[v3]`, in its order:
 * subject key id, authority key id (`keyid:always`, the same id), critical `CA:true`.
 */
export function caExtensions(keyId: Uint8Array): Uint8Array[] {
  return [
    extension(OID.subjectKeyIdentifier, false, octetString(keyId)),
    extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyId))),
    extension(OID.basicConstraints, true, sequence(boolean(true))),
  ]
}

/**
 * The online certificate extensions of the reference's `openssl_server.conf`
 * `[v3]`: `CA:FALSE`, key usage digitalSignature + nonRepudiation +
 * keyAgreement, extended key usage serverAuth.
 */
export function serverExtensions(): Uint8Array[] {
  return [
    extension(OID.basicConstraints, false, sequence()),
    // bits 0, 1 and 4 set: 1100 1000, the 3 trailing bits unused
    extension(OID.keyUsage, false, bitString(Uint8Array.of(0xc8), 3)),
    extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
  ]
}

/** Fields of a to-be-signed certificate. */
export interface TbsCertificateFields {
  /** Signature (and key) algorithm; issuer and subject keys share it. */
  readonly alg: CertificateAlgorithm
  /** Serial number magnitude (positive, big-endian). */
  readonly serial: Uint8Array
  /** Issuer name. */
  readonly issuer: CertificateName
  /** Subject name. */
  readonly subject: CertificateName
  /** Start of validity. */
  readonly notBefore: Date
  /** End of validity. */
  readonly notAfter: Date
  /** Subject raw public key. */
  readonly publicKey: Uint8Array
  /** DER `Extension`s in order. */
  readonly extensions: readonly Uint8Array[]
}

/** DER `TBSCertificate` (v3). */
export function encodeTbsCertificate(f: TbsCertificateFields): Uint8Array {
  return sequence(
    explicit(0, smallInteger(2)),
    integer(f.serial),
    algorithmIdentifier(f.alg),
    encodeName(f.issuer),
    sequence(time(f.notBefore), time(f.notAfter)),
    encodeName(f.subject),
    encodeSubjectPublicKeyInfo(f.alg, f.publicKey),
    explicit(3, sequence(...f.extensions)),
  )
}

/** DER `Certificate` from its TBS part and the issuer's signature over it. */
export function encodeCertificate(
  tbs: Uint8Array,
  alg: CertificateAlgorithm,
  signature: Uint8Array,
): Uint8Array {
  return sequence(tbs, algorithmIdentifier(alg), bitString(signature))
}

/** What certificate validation needs from a parsed certificate. */
export interface ParsedCertificate {
  /** The whole DER (`Certificate`). */
  readonly der: Uint8Array
  /** The signed part (`TBSCertificate` DER). */
  readonly tbs: Uint8Array
  /** X.509 version: 1, 2 or 3. */
  readonly version: number
  /** Outer signature algorithm OID. */
  readonly signatureAlgorithm: string
  /** Signature bytes. */
  readonly signature: Uint8Array
  /** Issuer `Name` DER. */
  readonly issuer: Uint8Array
  /** Subject `Name` DER. */
  readonly subject: Uint8Array
  /** Start of validity. */
  readonly notBefore: Date
  /** End of validity. */
  readonly notAfter: Date
  /** Subject key algorithm OID. */
  readonly publicKeyAlgorithm: string
  /** Subject public key bits (raw key for EdDSA). */
  readonly publicKey: Uint8Array
  /** `SubjectPublicKeyInfo` DER. */
  readonly spki: Uint8Array
  /** `basicConstraints` cA flag; `undefined` when the extension is absent. */
  readonly isCA: boolean | undefined
  /** First byte of key usage bits when the extension is present (bit 5 = keyCertSign is 0x04). */
  readonly keyUsage: number | undefined
}

/**
 * Parse a DER certificate (structure only, no signature check).
 * @throws DecodeError on malformed DER or a structure that is not an X.509 certificate.
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const cert = readChildren(readExactly(der, Tag.SEQUENCE).content)
  const [tbsDer, sigAlg, sig] = expect(cert, 3, 'Certificate')
  const tbs = readChildren(tbsDer.content)
  let i = 0
  let version = 1
  if (tbs[0]?.tag === 0xa0) {
    const v = readExactly(tbs[0].content, Tag.INTEGER).content
    if (v.length !== 1 || v[0]! > 2) throw new DecodeError('invalid certificate version')
    version = v[0]! + 1
    i = 1
  }
  const serial = tbs[i++]
  const tbsSigAlg = tbs[i++]
  const issuer = tbs[i++]
  const validity = tbs[i++]
  const subject = tbs[i++]
  const spki = tbs[i++]
  if (!serial || !tbsSigAlg || !issuer || !validity || !subject || !spki) {
    throw new DecodeError('truncated TBSCertificate')
  }
  const [nb, na] = expect(readChildren(validity.content), 2, 'Validity')
  const [keyAlg, keyBits] = expect(readChildren(spki.content), 2, 'SubjectPublicKeyInfo')
  let isCA: boolean | undefined
  let keyUsage: number | undefined
  for (; i < tbs.length; i++) {
    const t = tbs[i]!
    if (t.tag !== 0xa3) continue
    for (const ext of readChildren(readExactly(t.content, Tag.SEQUENCE).content)) {
      const parts = readChildren(ext.content)
      const id = oidText(tag(parts[0], Tag.OID).content)
      const value = tag(parts[parts.length - 1], Tag.OCTET_STRING).content
      if (id === OID.basicConstraints) {
        const bc = readChildren(readExactly(value, Tag.SEQUENCE).content)
        isCA = bc[0]?.tag === Tag.BOOLEAN && bc[0].content[0] !== 0
      } else if (id === OID.keyUsage) {
        const bits = readExactly(value, Tag.BIT_STRING).content
        keyUsage = bits[1] ?? 0
      }
    }
  }
  return {
    der,
    tbs: tbsDer.encoded,
    version,
    signatureAlgorithm: algorithmOid(sigAlg),
    signature: bitStringBytes(sig),
    issuer: issuer.encoded,
    subject: subject.encoded,
    notBefore: parseTime(nb),
    notAfter: parseTime(na),
    publicKeyAlgorithm: algorithmOid(keyAlg),
    publicKey: bitStringBytes(keyBits),
    spki: spki.encoded,
    isCA,
    keyUsage,
  }
}

function expect<N extends 2 | 3>(
  items: Der[],
  n: N,
  what: string,
): N extends 2 ? [Der, Der] : [Der, Der, Der] {
  if (items.length !== n)
    throw new DecodeError(`invalid ${what}: expected ${n} elements, got ${items.length}`)
  return items as N extends 2 ? [Der, Der] : [Der, Der, Der]
}

function tag(d: Der | undefined, t: number): Der {
  if (!d || d.tag !== t) throw new DecodeError(`invalid DER: expected tag 0x${t.toString(16)}`)
  return d
}

function algorithmOid(d: Der): string {
  const parts = readChildren(tag(d, Tag.SEQUENCE).content)
  return oidText(tag(parts[0], Tag.OID).content)
}

function bitStringBytes(d: Der): Uint8Array {
  const c = tag(d, Tag.BIT_STRING).content
  if (c.length === 0 || c[0] !== 0) throw new DecodeError('invalid DER: BIT STRING with unused bits')
  return c.subarray(1)
}
