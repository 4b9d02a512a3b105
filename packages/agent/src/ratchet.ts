/**
 * The double ratchet with header encryption (the "HE" variant), e2e version 1:
 * state, KDFs, message encodings, `rcEncrypt` and `rcDecrypt`.
 *
 * The core is functional: every function returns a new state and never
 * modifies its inputs, so a caller can commit the new state, the skipped-key
 * diff and the message in one storage transaction. Randomness (the key pair
 * of a DH ratchet step) is injectable.
 *
 * @see ../shared/spec/agent.md §7
 */
import {
  AESDecryptError,
  CryptoKeyError,
  CryptoLargeMsgError,
  type CryptoProvider,
  Decoder,
  EncodeError,
  type Encoder,
  type KeyPair,
  type VersionRange,
  decodeAll,
  decodePublicKeyOf,
  decryptAEAD,
  encodePublicKey,
  hkdf3,
  isSimplexError,
  latin1,
} from '@simplex-ts/core'
import {
  CERatchetDuplicateMessageError,
  CERatchetEarlierMessageError,
  CERatchetHeaderError,
  CERatchetStateError,
  CERatchetTooManySkippedError,
  CryptoHeaderError,
} from './errors'
import {
  NO_SKIPPED_CHANGE,
  type SkippedMessageKey,
  type SkippedMsgDiff,
  groupSkippedKeys,
} from './ratchet/skipped'

/**
 * The e2e ratchet version of simplexmq v3.1 (`e2eEncryptVersion`).
 * @see ../shared/spec/agent.md §2
 */
export const E2E_ENCRYPT_VERSION = 1
/** Supported e2e ratchet versions, 1–1 (`e2eEncryptVRange`). @see ../shared/spec/agent.md §2 */
export const E2E_ENCRYPT_VRANGE: VersionRange = Object.freeze({ min: 1, max: 1 })
/** Most message keys one decryption may skip on a chain (`maxSkip`). @see ../shared/spec/agent.md §7.6 */
export const MAX_SKIP = 512
/** Padded length of the message header before encryption (`paddedHeaderLen`). @see ../shared/spec/agent.md §7.5 */
export const PADDED_HEADER_LEN = 88
/**
 * Length of an encoded {@link EncMessageHeader}: 2 + 16 + 16 + 1 + 88 (`fullHeaderLen`).
 * @see ../shared/spec/agent.md §7.5
 */
export const FULL_HEADER_LEN = 123
/** Padded plaintext length of confirmations / connection info (`e2eEncConnInfoLength`). @see ../shared/spec/agent.md §7.7 */
export const E2E_ENC_CONN_INFO_LENGTH = 14848
/** Padded plaintext length of ordinary agent messages (`e2eEncUserMsgLength`). @see ../shared/spec/agent.md §7.7 */
export const E2E_ENC_USER_MSG_LENGTH = 15856

const AUTH_TAG_LEN = 16
const IV_LEN = 16
const ROOT_INFO = latin1('SimpleXRootRatchet')
const CHAIN_INFO = latin1('SimpleXChainRatchet')
const EMPTY = new Uint8Array(0)
const HASH = 0x23 // '#', the padding filler

/**
 * The sending half of a ratchet (`SndRatchet`): the peer's current ratchet public key,
 * the sending chain key and the sending header key.
 * @see ../shared/spec/agent.md §7.4
 */
export interface SndRatchet {
  /** The peer's current ratchet public key, raw X448 (56 bytes). */
  readonly rcDHRr: Uint8Array
  /** Sending chain key (32 bytes). */
  readonly rcCKs: Uint8Array
  /** Sending header key (32 bytes). */
  readonly rcHKs: Uint8Array
}

/**
 * The receiving half of a ratchet (`RcvRatchet`): receiving chain key and header key.
 * @see ../shared/spec/agent.md §7.4
 */
