/**
 * SMP transmissions: the signed envelope around every command and response,
 *
 * ```
 * transmission = str8(signature) ‖ signed
 * signed       = str8(sessionId) ‖ str8(corrId) ‖ str8(entityId) ‖ command
 * ```
 *
 * with what exactly is signed, the signature length rules, the receiving
 * side's parse (`tGet`: session check, signature shape, command parse,
 * credential shape check) for both directions, and the server's signature
 * verification rules per command.
 *
 * @see ../shared/spec/smp.md §3, §4
 */
import {
  type CryptoProvider,
  Decoder,
  EncodeError,
  Encoder,
  type Signature,
  concatBytes,
  equalBytes,
  sign,
  verify,
} from '@simplex-ts/core'
import { BadBlockError, decodeBatch } from '@simplex-ts/transport'
import { type Command, decodeCommand, encodeCommand } from './commands'
import {
  SmpBlockError,
  SmpCmdHasAuthError,
  SmpCmdNoAuthError,
  SmpCmdNoEntityError,
  SmpProtocolError,
  SmpSessionError,
} from './errors'
import { type PrivateSignKey, type PublicVerifyKey, signatureFromBytes } from './keys'
import { type Response, decodeResponse, responseCapacity, writeResponse } from './responses'
import { SMP_VERSION_BATCH, type SmpVersion, checkSmpVersion } from './version'

/** The addressing part of a transmission (`Transmission` without the command). */
export interface TransmissionHeader {
  /** Correlation id chosen by the client and echoed in the direct response; empty in server-initiated messages. */
  readonly corrId: Uint8Array
  /** The queue id (`RID`, `SID` or `NID`) the command addresses; empty for `NEW`, `PING`, `IDS`, `PONG`. */
  readonly entityId: Uint8Array
}

/**
 * A transmission split into its fields, nothing checked yet (the reference's `RawTransmission`).
 * All fields are views into the decoded input.
 */
export interface RawTransmission extends TransmissionHeader {
  /** Signature bytes as sent (empty when unsigned; any length until checked). */
  readonly signature: Uint8Array
  /** The signed part: everything after the signature field. */
  readonly signed: Uint8Array
  /** The sender's session id. */
  readonly sessionId: Uint8Array
  /** The encoded command or response. */
  readonly command: Uint8Array
}

/** What a receiving side gets for one transmission: a checked message, or the error to report. */
export type ReceivedTransmission<C> = ReceivedOk<C> | ReceivedError

/** A transmission that passed the session, signature-shape, parse and credential checks. */
export interface ReceivedOk<C> extends TransmissionHeader {
  readonly ok: true
  /** The signature, `undefined` when unsigned. Not verified yet: see {@link verifyCommandAuth}. */
  readonly signature: Signature | undefined
  /** The signed bytes the signature must cover. */
  readonly signed: Uint8Array
  /** The parsed command or response. */
  readonly command: C
}

/**
 * A transmission that failed; `corrId` and `entityId` are what the reference
 * answers with (`SESSION` and `BLOCK` clear the entity, a framing `BLOCK` also the corrId).
 */
export interface ReceivedError extends TransmissionHeader {
  readonly ok: false
  /** The error to report (`ERR <code>` on a server). */
  readonly error: SmpProtocolError
}

/** The receiving connection's parameters. */
export interface ReceiveContext {
  /** This connection's session id (transport.md §7). */
  readonly sessionId: Uint8Array
  /** The negotiated SMP version. */
  readonly version: SmpVersion
}

const EMPTY = new Uint8Array(0)

/**
 * Encode the signed part of a transmission: `str8(sessionId) ‖ str8(corrId) ‖ str8(entityId) ‖ command`.
 * @throws EncodeError when an id is longer than 255 bytes.
 */
export function encodeSigned(
  sessionId: Uint8Array,
  header: TransmissionHeader,
  command: Uint8Array,
): Uint8Array {
  return new Encoder(command.length + 80)
    .str8(sessionId)
    .str8(header.corrId)
    .str8(header.entityId)
    .raw(command)
    .finish()
}

/**
 * Prefix the signed part with its signature: `str8(signature) ‖ signed`.
 * @param signature `undefined` (or empty bytes) for an unsigned transmission.
 * @throws EncodeError when the signature is neither 64 (Ed25519) nor 114 (Ed448) bytes.
 */
