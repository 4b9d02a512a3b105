/**
 * The event catalogue of the v3.1 chat protocol (`ChatMsgEvent`): one
 * interface per event, discriminated by its wire tag in `event`, with typed
 * `params`; events of other versions decode to {@link XUnknown}.
 *
 * @see ../shared/spec/chat.md §3
 */
import type { CallId, CallAnswer, CallExtraInfo, CallInvitation, CallOffer } from './call'
import {
  callAnswerJson,
  callExtraInfoJson,
  callInvitationJson,
  callOfferJson,
  readCallAnswer,
  readCallExtraInfo,
  readCallInvitation,
  readCallOffer,
} from './call'
import {
  type ConnReqInvitation,
  type Probe,
  type ProbeHash,
  type Profile,
  type XContactId,
  profileJson,
  readProfile,
} from './contact'
import { type MsgContainer, type SharedMsgId, msgContainerJson, readMsgContainer } from './container'
import { type MsgContent, msgContentJson, readMsgContent } from './content'
import { ChatEncodeError } from './errors'
import {
  type Fields,
  type JsonRecord,
  bytesJson,
  isObject,
  objectJson,
  readBytes,
  readText,
  textJson,
} from './fields'
import { type FileInvitation, fileInvitationJson, readFileInvitation } from './file'
import {
  type GroupInvitation,
  type GroupProfile,
  type IntroInvitation,
  type MemberId,
  type MemberInfo,
  groupInvitationJson,
  groupProfileJson,
  introInvitationJson,
  memberInfoJson,
  readGroupInvitation,
  readGroupProfile,
  readIntroInvitation,
  readMemberInfo,
} from './group'
import type { JsonObject } from './json'

/** `x.msg.new`: a new message. */
export interface XMsgNew {
  readonly event: 'x.msg.new'
  readonly params: MsgContainer
}

/** `x.msg.update`: the author edits its message `msgId`. */
export interface XMsgUpdate {
  readonly event: 'x.msg.update'
  readonly params: { readonly msgId: SharedMsgId; readonly content: MsgContent }
}

/** `x.msg.del`: the author deletes its message `msgId` for everyone. */
export interface XMsgDel {
  readonly event: 'x.msg.del'
  readonly params: { readonly msgId: SharedMsgId }
}

/** `x.msg.deleted`: defined by v3.1, never sent or handled; any params are ignored. */
export interface XMsgDeleted {
  readonly event: 'x.msg.deleted'
}

/** `x.file`: legacy file offer (v1/v2), handled as a file message with empty text. */
export interface XFile {
  readonly event: 'x.file'
  readonly params: { readonly file: FileInvitation }
}

/** `x.file.acpt`: connection info of a recipient joining a direct file link. */
export interface XFileAcpt {
  readonly event: 'x.file.acpt'
  readonly params: { readonly fileName: string }
}

/** `x.file.acpt.inv`: a group member accepts file `msgId` and sends its own link to the sender. */
export interface XFileAcptInv {
  readonly event: 'x.file.acpt.inv'
  readonly params: {
    readonly msgId: SharedMsgId
    readonly fileConnReq: ConnReqInvitation
    readonly fileName: string
  }
}

/** `x.file.cancel`: the sender cancels the file offered by message `msgId`. */
export interface XFileCancel {
  readonly event: 'x.file.cancel'
  readonly params: { readonly msgId: SharedMsgId }
}

/** `x.info`: own profile, as connection info or as a profile update. */
export interface XInfo {
  readonly event: 'x.info'
  readonly params: { readonly profile: Profile }
}

/** `x.contact`: connection info of a request via a contact address. */
export interface XContact {
  readonly event: 'x.contact'
  readonly params: { readonly profile: Profile; readonly contactReqId?: XContactId }
}

/** `x.grp.inv`: invitation to a group. */
export interface XGrpInv {
  readonly event: 'x.grp.inv'
  readonly params: { readonly groupInvitation: GroupInvitation }
}