export interface RcvRatchet {
  /** Receiving chain key (32 bytes). */
  readonly rcCKr: Uint8Array
  /** Receiving header key (32 bytes). */
  readonly rcHKr: Uint8Array
}

/**
 * The state of one connection's double ratchet (`Ratchet 'X448`), an immutable value.
 * Field names are the reference's. Byte arrays are shared between successive states and
 * must be treated as immutable.
 * @see ../shared/spec/agent.md §7.4
 */
export interface Ratchet {
  /** Ratchet versions sent in messages: `min` in the encrypted header, `max` inside it. */
  readonly rcVersion: VersionRange
  /** Associated data of every AEAD operation: raw joiner key1 ‖ raw initiator key1 (112 bytes). */
  readonly rcAD: Uint8Array
  /** Own current ratchet key pair (the reference stores only the private key). */
  readonly rcDHRs: KeyPair<'x448'>
  /** Root key: 104 bytes (the X3DH secret) before the first DH step, 32 after. */
  readonly rcRK: Uint8Array
  /** Sending chain, `null` until this side can send. */
  readonly rcSnd: SndRatchet | null
  /** Receiving chain, `null` until the first message from the peer. */
  readonly rcRcv: RcvRatchet | null
  /** Number of the next message to send on the sending chain (u32). */
  readonly rcNs: number
  /** Number of the next message expected on the receiving chain (u32). */
  readonly rcNr: number
  /** Length of the previous sending chain, sent in headers (u32). */
  readonly rcPN: number
  /** Next sending header key (32 bytes). */
  readonly rcNHKs: Uint8Array
  /** Next receiving header key (32 bytes). */
  readonly rcNHKr: Uint8Array
}

/**
 * A message header before encryption (`MsgHeader`): `u16 maxVersion ‖ key(X448 DHRs) ‖ u32 PN ‖ u32 Ns`.
 * @see ../shared/spec/agent.md §7.5
 */
export interface MsgHeader {
  /** The sender's highest ratchet version. */
  readonly msgMaxVersion: number
  /** The sender's current ratchet public key, raw X448. */
  readonly msgDHRs: Uint8Array
  /** Length of the sender's previous sending chain. */
  readonly msgPN: number
  /** Number of this message in the sender's chain. */
  readonly msgNs: number
}

/**
 * The encrypted header (`EncMessageHeader`): `u16 ehVersion ‖ ehIV[16] ‖ ehAuthTag[16] ‖ str8(ehBody)`.
 * @see ../shared/spec/agent.md §7.5
 */
export interface EncMessageHeader {
  /** The sender's lowest ratchet version (not checked on receipt in v3.1). */
  readonly ehVersion: number
  /** Header IV (16 bytes, chain-derived). */
  readonly ehIV: Uint8Array
  /** Header AES-GCM tag (16 bytes). */
  readonly ehAuthTag: Uint8Array
  /** Encrypted padded header (88 bytes). */
  readonly ehBody: Uint8Array
}

/**
 * A ratchet-encrypted message (`EncRatchetMessage`): `str8(emHeader) ‖ emAuthTag[16] ‖ tail(emBody)`.
 * @see ../shared/spec/agent.md §7.5
 */
export interface EncRatchetMessage {
  /** The encoded {@link EncMessageHeader} (123 bytes), also part of the body's associated data. */
  readonly emHeader: Uint8Array
  /** Body AES-GCM tag (16 bytes). */
  readonly emAuthTag: Uint8Array
  /** Encrypted padded body. */
  readonly emBody: Uint8Array
}

/**
 * Write a {@link MsgHeader}.
 * @see ../shared/spec/agent.md §7.5
 * @throws CryptoKeyError when `msgDHRs` is not a 56-byte key; EncodeError on out-of-range numbers.
 */
export function encodeMsgHeader(e: Encoder, h: MsgHeader): Encoder {
  return e
    .version(h.msgMaxVersion)
    .str8(encodePublicKey({ alg: 'x448', publicKey: h.msgDHRs }))
    .u32(h.msgPN)
    .u32(h.msgNs)
}

