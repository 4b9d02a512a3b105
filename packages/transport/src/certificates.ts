/**
 * Server credentials as `smp-server init` provisions them (Node only): an
 * offline CA certificate (the server identity) and an online TLS certificate
 * it signs, both Ed448 by default or Ed25519, as PEM; and the identity key
 * hash = SHA-256 of the CA certificate DER.
 *
 * @see ../shared/spec/transport.md §3, §4
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
} from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { base64urlEncode } from '@simplex-ts/core'
import {
  type CertificateAlgorithm,
  type CertificateName,
  caExtensions,
  encodeCertificate,
  encodeTbsCertificate,
  parseCertificate,
  serverExtensions,
} from './x509'

/** The reference's certificate lifetime: `-days 999999`. */
export const CERTIFICATE_VALIDITY_DAYS = 999999

/** The CA name the reference writes: `CN=SMP server CA, O=SimpleX`. */
export const CA_NAME: CertificateName = Object.freeze({
  commonName: 'SMP server CA',
  organization: 'SimpleX',
})

/** A relay's TLS credentials. */
export interface ServerCredentials {
  /** Key algorithm of both certificates. */
  readonly alg: CertificateAlgorithm
  /** Offline identity certificate (`ca.crt`), PEM. */
  readonly caCertificate: string
  /** Offline CA private key (`ca.key`), PKCS#8 PEM; absent when loaded from a server that keeps it offline. */
  readonly caKey?: string
  /** Online TLS certificate (`server.crt`), PEM. */
  readonly serverCertificate: string
  /** Online TLS private key (`server.key`), PKCS#8 PEM. */
  readonly serverKey: string
  /** Server identity: SHA-256 of the CA certificate DER (32 bytes), the `keyHash` of server addresses. */
  readonly keyHash: Uint8Array
}

/** Options of {@link generateServerCredentials} and {@link issueServerCertificate}. */
export interface CertificateOptions {
  /** Key algorithm (default `ed448`, as the reference). */
  readonly alg?: CertificateAlgorithm
  /** Online certificate `CN`: the server FQDN or IP (default `127.0.0.1`, as the reference). */
  readonly commonName?: string
  /** Validity in days from `now` (default 999999). */
  readonly validityDays?: number
  /** Start of validity (default: the current time). */
  readonly now?: Date
}

/** PEM text of DER bytes. */
export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/**
 * DER bytes of the first PEM block with `label`.
 * @throws RangeError when there is no such block.
 */
export function pemToDer(pem: string, label = 'CERTIFICATE'): Uint8Array {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem)
  if (!m) throw new RangeError(`no ${label} PEM block`)
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'))
}

/** Every certificate in a PEM bundle, as DER, in order. */
export function pemCertificates(pem: string): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')))
  }
  return out
}

/**
 * The server identity of a CA certificate: SHA-256 over its complete DER
 * (`openssl x509 -outform DER | sha256sum`), not over the key.
 * @see ../shared/spec/transport.md §4
 */
export function certificateKeyHash(certificate: string | Uint8Array): Uint8Array {
  const der = typeof certificate === 'string' ? pemToDer(certificate) : certificate
  return new Uint8Array(createHash('sha256').update(der).digest())
}

interface Signer {
  readonly alg: CertificateAlgorithm
  readonly publicKey: Uint8Array
  readonly privateKeyPem: string
  sign(data: Uint8Array): Uint8Array
}

function newSigner(alg: CertificateAlgorithm): Signer {
  const { publicKey, privateKey } =
    alg === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ed448')
  return signerOf(alg, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKey)
}

function signerOf(
  alg: CertificateAlgorithm,
  privateKeyPem: string,
  publicKey = createPublicKey(createPrivateKey(privateKeyPem)),
): Signer {
  const key = createPrivateKey(privateKeyPem)
  if (key.asymmetricKeyType !== alg)
    throw new RangeError(`expected an ${alg} private key, got ${key.asymmetricKeyType}`)
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }))
  const raw = parseSpkiKey(spki)
  return {
    alg,
    publicKey: raw,
    privateKeyPem,
    sign: (data) => new Uint8Array(sign(null, data, key)),
  }
}

function parseSpkiKey(spki: Uint8Array): Uint8Array {
  // EdDSA SPKI is a fixed 12-byte header (for both Ed25519 and Ed448) followed by the raw key
  return spki.subarray(12)
}

function serial(): Uint8Array {
  const s = new Uint8Array(randomBytes(20))
  s[0] = (s[0]! & 0x7f) | 0x01 // positive and 20 bytes long, like openssl's random serials
  return s
}

function validity(o: CertificateOptions): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Math.floor((o.now ?? new Date()).getTime() / 1000) * 1000)
  const days = o.validityDays ?? CERTIFICATE_VALIDITY_DAYS
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * 86_400_000) }
}

function keyIdOf(publicKey: Uint8Array): Uint8Array {
  // RFC 5280 §4.2.1.2 method 1, what openssl's `subjectKeyIdentifier = hash` computes
  return new Uint8Array(createHash('sha1').update(publicKey).digest())
}

