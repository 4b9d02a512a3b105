/**
 * Property tests of the agent's wire decoders (10,000 runs each): random and mutated input only
 * ever raises the typed error of its layer, and every value round-trips through its encoding.
 */
import { DecodeError, decodeAll, encode } from '@simplex-ts/core'
import type { SmpQueueUri } from '@simplex-ts/smp'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type AMessage,
  AgentMessageError,
  type AgentMessage,
  type AgentMsgEnvelope,
  CmdSyntaxError,
  type ConnReqScheme,
  type ConnectionRequest,
  type InvitationRequest,
  type SmpQueueInfo,
  checkMsgIntegrity,
  decodeAgentClientMessage,
  decodeAgentMessage,
  decodeAgentMsgEnvelope,
  decodeSmpQueueInfo,
  encodeAgentMessage,
  encodeAgentMsgEnvelope,
  encodeSmpQueueInfo,
  formatConnectionRequest,
  parseConnectionRequest,
} from '../src/index'

const RUNS = { numRuns: 10_000 }

/** Run `f`; any throw must be an instance of `E`. */
function onlyThrows(E: new (...args: never[]) => Error, f: () => unknown): void {
  try {
    f()
  } catch (e) {
    if (!(e instanceof E)) throw e
  }
}

// --- arbitraries ---------------------------------------------------------------
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max })
const u16 = fc.integer({ min: 0, max: 0xffff })
const vrange = fc.tuple(u16, u16).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) }))
/** Host characters that do not end a host, including URI delimiters and Latin-1 letters. */
const hostChar = fc.constantFrom(..."abcxyz019.-_~!$&'()*+=@%?é\u00ff".split(''))
const host = fc.string({ unit: hostChar, minLength: 1, maxLength: 20 })
const port = fc.oneof(fc.constant(''), fc.stringMatching(/^[0-9]{1,5}$/))
const server = fc.record({ scheme: fc.constant('smp' as const), host, port, keyHash: bytes(1, 33) })
const x25519 = bytes(32, 32).map((publicKey) => ({ alg: 'x25519' as const, publicKey }))

const queueInfo: fc.Arbitrary<SmpQueueInfo> = fc.record({
  clientVersion: u16,
  smpServer: server,
  senderId: bytes(0, 30),
  dhPublicKey: x25519,
})
const queues = fc.array(queueInfo, { minLength: 1, maxLength: 3 }) as unknown as fc.Arbitrary<[SmpQueueInfo]>

/** Queue URIs as v3.1 writes them: no version, so they read back as 1-1. */
const queueUri: fc.Arbitrary<SmpQueueUri> = fc.record({
  smpServer: server,
  senderId: bytes(1, 30),
  clientVRange: fc.constant({ min: 1, max: 1 }),
  dhPublicKey: x25519,
})
const scheme: fc.Arbitrary<ConnReqScheme> = fc.oneof(
  fc.constant({ type: 'simplex' as const }),
  fc.record({ type: fc.constant('appServer' as const), host, port }),
)
const connReqData = fc.record({
  scheme,
  agentVRange: vrange,
  smpQueues: fc.array(queueUri, { minLength: 1, maxLength: 3 }) as unknown as fc.Arbitrary<[SmpQueueUri]>,
})
const invitation: fc.Arbitrary<InvitationRequest> = fc.record({
  mode: fc.constant('invitation' as const),
  data: connReqData,
  e2eParams: fc.record({ versionRange: vrange, key1: bytes(56, 56), key2: bytes(56, 56) }),
})
const connReq: fc.Arbitrary<ConnectionRequest> = fc.oneof(
  invitation,
  fc.record({ mode: fc.constant('contact' as const), data: connReqData }),
)

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
const aMessage: fc.Arbitrary<AMessage> = fc.oneof(
  fc.constant({ type: 'HELLO' as const }),
  fc.record({ type: fc.constant('REPLY' as const), smpQueues: queues }),
  fc.record({ type: fc.constant('A_MSG' as const), body: bytes(0, 64) }),
)
const agentMessage: fc.Arbitrary<AgentMessage> = fc.oneof(
  fc.record({ type: fc.constant('AgentConnInfo' as const), connInfo: bytes(0, 64) }),
  fc.record({ type: fc.constant('AgentConnInfoReply' as const), smpQueues: queues, connInfo: bytes(0, 64) }),
  fc.record({
    type: fc.constant('AgentMessage' as const),
    header: fc.record({ sndMsgId: int64, prevMsgHash: bytes(0, 40) }),
    message: aMessage,
  }),
)
const envelope: fc.Arbitrary<AgentMsgEnvelope> = fc.oneof(
  fc.record({
    type: fc.constant('AgentConfirmation' as const),
    agentVersion: u16,
    encConnInfo: bytes(0, 64),
  }),
  fc.record({
    type: fc.constant('AgentConfirmation' as const),
    agentVersion: u16,
    e2eEncryption: fc.record({ version: u16, key1: bytes(56, 56), key2: bytes(56, 56) }),
    encConnInfo: bytes(0, 64),
  }),
  fc.record({
    type: fc.constant('AgentMsgEnvelope' as const),
    agentVersion: u16,
    encAgentMessage: bytes(0, 64),
  }),
  fc.record({
    type: fc.constant('AgentInvitation' as const),
    agentVersion: u16,
    connReq: invitation,
    connInfo: bytes(0, 64),
  }),
)