/**
 * Read a {@link MsgHeader}. Like the reference, bytes after the header are ignored.
 * @see ../shared/spec/agent.md §7.6
 * @throws DecodeError on truncated input; CryptoKeyError when the key is not X448.
 */
export function decodeMsgHeader(d: Decoder): MsgHeader {
  const msgMaxVersion = d.version()
  const msgDHRs = decodePublicKeyOf('x448', d.str8()).publicKey
  const msgPN = d.u32()
  const msgNs = d.u32()
  return { msgMaxVersion, msgDHRs, msgPN, msgNs }
}

/**
 * Write an {@link EncMessageHeader}.
 * @see ../shared/spec/agent.md §7.5
 * @throws EncodeError when the IV or tag is not 16 bytes or the body is longer than 255 bytes.
 */
export function encodeEncMessageHeader(e: Encoder, h: EncMessageHeader): Encoder {
  if (h.ehIV.length !== IV_LEN || h.ehAuthTag.length !== AUTH_TAG_LEN) {
    throw new EncodeError(
      `expected 16-byte header IV and tag, got ${h.ehIV.length} and ${h.ehAuthTag.length}`,
    )
  }
  return e.version(h.ehVersion).raw(h.ehIV).raw(h.ehAuthTag).str8(h.ehBody)
}

/**
 * Read an {@link EncMessageHeader}.
 * @see ../shared/spec/agent.md §7.6
 * @throws DecodeError on truncated input.
 */
export function decodeEncMessageHeader(d: Decoder): EncMessageHeader {
  const ehVersion = d.version()
  const ehIV = d.bytes(IV_LEN)
  const ehAuthTag = d.bytes(AUTH_TAG_LEN)
  const ehBody = d.str8()
  return { ehVersion, ehIV, ehAuthTag, ehBody }
}

/**
 * Write an {@link EncRatchetMessage}.
 * @see ../shared/spec/agent.md §7.5
 * @throws EncodeError when the header is longer than 255 bytes or the tag is not 16 bytes.
 */
export function encodeEncRatchetMessage(e: Encoder, m: EncRatchetMessage): Encoder {
  if (m.emAuthTag.length !== AUTH_TAG_LEN) {
    throw new EncodeError(`expected 16-byte message tag, got ${m.emAuthTag.length}`)
  }
  return e.str8(m.emHeader).raw(m.emAuthTag).raw(m.emBody)
}

/**
 * Read an {@link EncRatchetMessage} (the body is the rest of the input; views, no copies).
 * @see ../shared/spec/agent.md §7.6
 * @throws DecodeError on truncated input.
 */
export function decodeEncRatchetMessage(d: Decoder): EncRatchetMessage {
  const emHeader = d.str8()
  const emAuthTag = d.bytes(AUTH_TAG_LEN)
  const emBody = d.tail()
  return { emHeader, emAuthTag, emBody }
}

/**
 * Output of {@link rootKdf}: new root key, chain key, next header key (32 bytes each).
 * @see ../shared/spec/agent.md §7.3
 */
export interface RootKdfOutput {
  /** The new root key. */
  readonly rk: Uint8Array
  /** The new chain key. */
  readonly ck: Uint8Array
  /** The next header key of that direction. */
  readonly nhk: Uint8Array
}

/**
 * The root KDF: `HKDF-SHA512(salt = rk, ikm = X448(theirPub, myPriv), "SimpleXRootRatchet")`,
 * split 32/32/32.
 * @see ../shared/spec/agent.md §7.3
 * @throws CryptoKeyError on a key of the wrong size or a low-order public key.
 */
