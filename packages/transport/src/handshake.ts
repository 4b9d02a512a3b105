/**
 * The hello handshake that follows the TLS handshake: the server sends its
 * version range and the session id, the client answers with the chosen
 * version and the server identity (key hash) it expects. Both blocks are
 * parsed strictly, and neither is ever batched.
 *
 * @see ../shared/spec/transport.md §6, §9
 */
import {
  DecodeError,
  type Decoder,
  type VersionRange,
  compatibleVersion,
  decodeAll,
  encode,
  equalBytes,
  formatVersionRange,
  isInRange,
} from '@simplex-ts/core'
import { SMP_BLOCK_SIZE, decodeBlock } from './block'
import {
  BadSessionError,
  HandshakeIdentityError,
  HandshakeParseError,
  HandshakeVersionError,
  TransportError,
} from './errors'

/** SMP server protocol versions this package speaks (`supportedSMPServerVRange`). */
export const SMP_VERSION_RANGE: VersionRange = Object.freeze({ min: 1, max: 4 })

/** The server's hello: its supported range and the session id (TLS client Finished). */
export interface ServerHello {
  /** Versions the server supports. */
  readonly versionRange: VersionRange
  /** The TLS channel binding the server observed (32 bytes TLS 1.3, 12 bytes TLS 1.2). */
  readonly sessionId: Uint8Array
}

/** The client's hello: the chosen version and the server identity the client expects. */
export interface ClientHello {
  /** The version the client chose from both ranges. */
  readonly version: number
  /** SHA-256 of the server's CA certificate, as in the server address (32 bytes; any length parses). */
  readonly keyHash: Uint8Array
}

/**
 * Server hello content: `u16 min ‖ u16 max ‖ str8(sessionId)`.
 * @throws EncodeError when the range is inverted or the session id exceeds 255 bytes.
 */
export function encodeServerHello(hello: ServerHello): Uint8Array {
  return encode((e) => e.versionRange(hello.versionRange).str8(hello.sessionId), 5 + hello.sessionId.length)
}

/**
 * Parse server hello content strictly (trailing bytes are an error).
 * @throws HandshakeParseError
 */
export function decodeServerHello(content: Uint8Array): ServerHello {
  return parseHello(content, (d) => {
    const versionRange = d.versionRange()
    const sessionId = d.str8().slice()
    return { versionRange, sessionId }
  })
}

/**
 * Client hello content: `u16 version ‖ str8(keyHash)`.
 * @throws EncodeError when the version is not a u16 or the key hash exceeds 255 bytes.
 */
export function encodeClientHello(hello: ClientHello): Uint8Array {
  return encode((e) => e.version(hello.version).str8(hello.keyHash), 3 + hello.keyHash.length)
}

/**
 * Parse client hello content strictly (a trailing byte makes a v3.1.2 server drop the connection).
 * @throws HandshakeParseError
 */
export function decodeClientHello(content: Uint8Array): ClientHello {
  return parseHello(content, (d) => {
    const version = d.version()
    const keyHash = d.str8().slice()
    return { version, keyHash }
  })
}

function parseHello<T>(content: Uint8Array, read: (d: Decoder) => T): T {
  try {
    return decodeAll(content, read)
  } catch (e) {
    if (e instanceof DecodeError)
      throw new HandshakeParseError(`invalid hello block: ${e.message}`, { cause: e })
    throw e
  }
}

/** Decode the content of a padded hello block; a bad block or length prefix is a handshake `PARSE` failure. */
function helloContent(block: Uint8Array, blockSize: number): Uint8Array {
  try {
    return decodeBlock(block, blockSize)
  } catch (e) {
    if (e instanceof TransportError)
      throw new HandshakeParseError(`invalid hello block: ${e.message}`, { cause: e })
    throw e
  }
}

/**
 * The client's choice (`compatibleVersion`): the highest version in both ranges.
 * @throws HandshakeVersionError when the ranges do not overlap.
 * @see ../shared/spec/transport.md §9
 */
export function negotiateClientVersion(serverRange: VersionRange, clientRange: VersionRange): number {
  const v = compatibleVersion(serverRange, clientRange)
  if (v === undefined) {
    throw new HandshakeVersionError(
      `no common version: server ${formatVersionRange(serverRange)}, client ${formatVersionRange(clientRange)}`,
    )
  }
  return v
}