/** `x.grp.acpt`: connection info of an invitee joining the member connection. */
export interface XGrpAcpt {
  readonly event: 'x.grp.acpt'
  readonly params: { readonly memberId: MemberId }
}

/** `x.grp.mem.new`: the host announces a new member. */
export interface XGrpMemNew {
  readonly event: 'x.grp.mem.new'
  readonly params: { readonly memberInfo: MemberInfo }
}

/** `x.grp.mem.intro`: the host introduces an existing member to the new one. */
export interface XGrpMemIntro {
  readonly event: 'x.grp.mem.intro'
  readonly params: { readonly memberInfo: MemberInfo }
}

/** `x.grp.mem.inv`: the new member returns two links for member `memberId`. */
export interface XGrpMemInv {
  readonly event: 'x.grp.mem.inv'
  readonly params: { readonly memberId: MemberId; readonly memberIntro: IntroInvitation }
}

/** `x.grp.mem.fwd`: the host forwards the new member's links to an existing member. */
export interface XGrpMemFwd {
  readonly event: 'x.grp.mem.fwd'
  readonly params: { readonly memberInfo: MemberInfo; readonly memberIntro: IntroInvitation }
}

/** `x.grp.mem.info`: identity on member-to-member connections (connection info). */
export interface XGrpMemInfo {
  readonly event: 'x.grp.mem.info'
  readonly params: { readonly memberId: MemberId; readonly profile: Profile }
}

/** `x.grp.mem.con`: in the v3.1 protocol and codec (encoded and decoded here), though the v3.1 app never sends it. */
export interface XGrpMemCon {
  readonly event: 'x.grp.mem.con'
  readonly params: { readonly memberId: MemberId }
}

/** `x.grp.mem.con.all`: in the v3.1 protocol and codec (encoded and decoded here), though the v3.1 app never sends it. */
export interface XGrpMemConAll {
  readonly event: 'x.grp.mem.con.all'
  readonly params: { readonly memberId: MemberId }
}

/** `x.grp.mem.del`: remove member `memberId`. */
export interface XGrpMemDel {
  readonly event: 'x.grp.mem.del'
  readonly params: { readonly memberId: MemberId }
}

/** `x.grp.leave`: the sender leaves the group; any params are ignored. */
export interface XGrpLeave {
  readonly event: 'x.grp.leave'
}

/** `x.grp.del`: an owner deletes the group; any params are ignored. */
export interface XGrpDel {
  readonly event: 'x.grp.del'
}

/** `x.grp.info`: an owner updates the group profile (new in v3.1; unknown to v3.0). */
export interface XGrpInfo {
  readonly event: 'x.grp.info'
  readonly params: { readonly groupProfile: GroupProfile }
}

/** `x.info.probe`: a duplicate-contact probe. */
export interface XInfoProbe {
  readonly event: 'x.info.probe'
  readonly params: { readonly probe: Probe }
}

/** `x.info.probe.check`: the hash of a probe sent on another connection. */
export interface XInfoProbeCheck {
  readonly event: 'x.info.probe.check'
  readonly params: { readonly probeHash: ProbeHash }
}

/** `x.info.probe.ok`: the probe matched; both contacts are the same person. */
export interface XInfoProbeOk {
  readonly event: 'x.info.probe.ok'
  readonly params: { readonly probe: Probe }
}

/** `x.call.inv`: call invitation from the caller. */
export interface XCallInv {
  readonly event: 'x.call.inv'
  readonly params: { readonly callId: CallId; readonly invitation: CallInvitation }
}

/** `x.call.offer`: the callee's WebRTC offer. */
export interface XCallOffer {
  readonly event: 'x.call.offer'
  readonly params: { readonly callId: CallId; readonly offer: CallOffer }
}

/** `x.call.answer`: the caller's WebRTC answer. */
export interface XCallAnswer {
  readonly event: 'x.call.answer'
  readonly params: { readonly callId: CallId; readonly answer: CallAnswer }
}

/** `x.call.extra`: more ICE candidates, either direction. */
export interface XCallExtra {
  readonly event: 'x.call.extra'
  readonly params: { readonly callId: CallId; readonly extra: CallExtraInfo }
}

