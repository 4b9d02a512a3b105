/**
 * X3DH key agreement (X448) of e2e version 1 and the initial double-ratchet
 * states it yields: the E2E ratchet parameters (binary and URI forms), key
 * generation, `x3dhSnd` / `x3dhRcv`, `initSndRatchet` / `initRcvRatchet`.
 *
 * The joiner ("sender") runs `x3dhSnd` on the initiator's published
 * parameters and starts sending at once; the initiator ("receiver") runs
 * `x3dhRcv` on the joiner's parameters from the first confirmation and can
 * send only after its first DH ratchet step.
 *
 * @see ../shared/spec/agent.md §7.1–7.4
 */
import {
  type CryptoProvider,
  DecodeError,
  type Decoder,
  type Encoder,
  type KeyPair,
  type VersionRange,
  base64urlEncode,
  base64urlParse,
  decodePublicKeyOf,
  encodePublicKey,
  formatVersionRange,
  parseVersionRangeStr,
} from '@simplex-ts/core'
import { E2E_ENCRYPT_VRANGE, type Ratchet, rootKdf } from './ratchet'

/**
 * E2E ratchet parameters as sent in a confirmation (`E2ERatchetParams 'X448`):
 * the agreed ratchet version and two X448 public keys.
 * @see ../shared/spec/agent.md §7.1
 */
export interface E2ERatchetParams {
  /** The e2e ratchet version. */
  readonly version: number
  /** First public key, raw X448 (56 bytes): part of the associated data. */
  readonly key1: Uint8Array
  /** Second public key, raw X448 (56 bytes): the initiator's first ratchet key. */
  readonly key2: Uint8Array
}

/**
 * E2E ratchet parameters as published in an invitation link (`E2ERatchetParamsUri 'X448`):
 * a version range and the two keys.
 * @see ../shared/spec/agent.md §3.1, §7.1
 */
export interface E2ERatchetParamsUri {
  /** Supported e2e ratchet versions. */
  readonly versionRange: VersionRange
  /** First public key, raw X448. */
  readonly key1: Uint8Array
  /** Second public key, raw X448. */
  readonly key2: Uint8Array
}

/**
 * Write {@link E2ERatchetParams}: `u16 version ‖ str8(SPKI key1) ‖ str8(SPKI key2)` (140 bytes).
 * @see ../shared/spec/agent.md §7.1
 * @throws CryptoKeyError when a key is not 56 bytes.
 */
export function encodeE2ERatchetParams(e: Encoder, p: E2ERatchetParams): Encoder {
  return e.version(p.version).str8(x448Spki(p.key1)).str8(x448Spki(p.key2))
}

/**
 * Read {@link E2ERatchetParams}.
 * @see ../shared/spec/agent.md §7.1
 * @throws DecodeError on truncated input or malformed DER; CryptoKeyError when a key is not X448.
 */
export function decodeE2ERatchetParams(d: Decoder): E2ERatchetParams {
  const version = d.version()
  const key1 = decodePublicKeyOf('x448', d.str8()).publicKey
  const key2 = decodePublicKeyOf('x448', d.str8()).publicKey
  return { version, key1, key2 }
}

/**
 * The URI text form, `v=<range>&x3dh=<b64url SPKI key1>,<b64url SPKI key2>` (unescaped; the link
 * layer escapes it as the value of `e2e=`).
 * @see ../shared/spec/agent.md §3.1
 * @throws CryptoKeyError when a key is not 56 bytes.
 */
export function encodeE2ERatchetParamsUri(p: E2ERatchetParamsUri): string {
  return `v=${formatVersionRange(p.versionRange)}&x3dh=${base64urlEncode(x448Spki(p.key1))},${base64urlEncode(x448Spki(p.key2))}`
}

/**
 * Parse the URI text form as the reference does: a query string (`&`/`;` separated,
 * percent-decoded, first occurrence of a name wins), `v` a version range, `x3dh` exactly two
 * comma-separated base64url X448 SPKI keys; unknown parameters are ignored.
 * @see ../shared/spec/agent.md §3.1
 * @throws DecodeError on any malformed or missing part (including a key that is not X448).
 */
