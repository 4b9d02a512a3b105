/**
 * SMP protocol versions and the protocol parameters that depend on them.
 *
 * Two independent version numbers exist at simplexmq v3.1.2: the *server*
 * protocol version negotiated in the transport handshake (1–4: v2 message
 * flags and msgId in `ACK`, v3 timestamp and flags moved into the encrypted
 * delivery envelope, v4 batching) and the *client* envelope version carried in
 * every `PubHeader` (1).
 *
 * @see ../shared/spec/smp.md §9
 * @see ../shared/spec/transport.md §9
 */
import { VersionIncompatibleError, type VersionRange } from '@simplex-ts/core'

/** An SMP server protocol version this codec implements. */
export type SmpVersion = 1 | 2 | 3 | 4

/** Lowest SMP server protocol version (the original protocol). */
export const SMP_VERSION_MIN = 1
/** Highest SMP server protocol version at simplexmq v3.1.2 (v4: batched transmissions). */
export const SMP_VERSION_MAX = 4
/** First version with message flags in `SEND`/`MSG` and the msgId in `ACK`. */
export const SMP_VERSION_MSG_FLAGS = 2
/** First version where `MSG` carries timestamp and flags only inside the encrypted body. */
export const SMP_VERSION_ENCRYPTED_META = 3
/** First version whose blocks carry batches of transmissions. */
export const SMP_VERSION_BATCH = 4

/**
 * The SMP server protocol versions the reference server v3.1.2 supports (`supportedSMPServerVRange`).
 * @see ../shared/spec/transport.md §9
 */
export const SMP_SERVER_VERSION_RANGE: VersionRange = Object.freeze({
  min: SMP_VERSION_MIN,
  max: SMP_VERSION_MAX,
})

/** The SMP client envelope version (`smpClientVersion`), written in every `PubHeader`. */
export const SMP_CLIENT_VERSION = 1

/**
 * The SMP client envelope version range (`smpClientVRange`), also the range implied by an unversioned queue URI.
 * @see ../shared/spec/smp.md §8.4, §12.2
 */
export const SMP_CLIENT_VERSION_RANGE: VersionRange = Object.freeze({
  min: SMP_CLIENT_VERSION,
  max: SMP_CLIENT_VERSION,
})

/**
 * Narrow a negotiated version to the versions this codec implements.
 * @throws VersionIncompatibleError when `v` is not 1, 2, 3 or 4.
 */
export function checkSmpVersion(v: number): SmpVersion {
  if (v === 1 || v === 2 || v === 3 || v === 4) return v
  throw new VersionIncompatibleError(`SMP version ${v} is not supported (supported: 1-4)`)
}
