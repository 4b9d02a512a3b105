/**
 * The DER the reference reads and writes for keys: X.509
 * SubjectPublicKeyInfo for public keys and PKCS#8 PrivateKeyInfo for private
 * keys, RFC 8410 algorithm identifiers without parameters.
 *
 * Encoding is a fixed prefix per algorithm followed by the raw key, which is
 * what the reference's DER encoder produces. Decoding walks the ASN.1
 * structure, so it accepts what the reference's x509 parser accepts (PKCS#8
 * v0 or v1, optional attributes and public key) and rejects truncation,
 * trailing bytes and non-DER lengths.
 *
 * @see ../shared/spec/smp.md §2.2
 */
import { fromHex as hex } from '../codec'
import { CryptoKeyError, DecodeError } from '../errors'
import { PRIVATE_KEY_SIZE, PUBLIC_KEY_SIZE, algName } from './params'
import type { KeyAlg } from './provider'

/** The 12-byte SPKI prefix per algorithm; the raw public key follows it. */
export const SPKI_PREFIX: Readonly<Record<KeyAlg, Uint8Array>> = {
  ed25519: hex('302a300506032b6570032100'),
  ed448: hex('3043300506032b6571033a00'),
  x25519: hex('302a300506032b656e032100'),
  x448: hex('3042300506032b656f033900'),
}

/** The 16-byte PKCS#8 v0 prefix per algorithm; the raw private key follows it. */
export const PKCS8_PREFIX: Readonly<Record<KeyAlg, Uint8Array>> = {
  ed25519: hex('302e020100300506032b657004220420'),
  ed448: hex('3047020100300506032b6571043b0439'),
  x25519: hex('302e020100300506032b656e04220420'),
  x448: hex('3046020100300506032b656f043a0438'),
}

// Last arc of the RFC 8410 OIDs 1.3.101.{110,111,112,113}; the first two bytes are 2b 65.
const OID_ALG: ReadonlyMap<number, KeyAlg> = new Map([
  [110, 'x25519'],
  [111, 'x448'],
  [112, 'ed25519'],
  [113, 'ed448'],
])

const SEQUENCE = 0x30
const INTEGER = 0x02
const BIT_STRING = 0x03
const OCTET_STRING = 0x04
const OID = 0x06
const ATTRIBUTES = 0xa0 // [0] IMPLICIT SET OF Attribute (constructed)
const PUBLIC_KEY = 0x81 // [1] IMPLICIT BIT STRING (primitive), OneAsymmetricKey v1 (RFC 5958)

/** Prefix ‖ raw key. */
export function withPrefix(prefix: Uint8Array, raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + raw.length)
  out.set(prefix)
  out.set(raw, prefix.length)
  return out
}

/** A DER element: its tag and the bounds of its contents within the input. */
interface Tlv {
  readonly tag: number
  readonly start: number
  readonly end: number
}

/** Sequential reader over the contents of one constructed DER element. */
class DerReader {
  constructor(
    private readonly bytes: Uint8Array,
    private pos: number,
    private readonly end: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.end
  }

  peekTag(): number | undefined {
    return this.pos < this.end ? this.bytes[this.pos] : undefined
  }

  read(expected: number, what: string): Tlv {
    const { bytes, end } = this
    const at = this.pos
    if (at >= end) throw new DecodeError(`ASN.1: expected ${what}, got end of input`, { offset: at })
    const tag = bytes[at]!
    if (tag !== expected) {
      throw new DecodeError(`ASN.1: expected ${what}, got tag 0x${tag.toString(16)}`, { offset: at })
    }
    let p = at + 1
    if (p >= end) throw new DecodeError('ASN.1: truncated length', { offset: p })
    let len = bytes[p++]!
    if (len & 0x80) {
      // DER: definite length, long form only above 127 and with no leading zero byte.
      const n = len & 0x7f
      if (n === 0 || n > 2) throw new DecodeError('ASN.1: unsupported length form', { offset: p - 1 })
      if (p + n > end) throw new DecodeError('ASN.1: truncated length', { offset: p })
      len = 0
      for (let i = 0; i < n; i++) len = (len << 8) | bytes[p++]!
      if (len < 0x80 || (n === 2 && len < 0x100)) {
        throw new DecodeError('ASN.1: non-minimal length', { offset: at + 1 })
      }
    }
    if (len > end - p) {
      throw new DecodeError(`ASN.1: ${what} needs ${len} bytes, have ${end - p}`, { offset: p })
    }
    this.pos = p + len
    return { tag, start: p, end: p + len }
  }

