/**
 * SMP client commands (recipient, sender and notifier) and their per-version
 * encodings. A command is the last part of a transmission:
 * `TAG [SP fields…]`, running to the end of the transmission.
 *
 * Parsing follows the reference exactly: the tag is everything before the
 * first space; an unknown tag is `CMD UNKNOWN`; a known tag whose remainder
 * does not parse completely is `CMD SYNTAX`.
 *
 * @see ../shared/spec/smp.md §5, §9
 */
import { DecodeError, Decoder, Encoder, fromLatin1 } from '@simplex-ts/core'
import { SmpCmdSyntaxError, SmpCmdUnknownError } from './errors'
import { type MsgFlags, NO_MSG_FLAGS, decodeMsgFlags, encodeMsgFlags } from './flags'
import {
  type PublicDhKey,
  type PublicVerifyKey,
  decodeDhKeyField,
  decodeVerifyKeyField,
  encodeKeyField,
} from './keys'
import { type SmpVersion, checkSmpVersion } from './version'

/** Largest `SEND` body the reference server accepts (`maxMessageLength`); longer gets `ERR LARGE_MSG`. */
export const MAX_MESSAGE_LENGTH = 16088

/** `NEW`: create a queue; signed with `rcvAuthKey` itself. Answered by `IDS`. */
export interface NewCommand {
  readonly type: 'NEW'
  /** The recipient's key that will verify all later recipient commands. */
  readonly rcvAuthKey: PublicVerifyKey
  /** The recipient's X25519 key for the server→recipient delivery encryption. */
  readonly rcvDhKey: PublicDhKey
}
/** `SUB`: subscribe this connection to the queue. */
export interface SubCommand {
  readonly type: 'SUB'
}
/** `KEY`: secure the queue with the sender's key. */
export interface KeyCommand {
  readonly type: 'KEY'
  /** The key that will verify the sender's `SEND`s. */
  readonly sndAuthKey: PublicVerifyKey
}
/** `NKEY`: create (or replace) the queue's notifier credentials. Answered by `NID`. */
export interface NKeyCommand {
  readonly type: 'NKEY'
  /** The key that will verify the notifier's `NSUB`. */
  readonly ntfAuthKey: PublicVerifyKey
  /** The recipient's X25519 key for the notification metadata encryption. */
  readonly rcvNtfDhKey: PublicDhKey
}
/** `NDEL`: delete the queue's notifier credentials. */
export interface NDelCommand {
  readonly type: 'NDEL'
}
/** `GET`: fetch the head message without subscribing. */
export interface GetCommand {
  readonly type: 'GET'
}
/** `ACK`: acknowledge the delivered message. */
export interface AckCommand {
  readonly type: 'ACK'
  /** The delivered message's id; not sent at v1 (where it decodes as empty). */
  readonly msgId: Uint8Array
}
/** `OFF`: suspend the queue (no further `SEND`). */
export interface OffCommand {
  readonly type: 'OFF'
}
/** `DEL`: delete the queue and its messages. */
export interface DelCommand {
  readonly type: 'DEL'
}
/** `SEND`: send a message to the queue (sender). */
export interface SendCommand {
  readonly type: 'SEND'
  /** Message flags; not sent at v1 (where they decode as {@link NO_MSG_FLAGS}). */
  readonly flags: MsgFlags
  /** The message body, opaque to the server (normally a client message envelope, §8.4). */
  readonly body: Uint8Array
}
/** `PING`: keep-alive, unsigned and without entity. */
export interface PingCommand {
  readonly type: 'PING'
}
/** `NSUB`: subscribe this connection to the queue's notifications (notifier). */
export interface NSubCommand {
  readonly type: 'NSUB'
}

/** Any SMP client command. */
export type Command =
  | NewCommand
  | SubCommand
  | KeyCommand
  | NKeyCommand
  | NDelCommand
  | GetCommand
  | AckCommand
  | OffCommand
  | DelCommand
  | SendCommand
  | PingCommand
  | NSubCommand

/** A command tag. */
export type CommandTag = Command['type']

/** The party that sends a command, which decides which queue id and key authorize it. */
export type Party = 'recipient' | 'sender' | 'notifier'

const COMMAND_PARTY: Readonly<Record<CommandTag, Party>> = {
  NEW: 'recipient',
  SUB: 'recipient',
  KEY: 'recipient',
  NKEY: 'recipient',
  NDEL: 'recipient',
  GET: 'recipient',
  ACK: 'recipient',
  OFF: 'recipient',
  DEL: 'recipient',
  SEND: 'sender',
  PING: 'sender',
  NSUB: 'notifier',
}

/** Every command tag, in the reference's order. */
export const COMMAND_TAGS: readonly CommandTag[] = Object.freeze(Object.keys(COMMAND_PARTY) as CommandTag[])

/**
 * The party of a command: its entity id is looked up as that party's queue id
 * (`RID`, `SID` or `NID`) and its signature verified with that party's key.
 * @see ../shared/spec/smp.md §4.2
 */
