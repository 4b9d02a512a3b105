import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  COMMAND_TAGS,
  type Command,
  NO_MSG_FLAGS,
  RESPONSE_TAGS,
  type Response,
  SmpCmdSyntaxError,
  SmpCmdUnknownError,
  type SmpVersion,
  decodeCommand,
  decodeResponse,
  encodeCommand,
  encodeResponse,
} from '../src/index'
import { RUNS, commandArb, responseArb, taggedBytesArb, versionArb } from './arbitraries'

/** What a command reads back as at `v`: v1 drops the ACK msgId and the SEND flags. */
function normalizeCommand(cmd: Command, v: SmpVersion): Command {
  if (v === 1 && cmd.type === 'ACK') return { type: 'ACK', msgId: new Uint8Array(0) }
  if (v === 1 && cmd.type === 'SEND') return { ...cmd, flags: NO_MSG_FLAGS }
  return cmd
}

/** What a server message reads back as at `v`: the clear MSG header shrinks with each version. */
function normalizeResponse(res: Response, v: SmpVersion): Response {
  if (res.type !== 'MSG') return res
  if (v === 1) return { ...res, msgFlags: NO_MSG_FLAGS }
  if (v >= 3) return { ...res, msgTs: 0, msgFlags: NO_MSG_FLAGS }
  return res
}

const tagOnly = (e: unknown) => e instanceof SmpCmdUnknownError || e instanceof SmpCmdSyntaxError

describe('decodeCommand', () => {
  it('round-trips every command at every version', () => {
    fc.assert(
      fc.property(commandArb, versionArb, (cmd, v) => {
        expect(decodeCommand(encodeCommand(cmd, v), v)).toEqual(normalizeCommand(cmd, v))
      }),
      RUNS,
    )
  })

  it('turns any bytes into a command or CMD UNKNOWN / CMD SYNTAX, nothing else', () => {
    fc.assert(
      fc.property(taggedBytesArb([...COMMAND_TAGS, ...RESPONSE_TAGS]), versionArb, (bytes, v) => {
        try {
          const cmd = decodeCommand(bytes, v)
          // whatever parsed re-encodes to a command that parses to the same value
          expect(decodeCommand(encodeCommand(cmd, v), v)).toEqual(cmd)
        } catch (e) {
          if (!tagOnly(e)) throw e
        }
      }),
      RUNS,
    )
  })

  it('rejects a command with trailing bytes (SEND has none: its body is the tail)', () => {
    const notSend = commandArb.filter((c) => c.type !== 'SEND')
    fc.assert(
      fc.property(notSend, versionArb, fc.uint8Array({ maxLength: 8 }), (c, v, extra) => {
        const bytes = Uint8Array.from([...encodeCommand(c, v), 0x20, ...extra])
        expect(() => decodeCommand(bytes, v)).toThrow(SmpCmdSyntaxError)
      }),
      RUNS,
    )
  })
})

describe('decodeResponse', () => {
  it('round-trips every server message at every version', () => {
    fc.assert(
      fc.property(responseArb, versionArb, (res, v) => {
        expect(decodeResponse(encodeResponse(res, v), v)).toEqual(normalizeResponse(res, v))
      }),
      RUNS,
    )
  })

  it('turns any bytes into a server message or CMD UNKNOWN / CMD SYNTAX, nothing else', () => {
    fc.assert(
      fc.property(taggedBytesArb([...RESPONSE_TAGS, ...COMMAND_TAGS, 'ERR CMD']), versionArb, (bytes, v) => {
        try {
          const res = decodeResponse(bytes, v)
          expect(decodeResponse(encodeResponse(res, v), v)).toEqual(res)
        } catch (e) {
          if (!tagOnly(e)) throw e
        }
      }),
      RUNS,
    )
  })
})
