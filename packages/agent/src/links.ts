/**
 * Connection requests: the out-of-band invitation and contact links.
 *
 * ```
 * <scheme>/<mode>#/?v=<agent range>&smp=<escaped queue URIs>[&e2e=<escaped v=<range>&x3dh=<k1>,<k2>>]
 * scheme = "simplex:" / "https://" host[":" port]      ; v3.1 writes https://simplex.chat
 * mode   = "invitation" / "contact"                    ; a "/" may follow it when parsing
 * ```
 *
 * The query is rendered as `http-types` renders a simple query: every byte of names and values
 * but `A–Z a–z 0–9 - _ . ~` percent-escaped with upper-case hex. Parsing is as tolerant as the
 * v3.1.2 reference and no more: any app-server host, `&` or `;` separators, unknown parameters
 * ignored, unescaped values, every queue-URI form smp's `parseQueueUri` reads (so a v3.2+ peer's
 * `#/?v=1-2&dh=…&srv=…` queue is read, its extra hosts ignored, and negotiates down to client
 * version 1). Text is handled as Latin-1, one character per byte, as the reference's byte strings.
 *
 * @see ../shared/spec/agent.md §3
 */
import {
  DecodeError,
  EncodeError,
  type VersionRange,
  formatVersionRange,
  parseVersionRangeStr,
} from '@simplex-ts/core'
import { type SmpQueueUri, type SrvLoc, formatQueueUri, formatSrvLoc, parseQueueUri } from '@simplex-ts/smp'
import { CmdSyntaxError } from './errors'
import type { NonEmpty } from './messages'
import { AGENT_VRANGE } from './version'
import { type E2ERatchetParamsUri, encodeE2ERatchetParamsUri, parseE2ERatchetParamsUri } from './x3dh'

/**
 * The two kinds of link: a one-time invitation (with X3DH keys) or a reusable contact address.
 * @see ../shared/spec/agent.md §3.1, §8.4
 */
export type ConnectionMode = 'invitation' | 'contact'

/**
 * The link's scheme (`ConnReqScheme`): `simplex:` (`CRSSimplex`) or `https://host[:port]`
 * (`CRSAppServer`), which lets the link open a web page that hands it to the app.
 * @see ../shared/spec/agent.md §3.1
 */
export type ConnReqScheme =
  | {
      /** `simplex:` */
      readonly type: 'simplex'
    }
  | ({
      /** `https://host[:port]` */
      readonly type: 'appServer'
    } & SrvLoc)

/**
 * The scheme the v3.1 agent writes: `https://simplex.chat` (`simplexChat`).
 * @see ../shared/spec/agent.md §3.1
 */
export const SIMPLEX_CHAT_SCHEME: ConnReqScheme = Object.freeze({
  type: 'appServer',
  host: 'simplex.chat',
  port: '',
})

/**
 * What both kinds of link carry (`ConnReqUriData`).
 * @see ../shared/spec/agent.md §3.1
 */
export interface ConnReqUriData {
  /** The link's scheme. */
  readonly scheme: ConnReqScheme
  /** The agent protocol versions of the link's creator (`1-2` from v3.1). */
  readonly agentVRange: VersionRange
  /** The creator's receive queues; v3.1 writes and uses exactly one (the first). */
  readonly smpQueues: NonEmpty<SmpQueueUri>
}

/**
 * A one-time invitation link (`CRInvitationUri`): the queue and the initiator's X3DH keys.
 * @see ../shared/spec/agent.md §3.1, §3.4
 */
export interface InvitationRequest {
  /** `invitation` */
  readonly mode: 'invitation'
  /** Scheme, versions and queues. */
  readonly data: ConnReqUriData
  /** The initiator's e2e ratchet versions and X448 keys `k1`, `k2`. */
  readonly e2eParams: E2ERatchetParamsUri
}

/**
 * A contact address link (`CRContactUri`): a queue only; the ratchet keys come later, inside the
 * requester's invitation.
 * @see ../shared/spec/agent.md §3.4, §8.4
 */
export interface ContactRequest {
  /** `contact` */
  readonly mode: 'contact'
  /** Scheme, versions and queues. */
  readonly data: ConnReqUriData
}

