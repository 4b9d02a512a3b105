/**
 * Typed errors of the transport layer. The first six mirror the reference's
 * `TransportError` / `HandshakeError` constructors one to one (their `code` is
 * the reference's serialisation: `BLOCK`, `LARGE_MSG`, `SESSION`, and
 * `PARSE` / `VERSION` / `IDENTITY` for `TEHandshake`); the certificate errors
 * carry the names of the reference's x509 validation failures; the rest are
 * local conditions (closed, timeout, network).
 *
 * @see ../shared/spec/transport.md §13
 */
import { SimplexError } from '@simplex-ts/core'

/** Base of every error raised by `@simplex-ts/transport`. */
export abstract class TransportError extends SimplexError {
  override readonly layer = 'transport'
}

/**
 * A block could not be parsed: wrong block size (WebSocket message of another
 * length), broken v4 batch framing. Reference `TEBadBlock`.
 * @see ../shared/spec/transport.md §8, §11
 */
export class BadBlockError extends TransportError {
  override readonly code = 'BLOCK'
}

/**
 * Content does not fit a block, or a received block declares more content
 * than it holds. Reference `TELargeMsg`.
 * @see ../shared/spec/transport.md §5
 */
export class LargeMsgError extends TransportError {
  override readonly code = 'LARGE_MSG'
}

/**
 * The server hello carries a session id different from the client's own TLS
 * channel binding. Reference `TEBadSession`.
 * @see ../shared/spec/transport.md §6, §7
 */
export class BadSessionError extends TransportError {
  override readonly code = 'SESSION'
}

/** The three reasons of the reference's `TEHandshake`. */
export type HandshakeErrorType = 'PARSE' | 'VERSION' | 'IDENTITY'

/**
 * Base of the hello-handshake failures (reference `TEHandshake`);
 * `handshakeErr` names the reason.
 * @see ../shared/spec/transport.md §6
 */
export abstract class HandshakeError extends TransportError {
  /** The reference's `HandshakeError` constructor name. */
  abstract readonly handshakeErr: HandshakeErrorType
}

/** A hello block is not exactly the expected fields (strict parse). Reference `TEHandshake PARSE`. */
export class HandshakeParseError extends HandshakeError {
  override readonly code = 'PARSE'
  override readonly handshakeErr = 'PARSE'
}

/**
 * The peers' version ranges do not overlap (client side), or the client chose
 * a version outside the server range (server side). Reference `TEHandshake VERSION`.
 */
export class HandshakeVersionError extends HandshakeError {
  override readonly code = 'VERSION'
  override readonly handshakeErr = 'VERSION'
}

/** The key hash in the client hello is not the server's identity. Reference `TEHandshake IDENTITY`. */
export class HandshakeIdentityError extends HandshakeError {
  override readonly code = 'IDENTITY'
  override readonly handshakeErr = 'IDENTITY'
}

/**
 * Base of the server certificate chain failures found by the client during the
 * TLS handshake; `code` is the reference's x509 `FailedReason` name.
 * @see ../shared/spec/transport.md §4.1
 */
export abstract class CertificateError extends TransportError {}

/** The server sent fewer than 2 certificates. Reference `EmptyChain`. */
export class EmptyChainError extends CertificateError {
  override readonly code = 'EmptyChain'
}

/** The server sent more than 2 certificates. Reference `AuthorityTooDeep`. */
export class AuthorityTooDeepError extends CertificateError {
  override readonly code = 'AuthorityTooDeep'
}

/**
 * The CA certificate's SHA-256 fingerprint is not the key hash of the server
 * address (wrong server identity), or the leaf names another issuer. Reference `UnknownCA`.
 */
export class UnknownCAError extends CertificateError {
  override readonly code = 'UnknownCA'
}

/** The leaf is not signed by the CA key, or a certificate cannot be decoded. Reference `InvalidSignature`. */
export class InvalidSignatureError extends CertificateError {
  override readonly code = 'InvalidSignature'
}

/** A certificate's validity period ended. Reference `Expired`. */
export class CertificateExpiredError extends CertificateError {
  override readonly code = 'Expired'
}

/** A certificate's validity period has not started. Reference `InFuture`. */
export class CertificateInFutureError extends CertificateError {
  override readonly code = 'InFuture'
}

/** The CA certificate lacks `basicConstraints CA:true` (or key usage forbids signing). Reference `NotAnAuthority`. */
export class NotAnAuthorityError extends CertificateError {
  override readonly code = 'NotAnAuthority'
}

/** The leaf certificate is not X.509 v3. Reference `LeafNotV3`. */
export class LeafNotV3Error extends CertificateError {
  override readonly code = 'LeafNotV3'
}

/** The connection was closed (by either side, or by EOF) while an operation needed it. */
export class ConnectionClosedError extends TransportError {
  override readonly code = 'CLOSED'
  override readonly retriable = true
}

/** Connecting, the TLS handshake or the hello handshake did not finish in time. */
export class TransportTimeoutError extends TransportError {
  override readonly code = 'TIMEOUT'
  override readonly retriable = true
}

/** A socket-level or TLS-level failure (refused, reset, no shared TLS parameters); `cause` has the original. */
export class NetworkError extends TransportError {
  override readonly code = 'NETWORK'
  override readonly retriable = true
}

/** Type guard for any {@link TransportError}, optionally with a given `code`. */
export function isTransportError(e: unknown, code?: string): e is TransportError {
  return e instanceof TransportError && (code === undefined || e.code === code)
}
