/**
 * Queue references between agents: the binary `SMPQueueInfo` that reply queues travel as inside
 * agent messages, and its conversion to and from the queue URI of links (smp's `SmpQueueUri`).
 *
 * ```
 * SMPQueueInfo = u16 clientVersion ‖ str8 host ‖ str8 port ‖ str8 keyHash ‖ str8 senderId ‖ str8(X25519 SPKI)
 * ```
 *
 * At v3.1.2 the server part is always the single-host layout, whatever `clientVersion` says; a
 * v3.2+ peer talking to a v3.1 agent negotiates client version 1 and writes this layout too.
 *
 * @see ../shared/spec/agent.md §3.3, §3.5
 */
import {
  CryptoKeyError,
  DecodeError,
  type Decoder,
  type Encoder,
  type VersionRange,
  compatibleVersion,
  decodePublicKeyOf,
  encodePublicKey,
  isInRange,
} from '@simplex-ts/core'
import {
  type PublicDhKey,
  SMP_CLIENT_VERSION_RANGE,
  type SmpQueueUri,
  type SmpServer,
  decodeSmpServer,
  encodeSmpServer,
} from '@simplex-ts/smp'

/**
 * A queue reference at one agreed SMP client version (`SMPQueueInfo`): where to send, and the
 * recipient's per-queue X25519 key for the client message envelope.
 * @see ../shared/spec/agent.md §3.5
 */
export interface SmpQueueInfo {
  /** The agreed SMP client envelope version (1 at v3.1). */
  readonly clientVersion: number
  /** The queue's server. */
  readonly smpServer: SmpServer
  /** The queue's sender id (24 bytes from reference servers). */
  readonly senderId: Uint8Array
  /** The recipient's per-queue e2e key (not the server DH key). */
  readonly dhPublicKey: PublicDhKey
}

/**
 * Append an {@link SmpQueueInfo}.
 * @see ../shared/spec/agent.md §3.5
 * @throws EncodeError when a field is longer than 255 bytes or the version is not a u16;
 *   CryptoKeyError when the key is not a 32-byte X25519 key.
 */
export function encodeSmpQueueInfo(e: Encoder, q: SmpQueueInfo): Encoder {
  if (q.dhPublicKey.alg !== 'x25519') throw new CryptoKeyError('queue e2e key must be X25519')
  e.version(q.clientVersion)
  encodeSmpServer(e, q.smpServer)
  return e.str8(q.senderId).str8(encodePublicKey(q.dhPublicKey))
}

/**
 * Read an {@link SmpQueueInfo} as the v3.1.2 reference does: any client version, the single-host
 * server layout, any sender id length, an X25519 SPKI key.
 * @see ../shared/spec/agent.md §3.5
 * @throws DecodeError on truncated input or a key that is not X25519.
 */
export function decodeSmpQueueInfo(d: Decoder): SmpQueueInfo {
  const clientVersion = d.version()
  const smpServer = decodeSmpServer(d)
  const senderId = d.str8().slice()
  const at = d.offset
  const der = d.str8()
  let dhPublicKey: PublicDhKey
  try {
    dhPublicKey = decodePublicKeyOf('x25519', der)
  } catch (cause) {
    if (cause instanceof CryptoKeyError || cause instanceof DecodeError) {
      throw new DecodeError(`invalid queue e2e key at ${at}: ${cause.message}`, { offset: at, cause })
    }
    throw cause
  }
  return {
    clientVersion,
    smpServer,
    senderId,
    dhPublicKey: { alg: 'x25519', publicKey: dhPublicKey.publicKey.slice() },
  }
}

/**
 * The queue URI of a queue reference, with a version range in place of the version (`toVersionRangeT`).
 * @see ../shared/spec/agent.md §3.5
 */
export function queueInfoToUri(
  q: SmpQueueInfo,
  clientVRange: VersionRange = SMP_CLIENT_VERSION_RANGE,
): SmpQueueUri {
  return { smpServer: q.smpServer, senderId: q.senderId, clientVRange, dhPublicKey: q.dhPublicKey }
}

/**
 * The queue reference of a queue URI at one version (`toVersionT`), e.g. the reply queue the
 * joiner sends: its own new queue's URI at `SMP_CLIENT_VERSION`.
 * @see ../shared/spec/agent.md §3.5
 */
export function queueUriToInfo(uri: SmpQueueUri, clientVersion: number): SmpQueueInfo {
  return { clientVersion, smpServer: uri.smpServer, senderId: uri.senderId, dhPublicKey: uri.dhPublicKey }
}

/**
 * The queue reference agreed with a queue URI from a link (the reference's `compatibleVersion`):
 * the highest SMP client version in both ranges, or `undefined` when they do not overlap. A v3.2+
 * peer's `v=1-2` queue negotiates down to version 1 against v3.1's `1-1`.
 * @see ../shared/spec/agent.md §2, §3.3
 */
export function compatibleQueueInfo(
  uri: SmpQueueUri,
  ours: VersionRange = SMP_CLIENT_VERSION_RANGE,
): SmpQueueInfo | undefined {
  const v = compatibleVersion(uri.clientVRange, ours)
  return v === undefined ? undefined : queueUriToInfo(uri, v)
}

/**
 * Whether a received queue reference's version is one we support (the reference's
 * `proveCompatible`, checked before connecting to a reply queue).
 * @see ../shared/spec/agent.md §2
 */
export function isQueueInfoCompatible(
  q: SmpQueueInfo,
  ours: VersionRange = SMP_CLIENT_VERSION_RANGE,
): boolean {
  return isInRange(ours, q.clientVersion)
}