export function rootKdf(
  provider: CryptoProvider,
  rk: Uint8Array,
  theirPublicKey: Uint8Array,
  myPrivateKey: Uint8Array,
): RootKdfOutput {
  const [rk1, ck, nhk] = hkdf3(provider, rk, provider.dh('x448', myPrivateKey, theirPublicKey), ROOT_INFO)
  // Copies, so a state keeps no view of the other outputs.
  return { rk: rk1.slice(), ck: ck.slice(), nhk: nhk.slice() }
}

/**
 * Output of {@link chainKdf}.
 * @see ../shared/spec/agent.md §7.3
 */
export interface ChainKdfOutput {
  /** The next chain key (32 bytes). */
  readonly ck: Uint8Array
  /** The message key (32 bytes). */
  readonly mk: Uint8Array
  /** The message body IV (16 bytes). */
  readonly iv: Uint8Array
  /** The header IV (16 bytes). */
  readonly ehIV: Uint8Array
}

/**
 * The chain KDF: `HKDF-SHA512(salt = "", ikm = ck, "SimpleXChainRatchet")` split into
 * chain key, message key, message IV and header IV (32/32/16/16).
 * @see ../shared/spec/agent.md §7.3
 */
export function chainKdf(provider: CryptoProvider, ck: Uint8Array): ChainKdfOutput {
  const [ck1, mk, ivs] = hkdf3(provider, EMPTY, ck, CHAIN_INFO)
  return { ck: ck1.slice(), mk, iv: ivs.subarray(0, IV_LEN), ehIV: ivs.subarray(IV_LEN, 2 * IV_LEN) }
}

function freezeRatchet(rc: Ratchet): Ratchet {
  return Object.freeze(rc)
}

/**
 * Result of {@link rcEncrypt}.
 * @see ../shared/spec/agent.md §7.5
 */
export interface EncryptResult {
  /**
   * The {@link EncRatchetMessage}: `1 + 123 + 16 + paddedLength` bytes, at byte `headroom` of a
   * buffer of its own (`message.buffer`), whose first `headroom` bytes are zero and free to use.
   */
  readonly message: Uint8Array
  /** The state after sending (new chain key, `rcNs + 1`). */
  readonly state: Ratchet
}

/**
 * Encrypt one message (`rcEncrypt`): advance the sending chain, encrypt the header with the
 * sending header key (padded to 88 bytes) and the body padded to `paddedLength`, with
 * associated data `rcAD` and `rcAD ‖ emHeader`.
 * @param paddedLength 14848 for confirmations, 15856 for ordinary messages (§7.7).
 * @param headroom bytes to reserve in front of the message in the same buffer, so a caller can
 *   frame it (envelope, stored record) without copying 16 KB again.
 * @see ../shared/spec/agent.md §7.5
 * @throws CERatchetStateError when the state has no sending chain.
 * @throws CryptoLargeMsgError when the plaintext does not fit `paddedLength - 2`.
 */