/** `x.call.end`: either side ends the call. */
export interface XCallEnd {
  readonly event: 'x.call.end'
  readonly params: { readonly callId: CallId }
}

/** `x.ok`: neutral confirmation (connection info); any params are ignored. */
export interface XOk {
  readonly event: 'x.ok'
}

/**
 * An event this protocol version does not know (`XUnknown`): kept with its
 * params and written back as received (keys sorted). Receivers ignore it.
 */
export interface XUnknown {
  readonly event: 'unknown'
  /** The wire event tag (never one of {@link CHAT_EVENT_TAGS}). */
  readonly tag: string
  /** The params object as received. */
  readonly params: JsonObject
}

/** Every event of the v3.1 chat protocol, plus {@link XUnknown}. */
export type ChatEvent =
  | XMsgNew
  | XMsgUpdate
  | XMsgDel
  | XMsgDeleted
  | XFile
  | XFileAcpt
  | XFileAcptInv
  | XFileCancel
  | XInfo
  | XContact
  | XGrpInv
  | XGrpAcpt
  | XGrpMemNew
  | XGrpMemIntro
  | XGrpMemInv
  | XGrpMemFwd
  | XGrpMemInfo
  | XGrpMemCon
  | XGrpMemConAll
  | XGrpMemDel
  | XGrpLeave
  | XGrpDel
  | XGrpInfo
  | XInfoProbe
  | XInfoProbeCheck
  | XInfoProbeOk
  | XCallInv
  | XCallOffer
  | XCallAnswer
  | XCallExtra
  | XCallEnd
  | XOk
  | XUnknown

/** The wire tag of a known event (`CMEventTag`). */
export type ChatEventTag = Exclude<ChatEvent['event'], 'unknown'>

/** All known event tags of v3.1, in the reference's order. */
export const CHAT_EVENT_TAGS: readonly ChatEventTag[] = [
  'x.msg.new',
  'x.msg.update',
  'x.msg.del',
  'x.msg.deleted',
  'x.file',
  'x.file.acpt',
  'x.file.acpt.inv',
  'x.file.cancel',
  'x.info',
  'x.contact',
  'x.grp.inv',
  'x.grp.acpt',
  'x.grp.mem.new',
  'x.grp.mem.intro',
  'x.grp.mem.inv',
  'x.grp.mem.fwd',
  'x.grp.mem.info',
  'x.grp.mem.con',
  'x.grp.mem.con.all',
  'x.grp.mem.del',
  'x.grp.leave',
  'x.grp.del',
  'x.grp.info',
  'x.info.probe',
  'x.info.probe.check',
  'x.info.probe.ok',
  'x.call.inv',
  'x.call.offer',
  'x.call.answer',
  'x.call.extra',
  'x.call.end',
  'x.ok',
]

const KNOWN = new Set<string>(CHAT_EVENT_TAGS)

/** Whether `tag` is a known v3.1 event tag. */
export function isChatEventTag(tag: string): tag is ChatEventTag {
  return KNOWN.has(tag)
}

const NOTIFY = new Set<string>(['x.msg.new', 'x.file', 'x.contact', 'x.grp.inv', 'x.grp.del', 'x.call.inv'])

/**
 * Whether the agent should set the SMP notification flag when sending this
 * event (`hasNotification`); unknown events never do.
 * @see ../shared/spec/chat.md §3.2
 */
export function hasNotification(event: ChatEvent): boolean {
  return NOTIFY.has(event.event)
}

/**
 * Read the params of the event `tag` as the reference does; unknown tags give {@link XUnknown}.
 * @throws ChatDecodeError when a known event lacks a field or has an ill-typed one.
 */
