/**
 * Server addresses and SMP queue URIs, in their text and binary forms.
 *
 * ```
 * serverAddress = scheme "://" base64url(keyHash) "@" host [":" port]
 * binary        = str8(host) ‖ str8(port) ‖ str8(keyHash)          ; port may be empty
 * queueUri      = serverAddress "/" base64url(senderId) "#" base64url(X25519 SPKI)
 * ```
 *
 * At simplexmq v3.1.2 a server address has exactly one host (no `,`-separated
 * alternatives, no onion pairs), and `:` `#` `,` `;` `/` and space end it.
 *
 * @see ../shared/spec/smp.md §12
 * @see ../shared/spec/transport.md §12
 */
import {
  DecodeError,
  type Decoder,
  type Encoder,
  EncodeError,
  type VersionRange,
  base64urlDecode,
  base64urlEncode,
  fromLatin1,
  latin1,
  parseVersionRangeStr,
  CryptoKeyError,
  decodePublicKeyOf,
  encodePublicKey,
} from '@simplex-ts/core'
import type { PublicDhKey } from './keys'
import { SMP_CLIENT_VERSION_RANGE } from './version'

/** The protocols whose servers are addressed this way. */
export type ProtocolScheme = 'smp' | 'ntf'

/** A server address (`ProtocolServer`). */
export interface ProtocolServer<S extends ProtocolScheme = ProtocolScheme> {
  /** `smp` or `ntf`. */
  readonly scheme: S
  /** DNS name or IPv4 address (Latin-1 text; no IPv6 literals at v3.1.2). */
  readonly host: string
  /** Decimal port as written, or `''` for the protocol's default port. */
  readonly port: string
  /** SHA-256 of the server's CA certificate (32 bytes from reference servers). */
  readonly keyHash: Uint8Array
}

/** An SMP server address. */
export type SmpServer = ProtocolServer<'smp'>

/** The port an SMP client connects to when the address has none. */
export const DEFAULT_SMP_PORT = '5223'
/** The port an NTF client connects to when the address has none. */
export const DEFAULT_NTF_PORT = '443'

/** A server location: host and optional port (`SrvLoc`), as in addresses and `https://` link schemes. */
export interface SrvLoc {
  /** Host name. */
  readonly host: string
  /** Decimal port, or `''`. */
  readonly port: string
}

/** A cursor over URI text, with the attoparsec-like primitives the grammars need. */
class TextCursor {
  pos = 0
  constructor(readonly text: string) {}

  get atEnd(): boolean {
    return this.pos >= this.text.length
  }

  fail(message: string): never {
    throw new DecodeError(message, { offset: this.pos })
  }

  peek(): string | undefined {
    return this.text[this.pos]
  }

  /** Consume `s` or fail. */
  expect(s: string): void {
    if (!this.text.startsWith(s, this.pos)) this.fail(`expected ${JSON.stringify(s)}`)
    this.pos += s.length
  }

  /** Consume `s` if present. */
  optional(s: string): boolean {
    if (!this.text.startsWith(s, this.pos)) return false
    this.pos += s.length
    return true
  }

  /** Consume the longest run of characters satisfying `ok` (possibly empty). */
  takeWhile(ok: (c: string) => boolean): string {
    const start = this.pos
    while (this.pos < this.text.length && ok(this.text[this.pos]!)) this.pos++
    return this.text.slice(start, this.pos)
  }

  /** As {@link takeWhile} but at least one character. */
  takeWhile1(ok: (c: string) => boolean, what: string): string {
    const s = this.takeWhile(ok)
    if (s === '') this.fail(this.atEnd ? 'not enough input' : `expected ${what}`)
    return s
  }

  end(): void {
    if (!this.atEnd) this.fail('endOfInput')
  }

  /** Run `p`; on failure restore the position and return `undefined` (attoparsec backtracking). */
  attempt<T>(p: () => T): T | undefined {
    const at = this.pos
    try {
      return p()
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e
      this.pos = at
      return undefined
    }
  }
}

const isB64Char = (c: string): boolean => /^[A-Za-z0-9_-]$/.test(c)

/** The reference's `base64urlP`: one or more alphabet characters, optional `=` padding, then decode. */
function base64urlP(c: TextCursor): Uint8Array {
  const at = c.pos
  const body = c.takeWhile1(isB64Char, 'base64url')
  const padding = c.takeWhile((ch) => ch === '=')
  try {
    return base64urlDecode(body + padding)
  } catch (cause) {
    throw new DecodeError(`invalid base64url at ${at}`, { offset: at, cause })
  }
}

