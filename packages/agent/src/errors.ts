/**
 * Errors raised by `@simplex-ts/agent`.
 *
 * The end-to-end layer's failures are the reference's `CryptoError`
 * constructors that belong to the double ratchet; each has its own class whose
 * `code` is the reference constructor name, so logs read the same across
 * implementations. The generic AES / padding failures (`AESDecryptError`,
 * `CryptoLargeMsgError`, `CryptoKeyError`) are the shared ones from
 * `@simplex-ts/core`.
 *
 * @see ../shared/spec/agent.md §7.6
 */
import { SimplexError } from '@simplex-ts/core'

/**
 * Base of every error raised by `@simplex-ts/agent`.
 * @see ../shared/spec/agent.md §7.6
 */
export abstract class AgentError extends SimplexError {
  override readonly layer = 'agent'
}

/**
 * Base of the double-ratchet errors (the ratchet constructors of the reference's `CryptoError`).
 * @see ../shared/spec/agent.md §7.6
 */
export abstract class RatchetError extends AgentError {}

/**
 * An encrypted ratchet message, its encrypted header, or the decrypted header did not parse
 * (the reference's `CryptoHeaderError`; the v3.1 agent reports it as `AGENT A_ENCRYPTION`).
 * Always thrown: the ratchet state is unchanged. The parser's message is in `message` and `cause`.
 * @see ../shared/spec/agent.md §7.6
 */
export class CryptoHeaderError extends RatchetError {
  override readonly code = 'CryptoHeaderError'
}

/**
 * No sending chain: the ratchet cannot encrypt yet (the initiator before it has received the
 * joiner's first message), or a receiving chain is missing where one is needed (`CERatchetState`).
 * @see ../shared/spec/agent.md §7.4
 */
export class CERatchetStateError extends RatchetError {
  override readonly code = 'CERatchetState'
}

/**
 * No known header key opens the message header (`CERatchetHeader`): not a message of this
 * connection, a tampered header, or a replay of a message whose skipped key was already used.
 * Always thrown: the ratchet state and skipped keys are unchanged.
 * @see ../shared/spec/agent.md §7.6
 */
export class CERatchetHeaderError extends RatchetError {
  override readonly code = 'CERatchetHeader'
}

/**
 * The header's message number is more than 512 (`MAX_SKIP`) beyond the next expected one
 * (`CERatchetTooManySkipped`).
 * @see ../shared/spec/agent.md §7.6
 */
export class CERatchetTooManySkippedError extends RatchetError {
  override readonly code = 'CERatchetTooManySkipped'
}

/**
 * The header's message number is older than the previous message of the chain and no skipped key
 * for it is stored (`CERatchetEarlierMessage`).
 * @see ../shared/spec/agent.md §7.6
 */
export class CERatchetEarlierMessageError extends RatchetError {
  override readonly code = 'CERatchetEarlierMessage'
}

/**
 * The header's message number is the one just received on this chain (`CERatchetDuplicateMessage`;
 * the v3.1 agent reports it as `AGENT A_DUPLICATE`).
 * @see ../shared/spec/agent.md §7.6
 */
export class CERatchetDuplicateMessageError extends RatchetError {
  override readonly code = 'CERatchetDuplicateMessage'
}

/**
 * Base of the errors the reference reports as `AgentErrorType` (`CMD …`, `AGENT …`); `code` is the
 * error's text form as the reference writes it (`AGENT A_MESSAGE`, `CMD SYNTAX`).
 * @see ../shared/spec/agent.md §12
 */
export abstract class AgentProtocolError extends AgentError {}

/**
 * A connection request (link) or agent command did not parse (`CMD SYNTAX`). The parser's
 * failure is in `cause`.
 * @see ../shared/spec/agent.md §3, §12
 */
export class CmdSyntaxError extends AgentProtocolError {
  override readonly code = 'CMD SYNTAX'
}

/**
 * A message from another agent did not parse: client message, agent envelope, agent message, or
 * the invitation link inside an `AgentInvitation` (`AGENT A_MESSAGE`). The parser's failure is in
 * `cause`.
 * @see ../shared/spec/agent.md §6, §12
 */
export class AgentMessageError extends AgentProtocolError {
  override readonly code = 'AGENT A_MESSAGE'
}

/**
 * A message that is well-formed but not allowed in the connection's state or with that header
 * (`AGENT A_PROHIBITED`).
 * @see ../shared/spec/agent.md §5, §8.5, §12
 */
export class AgentProhibitedError extends AgentProtocolError {
  override readonly code = 'AGENT A_PROHIBITED'
}

/**
 * No common version of the agent, SMP client or e2e protocol with the peer, or a peer's version
 * outside the supported range (`AGENT A_VERSION`).
 * @see ../shared/spec/agent.md §2, §12
 */
export class AgentVersionError extends AgentProtocolError {
  override readonly code = 'AGENT A_VERSION'
}

/**
 * No connection (or pending confirmation / contact request) with that id (`CONN NOT_FOUND`).
 * @see ../shared/spec/agent.md §12
 */
export class ConnNotFoundError extends AgentProtocolError {
  override readonly code = 'CONN NOT_FOUND'
}

/**
 * The peer's queue no longer accepts messages: the relay answered `AUTH` or `QUOTA` to a
 * confirmation, or `AUTH` to a HELLO (`CONN NOT_AVAILABLE`).
 * @see ../shared/spec/agent.md §10.1
 */
export class ConnNotAvailableError extends AgentProtocolError {
  override readonly code = 'CONN NOT_AVAILABLE'
}

/**
 * The v1 initiator did not allow the connection before the HELLO timeout (`CONN NOT_ACCEPTED`).
 * @see ../shared/spec/agent.md §10.1
 */
export class ConnNotAcceptedError extends AgentProtocolError {
  override readonly code = 'CONN NOT_ACCEPTED'
}

/**
 * The operation needs a duplex connection and this one has only one queue yet (`CONN SIMPLEX`).
 * @see ../shared/spec/agent.md §10.3
 */
export class ConnSimplexError extends AgentProtocolError {
  override readonly code = 'CONN SIMPLEX'
}

/**
 * The operation is not allowed in the connection's state, e.g. sending before it is connected
 * or joining with a contact address as if it were an invitation (`CMD PROHIBITED`).
 * @see ../shared/spec/agent.md §12
 */
export class CmdProhibitedError extends AgentProtocolError {
  override readonly code = 'CMD PROHIBITED'
}

/**
 * The message body or connection info does not fit in one agent message (`CMD LARGE`).
 * @see ../shared/spec/agent.md §4, §12
 */
export class CmdLargeError extends AgentProtocolError {
  override readonly code = 'CMD LARGE'
}

/**
 * A message of the peer failed end-to-end decryption: per-queue box, ratchet header or body
 * (`AGENT A_ENCRYPTION`). Nothing was stored and the ratchet is unchanged; the ratchet's or
 * box's own error is in `cause`.
 * @see ../shared/spec/agent.md §5, §7.6, §12
 */
export class AgentEncryptionError extends AgentProtocolError {
  override readonly code = 'AGENT A_ENCRYPTION'
}

/**
 * A message the agent already processed was delivered again (`AGENT A_DUPLICATE`); benign.
 * @see ../shared/spec/agent.md §10.2
 */
export class AgentDuplicateError extends AgentProtocolError {
  override readonly code = 'AGENT A_DUPLICATE'
}

/**
 * The agent was closed before the operation completed.
 * @see ../shared/spec/agent.md §12
 */
export class AgentClosedError extends AgentError {
  override readonly code = 'AGENT_CLOSED'
}
