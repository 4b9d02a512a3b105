/**
 * Client-side check of the server certificate chain (Node only), as the
 * reference's `validateCertificateChain`: exactly two certificates
 * `[online, CA]`, the CA's DER SHA-256 equals the key hash of the server
 * address, the online certificate is v3 and signed by the CA key, the CA is
 * an authority, and both are currently valid. Host names are not checked.
 *
 * @see ../shared/spec/transport.md §4.1
 */
import { X509Certificate, createHash, createPublicKey, verify } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import { DecodeError, equalBytes } from '@simplex-ts/core'
import {
  AuthorityTooDeepError,
  CertificateExpiredError,
  CertificateInFutureError,
  EmptyChainError,
  InvalidSignatureError,
  LeafNotV3Error,
  NotAnAuthorityError,
  UnknownCAError,
} from './errors'
import { OID, type ParsedCertificate, parseCertificate } from './x509'

const KEY_CERT_SIGN = 0x04

/**
 * Validate a server chain given as DER certificates in the order the server sent them.
 * @param now the validation time (default: the current time).
 * @throws EmptyChainError, AuthorityTooDeepError, UnknownCAError, InvalidSignatureError,
 *   LeafNotV3Error, NotAnAuthorityError, CertificateExpiredError, CertificateInFutureError
 */
export function validateServerChain(
  chain: readonly Uint8Array[],
  keyHash: Uint8Array,
  now: Date = new Date(),
): void {
  if (chain.length < 2) throw new EmptyChainError(`server sent ${chain.length} certificate(s), expected 2`)
  if (chain.length > 2)
    throw new AuthorityTooDeepError(`server sent ${chain.length} certificates, expected 2`)
  const [leafDer, caDer] = chain as [Uint8Array, Uint8Array]
  const fingerprint = new Uint8Array(createHash('sha256').update(caDer).digest())
  if (!equalBytes(fingerprint, keyHash)) {
    throw new UnknownCAError('server CA certificate does not match the key hash of the server address')
  }
  const leaf = parse(leafDer, 'online')
  const ca = parse(caDer, 'CA')
  if (!equalBytes(leaf.issuer, ca.subject))
    throw new UnknownCAError('online certificate is not issued by the CA')
  if (leaf.version !== 3) throw new LeafNotV3Error(`online certificate is X.509 v${leaf.version}`)
  if (
    (ca.version === 3 && ca.isCA !== true) ||
    (ca.keyUsage !== undefined && !(ca.keyUsage & KEY_CERT_SIGN))
  ) {
    throw new NotAnAuthorityError('CA certificate is not a certificate authority')
  }
  for (const c of [leaf, ca]) {
    if (now < c.notBefore)
      throw new CertificateInFutureError(`certificate valid from ${c.notBefore.toISOString()}`)
    if (now > c.notAfter) throw new CertificateExpiredError(`certificate expired ${c.notAfter.toISOString()}`)
  }
  if (!signedBy(leaf, ca)) throw new InvalidSignatureError('online certificate is not signed by the CA key')
}

function parse(der: Uint8Array, what: string): ParsedCertificate {
  try {
    const parsed = parseCertificate(der)
    // a second, independent parser: OpenSSL's, which the TLS stack itself trusts
    new X509Certificate(der)
    return parsed
  } catch (e) {
    const reason = e instanceof DecodeError ? e.message : 'unparseable'
    throw new InvalidSignatureError(`${what} certificate cannot be decoded: ${reason}`, { cause: e })
  }
}

function signedBy(leaf: ParsedCertificate, ca: ParsedCertificate): boolean {
  const alg = ca.publicKeyAlgorithm
  if ((alg !== OID.ed25519 && alg !== OID.ed448) || leaf.signatureAlgorithm !== alg) return false
  try {
    const key = createPublicKey({ key: Buffer.from(ca.spki), format: 'der', type: 'spki' })
    return verify(null, leaf.tbs, key, leaf.signature)
  } catch {
    return false
  }
}

interface DetailedCert {
  raw: Buffer
  issuerCertificate?: DetailedCert
}

/**
 * The certificates a TLS peer sent, leaf first, as DER. Node exposes the
 * chain as OpenSSL reassembled it (each certificate linked to its issuer
 * among those sent), so certificates unrelated to the chain are not seen.
 */
export function peerCertificateChain(socket: TLSSocket): Uint8Array[] {
  const out: Uint8Array[] = []
  let c = socket.getPeerCertificate(true) as unknown as DetailedCert | undefined
  while (c?.raw && out.length < 16) {
    const der = new Uint8Array(c.raw)
    if (out.some((d) => equalBytes(d, der))) break // a self-signed root links to itself
    out.push(der)
    c = c.issuerCertificate
  }
  return out
}