export function rcEncrypt(
  provider: CryptoProvider,
  rc: Ratchet,
  paddedLength: number,
  plaintext: Uint8Array,
  headroom = 0,
): EncryptResult {
  const snd = rc.rcSnd
  if (snd === null) throw new CERatchetStateError('the ratchet has no sending chain')
  const len = plaintext.length
  if (!Number.isInteger(paddedLength) || len > 0xffff || len + 2 > paddedLength) {
    throw new CryptoLargeMsgError(`message of ${len} bytes does not fit padded length ${paddedLength}`)
  }
  const { ck, mk, iv, ehIV } = chainKdf(provider, snd.rcCKs)
  const ad = rc.rcAD

  // This is encodeEncRatchetMessage / encodeEncMessageHeader / pad(encodeMsgHeader) written
  // straight into the result (the vectors check both paths): a 16 KB message is one buffer, the
  // body padded where its ciphertext goes, with no intermediate encoders or padded copies.
  if (!Number.isInteger(headroom) || headroom < 0) throw new RangeError(`bad headroom ${headroom}`)
  const out = new Uint8Array(headroom + 1 + FULL_HEADER_LEN + AUTH_TAG_LEN + paddedLength).subarray(headroom)
  const view = new DataView(out.buffer, out.byteOffset, out.length)

  // pad(MsgHeader, 88): u16 79 ‖ u16 maxVersion ‖ str8(SPKI DHRs) ‖ u32 PN ‖ u32 Ns ‖ '#'…
  const spki = encodePublicKey({ alg: 'x448', publicKey: rc.rcDHRs.publicKey })
  const header = new Uint8Array(PADDED_HEADER_LEN)
  const hv = new DataView(header.buffer)
  const headerLen = 2 + 1 + spki.length + 4 + 4
  hv.setUint16(0, headerLen)
  hv.setUint16(2, rc.rcVersion.max)
  header[4] = spki.length
  header.set(spki, 5)
  hv.setUint32(5 + spki.length, rc.rcPN)
  hv.setUint32(9 + spki.length, rc.rcNs)
  header.fill(HASH, 2 + headerLen)
  const eh = provider.aesGcmEncrypt(snd.rcHKs, ehIV, ad, header)

  // s8(EncMessageHeader): u16 ehVersion ‖ ehIV ‖ ehAuthTag ‖ str8(ehBody)
  out[0] = FULL_HEADER_LEN
  view.setUint16(1, rc.rcVersion.min)
  out.set(ehIV, 3)
  out.set(eh.authTag, 3 + IV_LEN)
  out[3 + IV_LEN + AUTH_TAG_LEN] = PADDED_HEADER_LEN
  out.set(eh.ciphertext, 4 + IV_LEN + AUTH_TAG_LEN)
  const emHeader = out.subarray(1, 1 + FULL_HEADER_LEN)

  // emAuthTag ‖ tail(emBody), the body AES-GCM over pad(plaintext) with AD ‖ emHeader
  const tagAt = 1 + FULL_HEADER_LEN
  const body = out.subarray(tagAt + AUTH_TAG_LEN)
  body[0] = len >>> 8
  body[1] = len & 0xff
  body.set(plaintext, 2)
  body.fill(HASH, 2 + len)
  const bodyAd = new Uint8Array(ad.length + FULL_HEADER_LEN)
  bodyAd.set(ad)
  bodyAd.set(emHeader, ad.length)
  const sealed = provider.aesGcmEncrypt(mk, iv, bodyAd, body)
  out.set(sealed.authTag, tagAt)
  body.set(sealed.ciphertext)

  const state = freezeRatchet({
    ...rc,
    rcSnd: Object.freeze({ ...snd, rcCKs: ck }),
    rcNs: (rc.rcNs + 1) >>> 0,
  })
  return { message: out, state }
}

/**
 * Errors `rcDecrypt` returns (rather than throws) together with the state the reference agent
 * saves: `CERatchetEarlierMessage`, `CERatchetDuplicateMessage`, `CERatchetTooManySkipped`,
 * `CERatchetState`, and the body's `AESDecryptError` / `CryptoLargeMsgError` / `CryptoKeyError`.
 * @see ../shared/spec/agent.md §7.6
 */
export type RatchetReturnedError =
  | CERatchetEarlierMessageError
  | CERatchetDuplicateMessageError
  | CERatchetTooManySkippedError
  | CERatchetStateError
  | AESDecryptError
  | CryptoLargeMsgError
  | CryptoKeyError

/**
 * Result of {@link rcDecrypt} (the reference's `DecryptResult`): the plaintext or a returned
 * error, always with the new state and skipped-key diff.
 *
 * The v3.1 agent saves `state` and `skippedDiff` for a returned error too, before reporting it;
 * do the same for wire-identical behaviour. For a duplicate nothing changes.
 * @see ../shared/spec/agent.md §7.6
 */