export function commandParty(cmd: Command | CommandTag): Party {
  return COMMAND_PARTY[typeof cmd === 'string' ? cmd : cmd.type]
}

const SP = 0x20

/**
 * Encode a command for the negotiated version (`encodeProtocol`).
 * @throws EncodeError on a malformed key or an over-long `str8` field.
 * @throws VersionIncompatibleError when `version` is not 1–4.
 */
export function encodeCommand(cmd: Command, version: SmpVersion): Uint8Array {
  const v = checkSmpVersion(version)
  const e = new Encoder(cmd.type === 'SEND' ? cmd.body.length + 16 : 128)
  e.ascii(cmd.type)
  switch (cmd.type) {
    case 'NEW':
      e.u8(SP)
      encodeKeyField(e, cmd.rcvAuthKey)
      encodeKeyField(e, cmd.rcvDhKey)
      break
    case 'KEY':
      e.u8(SP)
      encodeKeyField(e, cmd.sndAuthKey)
      break
    case 'NKEY':
      e.u8(SP)
      encodeKeyField(e, cmd.ntfAuthKey)
      encodeKeyField(e, cmd.rcvNtfDhKey)
      break
    case 'ACK':
      if (v >= 2) e.u8(SP).str8(cmd.msgId)
      break
    case 'SEND':
      e.u8(SP)
      if (v >= 2) {
        encodeMsgFlags(e, cmd.flags)
        e.u8(SP)
      }
      e.raw(cmd.body)
      break
    case 'SUB':
    case 'NDEL':
    case 'GET':
    case 'OFF':
    case 'DEL':
    case 'PING':
    case 'NSUB':
      break
  }
  return e.finish()
}

/**
 * Split a command or response at its first space: the tag, and a decoder over
 * the rest (which still starts with the space, as the reference's parameter parsers expect).
 * @internal
 */
export function splitTag(bytes: Uint8Array): { tag: string; params: Decoder } {
  let i = bytes.indexOf(SP)
  if (i < 0) i = bytes.length
  return { tag: fromLatin1(bytes.subarray(0, i)), params: new Decoder(bytes.subarray(i)) }
}

/**
 * Run `read` over the whole parameter part; any decoding failure becomes `CMD SYNTAX`.
 * @internal
 */
export function parseParams<T>(tag: string, params: Decoder, read: (d: Decoder) => T): T {
  try {
    const value = read(params)
    params.end()
    return value
  } catch (cause) {
    if (cause instanceof DecodeError) {
      throw new SmpCmdSyntaxError(`malformed ${tag}: ${cause.message}`, { cause })
    }
    throw cause
  }
}

function space(d: Decoder): void {
  d.expectChar(' ')
}

function isCommandTag(tag: string): tag is CommandTag {
  return Object.hasOwn(COMMAND_PARTY, tag)
}

/**
 * Decode a command as the server does for the negotiated version (`parseProtocol`).
 * Trailing bytes are an error; extra flag bytes in `SEND` are skipped (v3.1.2 behaviour).
 * @throws SmpCmdUnknownError when the tag is not a command tag (including response tags).
 * @throws SmpCmdSyntaxError when the parameters are malformed, a key has the wrong algorithm, or bytes trail.
 * @throws VersionIncompatibleError when `version` is not 1–4.
 */
export function decodeCommand(bytes: Uint8Array, version: SmpVersion): Command {
  const v = checkSmpVersion(version)
  const { tag, params } = splitTag(bytes)
  if (!isCommandTag(tag)) throw new SmpCmdUnknownError(`unknown command ${JSON.stringify(tag.slice(0, 16))}`)
  return parseParams(tag, params, (d): Command => {
    switch (tag) {
      case 'NEW': {
        space(d)
        const rcvAuthKey = decodeVerifyKeyField(d)
        const rcvDhKey = decodeDhKeyField(d, 'x25519')
        return { type: 'NEW', rcvAuthKey, rcvDhKey }
      }
      case 'KEY':
        space(d)
        return { type: 'KEY', sndAuthKey: decodeVerifyKeyField(d) }
      case 'NKEY': {
        space(d)
        const ntfAuthKey = decodeVerifyKeyField(d)
        const rcvNtfDhKey = decodeDhKeyField(d, 'x25519')
        return { type: 'NKEY', ntfAuthKey, rcvNtfDhKey }
      }
      case 'ACK':
        if (v === 1) return { type: 'ACK', msgId: new Uint8Array(0) }
        space(d)
        return { type: 'ACK', msgId: d.str8().slice() }
      case 'SEND': {
        space(d)
        let flags = NO_MSG_FLAGS
        if (v >= 2) {
          flags = decodeMsgFlags(d)
          space(d)
        }
        return { type: 'SEND', flags, body: d.tail().slice() }
      }
      case 'SUB':
      case 'NDEL':
      case 'GET':
      case 'OFF':
      case 'DEL':
      case 'PING':
      case 'NSUB':
        return { type: tag }
    }
  })
}
