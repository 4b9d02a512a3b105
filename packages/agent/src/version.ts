/**
 * Agent protocol versions and the negotiation a joining party does with a link.
 *
 * Three version numbers meet in a connection: the agent protocol (1–2: version 2 is the
 * "duplex" handshake), the SMP client envelope (1, smp's `SMP_CLIENT_VERSION_RANGE`) and the e2e
 * ratchet (1, `E2E_ENCRYPT_VRANGE`). Each pair of ranges agrees on the highest common version.
 *
 * @see ../shared/spec/agent.md §2
 */
import { type VersionRange, compatibleVersion, isInRange } from '@simplex-ts/core'
import { SMP_CLIENT_VERSION_RANGE } from '@simplex-ts/smp'
import { AgentVersionError } from './errors'
import type { ContactRequest, InvitationRequest } from './links'
import { type SmpQueueInfo, compatibleQueueInfo } from './queue-info'
import { E2E_ENCRYPT_VRANGE } from './ratchet'
import { type E2ERatchetParams, e2eParamsAtVersion } from './x3dh'

/**
 * The current agent protocol version (`currentSMPAgentVersion`).
 * @see ../shared/spec/agent.md §2
 */
export const AGENT_VERSION = 2

/**
 * The agent protocol versions v3.1 supports (`supportedSMPAgentVRange`), written in every link.
 * @see ../shared/spec/agent.md §2
 */
export const AGENT_VRANGE: VersionRange = Object.freeze({ min: 1, max: AGENT_VERSION })

/**
 * Whether an agreed agent version uses the duplex handshake: every version but 1
 * (`duplexHandshake = connAgentVersion /= 1`).
 * @see ../shared/spec/agent.md §2, §8
 */
export function isDuplexHandshake(agentVersion: number): boolean {
  return agentVersion !== 1
}

/**
 * Check the `agentVersion` of a received confirmation against our range (the only envelope whose
 * version the reference checks).
 * @see ../shared/spec/agent.md §2
 * @throws AgentVersionError (`AGENT A_VERSION`) when it is outside the range.
 */
export function checkConfirmationVersion(agentVersion: number, ours: VersionRange = AGENT_VRANGE): number {
  if (!isInRange(ours, agentVersion)) {
    throw new AgentVersionError(`agent version ${agentVersion} is outside ${ours.min}-${ours.max}`)
  }
  return agentVersion
}

/**
 * Check the SMP client version of a received envelope's public header (`phVersion`).
 * @see ../shared/spec/agent.md §5
 * @throws AgentVersionError (`AGENT A_VERSION`) when it is outside the range.
 */
export function checkClientVersion(version: number, ours: VersionRange = SMP_CLIENT_VERSION_RANGE): number {
  if (!isInRange(ours, version)) {
    throw new AgentVersionError(`SMP client version ${version} is outside ${ours.min}-${ours.max}`)
  }
  return version
}

/**
 * The versions a joiner agrees with an invitation link (`joinConn`): from the first queue, the e2e
 * parameters and the agent range.
 * @see ../shared/spec/agent.md §2, §8.1
 */
export interface JoinInvitationVersions {
  /** The agreed agent version (the confirmation's `agentVersion`). */
  readonly agentVersion: number
  /** The initiator's first queue at the agreed SMP client version. */
  readonly queue: SmpQueueInfo
  /** The initiator's X3DH keys at the agreed e2e version. */
  readonly e2eParams: E2ERatchetParams
}

/**
 * Agree the versions for joining an invitation, as the reference does before anything else.
 * @see ../shared/spec/agent.md §2, §8.1
 * @throws AgentVersionError (`AGENT A_VERSION`) when any of the three ranges has no common version.
 */
export function negotiateInvitation(
  cr: InvitationRequest,
  ours: { agent?: VersionRange; client?: VersionRange; e2e?: VersionRange } = {},
): JoinInvitationVersions {
  const queue = compatibleQueueInfo(cr.data.smpQueues[0], ours.client ?? SMP_CLIENT_VERSION_RANGE)
  const e2eVersion = compatibleVersion(cr.e2eParams.versionRange, ours.e2e ?? E2E_ENCRYPT_VRANGE)
  const agentVersion = compatibleVersion(cr.data.agentVRange, ours.agent ?? AGENT_VRANGE)
  if (queue === undefined || e2eVersion === undefined || agentVersion === undefined) {
    throw new AgentVersionError('no compatible SMP client, e2e or agent version with the invitation')
  }
  return { agentVersion, queue, e2eParams: e2eParamsAtVersion(cr.e2eParams, e2eVersion) }
}

/**
 * The versions a requester agrees with a contact address link (`joinConn` for contacts).
 * @see ../shared/spec/agent.md §2, §8.4
 */
export interface JoinContactVersions {
  /** The agreed agent version (the invitation's `agentVersion`). */
  readonly agentVersion: number
  /** The address's first queue at the agreed SMP client version. */
  readonly queue: SmpQueueInfo
}

/**
 * Agree the versions for sending an invitation to a contact address.
 * @see ../shared/spec/agent.md §2, §8.4
 * @throws AgentVersionError (`AGENT A_VERSION`) when the queue or agent ranges have no common version.
 */
export function negotiateContact(
  cr: ContactRequest,
  ours: { agent?: VersionRange; client?: VersionRange } = {},
): JoinContactVersions {
  const queue = compatibleQueueInfo(cr.data.smpQueues[0], ours.client ?? SMP_CLIENT_VERSION_RANGE)
  const agentVersion = compatibleVersion(cr.data.agentVRange, ours.agent ?? AGENT_VRANGE)
  if (queue === undefined || agentVersion === undefined) {
    throw new AgentVersionError('no compatible SMP client or agent version with the contact address')
  }
  return { agentVersion, queue }
}