export type DecryptResult =
  | {
      readonly ok: true
      /** The unpadded plaintext (a view into the decrypted body). */
      readonly plaintext: Uint8Array
      readonly state: Ratchet
      readonly skippedDiff: SkippedMsgDiff
    }
  | {
      readonly ok: false
      readonly error: RatchetReturnedError
      readonly state: Ratchet
      readonly skippedDiff: SkippedMsgDiff
    }

/**
 * Options of {@link rcDecrypt}.
 * @see ../shared/spec/agent.md §7.6
 */
export interface DecryptOptions {
  /**
   * Source of the new ratchet key pair of a DH ratchet step;
   * default `provider.generateDhKeyPair('x448')`. Inject a fixed key to reproduce recorded runs.
   */
  readonly generateDhKeyPair?: () => KeyPair<'x448'>
}

type RatchetStep = 'same' | 'advance'

/** Message keys skipped over on one chain: a group of the skipped-key store. */
interface SkippedGroup {
  readonly headerKey: Uint8Array
  readonly keys: SkippedMessageKey[]
}

type Skip =
  | { readonly ok: true; readonly state: Ratchet; readonly skipped: SkippedGroup | null }
  | { readonly ok: false; readonly error: RatchetReturnedError }

/**
 * Decrypt one message (`rcDecrypt`).
 *
 * Order, as the reference: stored skipped keys (header keys in ascending byte order, first
 * header that opens decides), then the current receiving header key ("same chain"), then the
 * next receiving header key ("advance": skip the rest of the old chain up to the header's PN,
 * DH ratchet step with a new key pair); then skip up to the header's message number (at most
 * {@link MAX_SKIP}) and open the body.
 *
 * Nothing is modified: the new state and the change to the skipped-key store are returned.
 * @param skipped the stored skipped message keys of this connection (read only).
 * @see ../shared/spec/agent.md §7.6
 * @throws CryptoHeaderError when the message, the encrypted header or the decrypted header does not parse.
 * @throws CERatchetHeaderError when no header key opens the header.
 * @throws CERatchetEarlierMessageError, CERatchetDuplicateMessageError, CERatchetTooManySkippedError
 *   when skipping the rest of the old chain up to the header's PN fails (before a DH step).
 * @throws CryptoKeyError when the header's ratchet key gives an all-zero DH secret.
 * In all these cases the state and the skipped keys must be left as they were.
 */
export function rcDecrypt(
  provider: CryptoProvider,
  rc: Ratchet,
  skipped: Iterable<SkippedMessageKey>,
  message: Uint8Array,
  options: DecryptOptions = {},
): DecryptResult {
  let encMsg: EncRatchetMessage
  let encHdr: EncMessageHeader
  try {
    encMsg = decodeAll(message, decodeEncRatchetMessage)
    encHdr = decodeAll(encMsg.emHeader, decodeEncMessageHeader)
  } catch (cause) {
    throw new CryptoHeaderError(`invalid ratchet message: ${errorMessage(cause)}`, { cause })
  }
  const ctx: DecryptContext = { provider, rc, encMsg, encHdr, options }

  // Stored skipped keys first: the first header key that opens the header decides.
  const groups = Array.isArray(skipped) && skipped.length === 0 ? [] : groupSkippedKeys(skipped)
  for (const group of groups) {
    const hdr = openHeader(ctx, group.headerKey)
    if (hdr === undefined) continue
    const stored = group.keys.get(hdr.msgNs)
    if (stored !== undefined) {
      const body = openBody(ctx, stored.messageKey, stored.iv)
      const skippedDiff: SkippedMsgDiff = Object.freeze({
        type: 'remove',
        headerKey: group.headerKey,
        msgN: hdr.msgNs,
      })
      return body.ok
        ? { ok: true, plaintext: body.plaintext, state: rc, skippedDiff }
        : { ok: false, error: body.error, state: rc, skippedDiff }
    }
    if (rc.rcRcv !== null && provider.constantTimeEqual(group.headerKey, rc.rcRcv.rcHKr)) {
      return fromChain(ctx, 'same', hdr)
    }
    if (provider.constantTimeEqual(group.headerKey, rc.rcNHKr)) return fromChain(ctx, 'advance', hdr)
    throw new CERatchetHeaderError('the header opens with a stored key of a chain that is no longer current')
  }

  if (rc.rcRcv !== null) {
    const hdr = openHeader(ctx, rc.rcRcv.rcHKr)
    if (hdr !== undefined) return fromChain(ctx, 'same', hdr)
  }
  const hdr = openHeader(ctx, rc.rcNHKr)
  if (hdr === undefined) throw new CERatchetHeaderError('no header key opens the message header')
  return fromChain(ctx, 'advance', hdr)
}