/** Random bytes, often behind a valid prefix so the decoder gets past the first tag. */
function prefixed(prefixes: readonly number[][]) {
  return fc.tuple(fc.constantFrom([], ...prefixes), bytes(0, 200)).map(([p, rest]) => {
    const out = new Uint8Array(p.length + rest.length)
    out.set(p)
    out.set(rest, p.length)
    return out
  })
}

/** Replace, insert or delete a few characters / bytes of a valid encoding. */
const edits = fc.array(
  fc.record({ op: fc.constantFrom('set', 'ins', 'del'), at: fc.nat(), ch: fc.integer({ min: 0, max: 255 }) }),
  { minLength: 1, maxLength: 3 },
)
function mutateBytes(b: Uint8Array, es: { op: string; at: number; ch: number }[]): Uint8Array {
  const a = [...b]
  for (const { op, at, ch } of es) {
    const i = a.length === 0 ? 0 : at % (a.length + (op === 'ins' ? 1 : 0))
    if (op === 'set' && a.length > 0) a[i] = ch
    else if (op === 'ins') a.splice(i, 0, ch)
    else if (a.length > 0) a.splice(i, 1)
  }
  return Uint8Array.from(a)
}
const LINK_CHARS = '%&;=?#/:,+ \n-_.~0123456789ABCDEFabcdefsimplexhtp'
function mutateText(s: string, es: { op: string; at: number; ch: number }[]): string {
  const a = [...s]
  for (const { op, at, ch } of es) {
    const c = ch < LINK_CHARS.length * 4 ? LINK_CHARS[ch % LINK_CHARS.length]! : String.fromCharCode(ch)
    const i = a.length === 0 ? 0 : at % (a.length + (op === 'ins' ? 1 : 0))
    if (op === 'set' && a.length > 0) a[i] = c
    else if (op === 'ins') a.splice(i, 0, c)
    else if (a.length > 0) a.splice(i, 1)
  }
  return a.join('')
}

// --- properties -------------------------------------------------------------------
describe('SMPQueueInfo', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(queueInfo, (q) => {
        expect(
          decodeAll(
            encode((e) => encodeSmpQueueInfo(e, q)),
            decodeSmpQueueInfo,
          ),
        ).toEqual(q)
      }),
      RUNS,
    )
  })
  it('random and mutated input: only DecodeError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          bytes(0, 200),
          fc.tuple(queueInfo, edits).map(([q, es]) =>
            mutateBytes(
              encode((e) => encodeSmpQueueInfo(e, q)),
              es,
            ),
          ),
        ),
        (b) => {
          onlyThrows(DecodeError, () => decodeAll(b, decodeSmpQueueInfo))
        },
      ),
      RUNS,
    )
  })
})