function dhKeyP(c: TextCursor): PublicDhKey {
  const at = c.pos
  const der = base64urlP(c)
  try {
    return decodePublicKeyOf('x25519', der)
  } catch (cause) {
    if (cause instanceof CryptoKeyError) throw new DecodeError(cause.message, { offset: at, cause })
    throw cause
  }
}

const HOST_STOP = new Set([':', '#', ',', ';', '/', ' '])
const isDigit = (ch: string): boolean => ch >= '0' && ch <= '9'

function srvLocP(c: TextCursor): SrvLoc {
  const host = c.takeWhile1((ch) => !HOST_STOP.has(ch), 'host')
  const port = c.attempt(() => {
    c.expect(':')
    return c.takeWhile1(isDigit, 'port')
  })
  return { host, port: port ?? '' }
}

function checkLatin1(text: string): void {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) throw new DecodeError(`non-Latin-1 character at ${i}`, { offset: i })
  }
}

function protocolServerP<S extends ProtocolScheme>(c: TextCursor, scheme: S): ProtocolServer<S> {
  const name = c.takeWhile((ch) => ch !== ':')
  if ((name !== 'smp' && name !== 'ntf') || name !== scheme) c.fail('bad ProtocolType')
  c.expect('://')
  const keyHash = base64urlP(c)
  c.expect('@')
  const { host, port } = srvLocP(c)
  return { scheme, host, port, keyHash }
}

/**
 * Text form of a server location: `host` or `host:port`.
 * @see ../shared/spec/transport.md §12
 */
export function formatSrvLoc(loc: SrvLoc): string {
  return loc.port === '' ? loc.host : `${loc.host}:${loc.port}`
}

/**
 * Parse `host[:port]` completely.
 * @throws DecodeError on an empty host, a non-numeric port or trailing text.
 * @see ../shared/spec/transport.md §12
 */
export function parseSrvLoc(text: string): SrvLoc {
  checkLatin1(text)
  const c = new TextCursor(text)
  const loc = srvLocP(c)
  c.end()
  return loc
}

/**
 * Text form of a server address: `scheme://<base64url keyHash>@host[:port]`.
 * @see ../shared/spec/transport.md §12
 */
export function formatProtocolServer(srv: ProtocolServer): string {
  return `${srv.scheme}://${base64urlEncode(srv.keyHash)}@${formatSrvLoc(srv)}`
}

/**
 * Parse a server address of the given scheme completely (`strDecode`).
 * @throws DecodeError on another scheme (`bad ProtocolType`), bad base64url, an empty host,
 *   a non-numeric port or trailing text.
 * @see ../shared/spec/transport.md §12
 */
export function parseProtocolServer<S extends ProtocolScheme>(text: string, scheme: S): ProtocolServer<S> {
  checkLatin1(text)
  const c = new TextCursor(text)
  const srv = protocolServerP(c, scheme)
  c.end()
  return srv
}

/**
 * Text form of an SMP server address: `smp://<base64url keyHash>@host[:port]`.
 * @see ../shared/spec/smp.md §12.1
 */
export function formatSmpServer(srv: SmpServer): string {
  return formatProtocolServer(srv)
}

/**
 * Parse an SMP server address completely.
 * @throws DecodeError as {@link parseProtocolServer}; an `ntf://` address is `bad ProtocolType`.
 * @see ../shared/spec/smp.md §12.1
 */
export function parseSmpServer(text: string): SmpServer {
  return parseProtocolServer(text, 'smp')
}

/**
 * Append the binary form of a server address: `str8(host) ‖ str8(port) ‖ str8(keyHash)` (no scheme).
 * @throws EncodeError when a field is longer than 255 bytes or the host/port is not Latin-1.
 * @see ../shared/spec/smp.md §12.1
 */
export function encodeProtocolServer(e: Encoder, srv: ProtocolServer): void {
  e.str8(latin1(srv.host)).str8(latin1(srv.port)).str8(srv.keyHash)
}

/**
 * Read the binary form of a server address; the scheme is given by the context.
 * Like the reference, any host/port bytes are accepted here (the text form is the strict one).
 * @throws DecodeError on truncated input.
 * @see ../shared/spec/smp.md §12.1
 */
export function decodeProtocolServer<S extends ProtocolScheme>(d: Decoder, scheme: S): ProtocolServer<S> {
  const host = fromLatin1(d.str8())
  const port = fromLatin1(d.str8())
  const keyHash = d.str8().slice()
  return { scheme, host, port, keyHash }
}

/**
 * Append the binary form of an SMP server address.
 * @throws EncodeError as {@link encodeProtocolServer}.
 * @see ../shared/spec/smp.md §12.1
 */