export function readChatEvent(tag: string, f: Fields): ChatEvent {
  const memberId = (): MemberId => f.req('memberId', readBytes)
  const msgId = (): SharedMsgId => f.req('msgId', readBytes)
  const callId = (): CallId => f.req('callId', readBytes)
  switch (tag) {
    case 'x.msg.new':
      return { event: tag, params: readMsgContainer(f) }
    case 'x.msg.update':
      return { event: tag, params: { msgId: msgId(), content: f.req('content', readMsgContent) } }
    case 'x.msg.del':
      return { event: tag, params: { msgId: msgId() } }
    case 'x.msg.deleted':
    case 'x.grp.leave':
    case 'x.grp.del':
    case 'x.ok':
      return { event: tag }
    case 'x.file':
      return { event: tag, params: { file: f.req('file', readFileInvitation) } }
    case 'x.file.acpt':
      return { event: tag, params: { fileName: f.req('fileName', readText) } }
    case 'x.file.acpt.inv':
      return {
        event: tag,
        params: {
          msgId: msgId(),
          fileConnReq: f.req('fileConnReq', readText),
          fileName: f.req('fileName', readText),
        },
      }
    case 'x.file.cancel':
      return { event: tag, params: { msgId: msgId() } }
    case 'x.info':
      return { event: tag, params: { profile: f.req('profile', readProfile) } }
    case 'x.contact': {
      const profile = f.req('profile', readProfile)
      const contactReqId = f.opt('contactReqId', readBytes)
      return { event: tag, params: contactReqId === undefined ? { profile } : { profile, contactReqId } }
    }
    case 'x.grp.inv':
      return { event: tag, params: { groupInvitation: f.req('groupInvitation', readGroupInvitation) } }
    case 'x.grp.acpt':
    case 'x.grp.mem.con':
    case 'x.grp.mem.con.all':
    case 'x.grp.mem.del':
      return { event: tag, params: { memberId: memberId() } }
    case 'x.grp.mem.new':
    case 'x.grp.mem.intro':
      return { event: tag, params: { memberInfo: f.req('memberInfo', readMemberInfo) } }
    case 'x.grp.mem.inv':
      return {
        event: tag,
        params: { memberId: memberId(), memberIntro: f.req('memberIntro', readIntroInvitation) },
      }
    case 'x.grp.mem.fwd':
      return {
        event: tag,
        params: {
          memberInfo: f.req('memberInfo', readMemberInfo),
          memberIntro: f.req('memberIntro', readIntroInvitation),
        },
      }
    case 'x.grp.mem.info':
      return { event: tag, params: { memberId: memberId(), profile: f.req('profile', readProfile) } }
    case 'x.grp.info':
      return { event: tag, params: { groupProfile: f.req('groupProfile', readGroupProfile) } }
    case 'x.info.probe':
    case 'x.info.probe.ok':
      return { event: tag, params: { probe: f.req('probe', readBytes) } }
    case 'x.info.probe.check':
      return { event: tag, params: { probeHash: f.req('probeHash', readBytes) } }
    case 'x.call.inv':
      return { event: tag, params: { callId: callId(), invitation: f.req('invitation', readCallInvitation) } }
    case 'x.call.offer':
      return { event: tag, params: { callId: callId(), offer: f.req('offer', readCallOffer) } }
    case 'x.call.answer':
      return { event: tag, params: { callId: callId(), answer: f.req('answer', readCallAnswer) } }
    case 'x.call.extra':
      return { event: tag, params: { callId: callId(), extra: f.req('extra', readCallExtraInfo) } }
    case 'x.call.end':
      return { event: tag, params: { callId: callId() } }
    default:
      for (const key of Object.keys(f.obj)) f.use(key)
      return { event: 'unknown', tag, params: f.obj }
  }
}

/** The wire tag of an event. */
export function chatEventTag(e: ChatEvent): string {
  return e.event === 'unknown' ? e.tag : e.event
}

/**
 * The `params` object of an event as the reference builds it.
 * @throws ChatEncodeError for values the reference could not have produced
 * (an unknown event reusing a known tag, wrong key sizes, non-integers…).
 */
