/**
 * Group structures: profile, member ids and roles, invitations and the
 * introductions a host relays between members.
 *
 * @see ../shared/spec/chat.md §2.7, §4.9
 */
import { type ConnReqInvitation, type Profile, profileJson, readProfile, readProfileFields } from './contact'
import {
  type Fields,
  type JsonRecord,
  type Read,
  bytesJson,
  enumJson,
  objectJson,
  readBytes,
  readEnum,
  readRecord,
  readText,
  textJson,
} from './fields'

/**
 * A group's profile (`GroupProfile`): the same three fields as a {@link Profile}.
 * @see ../shared/spec/chat.md §2.3
 */
export interface GroupProfile {
  /** Group display name. */
  readonly displayName: string
  /** Full name; required on the wire, may be empty. */
  readonly fullName: string
  /** Group image as a `data:image/jpg;base64,…` URI; omitted when none. */
  readonly image?: string
}

/**
 * A member's id in a group (`MemberId`): opaque bytes, base64url on the wire
 * (the reference uses the 16-char base64 text of 12 random bytes).
 * @see ../shared/spec/chat.md §2.1
 */
export type MemberId = Uint8Array

/** Member roles, ordered member < admin < owner (`GroupMemberRole`). */
export type MemberRole = 'owner' | 'admin' | 'member'

/** All roles, lowest first. */
export const MEMBER_ROLES: readonly MemberRole[] = ['member', 'admin', 'owner']

/** A member's id and role (`MemberIdRole`). */
export interface MemberIdRole {
  readonly memberId: MemberId
  readonly memberRole: MemberRole
}

/** A member's id, role and profile (`MemberInfo`). */
export interface MemberInfo {
  readonly memberId: MemberId
  readonly memberRole: MemberRole
  readonly profile: Profile
}

/** An invitation to join a group, sent over the direct contact connection (`GroupInvitation`). */
export interface GroupInvitation {
  /** The inviting member (host). */
  readonly fromMember: MemberIdRole
  /** The id and role granted to the invitee. */
  readonly invitedMember: MemberIdRole
  /** Invitation link for the host–invitee member connection. */
  readonly connRequest: ConnReqInvitation
  readonly groupProfile: GroupProfile
}

/** The two links a new member creates for each existing member (`IntroInvitation`). */
export interface IntroInvitation {
  /** Link for the member-to-member group connection. */
  readonly groupConnReq: ConnReqInvitation
  /** Link for the direct contact connection. */
  readonly directConnReq: ConnReqInvitation
}

/** Read a {@link GroupProfile}. */
export const readGroupProfile: Read<GroupProfile> = readRecord(readProfileFields)

/** Read a role (exactly `owner`, `admin` or `member`). */
export const readMemberRole: Read<MemberRole> = readEnum(MEMBER_ROLES, 'GroupMemberRole')

function readMemberIdRoleFields(f: Fields): MemberIdRole {
  return { memberId: f.req('memberId', readBytes), memberRole: f.req('memberRole', readMemberRole) }
}

/** Read a {@link MemberIdRole}. */
export const readMemberIdRole: Read<MemberIdRole> = readRecord(readMemberIdRoleFields)

/** Read a {@link MemberInfo}. */
export const readMemberInfo: Read<MemberInfo> = readRecord((f) => ({
  memberId: f.req('memberId', readBytes),
  memberRole: f.req('memberRole', readMemberRole),
  profile: f.req('profile', readProfile),
}))

/** Read a {@link GroupInvitation}. */
export const readGroupInvitation: Read<GroupInvitation> = readRecord((f) => ({
  fromMember: f.req('fromMember', readMemberIdRole),
  invitedMember: f.req('invitedMember', readMemberIdRole),
  connRequest: f.req('connRequest', readText),
  groupProfile: f.req('groupProfile', readGroupProfile),
}))

/** Read an {@link IntroInvitation}. */
export const readIntroInvitation: Read<IntroInvitation> = readRecord((f) => ({
  groupConnReq: f.req('groupConnReq', readText),
  directConnReq: f.req('directConnReq', readText),
}))

/** The JSON of a {@link GroupProfile}. */
export function groupProfileJson(p: GroupProfile, what = 'groupProfile'): JsonRecord {
  return profileJson(objectJson(p, what), what)
}

/** The JSON of a role. @throws ChatEncodeError for anything but the three roles. */
export function memberRoleJson(r: MemberRole, what = 'memberRole'): MemberRole {
  return enumJson(r, MEMBER_ROLES, what)
}

/** The JSON of a {@link MemberIdRole}. */
export function memberIdRoleJson(m: MemberIdRole, what: string): JsonRecord {
  objectJson(m, what)
  return {
    memberId: bytesJson(m.memberId, `${what}.memberId`),
    memberRole: memberRoleJson(m.memberRole, `${what}.memberRole`),
  }
}

/** The JSON of a {@link MemberInfo}. */
export function memberInfoJson(m: MemberInfo, what = 'memberInfo'): JsonRecord {
  objectJson(m, what)
  return {
    memberId: bytesJson(m.memberId, `${what}.memberId`),
    memberRole: memberRoleJson(m.memberRole, `${what}.memberRole`),
    profile: profileJson(objectJson(m.profile, `${what}.profile`), `${what}.profile`),
  }
}

/** The JSON of a {@link GroupInvitation}. */
export function groupInvitationJson(g: GroupInvitation, what = 'groupInvitation'): JsonRecord {
  objectJson(g, what)
  return {
    fromMember: memberIdRoleJson(g.fromMember, `${what}.fromMember`),
    invitedMember: memberIdRoleJson(g.invitedMember, `${what}.invitedMember`),
    connRequest: textJson(g.connRequest, `${what}.connRequest`),
    groupProfile: groupProfileJson(g.groupProfile, `${what}.groupProfile`),
  }
}

/** The JSON of an {@link IntroInvitation}. */
export function introInvitationJson(i: IntroInvitation, what = 'memberIntro'): JsonRecord {
  objectJson(i, what)
  return {
    groupConnReq: textJson(i.groupConnReq, `${what}.groupConnReq`),
    directConnReq: textJson(i.directConnReq, `${what}.directConnReq`),
  }
}
