/**
 * Errors of the SMP client itself, as opposed to the server's `ERR`
 * responses (those arrive as the {@link SmpProtocolError} classes of
 * `errors.ts`) and connection setup failures (the transport's typed errors).
 * Named after the reference client's `ProtocolClientError` constructors.
 *
 * @see ../shared/spec/smp.md §14
 */
import { SmpError } from '../errors'

/** Base of the errors raised by the SMP client (not by the server). */
export abstract class SmpClientError extends SmpError {}

/**
 * No response arrived within the response timeout (reference
 * `PCEResponseTimeout`, 5 s). The command may still have run on the server; a
 * late response is treated as unsolicited.
 */
export class SmpResponseTimeoutError extends SmpClientError {
  override readonly code = 'RESPONSE_TIMEOUT'
  override readonly retriable = true
}

/**
 * The connection to the relay was lost (or was never re-established in time)
 * while the command waited for its response (reference `PCENetworkError`).
 * Retriable: the client reconnects on its own unless reconnection is off.
 */
export class SmpConnectionLostError extends SmpClientError {
  override readonly code = 'NETWORK'
  override readonly retriable = true
}

/**
 * The relay answered with a message the command cannot have (reference
 * `PCEUnexpectedResponse`), e.g. `OK` to `NEW`, or `MSG` for a queue this client does not know.
 */
export class SmpUnexpectedResponseError extends SmpClientError {
  override readonly code = 'UNEXPECTED_RESPONSE'
}

/** The client was closed (by `close()` or its abort signal) before the command completed. */
export class SmpClientClosedError extends SmpClientError {
  override readonly code = 'CLIENT_CLOSED'
}