export function chatEventParamsJson(e: ChatEvent): JsonObject {
  objectJson(e, 'event')
  switch (e.event) {
    case 'x.msg.new':
      return msgContainerJson(e.params)
    case 'x.msg.update':
      return { msgId: bytesJson(p(e).msgId, 'msgId'), content: msgContentJson(e.params.content) }
    case 'x.msg.del':
    case 'x.file.cancel':
      return { msgId: bytesJson(p(e).msgId, 'msgId') }
    case 'x.msg.deleted':
    case 'x.grp.leave':
    case 'x.grp.del':
    case 'x.ok':
      return {}
    case 'x.file':
      return { file: fileInvitationJson(p(e).file) }
    case 'x.file.acpt':
      return { fileName: textJson(p(e).fileName, 'fileName') }
    case 'x.file.acpt.inv':
      return {
        msgId: bytesJson(p(e).msgId, 'msgId'),
        fileConnReq: textJson(e.params.fileConnReq, 'fileConnReq'),
        fileName: textJson(e.params.fileName, 'fileName'),
      }
    case 'x.info':
      return { profile: profileJson(objectJson(p(e).profile, 'profile')) }
    case 'x.contact': {
      const o: JsonRecord = { profile: profileJson(objectJson(p(e).profile, 'profile')) }
      if (e.params.contactReqId !== undefined)
        o.contactReqId = bytesJson(e.params.contactReqId, 'contactReqId')
      return o
    }
    case 'x.grp.inv':
      return { groupInvitation: groupInvitationJson(p(e).groupInvitation) }
    case 'x.grp.acpt':
    case 'x.grp.mem.con':
    case 'x.grp.mem.con.all':
    case 'x.grp.mem.del':
      return { memberId: bytesJson(p(e).memberId, 'memberId') }
    case 'x.grp.mem.new':
    case 'x.grp.mem.intro':
      return { memberInfo: memberInfoJson(p(e).memberInfo) }
    case 'x.grp.mem.inv':
      return {
        memberId: bytesJson(p(e).memberId, 'memberId'),
        memberIntro: introInvitationJson(e.params.memberIntro),
      }
    case 'x.grp.mem.fwd':
      return {
        memberInfo: memberInfoJson(p(e).memberInfo),
        memberIntro: introInvitationJson(e.params.memberIntro),
      }
    case 'x.grp.mem.info':
      return {
        memberId: bytesJson(p(e).memberId, 'memberId'),
        profile: profileJson(objectJson(e.params.profile, 'profile')),
      }
    case 'x.grp.info':
      return { groupProfile: groupProfileJson(p(e).groupProfile) }
    case 'x.info.probe':
    case 'x.info.probe.ok':
      return { probe: bytesJson(p(e).probe, 'probe') }
    case 'x.info.probe.check':
      return { probeHash: bytesJson(p(e).probeHash, 'probeHash') }
    case 'x.call.inv':
      return { callId: bytesJson(p(e).callId, 'callId'), invitation: callInvitationJson(e.params.invitation) }
    case 'x.call.offer':
      return { callId: bytesJson(p(e).callId, 'callId'), offer: callOfferJson(e.params.offer) }
    case 'x.call.answer':
      return { callId: bytesJson(p(e).callId, 'callId'), answer: callAnswerJson(e.params.answer) }
    case 'x.call.extra':
      return { callId: bytesJson(p(e).callId, 'callId'), extra: callExtraInfoJson(e.params.extra) }
    case 'x.call.end':
      return { callId: bytesJson(p(e).callId, 'callId') }
    case 'unknown': {
      const tag = textJson(e.tag, 'tag')
      if (KNOWN.has(tag)) {
        throw new ChatEncodeError(`an unknown event cannot use the known tag ${JSON.stringify(tag)}`)
      }
      if (!isObject(e.params)) throw new ChatEncodeError('params of an unknown event must be an object')
      return e.params
    }
    default:
      throw new ChatEncodeError(`unknown event ${JSON.stringify((e as { event: unknown }).event)}`)
  }
}

/** The params object of an event that has one, checked to be an object. */
function p<E extends { readonly params: object }>(e: E): E['params'] {
  return objectJson(e.params, 'params')
}