export function encodeTransmission(
  signature: Signature | Uint8Array | undefined,
  signed: Uint8Array,
): Uint8Array {
  const bytes =
    signature === undefined ? EMPTY : signature instanceof Uint8Array ? signature : signature.bytes
  if (signatureFromBytes(bytes) === null) {
    throw new EncodeError(`signature must be 0, 64 or 114 bytes, got ${bytes.length}`)
  }
  return concatBytes(Uint8Array.of(bytes.length), bytes, signed)
}

/**
 * Sign the signed part of a transmission with a command key (the only thing signed: not the
 * block, not the batch item length).
 * @throws CryptoKeyError on a malformed key.
 */
export function signTransmission(crypto: CryptoProvider, key: PrivateSignKey, signed: Uint8Array): Signature {
  return sign(crypto, key, signed)
}

/** A command to send: header, command, and optionally the key to sign it with. */
export interface CommandTransmission extends TransmissionHeader {
  /** The command. */
  readonly command: Command
}

/**
 * Encode a client transmission: the command for `version`, the signed part, and the signature when `signer` is given.
 * @throws EncodeError on malformed fields.
 * @throws VersionIncompatibleError when `version` is not 1–4.
 */
export function encodeCommandTransmission(
  sessionId: Uint8Array,
  t: CommandTransmission,
  version: SmpVersion,
  signer?: { readonly crypto: CryptoProvider; readonly key: PrivateSignKey },
): Uint8Array {
  const signed = encodeSigned(sessionId, t, encodeCommand(t.command, version))
  const signature = signer === undefined ? undefined : signTransmission(signer.crypto, signer.key, signed)
  return encodeTransmission(signature, signed)
}

/** A server message to send. */
export interface ResponseTransmission extends TransmissionHeader {
  /** The server message. */
  readonly command: Response
}

/**
 * Encode a server transmission (always unsigned).
 * @throws EncodeError on malformed fields.
 * @throws VersionIncompatibleError when `version` is not 1–4.
 */
export function encodeResponseTransmission(
  sessionId: Uint8Array,
  t: ResponseTransmission,
  version: SmpVersion,
): Uint8Array {
  // one buffer for the whole transmission: an empty signature, then the signed part
  const e = new Encoder(
    responseCapacity(t.command, 4 + sessionId.length + t.corrId.length + t.entityId.length),
  )
  e.u8(0).str8(sessionId).str8(t.corrId).str8(t.entityId)
  writeResponse(e, t.command, version)
  return e.finish()
}

/**
 * Split a transmission into its fields (`transmissionP`).
 * @throws SmpBlockError when the fields cannot be read.
 */
export function decodeRawTransmission(bytes: Uint8Array): RawTransmission {
  try {
    const d = new Decoder(bytes)
    const signature = d.str8()
    const signedAt = d.offset
    const sessionId = d.str8()
    const corrId = d.str8()
    const entityId = d.str8()
    const command = d.tail()
    return { signature, signed: bytes.subarray(signedAt), sessionId, corrId, entityId, command }
  } catch (cause) {
    throw new SmpBlockError('malformed transmission', { cause })
  }
}

/**
 * The credential shape rules for commands (`checkCredentials`), checked before any queue lookup:
 * `NEW` must be signed and have no entity; `SEND` needs an entity; `PING` has neither; all others need both.
 * @throws SmpCmdNoAuthError, SmpCmdHasAuthError or SmpCmdNoEntityError.
 * @see ../shared/spec/smp.md §4.1
 */
export function checkCommandCredentials(
  signature: Signature | undefined,
  entityId: Uint8Array,
  command: Command,
): void {
  const signed = signature !== undefined
  const hasEntity = entityId.length > 0
  switch (command.type) {
    case 'NEW':
      if (!signed) throw new SmpCmdNoAuthError('NEW must be signed')
      if (hasEntity) throw new SmpCmdHasAuthError('NEW must not have an entity id')
      return
    case 'SEND':
      if (!hasEntity) throw new SmpCmdNoEntityError('SEND needs a sender id')
      return
    case 'PING':
      if (signed || hasEntity) throw new SmpCmdHasAuthError('PING must be unsigned and without entity id')
      return
    default:
      if (!signed || !hasEntity)
        throw new SmpCmdNoAuthError(`${command.type} needs a signature and an entity id`)
  }
}