/**
 * A connection request of either mode (`AConnectionRequestUri`).
 * @see ../shared/spec/agent.md §3
 */
export type ConnectionRequest = InvitationRequest | ContactRequest

/**
 * The data of a new link as v3.1 makes it (`newConn`): `https://simplex.chat`, agent versions
 * `1-2`, one queue.
 * @see ../shared/spec/agent.md §3.1, §8.1
 */
export function newConnReqData(queue: SmpQueueUri): ConnReqUriData {
  return { scheme: SIMPLEX_CHAT_SCHEME, agentVRange: AGENT_VRANGE, smpQueues: [queue] }
}

/**
 * Text form of a scheme: `simplex:` or `https://host[:port]`.
 * @see ../shared/spec/agent.md §3.1
 * @throws EncodeError on an empty host, a host with a character that ends it (`: # , ; /`, space)
 *   or outside Latin-1, or a non-numeric port.
 */
export function formatConnReqScheme(scheme: ConnReqScheme): string {
  if (scheme.type === 'simplex') return 'simplex:'
  // Unlike the reference, refuse a location that would not parse back.
  if (!/^[^:#,;/ \u0100-\uffff]+$/.test(scheme.host) || !/^[0-9]*$/.test(scheme.port)) {
    throw new EncodeError(`invalid app server location ${JSON.stringify(formatSrvLoc(scheme))}`)
  }
  return `https://${formatSrvLoc(scheme)}`
}

/**
 * The link text, byte for byte as the reference writes it: parameters `v`, `smp`, then `e2e` for
 * an invitation; queue URIs in the short unversioned form; values escaped once.
 * @see ../shared/spec/agent.md §3.1, §3.2
 * @throws EncodeError on a non-Latin-1 character or a scheme as {@link formatConnReqScheme};
 *   CryptoKeyError/EncodeError on a malformed key.
 */
export function formatConnectionRequest(cr: ConnectionRequest): string {
  const { scheme, agentVRange, smpQueues } = cr.data
  const params: [string, string][] = [
    ['v', formatVersionRange(agentVRange)],
    ['smp', smpQueues.map(formatQueueUri).join(',')],
  ]
  if (cr.mode === 'invitation') params.push(['e2e', encodeE2ERatchetParamsUri(cr.e2eParams)])
  const query = params.map(([name, value]) => `${urlEncode(name)}=${urlEncode(value)}`).join('&')
  return `${formatConnReqScheme(scheme)}/${cr.mode}#/?${query}`
}

/**
 * Parse a link of either mode as the v3.1.2 reference does (`strDecode`), with exactly its
 * tolerance: see the module notes. A missing `e2e` in an invitation, an unknown mode, a missing
 * or malformed `v`/`smp`, a space or newline in the query, and trailing text are errors.
 * @see ../shared/spec/agent.md §3.1–3.3
 * @throws CmdSyntaxError (`CMD SYNTAX`) on any malformed link; the DecodeError is its `cause`.
 */
export function parseConnectionRequest(text: string): ConnectionRequest {
  try {
    return readConnectionRequest(text)
  } catch (cause) {
    if (cause instanceof DecodeError)
      throw new CmdSyntaxError(`bad connection request: ${cause.message}`, { cause })
    throw cause
  }
}

/**
 * Parse an invitation link (`ConnectionRequestUri 'CMInvitation`), as inside an `AgentInvitation`.
 * @see ../shared/spec/agent.md §3, §6.1
 * @throws CmdSyntaxError as {@link parseConnectionRequest}, and for a contact link
 *   (`bad connection request mode`).
 */
export function parseInvitationRequest(text: string): InvitationRequest {
  const cr = parseConnectionRequest(text)
  if (cr.mode !== 'invitation') {
    throw new CmdSyntaxError('bad connection request mode', {
      cause: new DecodeError('bad connection request mode'),
    })
  }
  return cr
}

/** The parser proper: throws DecodeError with the offset where the text stopped matching. */
function readConnectionRequest(text: string): ConnectionRequest {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) throw new DecodeError(`non-Latin-1 character at ${i}`, { offset: i })
  }
  let pos = 0
  const fail = (message: string): never => {
    throw new DecodeError(message, { offset: pos })
  }
  const literal = (s: string): boolean => {
    if (!text.startsWith(s, pos)) return false
    pos += s.length
    return true
  }

  let scheme: ConnReqScheme
  if (literal('simplex:')) scheme = { type: 'simplex' }
  else if (literal('https://')) {
    const start = pos
    while (pos < text.length && !HOST_STOP.has(text[pos]!)) pos++
    if (pos === start) fail('expected app server host')
    const host = text.slice(start, pos)
    let port = ''
    if (text[pos] === ':' && isDigit(text[pos + 1])) {
      const portStart = ++pos
      while (isDigit(text[pos])) pos++
      port = text.slice(portStart, pos)
    }
    scheme = { type: 'appServer', host, port }
  } else return fail('expected simplex: or https:// scheme')

  if (!literal('/')) fail('expected "/"')
  let mode: ConnectionMode
  if (literal('invitation')) mode = 'invitation'
  else if (literal('contact')) mode = 'contact'
  else return fail('bad connection mode')
  literal('/')
  if (!literal('#/?')) fail('expected "#/?"')

  const queryStart = pos
  while (pos < text.length && text[pos] !== ' ' && text[pos] !== '\n') pos++
  if (pos !== text.length) fail('endOfInput')
  const query = parseSimpleQuery(text.slice(queryStart))

  const agentVRange = parseVersionRangeStr(queryParam(query, 'v'))
  const smpQueues = parseQueueList(queryParam(query, 'smp'))
  const data: ConnReqUriData = { scheme, agentVRange, smpQueues }
  if (mode === 'contact') return { mode, data }
  return { mode, data, e2eParams: parseE2ERatchetParamsUri(queryParam(query, 'e2e')) }
}