function issue(
  issuer: Signer,
  issuerName: CertificateName,
  subjectKey: Uint8Array,
  subject: CertificateName,
  extensions: Uint8Array[],
  o: CertificateOptions,
): string {
  const tbs = encodeTbsCertificate({
    alg: issuer.alg,
    serial: serial(),
    issuer: issuerName,
    subject,
    ...validity(o),
    publicKey: subjectKey,
    extensions,
  })
  return derToPem(encodeCertificate(tbs, issuer.alg, issuer.sign(tbs)))
}

/**
 * Issue a new online certificate with an existing CA: the server identity
 * (key hash) stays the same, as when the reference's online certificate is renewed.
 * @throws RangeError when the CA key does not match the algorithm of the CA certificate.
 */
export function issueServerCertificate(
  ca: { readonly caCertificate: string; readonly caKey: string },
  options: Omit<CertificateOptions, 'alg'> = {},
): { serverCertificate: string; serverKey: string } {
  const caCert = parseCertificate(pemToDer(ca.caCertificate))
  const alg: CertificateAlgorithm = caCert.publicKeyAlgorithm === '1.3.101.112' ? 'ed25519' : 'ed448'
  const caSigner = signerOf(alg, ca.caKey)
  const server = newSigner(alg)
  const serverCertificate = issue(
    caSigner,
    CA_NAME,
    server.publicKey,
    { commonName: options.commonName ?? '127.0.0.1' },
    serverExtensions(),
    options,
  )
  return { serverCertificate, serverKey: server.privateKeyPem }
}

/**
 * Generate fresh credentials as `smp-server init` does: a self-signed CA
 * (`CN=SMP server CA, O=SimpleX`, key ids, critical `CA:true`) and an online
 * certificate it signs (`CN` = FQDN or IP, `CA:FALSE`, key usage, serverAuth).
 * @see ../shared/spec/transport.md §3
 */
export function generateServerCredentials(options: CertificateOptions = {}): ServerCredentials {
  const alg = options.alg ?? 'ed448'
  const ca = newSigner(alg)
  const caCertificate = issue(
    ca,
    CA_NAME,
    ca.publicKey,
    CA_NAME,
    caExtensions(keyIdOf(ca.publicKey)),
    options,
  )
  const { serverCertificate, serverKey } = issueServerCertificate(
    { caCertificate, caKey: ca.privateKeyPem },
    options,
  )
  return {
    alg,
    caCertificate,
    caKey: ca.privateKeyPem,
    serverCertificate,
    serverKey,
    keyHash: certificateKeyHash(caCertificate),
  }
}

/** File names in a server configuration directory, as the reference names them. */
export const CREDENTIAL_FILES = Object.freeze({
  caKey: 'ca.key',
  caCertificate: 'ca.crt',
  serverKey: 'server.key',
  serverCertificate: 'server.crt',
  fingerprint: 'fingerprint',
})

/**
 * Write credentials into `dir` as the reference lays them out: `ca.key`,
 * `ca.crt`, `server.key`, `server.crt`, and `fingerprint` (base64url key hash and a newline).
 */
export async function writeServerCredentials(dir: string, credentials: ServerCredentials): Promise<void> {
  await mkdir(dir, { recursive: true })
  const f = CREDENTIAL_FILES
  if (credentials.caKey !== undefined) {
    await writeFile(join(dir, f.caKey), credentials.caKey, { mode: 0o600 })
  }
  await writeFile(join(dir, f.caCertificate), credentials.caCertificate)
  await writeFile(join(dir, f.serverKey), credentials.serverKey, { mode: 0o600 })
  await writeFile(join(dir, f.serverCertificate), credentials.serverCertificate)
  await writeFile(join(dir, f.fingerprint), `${base64urlEncode(credentials.keyHash)}\n`)
}

/**
 * Load credentials from a directory laid out as by {@link writeServerCredentials}
 * or `smp-server init` (`ca.key` is optional: it belongs offline).
 * @throws the file system error when a required file is missing; RangeError on unusable PEM.
 */
export async function loadServerCredentials(dir: string): Promise<ServerCredentials> {
  const f = CREDENTIAL_FILES
  const read = (name: string): Promise<string> => readFile(join(dir, name), 'utf8')
  const caCertificate = await read(f.caCertificate)
  const serverCertificate = await read(f.serverCertificate)
  const serverKey = await read(f.serverKey)
  const caKey = await read(f.caKey).catch(() => undefined)
  const type = createPrivateKey(serverKey).asymmetricKeyType
  if (type !== 'ed25519' && type !== 'ed448') throw new RangeError(`unsupported server key type ${type}`)
  return {
    alg: type,
    caCertificate,
    ...(caKey === undefined ? {} : { caKey }),
    serverCertificate,
    serverKey,
    keyHash: certificateKeyHash(caCertificate),
  }
}