/**
 * The credential shape rules a client applies to server messages: `PONG` has no entity,
 * `IDS` and `ERR` may have any, all others need one.
 * @throws SmpCmdHasAuthError or SmpCmdNoEntityError.
 * @see ../shared/spec/smp.md §4.1
 */
export function checkResponseCredentials(entityId: Uint8Array, response: Response): void {
  switch (response.type) {
    case 'IDS':
    case 'ERR':
      return
    case 'PONG':
      if (entityId.length > 0) throw new SmpCmdHasAuthError('PONG must not have an entity id')
      return
    default:
      if (entityId.length === 0) throw new SmpCmdNoEntityError(`${response.type} needs an entity id`)
  }
}

function receive<C>(
  bytes: Uint8Array,
  ctx: ReceiveContext,
  parse: (command: Uint8Array, version: SmpVersion) => C,
  check: (signature: Signature | undefined, entityId: Uint8Array, command: C) => void,
): ReceivedTransmission<C> {
  checkSmpVersion(ctx.version)
  let raw: RawTransmission
  try {
    raw = decodeRawTransmission(bytes)
  } catch (error) {
    if (!(error instanceof SmpBlockError)) throw error
    return { ok: false, corrId: EMPTY, entityId: EMPTY, error }
  }
  // Results outlive the receive buffer (transports may reuse it), so they own their bytes.
  const corrId = raw.corrId.slice()
  const entityId = raw.entityId.slice()
  if (!equalBytes(raw.sessionId, ctx.sessionId)) {
    return { ok: false, corrId, entityId: EMPTY, error: new SmpSessionError('session id mismatch') }
  }
  const signature = signatureFromBytes(raw.signature.slice())
  if (signature === null) {
    const error = new SmpBlockError(`signature of invalid length ${raw.signature.length}`)
    return { ok: false, corrId, entityId: EMPTY, error }
  }
  try {
    const command = parse(raw.command, ctx.version)
    check(signature, entityId, command)
    return { ok: true, corrId, entityId, signature, signed: raw.signed.slice(), command }
  } catch (error) {
    if (error instanceof SmpProtocolError) return { ok: false, corrId, entityId, error }
    throw error
  }
}

/**
 * Parse a transmission received by a server (`tGet` for commands): split it, check the
 * session id and signature length, parse the command for the version, check credentials.
 * Never throws for bad input: failures come back as {@link ReceivedError} with the
 * corrId/entityId the reference answers with.
 * @throws VersionIncompatibleError when `ctx.version` is not 1–4.
 */
export function parseCommandTransmission(
  bytes: Uint8Array,
  ctx: ReceiveContext,
): ReceivedTransmission<Command> {
  return receive(bytes, ctx, decodeCommand, checkCommandCredentials)
}

/**
 * Parse a transmission received by a client (`tGet` for server messages), as
 * {@link parseCommandTransmission} but for responses (which are never signed).
 * @throws VersionIncompatibleError when `ctx.version` is not 1–4.
 */
export function parseResponseTransmission(
  bytes: Uint8Array,
  ctx: ReceiveContext,
): ReceivedTransmission<Response> {
  return receive(bytes, ctx, decodeResponse, (_sig, entityId, res) => checkResponseCredentials(entityId, res))
}

function receiveBlock<C>(
  content: Uint8Array,
  ctx: ReceiveContext,
  receiveOne: (bytes: Uint8Array, ctx: ReceiveContext) => ReceivedTransmission<C>,
): ReceivedTransmission<C>[] {
  if (checkSmpVersion(ctx.version) < SMP_VERSION_BATCH) return [receiveOne(content, ctx)]
  let items: Uint8Array[]
  try {
    items = decodeBatch(content)
  } catch (cause) {
    if (!(cause instanceof BadBlockError)) throw cause
    return [
      { ok: false, corrId: EMPTY, entityId: EMPTY, error: new SmpBlockError('invalid batch', { cause }) },
    ]
  }
  return items.map((t) => receiveOne(t, ctx))
}

/**
 * Parse every transmission of one received block's content (after the block's
 * length prefix and padding are removed): one transmission at v1–v3, a batch at v4.
 * Broken batch framing yields a single `BLOCK` result with empty corrId and entity,
 * as the reference answers it.
 * @throws VersionIncompatibleError when `ctx.version` is not 1–4.
 * @see ../shared/spec/transport.md §8
 */
export function parseCommandBlock(content: Uint8Array, ctx: ReceiveContext): ReceivedTransmission<Command>[] {
  return receiveBlock(content, ctx, parseCommandTransmission)
}