  enter(tlv: Tlv): DerReader {
    return new DerReader(this.bytes, tlv.start, tlv.end)
  }

  finish(what: string): void {
    if (this.pos !== this.end) {
      throw new DecodeError(`ASN.1: ${this.end - this.pos} unexpected bytes after ${what}`, {
        offset: this.pos,
      })
    }
  }
}

/** Read `SEQUENCE { OID }` (no parameters) and map the OID to an algorithm. */
function readAlgorithm(r: DerReader, bytes: Uint8Array): KeyAlg {
  const ai = r.enter(r.read(SEQUENCE, 'AlgorithmIdentifier'))
  const oid = ai.read(OID, 'algorithm OID')
  const alg =
    oid.end - oid.start === 3 && bytes[oid.start] === 0x2b && bytes[oid.start + 1] === 0x65
      ? OID_ALG.get(bytes[oid.start + 2]!)
      : undefined
  if (alg === undefined) throw new CryptoKeyError('unknown key algorithm')
  ai.finish('algorithm OID')
  return alg
}

/** A decoded key before any role check. */
export interface RawKey {
  readonly alg: KeyAlg
  readonly key: Uint8Array
}

/**
 * Parse a DER SubjectPublicKeyInfo of one of the four algorithms.
 * @throws DecodeError on malformed DER, truncation or trailing bytes.
 * @throws CryptoKeyError on an unknown algorithm or a key of the wrong size.
 */
export function parseSpki(der: Uint8Array): RawKey {
  const top = new DerReader(der, 0, der.length)
  const spki = top.enter(top.read(SEQUENCE, 'SubjectPublicKeyInfo'))
  top.finish('SubjectPublicKeyInfo')
  const alg = readAlgorithm(spki, der)
  const bits = spki.read(BIT_STRING, 'subjectPublicKey')
  spki.finish('subjectPublicKey')
  if (bits.end === bits.start || der[bits.start] !== 0) {
    throw new DecodeError('ASN.1: public key BIT STRING must have 0 unused bits', { offset: bits.start })
  }
  const key = der.slice(bits.start + 1, bits.end)
  if (key.length !== PUBLIC_KEY_SIZE[alg]) {
    throw new CryptoKeyError(
      `expected ${PUBLIC_KEY_SIZE[alg]}-byte ${algName(alg)} public key, got ${key.length}`,
    )
  }
  return { alg, key }
}

/**
 * Parse a DER PKCS#8 PrivateKeyInfo (v0, or v1 with optional public key) of one of the four algorithms.
 * @throws DecodeError on malformed DER, truncation or trailing bytes.
 * @throws CryptoKeyError on an unknown algorithm or a key of the wrong size.
 */
export function parsePkcs8(der: Uint8Array): RawKey {
  const top = new DerReader(der, 0, der.length)
  const info = top.enter(top.read(SEQUENCE, 'PrivateKeyInfo'))
  top.finish('PrivateKeyInfo')
  const version = info.read(INTEGER, 'version')
  if (version.end - version.start !== 1 || der[version.start]! > 1) {
    throw new DecodeError('PKCS#8: unsupported version', { offset: version.start })
  }
  const alg = readAlgorithm(info, der)
  const wrapped = info.read(OCTET_STRING, 'privateKey')
  if (info.peekTag() === ATTRIBUTES) info.read(ATTRIBUTES, 'attributes')
  if (info.peekTag() === PUBLIC_KEY) info.read(PUBLIC_KEY, 'publicKey')
  info.finish('privateKey')
  // RFC 8410: the privateKey OCTET STRING wraps a CurvePrivateKey OCTET STRING.
  const inner = new DerReader(der, wrapped.start, wrapped.end)
  const curveKey = inner.read(OCTET_STRING, 'CurvePrivateKey')
  inner.finish('CurvePrivateKey')
  const key = der.slice(curveKey.start, curveKey.end)
  if (key.length !== PRIVATE_KEY_SIZE[alg]) {
    throw new CryptoKeyError(
      `expected ${PRIVATE_KEY_SIZE[alg]}-byte ${algName(alg)} private key, got ${key.length}`,
    )
  }
  return { alg, key }
}