/** What one `rcDecrypt` call works on. */
interface DecryptContext {
  readonly provider: CryptoProvider
  readonly rc: Ratchet
  readonly encMsg: EncRatchetMessage
  readonly encHdr: EncMessageHeader
  readonly options: DecryptOptions
}

/** The header opened with `hk`, or `undefined` when `hk` does not open it. */
function openHeader(ctx: DecryptContext, hk: Uint8Array): MsgHeader | undefined {
  const { encHdr } = ctx
  let padded: Uint8Array
  try {
    padded = decryptAEAD(ctx.provider, hk, encHdr.ehIV, ctx.rc.rcAD, encHdr.ehBody, encHdr.ehAuthTag)
  } catch (cause) {
    // Any failure to open (wrong key, bad tag, bad padding) means "not this key".
    if (isSimplexError(cause)) return undefined
    throw cause
  }
  try {
    return decodeMsgHeader(new Decoder(padded))
  } catch (cause) {
    throw new CryptoHeaderError(`invalid ratchet message header: ${errorMessage(cause)}`, { cause })
  }
}

/** Open the body; its failures are returned, as the reference does. */
function openBody(
  ctx: DecryptContext,
  mk: Uint8Array,
  iv: Uint8Array,
): { ok: true; plaintext: Uint8Array } | ReturnedFailure {
  const { rc, encMsg } = ctx
  const bodyAd = new Uint8Array(rc.rcAD.length + encMsg.emHeader.length)
  bodyAd.set(rc.rcAD)
  bodyAd.set(encMsg.emHeader, rc.rcAD.length)
  try {
    return { ok: true, plaintext: decryptAEAD(ctx.provider, mk, iv, bodyAd, encMsg.emBody, encMsg.emAuthTag) }
  } catch (cause) {
    if (
      cause instanceof AESDecryptError ||
      cause instanceof CryptoLargeMsgError ||
      cause instanceof CryptoKeyError
    ) {
      return { ok: false, error: cause }
    }
    throw cause
  }
}