describe('AgentMessage', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(agentMessage, (m) => {
        expect(decodeAgentMessage(encodeAgentMessage(m))).toEqual(m)
      }),
      RUNS,
    )
  })
  it('random and mutated input: only AGENT A_MESSAGE', () => {
    const input = fc.oneof(
      prefixed([[0x49], [0x44, 1], [0x4d], [0x4d, 0, 0, 0, 0, 0, 0, 0, 1, 0]]),
      fc.tuple(agentMessage, edits).map(([m, es]) => mutateBytes(encodeAgentMessage(m), es)),
    )
    fc.assert(
      fc.property(input, (b) => {
        onlyThrows(AgentMessageError, () => decodeAgentMessage(b))
      }),
      RUNS,
    )
  })
  it('integrity verdicts are total and OK only for the successor with the same hash', () => {
    fc.assert(
      fc.property(int64, bytes(0, 2), int64, bytes(0, 2), (p, h, s, hs) => {
        const v = checkMsgIntegrity(p, h, { sndMsgId: s, prevMsgHash: hs })
        const ok = s === BigInt.asIntN(64, p + 1n) && h.length === hs.length && h.every((x, i) => x === hs[i])
        expect(v === null).toBe(ok)
      }),
      RUNS,
    )
  })
})

describe('AgentMsgEnvelope', () => {
  it('round-trips', () => {
    fc.assert(
      fc.property(envelope, (env) => {
        expect(decodeAgentMsgEnvelope(encodeAgentMsgEnvelope(env))).toEqual(env)
      }),
      RUNS,
    )
  })
  it('random and mutated input: only AGENT A_MESSAGE', () => {
    const input = fc.oneof(
      prefixed([
        [0, 2, 0x43],
        [0, 2, 0x43, 0x31, 0, 1, 68],
        [0, 2, 0x4d],
        [0, 2, 0x49],
        [0, 2, 0x49, 0, 40],
      ]),
      fc.tuple(envelope, edits).map(([env, es]) => mutateBytes(encodeAgentMsgEnvelope(env), es)),
    )
    fc.assert(
      fc.property(input, (b) => {
        onlyThrows(AgentMessageError, () => decodeAgentMsgEnvelope(b))
      }),
      RUNS,
    )
  })
  it('client messages as the agent reads them: only AGENT A_MESSAGE', () => {
    fc.assert(
      fc.property(prefixed([[0x5f], [0x4b], [0x4b, 68]]), (b) => {
        onlyThrows(AgentMessageError, () => decodeAgentClientMessage(b))
      }),
      RUNS,
    )
  })
})

describe('connection requests', () => {
  it('round-trip through the text form', () => {
    fc.assert(
      fc.property(connReq, (cr) => {
        expect(parseConnectionRequest(formatConnectionRequest(cr))).toEqual(cr)
      }),
      RUNS,
    )
  })
  it('random and mutated links: only CMD SYNTAX, and whatever parses re-renders to the same value', () => {
    const input = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc
        .tuple(
          fc.constantFrom('simplex:/invitation#/?', 'https://h/contact/#/?', ''),
          fc.string({ unit: fc.constantFrom(...LINK_CHARS.split('')), maxLength: 120 }),
        )
        .map(([a, b]) => a + b),
      fc.tuple(connReq, edits).map(([cr, es]) => mutateText(formatConnectionRequest(cr), es)),
    )
    fc.assert(
      fc.property(input, (text) => {
        let cr: ConnectionRequest
        try {
          cr = parseConnectionRequest(text)
        } catch (e) {
          if (!(e instanceof CmdSyntaxError)) throw e
          return
        }
        expect(parseConnectionRequest(formatConnectionRequest(cr))).toEqual(cr)
      }),
      RUNS,
    )
  })
})