export function parseE2ERatchetParamsUri(text: string): E2ERatchetParamsUri {
  if (/[ \n]/.test(text)) throw new DecodeError('unexpected space or newline in e2e parameters')
  const query = parseSimpleQuery(text)
  const param = (name: string): string => {
    const value = query.find(([n]) => n === name)
    if (value === undefined) throw new DecodeError(`no qs param ${name}`)
    return value[1]
  }
  const versionRange = parseVersionRangeStr(param('v'))
  const keys = param('x3dh').split(',')
  if (keys.length !== 2) throw new DecodeError('bad e2e params')
  const [key1, key2] = keys.map((k) => {
    try {
      return decodePublicKeyOf('x448', base64urlParse(k)).publicKey
    } catch (cause) {
      if (cause instanceof DecodeError) throw cause
      throw new DecodeError('bad e2e params: expected an X448 key', { cause })
    }
  }) as [Uint8Array, Uint8Array]
  return { versionRange, key1, key2 }
}

/**
 * The version-range form of params, as published by the initiator (`toVersionRangeT`).
 * @see ../shared/spec/agent.md §7.1
 */
export function e2eParamsToUri(p: E2ERatchetParams, versionRange: VersionRange): E2ERatchetParamsUri {
  return { versionRange, key1: p.key1, key2: p.key2 }
}

/**
 * Params at one agreed version (`toVersionT`).
 * @see ../shared/spec/agent.md §7.1
 */
export function e2eParamsAtVersion(p: E2ERatchetParamsUri, version: number): E2ERatchetParams {
  return { version, key1: p.key1, key2: p.key2 }
}

/**
 * Key pairs and public parameters made by {@link generateE2EParams}.
 * @see ../shared/spec/agent.md §7.1
 */
export interface GeneratedE2EParams {
  /** Private key 1 (with its public key). */
  readonly keyPair1: KeyPair<'x448'>
  /** Private key 2 (with its public key). */
  readonly keyPair2: KeyPair<'x448'>
  /** The parameters to send: the two public keys at `version`. */
  readonly params: E2ERatchetParams
}

/**
 * Generate the two X448 key pairs of one side of X3DH and its parameters (`generateE2EParams`).
 * @see ../shared/spec/agent.md §7.1
 */
export function generateE2EParams(provider: CryptoProvider, version: number): GeneratedE2EParams {
  const keyPair1 = provider.generateDhKeyPair('x448')
  const keyPair2 = provider.generateDhKeyPair('x448')
  return { keyPair1, keyPair2, params: { version, key1: keyPair1.publicKey, key2: keyPair2.publicKey } }
}

/**
 * What X3DH yields for initialising the ratchet (`RatchetInitParams`).
 * @see ../shared/spec/agent.md §7.2
 */
export interface RatchetInitParams {
  /** Initial root key SK: bytes 64–168 of `dh1 ‖ dh2 ‖ dh3` (104 bytes). */
  readonly sharedSecret: Uint8Array
  /** Associated data: raw joiner key1 ‖ raw initiator key1 (112 bytes). */
  readonly assocData: Uint8Array
  /** The joiner's first sending header key: bytes 0–32. */
  readonly sndHK: Uint8Array
  /** The initiator's first sending (the joiner's next receiving) header key: bytes 32–64. */
  readonly rcvNextHK: Uint8Array
}

/**
 * X3DH as the joiner, from its own two key pairs and the initiator's parameters (`x3dhSnd`):
 * `dh1 = X448(A1, b2)`, `dh2 = X448(A2, b1)`, `dh3 = X448(A2, b2)`. Version 1 applies no KDF.
 * @see ../shared/spec/agent.md §7.2
 * @throws CryptoKeyError on a key of the wrong size or a low-order public key.
 */
export function x3dhSnd(
  provider: CryptoProvider,
  keyPair1: KeyPair<'x448'>,
  keyPair2: KeyPair<'x448'>,
  rcvParams: E2ERatchetParams,
): RatchetInitParams {
  return x3dh(
    keyPair1.publicKey,
    rcvParams.key1,
    provider.dh('x448', keyPair2.privateKey, rcvParams.key1),
    provider.dh('x448', keyPair1.privateKey, rcvParams.key2),
    provider.dh('x448', keyPair2.privateKey, rcvParams.key2),
  )
}

/**
 * X3DH as the initiator, from its own two key pairs and the joiner's parameters (`x3dhRcv`):
 * the same three secrets as {@link x3dhSnd} computed from the other side.
 * @see ../shared/spec/agent.md §7.2
 * @throws CryptoKeyError on a key of the wrong size or a low-order public key.
 */