/**
 * Client-side checks of a server hello: the session id must equal the
 * client's own channel binding (skipped when `sessionId` is undefined, as in
 * a browser, where the TLS Finished message is not observable), and the
 * ranges must overlap.
 * @returns the chosen version
 * @throws BadSessionError on a session id mismatch.
 * @throws HandshakeVersionError when the ranges do not overlap.
 */
export function checkServerHello(
  hello: ServerHello,
  ours: { readonly versionRange: VersionRange; readonly sessionId?: Uint8Array | undefined },
): number {
  if (ours.sessionId !== undefined && !equalBytes(hello.sessionId, ours.sessionId)) {
    throw new BadSessionError('server hello session id differs from the TLS channel binding')
  }
  return negotiateClientVersion(hello.versionRange, ours.versionRange)
}

/**
 * Server-side checks of a client hello, in the reference's order: identity
 * first, then `min ≤ version ≤ max` (the server does not insist on its maximum).
 * @returns the agreed version
 * @throws HandshakeIdentityError when the key hash is not the server's identity.
 * @throws HandshakeVersionError when the chosen version is outside the server range.
 */
export function checkClientHello(
  hello: ClientHello,
  ours: { readonly versionRange: VersionRange; readonly keyHash: Uint8Array },
): number {
  if (!equalBytes(hello.keyHash, ours.keyHash)) {
    throw new HandshakeIdentityError('client hello key hash is not this server identity')
  }
  if (!isInRange(ours.versionRange, hello.version)) {
    throw new HandshakeVersionError(
      `client chose version ${hello.version}, server supports ${formatVersionRange(ours.versionRange)}`,
    )
  }
  return hello.version
}

/** The two operations a hello handshake needs from a connection. */
export interface HelloChannel {
  /** Pad and send one block. */
  sendBlock(content: Uint8Array): Promise<void>
  /** Receive the next whole (padded) block. */
  receiveBlock(): Promise<Uint8Array>
}

/** Result of {@link clientHandshake}. */
export interface ClientHandshakeResult {
  /** The agreed version. */
  readonly version: number
  /** The session id (from the server hello; equal to the channel binding when it was checked). */
  readonly sessionId: Uint8Array
  /** The server's version range. */
  readonly serverVersionRange: VersionRange
}

/**
 * Run the client side: receive the server hello, check it, send the client hello.
 * @throws HandshakeParseError, BadSessionError, HandshakeVersionError, and the channel's errors.
 * @see ../shared/spec/transport.md §6
 */
export async function clientHandshake(
  channel: HelloChannel,
  options: {
    readonly keyHash: Uint8Array
    readonly versionRange?: VersionRange
    readonly sessionId?: Uint8Array | undefined
    readonly blockSize?: number
  },
): Promise<ClientHandshakeResult> {
  const blockSize = options.blockSize ?? SMP_BLOCK_SIZE
  const versionRange = options.versionRange ?? SMP_VERSION_RANGE
  const hello = decodeServerHello(helloContent(await channel.receiveBlock(), blockSize))
  const version = checkServerHello(hello, { versionRange, sessionId: options.sessionId })
  await channel.sendBlock(encodeClientHello({ version, keyHash: options.keyHash }))
  return { version, sessionId: hello.sessionId, serverVersionRange: hello.versionRange }
}

/**
 * Run the server side: send the server hello, receive and check the client hello.
 * On failure the caller closes the connection without sending anything.
 * @returns the agreed version
 * @throws HandshakeParseError, HandshakeIdentityError, HandshakeVersionError, and the channel's errors.
 * @see ../shared/spec/transport.md §6
 */
export async function serverHandshake(
  channel: HelloChannel,
  options: {
    readonly keyHash: Uint8Array
    readonly sessionId: Uint8Array
    readonly versionRange?: VersionRange
    readonly blockSize?: number
  },
): Promise<number> {
  const blockSize = options.blockSize ?? SMP_BLOCK_SIZE
  const versionRange = options.versionRange ?? SMP_VERSION_RANGE
  await channel.sendBlock(encodeServerHello({ versionRange, sessionId: options.sessionId }))
  const hello = decodeClientHello(helloContent(await channel.receiveBlock(), blockSize))
  return checkClientHello(hello, { versionRange, keyHash: options.keyHash })
}
