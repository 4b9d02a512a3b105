/**
 * The bot API: a chat client with one profile and a contact address that
 * accepts every request, dispatching each received message to a command
 * handler (`/help …`) or the message handler, with a `reply` bound to the
 * sender. Unknown events never stop it; a handler that throws is reported to
 * `onError` listeners (or the console) and the bot carries on.
 *
 * @see ../shared/spec/chat.md §4.2, §4.3
 */
import type { Profile } from '../contact'
import type { MsgContent } from '../content'
import { type ChatClient, type ChatClientOptions, createChatClient } from '../client/client'
import type { ChatClientEvent, ChatClientEventType, ChatItem, Contact } from '../client/types'

/**
 * Options of {@link createBot}: a chat client's options with a required profile.
 * @see ../shared/spec/chat.md §4.2
 */
export interface BotOptions extends Omit<ChatClientOptions, 'profile'> {
  /** The bot's profile; an existing store's profile is updated to it (and sent to contacts) when it differs. */
  readonly profile: Profile
  /** Accept every contact request at the address (default `true`). */
  readonly autoAccept?: boolean
  /** A message sent to every new contact once connected (needs `autoAccept`). */
  readonly welcome?: string | MsgContent
}

/** A received message as a bot handler sees it. */
export interface BotMessage {
  /** The sender. */
  readonly contact: Contact
  /** The chat item (ids, quote, timestamps). */
  readonly item: ChatItem
  /** The message text (`''` for content without text). */
  readonly text: string
  readonly content: MsgContent
}

/** Send a message to the sender of the message being handled; `quote: true` replies to it. */
export type BotReply = (
  content: string | MsgContent,
  options?: { readonly quote?: boolean },
) => Promise<ChatItem>

/** A message handler; may be async. */
export type BotMessageHandler = (msg: BotMessage, reply: BotReply) => unknown

/** A command handler: `args` is the text after the command word, trimmed. */
export type BotCommandHandler = (msg: BotMessage, reply: BotReply, args: string) => unknown

/**
 * A running bot.
 * @see ../shared/spec/chat.md §4
 */
export interface Bot {
  /** The chat client underneath (contacts, history, anything the bot API does not wrap). */
  readonly client: ChatClient
  /** The bot's contact address: publish it so users can connect. */
  readonly address: string
  /** Handle every message that is not a registered command; returns the function that removes it. */
  onMessage(fn: BotMessageHandler): () => void
  /**
   * Handle `/name` and `/name args…` messages (the first word must be exactly `name`).
   * @throws TypeError when `name` does not start with `/` or contains spaces.
   */
  onCommand(name: string, fn: BotCommandHandler): () => void
  /** Listen to handler failures (without a listener they are logged to the console). */
  onError(fn: (contact: Contact, error: Error) => void): () => void
  /** Any other client event (`contactConnected`, `error`…); returns the function that stops it. */
  on<T extends ChatClientEventType>(
    type: T,
    fn: (event: Extract<ChatClientEvent, { type: T }>) => void,
  ): () => void
  /** Start dispatching messages (those that arrived since {@link createBot} included); returns the address. */
  start(): Promise<string>
  /** Stop dispatching and close the client. Idempotent. */
  close(): Promise<void>
}

/**
 * Create a bot: open its chat client, make sure its profile and contact address exist (created on
 * first run, reused from the storage afterwards) and set auto-accept.
 * @throws as {@link createChatClient}; the relay's errors while creating the address.
 * @see ../shared/spec/chat.md §4.2
 */
export async function createBot(options: BotOptions): Promise<Bot> {
  const { profile, autoAccept, welcome, ...clientOptions } = options
  const client = await createChatClient({ ...clientOptions, profile })
  try {
    const active = await client.users.active()
    if (active === undefined) await client.users.create(profile, { activate: true })
    else if (
      active.profile.displayName !== profile.displayName ||
      active.profile.fullName !== profile.fullName ||
      active.profile.image !== profile.image
    ) {
      await client.updateProfile(profile)
    }
    const address = (await client.address()) ?? (await client.createAddress())
    await client.setAutoAccept(autoAccept ?? true, welcome === undefined ? {} : { autoReply: welcome })
    return new BotImpl(client, address.link)
  } catch (e) {
    await client.close()
    throw e
  }
}

class BotImpl implements Bot {
  readonly client: ChatClient
  readonly address: string
  readonly #messageHandlers = new Set<BotMessageHandler>()
  readonly #commands = new Map<string, BotCommandHandler>()
  readonly #abort = new AbortController()
  readonly #events: AsyncIterableIterator<ChatClientEvent>
  #loop: Promise<void> | undefined
  #closed = false

  constructor(client: ChatClient, address: string) {
    this.client = client
    this.address = address
    // subscribe now so messages arriving before start() are buffered, not lost
    this.#events = client.events(this.#abort.signal)
  }

  onMessage(fn: BotMessageHandler): () => void {
    this.#messageHandlers.add(fn)
    return () => this.#messageHandlers.delete(fn)
  }

  onCommand(name: string, fn: BotCommandHandler): () => void {
    if (!name.startsWith('/') || name.length < 2 || /\s/.test(name)) {
      throw new TypeError(`a command is "/" and a word, got ${JSON.stringify(name)}`)
    }
    this.#commands.set(name, fn)
    return () => {
      if (this.#commands.get(name) === fn) this.#commands.delete(name)
    }
  }

  on<T extends ChatClientEventType>(
    type: T,
    fn: (event: Extract<ChatClientEvent, { type: T }>) => void,
  ): () => void {
    return this.client.on(type, fn)
  }

  async start(): Promise<string> {
    if (this.#loop === undefined && !this.#closed) {
      this.#loop = (async () => {
        for await (const e of this.#events) {
          if (e.type === 'newMessage') await this.#dispatch(e.contact, e.item)
        }
      })()
    }
    return this.address
  }

  async #dispatch(contact: Contact, item: ChatItem): Promise<void> {
    const msg: BotMessage = { contact, item, text: item.text, content: item.content }
    const reply: BotReply = (content, o) =>
      this.client.sendMessage(
        contact.contactId,
        typeof content === 'string' ? { type: 'text', text: content } : content,
        o?.quote === true ? { quote: item.itemId } : {},
      )
    const m = /^(\/\S+)(?:\s+([\s\S]*))?$/.exec(item.text.trim())
    const command = m?.[1] === undefined ? undefined : this.#commands.get(m[1])
    const handlers: (() => unknown)[] =
      command !== undefined
        ? [() => command(msg, reply, (m?.[2] ?? '').trim())]
        : [...this.#messageHandlers].map((h) => () => h(msg, reply))
    for (const h of handlers) {
      try {
        await h()
      } catch (error) {
        // a handler's failure is the bot author's to see, never the end of the bot
        this.#reportError(contact, error)
      }
    }
  }

  #reportError(contact: Contact, error: unknown): void {
    const listeners = this.#errorListeners
    for (const l of listeners) l(contact, error instanceof Error ? error : new Error(String(error)))
    if (listeners.size === 0) queueMicrotask(() => console.error('bot handler failed:', error))
  }

  readonly #errorListeners = new Set<(contact: Contact, error: Error) => void>()

  onError(fn: (contact: Contact, error: Error) => void): () => void {
    this.#errorListeners.add(fn)
    return () => this.#errorListeners.delete(fn)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#abort.abort()
    await this.#loop
    await this.client.close()
  }
}