/**
 * Parse every server transmission of one received block's content, as {@link parseCommandBlock}.
 * @throws VersionIncompatibleError when `ctx.version` is not 1–4.
 * @see ../shared/spec/transport.md §8
 */
export function parseResponseBlock(
  content: Uint8Array,
  ctx: ReceiveContext,
): ReceivedTransmission<Response>[] {
  return receiveBlock(content, ctx, parseResponseTransmission)
}

const dummyKeys = new WeakMap<CryptoProvider, Record<string, Uint8Array>>()

function dummyKey(crypto: CryptoProvider, alg: Signature['alg']): Uint8Array {
  let keys = dummyKeys.get(crypto)
  if (keys === undefined) {
    // Any fixed valid key serves: the point is spending one real verification.
    const seedEd25519 = new Uint8Array(32).fill(0x5a)
    const seedEd448 = new Uint8Array(57).fill(0x5a)
    keys = {
      ed25519: crypto.signPublicKey('ed25519', seedEd25519),
      ed448: crypto.signPublicKey('ed448', seedEd448),
    }
    dummyKeys.set(crypto, keys)
  }
  return keys[alg]!
}

/**
 * Spend one signature verification against a fixed key and return `false`, so that
 * rejecting an unknown queue or a mismatched key takes as long as rejecting a bad signature.
 * @see ../shared/spec/smp.md §4.2
 */
export function dummyVerify(
  crypto: CryptoProvider,
  signature: Signature | undefined,
  signed: Uint8Array,
): false {
  if (signature !== undefined)
    crypto.verify(signature.alg, dummyKey(crypto, signature.alg), signed, signature.bytes)
  return false
}

/**
 * Verify a transmission signature with a key. `false` when unsigned, when the signature and
 * key algorithms differ (after a dummy verification), or when the signature is invalid.
 * @see ../shared/spec/smp.md §2.3
 */
export function verifySignature(
  crypto: CryptoProvider,
  key: PublicVerifyKey,
  signature: Signature | undefined,
  signed: Uint8Array,
): boolean {
  if (signature === undefined) return false
  if (signature.alg !== key.alg) return dummyVerify(crypto, signature, signed)
  return verify(crypto, key, signature, signed)
}

/** The keys of a queue that authorize commands, as a server stores them. */
export interface QueueAuthKeys {
  /** The recipient key from `NEW`. */
  readonly recipientKey: PublicVerifyKey
  /** The sender key from `KEY`, once the queue is secured. */
  readonly senderKey?: PublicVerifyKey | undefined
  /** The notifier key from `NKEY`, while notifier credentials exist. */
  readonly notifierKey?: PublicVerifyKey | undefined
}

/**
 * The server's authorization of a parsed command (`verifyTransmission`): `NEW` is verified
 * with its own recipient key; other recipient commands with the queue's recipient key;
 * `SEND` with the sender key when the queue is secured and must be unsigned otherwise;
 * `NSUB` with the notifier key; `PING` always passes.
 * @param queue the queue found by looking the entity id up as the command's party's id
 *   (see `commandParty`), or `undefined` when there is none (then a dummy verification runs).
 * @returns `false` means `ERR AUTH`.
 * @see ../shared/spec/smp.md §4.2
 */
export function verifyCommandAuth(
  crypto: CryptoProvider,
  t: Pick<ReceivedOk<Command>, 'signature' | 'signed' | 'command'>,
  queue: QueueAuthKeys | undefined,
): boolean {
  const { signature, signed, command } = t
  switch (command.type) {
    case 'NEW':
      return verifySignature(crypto, command.rcvAuthKey, signature, signed)
    case 'PING':
      return true
    case 'SEND':
      if (queue === undefined) return dummyVerify(crypto, signature, signed)
      // an unsecured queue takes only unsigned messages (confirmations)
      return queue.senderKey === undefined
        ? signature === undefined
        : verifySignature(crypto, queue.senderKey, signature, signed)
    case 'NSUB':
      // a queue without notifier credentials has no notifier id: the lookup itself fails
      return queue?.notifierKey === undefined
        ? dummyVerify(crypto, signature, signed)
        : verifySignature(crypto, queue.notifierKey, signature, signed)
    default:
      return queue === undefined
        ? dummyVerify(crypto, signature, signed)
        : verifySignature(crypto, queue.recipientKey, signature, signed)
  }
}