/** Continue on the current receiving chain ("same") or after a DH ratchet step ("advance"). */
function fromChain(ctx: DecryptContext, step: RatchetStep, hdr: MsgHeader): DecryptResult {
  const { provider, rc } = ctx
  let rc1 = rc
  let smks1: SkippedGroup | null = null
  if (step === 'advance') {
    const s = skipMessageKeys(provider, rc, hdr.msgPN)
    if (!s.ok) throw s.error
    const rcS = s.state
    smks1 = s.skipped
    const next = ctx.options.generateDhKeyPair?.() ?? provider.generateDhKeyPair('x448')
    const r = rootKdf(provider, rcS.rcRK, hdr.msgDHRs, rcS.rcDHRs.privateKey)
    const s2 = rootKdf(provider, r.rk, hdr.msgDHRs, next.privateKey)
    rc1 = freezeRatchet({
      ...rcS,
      rcDHRs: next,
      rcRK: s2.rk,
      rcSnd: Object.freeze({ rcDHRr: hdr.msgDHRs, rcCKs: s2.ck, rcHKs: rcS.rcNHKs }),
      rcRcv: Object.freeze({ rcCKr: r.ck, rcHKr: rcS.rcNHKr }),
      rcPN: rc.rcNs,
      rcNs: 0,
      rcNr: 0,
      rcNHKs: s2.nhk,
      rcNHKr: r.nhk,
    })
  }
  const s = skipMessageKeys(provider, rc1, hdr.msgNs)
  if (!s.ok) return { ok: false, error: s.error, state: rc1, skippedDiff: addDiff(smks1, null) }
  const rc2 = s.state
  const diff = addDiff(smks1, s.skipped)
  const rcv = rc2.rcRcv
  if (rcv === null) {
    return { ok: false, error: new CERatchetStateError('no receiving chain'), state: rc2, skippedDiff: diff }
  }
  const { ck, mk, iv } = chainKdf(provider, rcv.rcCKr)
  const body = openBody(ctx, mk, iv)
  const state = freezeRatchet({
    ...rc2,
    rcRcv: Object.freeze({ ...rcv, rcCKr: ck }),
    rcNr: (rc2.rcNr + 1) >>> 0,
  })
  return body.ok
    ? { ok: true, plaintext: body.plaintext, state, skippedDiff: diff }
    : { ok: false, error: body.error, state, skippedDiff: diff }
}

type ReturnedFailure = { ok: false; error: RatchetReturnedError }

/**
 * Derive and collect the keys of messages `[rcNr, untilN)` of the receiving chain (the
 * reference's `skipMessageKeys`), with its checks in its order and its u32 arithmetic.
 */
function skipMessageKeys(provider: CryptoProvider, r: Ratchet, untilN: number): Skip {
  const rcv = r.rcRcv
  if (rcv === null) return { ok: true, state: r, skipped: null }
  const nr = r.rcNr
  if (nr > (untilN + 1) >>> 0) {
    return {
      ok: false,
      error: new CERatchetEarlierMessageError(`message ${untilN} is earlier than ${nr - 1}`),
    }
  }
  if (nr === (untilN + 1) >>> 0) {
    return { ok: false, error: new CERatchetDuplicateMessageError(`message ${untilN} was already received`) }
  }
  if ((nr + MAX_SKIP) >>> 0 < untilN) {
    return {
      ok: false,
      error: new CERatchetTooManySkippedError(
        `message ${untilN} would skip more than ${MAX_SKIP} from ${nr}`,
      ),
    }
  }
  if (nr === untilN) return { ok: true, state: r, skipped: null }
  const keys: SkippedMessageKey[] = []
  let ck = rcv.rcCKr
  for (let n = nr; n !== untilN; n = (n + 1) >>> 0) {
    const out = chainKdf(provider, ck)
    keys.push(
      Object.freeze({ headerKey: rcv.rcHKr, msgN: n, messageKey: out.mk.slice(), iv: out.iv.slice() }),
    )
    ck = out.ck
  }
  const state = freezeRatchet({ ...r, rcRcv: Object.freeze({ ...rcv, rcCKr: ck }), rcNr: untilN })
  return { ok: true, state, skipped: { headerKey: rcv.rcHKr, keys } }
}

/**
 * The diff adding the keys skipped before and after a DH step. As the reference's left-biased
 * map union, a second group under the same header key as the first is dropped; groups are
 * listed in ascending header-key byte order.
 */
function addDiff(first: SkippedGroup | null, second: SkippedGroup | null): SkippedMsgDiff {
  let groups: SkippedGroup[]
  if (first === null) groups = second === null ? [] : [second]
  else if (second === null) groups = [first]
  else {
    const c = compareBytes(first.headerKey, second.headerKey)
    groups = c === 0 ? [first] : c < 0 ? [first, second] : [second, first]
  }
  if (groups.length === 0) return NO_SKIPPED_CHANGE
  return Object.freeze({ type: 'add', keys: Object.freeze(groups.flatMap((g) => g.keys)) })
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return a.length - b.length
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