export function encodeSmpServer(e: Encoder, srv: SmpServer): void {
  encodeProtocolServer(e, srv)
}

/**
 * Read the binary form of an SMP server address.
 * @throws DecodeError on truncated input.
 * @see ../shared/spec/smp.md §12.1
 */
export function decodeSmpServer(d: Decoder): SmpServer {
  return decodeProtocolServer(d, 'smp')
}

/** An SMP queue URI (`SMPQueueUri`): what a sender needs to send to a queue. */
export interface SmpQueueUri {
  /** The queue's server. */
  readonly smpServer: SmpServer
  /** The queue's sender id. */
  readonly senderId: Uint8Array
  /** The SMP client envelope versions the recipient supports (1-1 when the URI has no version). */
  readonly clientVRange: VersionRange
  /** The recipient's per-queue X25519 key for the end-to-end client envelope (smp.md §8.4). */
  readonly dhPublicKey: PublicDhKey
}

/**
 * Text form of a queue URI. Like the reference at v3.1.2 this writes the short,
 * unversioned form `smp://kh@host[:port]/<senderId>#<dh key>` whatever `clientVRange` is.
 * @throws EncodeError on a non-X25519 key; CryptoKeyError on a key of the wrong size.
 * @see ../shared/spec/smp.md §12.2
 */
export function formatQueueUri(uri: SmpQueueUri): string {
  if (uri.dhPublicKey.alg !== 'x25519') throw new EncodeError('queue URI key must be X25519')
  const key = base64urlEncode(encodePublicKey(uri.dhPublicKey))
  return `${formatSmpServer(uri.smpServer)}/${base64urlEncode(uri.senderId)}#${key}`
}

function hexValue(ch: string | undefined): number {
  if (ch === undefined) return -1
  const v = Number.parseInt(ch, 16)
  return /^[0-9a-fA-F]$/.test(ch) ? v : -1
}

/** URL-decode a query component as `http-types` does: `+` is a space, `%XX` a byte, other `%` kept. */
function urlDecode(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!
    if (ch === '+') out += ' '
    else if (ch === '%' && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out += String.fromCharCode(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]))
      i += 2
    } else out += ch
  }
  return out
}

/** `parseSimpleQuery`: `&`/`;`-separated `name=value` pairs, URL-decoded, a leading `?` dropped. */
function parseSimpleQuery(q: string): [string, string][] {
  const text = q.startsWith('?') ? q.slice(1) : q
  if (text === '') return []
  return text.split(/[&;]/).map((part) => {
    const eq = part.indexOf('=')
    return eq < 0 ? [urlDecode(part), ''] : [urlDecode(part.slice(0, eq)), urlDecode(part.slice(eq + 1))]
  })
}

function queryParam<T>(c: TextCursor, query: [string, string][], name: string, parse: (s: string) => T): T {
  const found = query.find(([n]) => n === name)
  if (found === undefined) return c.fail(`no qs param ${name}`)
  return parse(found[1])
}

function parseDhKeyText(text: string): PublicDhKey {
  const c = new TextCursor(text)
  const key = dhKeyP(c)
  c.end()
  return key
}

/**
 * Parse a queue URI completely, accepting every form the reference accepts at v3.1.2:
 * `…/<sid>[/]#<key>` (unversioned: client range 1-1), and the versioned
 * `…/<sid>[/]#[<key>][/]?v=<range>[&dh=<key>]` (the key from the fragment, else from `dh`).
 * @throws DecodeError on any other input (e.g. no `#`, or a versioned form without `v`).
 * @see ../shared/spec/smp.md §12.2
 */
export function parseQueueUri(text: string): SmpQueueUri {
  checkLatin1(text)
  const c = new TextCursor(text)
  const smpServer = protocolServerP(c, 'smp')
  c.expect('/')
  const senderId = base64urlP(c)
  c.optional('/')
  c.expect('#')
  const unversioned = c.attempt(() => {
    const key = dhKeyP(c)
    c.end()
    return key
  })
  if (unversioned !== undefined) {
    return { smpServer, senderId, clientVRange: SMP_CLIENT_VERSION_RANGE, dhPublicKey: unversioned }
  }
  const keyInFragment = c.attempt(() => dhKeyP(c))
  c.optional('/')
  c.expect('?')
  const query = parseSimpleQuery(c.takeWhile((ch) => ch !== ' ' && ch !== '\n'))
  c.end()
  const clientVRange = queryParam(c, query, 'v', parseVersionRangeStr)
  const dhPublicKey = keyInFragment ?? queryParam(c, query, 'dh', parseDhKeyText)
  return { smpServer, senderId, clientVRange, dhPublicKey }
}