export function x3dhRcv(
  provider: CryptoProvider,
  keyPair1: KeyPair<'x448'>,
  keyPair2: KeyPair<'x448'>,
  sndParams: E2ERatchetParams,
): RatchetInitParams {
  return x3dh(
    sndParams.key1,
    keyPair1.publicKey,
    provider.dh('x448', keyPair1.privateKey, sndParams.key2),
    provider.dh('x448', keyPair2.privateKey, sndParams.key1),
    provider.dh('x448', keyPair2.privateKey, sndParams.key2),
  )
}

function x3dh(
  sndKey1: Uint8Array,
  rcvKey1: Uint8Array,
  dh1: Uint8Array,
  dh2: Uint8Array,
  dh3: Uint8Array,
): RatchetInitParams {
  const material = new Uint8Array(dh1.length + dh2.length + dh3.length)
  material.set(dh1)
  material.set(dh2, dh1.length)
  material.set(dh3, dh1.length + dh2.length)
  const assocData = new Uint8Array(sndKey1.length + rcvKey1.length)
  assocData.set(sndKey1)
  assocData.set(rcvKey1, sndKey1.length)
  return Object.freeze({
    assocData,
    sndHK: material.slice(0, 32),
    rcvNextHK: material.slice(32, 64),
    sharedSecret: material.slice(64),
  })
}

/**
 * The joiner's initial state (`initSndRatchet`, "RatchetInitAliceHE"): one root step with its
 * first ratchet key pair against the initiator's key2, so it can send at once.
 * @param rcDHRr the initiator's key2 (raw X448), its initial ratchet key.
 * @param rcDHRs the joiner's first ratchet key pair (sent in its first message header).
 * @see ../shared/spec/agent.md §7.4
 * @throws CryptoKeyError on a key of the wrong size or a low-order public key.
 */
export function initSndRatchet(
  provider: CryptoProvider,
  rcDHRr: Uint8Array,
  rcDHRs: KeyPair<'x448'>,
  params: RatchetInitParams,
): Ratchet {
  const { rk, ck, nhk } = rootKdf(provider, params.sharedSecret, rcDHRr, rcDHRs.privateKey)
  return Object.freeze({
    rcVersion: E2E_ENCRYPT_VRANGE,
    rcAD: params.assocData,
    rcDHRs,
    rcRK: rk,
    rcSnd: Object.freeze({ rcDHRr, rcCKs: ck, rcHKs: params.sndHK }),
    rcRcv: null,
    rcNs: 0,
    rcNr: 0,
    rcPN: 0,
    rcNHKs: nhk,
    rcNHKr: params.rcvNextHK,
  })
}

/**
 * The initiator's initial state (`initRcvRatchet`, "RatchetInitBobHE"): root key = SK, its key2
 * as ratchet key, no chains until the joiner's first message.
 * @param rcDHRs the initiator's key pair 2.
 * @see ../shared/spec/agent.md §7.4
 */
export function initRcvRatchet(rcDHRs: KeyPair<'x448'>, params: RatchetInitParams): Ratchet {
  return Object.freeze({
    rcVersion: E2E_ENCRYPT_VRANGE,
    rcAD: params.assocData,
    rcDHRs,
    rcRK: params.sharedSecret,
    rcSnd: null,
    rcRcv: null,
    rcNs: 0,
    rcNr: 0,
    rcPN: 0,
    rcNHKs: params.rcvNextHK,
    rcNHKr: params.sndHK,
  })
}

function x448Spki(raw: Uint8Array): Uint8Array {
  return encodePublicKey({ alg: 'x448', publicKey: raw })
}

/**
 * A query string as `Network.HTTP.Types.parseSimpleQuery` reads it: optional leading `?`,
 * pairs separated by `&` or `;`, name and value split at the first `=`, `+` as space and
 * `%XX` decoded (a malformed escape is kept as is).
 */
function parseSimpleQuery(text: string): [string, string][] {
  const body = text.startsWith('?') ? text.slice(1) : text
  if (body === '') return []
  return body
    .split(/[&;]/)
    .filter((piece) => piece !== '')
    .map((piece) => {
      const eq = piece.indexOf('=')
      return eq < 0 ? [urlDecode(piece), ''] : [urlDecode(piece.slice(0, eq)), urlDecode(piece.slice(eq + 1))]
    })
}

function urlDecode(s: string): string {
  if (!/[%+]/.test(s)) return s
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '+') out += ' '
    else if (c === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out += String.fromCharCode(Number.parseInt(s.slice(i + 1, i + 3), 16))
      i += 2
    } else out += c
  }
  return out
}