const HOST_STOP = new Set([':', '#', ',', ';', '/', ' '])
const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9'

/** A non-empty `,`-separated list of queue URIs; an item ends at `,`, space or newline (`listItem`). */
function parseQueueList(value: string): NonEmpty<SmpQueueUri> {
  const items = value.split(',')
  return items.map((item) => {
    if (/[ \n]/.test(item)) throw new DecodeError('unexpected space or newline in queue URI')
    return parseQueueUri(item)
  }) as unknown as NonEmpty<SmpQueueUri>
}

function queryParam(query: readonly [string, string][], name: string): string {
  const found = query.find(([n]) => n === name)
  if (found === undefined) throw new DecodeError(`no qs param ${name}`)
  return found[1]
}

/**
 * `parseSimpleQuery` of `http-types`: an optional leading `?`, pieces separated by `&` or `;`,
 * each split at its first `=`, both halves URL-decoded.
 */
function parseSimpleQuery(q: string): [string, string][] {
  const body = q.startsWith('?') ? q.slice(1) : q
  if (body === '') return []
  const pieces = body.split(/[&;]/)
  // A trailing separator does not start another (empty) piece.
  if (pieces.length > 1 && pieces[pieces.length - 1] === '') pieces.pop()
  return pieces.map((piece) => {
    const eq = piece.indexOf('=')
    return eq < 0 ? [urlDecode(piece), ''] : [urlDecode(piece.slice(0, eq)), urlDecode(piece.slice(eq + 1))]
  })
}

function hexDigit(ch: string | undefined): number {
  if (ch === undefined || !/^[0-9A-Fa-f]$/.test(ch)) return -1
  return Number.parseInt(ch, 16)
}

/** `urlDecode True`: `+` is a space, `%XX` one byte, any other `%` kept as is. */
function urlDecode(s: string): string {
  if (!/[%+]/.test(s)) return s
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!
    const hi = hexDigit(s[i + 1])
    const lo = hexDigit(s[i + 2])
    if (ch === '+') out += ' '
    else if (ch === '%' && hi >= 0 && lo >= 0) {
      out += String.fromCharCode(hi * 16 + lo)
      i += 2
    } else out += ch
  }
  return out
}

const HEX = '0123456789ABCDEF'

/** `urlEncode True` on Latin-1 text: all but `A–Z a–z 0–9 - _ . ~` as `%XX` (upper-case hex). */
function urlEncode(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c > 0xff) throw new EncodeError(`non-Latin-1 character at ${i}`)
    const ch = s[i]!
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch
    else out += `%${HEX[c >> 4]}${HEX[c & 15]}`
  }
  return out
}
