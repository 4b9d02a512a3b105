/**
 * Errors of the chat client: one class per refused command, coded as the
 * reference's `ChatErrorType` / `StoreError` names them, so logs read the same
 * as a simplex-chat terminal's.
 *
 * @see ../shared/spec/chat.md §4
 */
import { ChatError } from '../errors'

/** No user profile is active (`CENoActiveUser`): create one with `users.create` first. */
export class NoActiveUserError extends ChatError {
  override readonly code = 'CENoActiveUser'
}

/** The user profile does not exist in this store (`SEUserNotFound`). */
export class UserNotFoundError extends ChatError {
  override readonly code = 'SEUserNotFound'
}

/** The contact does not exist (`SEContactNotFound`). */
export class ContactNotFoundError extends ChatError {
  override readonly code = 'SEContactNotFound'
}

/** The contact's connection cannot carry messages yet (`CEContactNotReady`). */
export class ContactNotReadyError extends ChatError {
  override readonly code = 'CEContactNotReady'
}

/**
 * A contact made through this contact address already exists (`CRContactAlreadyExists` of the
 * reference, which refuses to connect to the same address twice).
 */
export class ContactAlreadyExistsError extends ChatError {
  override readonly code = 'CEContactAlreadyExists'
  /** The existing contact. */
  readonly contactId: number
  constructor(message: string, contactId: number) {
    super(message)
    this.contactId = contactId
  }
}

/** The chat item does not exist for this contact (`SEChatItemNotFound`). */
export class ChatItemNotFoundError extends ChatError {
  override readonly code = 'SEChatItemNotFound'
}

/** Only an item with content can be quoted (`CEInvalidQuote`). */
export class InvalidQuoteError extends ChatError {
  override readonly code = 'CEInvalidQuote'
}

/** Only own sent, not deleted items can be edited (`CEInvalidChatItemUpdate`). */
export class InvalidChatItemUpdateError extends ChatError {
  override readonly code = 'CEInvalidChatItemUpdate'
}

/** Only own sent items can be deleted for everyone (`CEInvalidChatItemDelete`). */
export class InvalidChatItemDeleteError extends ChatError {
  override readonly code = 'CEInvalidChatItemDelete'
}

/** The user already has a contact address (`SEDuplicateContactLink`). */
export class DuplicateContactLinkError extends ChatError {
  override readonly code = 'SEDuplicateContactLink'
}

/** The user has no contact address (`SEUserContactLinkNotFound`). */
export class UserContactLinkNotFoundError extends ChatError {
  override readonly code = 'SEUserContactLinkNotFound'
}

/** The contact request does not exist (`SEContactRequestNotFound`). */
export class ContactRequestNotFoundError extends ChatError {
  override readonly code = 'SEContactRequestNotFound'
}

/** The pending connection does not exist (`SEPendingConnectionNotFound`). */
export class PendingConnectionNotFoundError extends ChatError {
  override readonly code = 'SEPendingConnectionNotFound'
}

/** A profile is not valid: an empty or spaced display name (`CEInvalidProfile`). */
export class InvalidProfileError extends ChatError {
  override readonly code = 'CEInvalidProfile'
}

/** A received agent event concerns a connection this client does not know (`SEConnectionNotFound`). */
export class ConnectionNotFoundError extends ChatError {
  override readonly code = 'SEConnectionNotFound'
}

/** A received chat event was refused: wrong context or a forbidden change (`CEMessageError`). */
export class ChatMessageError extends ChatError {
  override readonly code = 'CEMessageError'
}

/** The chat client was closed (`CEChatNotStarted`). */
export class ChatClosedError extends ChatError {
  override readonly code = 'CEChatNotStarted'
}
