/**
 * Contacts: the profile every party shows, the contact-request id reused
 * across requests to the same address, and the probes of duplicate-contact
 * detection.
 *
 * @see ../shared/spec/chat.md §2.1, §2.3, §4.2, §4.8
 */
import { type Fields, type JsonRecord, type Read, readRecord, readText, textJson } from './fields'

/**
 * A user, contact or member profile (`Profile`).
 * @see ../shared/spec/chat.md §2.3
 */
export interface Profile {
  /** Display name; official apps allow no spaces. */
  readonly displayName: string
  /** Full name; required on the wire, may be empty. */
  readonly fullName: string
  /** Avatar as a `data:image/jpg;base64,…` URI; omitted when none. */
  readonly image?: string
}

/** Fields shared by {@link Profile} and the group profile: the same three keys. */
export function readProfileFields(f: Fields): Profile {
  const displayName = f.req('displayName', readText)
  const fullName = f.req('fullName', readText)
  const image = f.opt('image', readText)
  return image === undefined ? { displayName, fullName } : { displayName, fullName, image }
}

/** Read a {@link Profile} (extra keys ignored, `image` absent or `null` is none). */
export const readProfile: Read<Profile> = readRecord(readProfileFields)

/** The JSON of a {@link Profile}, `image` omitted when absent. */
export function profileJson(p: Profile, what = 'profile'): JsonRecord {
  const o: JsonRecord = {
    displayName: textJson(p.displayName, `${what}.displayName`),
    fullName: textJson(p.fullName, `${what}.fullName`),
  }
  if (p.image !== undefined) o.image = textJson(p.image, `${what}.image`)
  return o
}

/**
 * Id of a request to a contact address (`XContactId`, `contactReqId`): opaque
 * bytes (16 random bytes in the reference), base64url on the wire.
 * @see ../shared/spec/chat.md §2.1
 */
export type XContactId = Uint8Array

/**
 * A duplicate-contact probe (`Probe`): opaque bytes (the reference sends the
 * 44-byte base64 text of 32 random bytes).
 * @see ../shared/spec/chat.md §4.8
 */
export type Probe = Uint8Array

/**
 * SHA-256 of a probe's bytes (`ProbeHash`).
 * @see ../shared/spec/chat.md §4.8
 */
export type ProbeHash = Uint8Array

/**
 * An invitation link of the agent layer (`ConnReqInvitation`,
 * `https://simplex.chat/invitation#/?v=…&smp=…&e2e=…`), kept as text.
 *
 * The reference parses and re-serialises these links; this codec passes the
 * text through unchanged and leaves validation to the agent's link parser.
 * @see ../shared/spec/agent.md §3
 */
export type ConnReqInvitation = string
