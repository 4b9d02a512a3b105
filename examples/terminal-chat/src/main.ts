/**
 * `pnpm terminal-chat --store <file> [--server smp://…]… [--name <display name>]`
 *
 * An interactive SimpleX chat client for the terminal with the commands of the
 * simplex-chat v3.1 terminal client (`/c`, `/c <link>`, `/ad`, `/ac <name>`,
 * `@name text`, `> @name (hi) reply`, `/p`, `/help`…). Profiles, contacts and
 * history live in the SQLite file `--store`; without `--server` an embedded
 * relay on 127.0.0.1 keeps its state in `<store>.relay/`.
 *
 * @see ../../../shared/spec/chat.md §4
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as readline from 'node:readline'
import {
  type ChatClient,
  type ChatClientEvent,
  type ChatItem,
  type Contact,
  type ContactRequest,
  createChatClient,
} from '@simplex-ts/chat-protocol'
import { isSimplexError } from '@simplex-ts/core'
import { type Args, parseExampleArgs, startExampleRelay } from '@simplex-ts/example-common'
import type { RunningServer } from '@simplex-ts/smp-server'
import { nodeConnect } from '@simplex-ts/smp/node'
import type { Storage } from '@simplex-ts/storage'
import { openSqliteStorage } from '@simplex-ts/storage/sqlite'
import { type Command, ParseError, parseCommand } from './commands'
import { type Styler, colorsWanted, createStyler } from './style'
import {
  contactUpdatedLines,
  errorLines,
  fullName,
  helpLines,
  hl,
  itemLines,
  linkLines,
  profileUpdatedLines,
  startsWith,
} from './view'

const USAGE =
  'usage: pnpm terminal-chat --store <file> [--server smp://<key hash>@<host>[:<port>]]… [--name <display name>] [--relay-port <port>]'
const VERSION = 'simplex-ts terminal-chat 0.0.0 (SimpleX Chat protocol v3.1, agent v1-2, SMP v1-4)'

/** A refused command with the line to show. */
class CommandError extends Error {}

/**
 * The screen: prints lines above the input line (redrawing what is being typed), asks questions,
 * and in a terminal fills in `@name ` of the active contact as the reference client does.
 */
class Screen {
  readonly rl: readline.Interface
  readonly tty: boolean
  readonly s: Styler
  #prompting = false
  #onLine: ((line: string) => void) | undefined
  #asking: ((answer: string | undefined) => void) | undefined
  #closed = false
  readonly #early: string[] = []

  constructor() {
    this.tty = process.stdin.isTTY === true && process.stdout.isTTY === true
    this.s = createStyler(colorsWanted(process.stdout))
    this.rl = readline.createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: this.tty,
      prompt: this.tty ? '> ' : '',
      historySize: 200,
    })
    // lines typed (or piped) while starting up wait for the command loop
    this.rl.on('line', (l) => {
      const asking = this.#asking
      this.#asking = undefined
      if (asking !== undefined) asking(l)
      else if (this.#onLine !== undefined) this.#onLine(l)
      else this.#early.push(l)
    })
    this.rl.on('close', () => {
      this.#closed = true
      this.#asking?.(undefined)
    })
  }

  /** Handle every input line from now on, those that arrived earlier first. */
  onLine(fn: (line: string) => void): void {
    this.#onLine = fn
    for (const l of this.#early.splice(0)) fn(l)
  }

  print(lines: readonly string[]): void {
    if (lines.length === 0) return
    if (this.tty && this.#prompting) {
      readline.cursorTo(process.stdout, 0)
      readline.clearScreenDown(process.stdout)
    }
    process.stdout.write(`${lines.join('\n')}\n`)
    if (this.tty && this.#prompting) this.rl.prompt(true)
  }

  error(lines: readonly string[]): void {
    this.print(lines.map((l) => this.s('red', l)))
  }

  prompt(): void {
    this.#prompting = true
    if (this.tty) this.rl.prompt()
  }

  /** Remove the just-entered line from the screen (a sent message is shown as the chat shows it). */
  eraseInput(line: string): void {
    if (!this.tty) return
    const cols = process.stdout.columns > 0 ? process.stdout.columns : 80
    const rows = Math.max(1, Math.ceil((2 + line.length) / cols))
    readline.moveCursor(process.stdout, 0, -rows)
    readline.cursorTo(process.stdout, 0)
    readline.clearScreenDown(process.stdout)
  }

  /** Ask for one line (`undefined` when the input ends). */
  question(q: string): Promise<string | undefined> {
    if (this.tty) {
      this.rl.setPrompt(q)
      this.rl.prompt()
    } else process.stdout.write(`${q}\n`)
    const early = this.#early.shift()
    const answer =
      early !== undefined || this.#closed
        ? Promise.resolve(early)
        : new Promise<string | undefined>((resolve) => {
            this.#asking = resolve
          })
    return answer.finally(() => {
      if (this.tty) this.rl.setPrompt('> ')
    })
  }

  /** Fill in `@name ` when typing starts with a message character (terminal only). */
  autofill(active: () => string | undefined): void {
    if (!this.tty) return
    process.stdin.prependListener(
      'keypress',
      (str: string | undefined, key: { ctrl?: boolean; meta?: boolean }) => {
        const name = active()
        if (!this.#prompting || name === undefined || str === undefined || str.length !== 1) return
        if (key.ctrl === true || key.meta === true || str < ' ' || str === '\u007f') return
        if (this.rl.line === '' && !'/@#>\\!'.includes(str) && str !== ' ') this.rl.write(`@${name} `)
      },
    )
  }
}

/** Local names of contact requests: the display name, `_1`, `_2`… on clashes (oldest first). */
function requestNames(
  requests: readonly ContactRequest[],
  taken: ReadonlySet<string>,
): Map<string, ContactRequest> {
  const out = new Map<string, ContactRequest>()
  for (const r of [...requests].sort((a, b) => a.requestId - b.requestId)) {
    const base = r.profile.displayName
    let n = base
    for (let i = 1; out.has(n) || taken.has(n); i++) n = `${base}_${i}`
    out.set(n, r)
  }
  return out
}

class TerminalChat {
  readonly client: ChatClient
  readonly screen: Screen
  readonly s: Styler
  /** The contact the last message went to or came from. */
  active: string | undefined
  /** Relays whose connection is down. */
  readonly #down = new Set<string>()

  constructor(client: ChatClient, screen: Screen) {
    this.client = client
    this.screen = screen
    this.s = screen.s
  }

  print(lines: readonly string[]): void {
    this.screen.print(lines)
  }

  async contact(name: string): Promise<Contact> {
    const c = await this.client.contactByName(name)
    if (c === undefined) throw new CommandError(`no contact ${name}`)
    return c
  }

  async requestByName(name: string): Promise<ContactRequest> {
    const r = (await this.#requestNames()).get(name)
    if (r === undefined) throw new CommandError(`no contact request from ${name}`)
    return r
  }

  async #requestNames(): Promise<Map<string, ContactRequest>> {
    const [requests, contacts] = await Promise.all([this.client.contactRequests(), this.client.contacts()])
    return requestNames(requests, new Set(contacts.map((c) => c.localDisplayName)))
  }

  /** The latest item of a direction whose text starts with `prefix`, searching back page by page. */
  async findItem(contact: Contact, direction: 'snd' | 'rcv', prefix: string): Promise<ChatItem> {
    let before: number | undefined
    for (;;) {
      const page = await this.client.history(contact.contactId, {
        limit: 100,
        ...(before === undefined ? {} : { before }),
      })
      for (let i = page.length - 1; i >= 0; i--) {
        const it = page[i] as ChatItem
        if (it.direction === direction && !it.deleted && startsWith(it, prefix)) return it
      }
      if (page.length < 100) break
      before = page[0]?.itemId
    }
    throw new CommandError('message not found')
  }

  /** What to show for an event (some are shown later, after a look-up). */
  eventLines(e: ChatClientEvent): readonly string[] {
    const s = this.s
    switch (e.type) {
      case 'contactConnected':
        this.active ??= e.contact.localDisplayName
        return [`${fullName(s, e.contact.localDisplayName, e.contact.profile)}: contact is connected`]
      case 'contactRequest':
        void this.#requestNames().then((names) => {
          const name = [...names].find(([, r]) => r.requestId === e.request.requestId)?.[0]
          if (name === undefined) return
          this.print(
            hl(s, [
              `${fullName(s, name, e.request.profile)} wants to connect to you!`,
              `to accept: \`/ac ${name}\``,
              `to reject: \`/rc ${name}\` (the sender will NOT be notified)`,
            ]),
          )
        })
        return []
      case 'newMessage':
        this.active = e.contact.localDisplayName
        return itemLines(s, e.contact.localDisplayName, e.item)
      case 'messageUpdated':
        return e.item.direction === 'rcv' ? itemLines(s, e.contact.localDisplayName, e.item, 'edited') : []
      case 'messageDeleted':
        return e.item.direction === 'rcv'
          ? itemLines(s, e.contact.localDisplayName, e.item, 'deleted', textOf(e.deletedContent))
          : []
      case 'messageStatus':
        if (e.status === 'sndError') {
          void this.client.contact(e.contactId).then(
            (c) => this.screen.error([`message to ${c.localDisplayName} could not be delivered`]),
            () => undefined,
          )
        }
        return []
      case 'contactUpdated':
        if (this.active === e.before.localDisplayName) this.active = e.contact.localDisplayName
        return contactUpdatedLines(s, e.before, e.contact)
      case 'contactMerged':
        if (this.active === e.merged.localDisplayName) this.active = e.into.localDisplayName
        return [
          `contact ${s('green', e.merged.localDisplayName)} is merged into ${s('green', e.into.localDisplayName)}`,
          `use ${s('cyan', `@${e.into.localDisplayName} <message>`)} to send messages`,
        ]
      case 'agent': {
        const ev = e.event
        // the first `up` of each relay is the start-up subscription, not news
        if (ev.type === 'up' && !this.#down.delete(ev.server)) return []
        if (ev.type === 'down') {
          // every failed reconnection reports `down` again: show the first
          if (this.#down.has(ev.server)) return []
          this.#down.add(ev.server)
        }
        if (ev.type === 'down' || ev.type === 'up') {
          const where = /@([^/]+)$/.exec(ev.server)?.[1] ?? ev.server
          return [s('grey', `server ${ev.type === 'down' ? 'disconnected' : 'connected'} ${where}`)]
        }
        return []
      }
      case 'error':
        return errorLines(e.error).map((l) => s('red', l))
      case 'messageIntegrity': {
        const i = e.integrity
        const text =
          i.type === 'MsgSkipped'
            ? `skipped message ID ${i.fromMsgId}${i.fromMsgId === i.toMsgId ? '' : `..${i.toMsgId}`}`
            : i.type === 'MsgBadId'
              ? 'unexpected message ID'
              : i.type === 'MsgBadHash'
                ? 'incorrect message hash'
                : 'duplicate message ID'
        void this.client.contact(e.contactId).then(
          (c) => this.print([`${s('yellow', `${c.localDisplayName}> `)}${s('red', text)}`]),
          () => undefined,
        )
        return []
      }
      default:
        // contactConnecting, unknownEvent and event types newer than this client: nothing to show
        return []
    }
  }

  /** Run one command; what it prints on success. */
  async run(cmd: Command, line: string): Promise<void> {
    const s = this.s
    const c = this.client
    switch (cmd.type) {
      case 'empty':
        return
      case 'help':
        return this.print(helpLines(s, cmd.topic))
      case 'version':
        return this.print([VERSION])
      case 'createInvitation': {
        const inv = await c.createInvitation()
        return this.print(
          linkLines(s, 'pass this invitation link to your contact (via another channel):', inv.link ?? '', [
            'and ask them to connect: `/c <invitation_link_above>`',
          ]),
        )
      }
      case 'connect': {
        const p = await c.connect(cmd.link)
        return this.print([p.kind === 'requested' ? 'connection request sent!' : 'confirmation sent!'])
      }
      case 'createAddress': {
        const a = await c.createAddress()
        return this.print(linkLines(s, 'Your new chat address is created!', a.link, addressHints()))
      }
      case 'showAddress': {
        const a = await c.address()
        if (a === undefined) throw new CommandError('no chat address, to create: /ad')
        return this.print([
          ...linkLines(s, 'Your chat address:', a.link, addressHints()),
          `auto_accept ${a.autoAccept ? 'on' : 'off'}`,
          ...(a.autoReply === undefined ? [] : ['auto reply:', textOf(a.autoReply)]),
        ])
      }
      case 'deleteAddress':
        await c.deleteAddress()
        return this.print(
          hl(s, [
            'Your chat address is deleted - accepted contacts will remain connected.',
            'To create a new chat address use `/ad`',
          ]),
        )
      case 'autoAccept': {
        const a = await c.setAutoAccept(
          cmd.on,
          cmd.autoReply === undefined ? {} : { autoReply: cmd.autoReply },
        )
        return this.print([
          `auto_accept ${a.autoAccept ? 'on' : 'off'}`,
          ...(a.autoReply === undefined ? [] : ['auto reply:', textOf(a.autoReply)]),
        ])
      }
      case 'accept': {
        const r = await this.requestByName(cmd.name)
        const contact = await c.acceptContactRequest(r.requestId)
        return this.print([
          `${fullName(s, contact.localDisplayName, contact.profile)}: accepting contact request...`,
        ])
      }
      case 'reject': {
        const r = await this.requestByName(cmd.name)
        await c.rejectContactRequest(r.requestId)
        return this.print([`${s('green', cmd.name)}: contact request rejected`])
      }
      case 'send': {
        const contact = await this.contact(cmd.name)
        const item = await c.sendText(contact.contactId, cmd.text)
        this.active = contact.localDisplayName
        this.screen.eraseInput(line)
        return this.print(itemLines(s, contact.localDisplayName, item))
      }
      case 'reply': {
        const contact = await this.contact(cmd.name)
        const quoted = await this.findItem(contact, cmd.quoteOwn ? 'snd' : 'rcv', cmd.prefix).catch(() => {
          throw new CommandError('message not found - reply is not sent')
        })
        const item = await c.sendText(contact.contactId, cmd.text, { quote: quoted.itemId })
        this.active = contact.localDisplayName
        this.screen.eraseInput(line)
        return this.print(itemLines(s, contact.localDisplayName, item))
      }
      case 'edit': {
        const contact = await this.contact(cmd.name)
        const item = await this.findItem(contact, 'snd', cmd.prefix)
        await c.editMessage(contact.contactId, item.itemId, cmd.text)
        return this.print(['message updated'])
      }
      case 'delete': {
        const contact = await this.contact(cmd.name)
        const item = await this.findItem(contact, 'snd', cmd.prefix)
        await c.deleteMessage(contact.contactId, item.itemId, { forEveryone: true })
        return this.print(['message deleted'])
      }
      case 'tail': {
        const contacts = cmd.name === undefined ? await c.contacts() : [await this.contact(cmd.name)]
        const items: [Contact, ChatItem][] = []
        for (const ct of contacts) {
          for (const it of await c.history(ct.contactId, { limit: cmd.count })) items.push([ct, it])
        }
        items.sort((a, b) => a[1].itemId - b[1].itemId)
        return this.print(
          items
            .slice(-cmd.count)
            .flatMap(([ct, it]) => itemLines(s, ct.localDisplayName, it, it.deleted ? 'deleted' : undefined)),
        )
      }
      case 'contacts': {
        const list = (await c.contacts()).sort((a, b) =>
          a.localDisplayName.toLowerCase().localeCompare(b.localDisplayName.toLowerCase()),
        )
        if (list.length === 0) return this.print(hl(s, ['no contacts yet, to add one: `/c` (or `/help`)']))
        return this.print(
          list.map(
            (ct) =>
              fullName(s, ct.localDisplayName, ct.profile) + (ct.ready ? '' : s('grey', ' (connecting...)')),
          ),
        )
      }
      case 'deleteContact': {
        const contact = await this.contact(cmd.name)
        await c.deleteContact(contact.contactId)
        if (this.active === contact.localDisplayName) this.active = undefined
        return this.print([`${s('green', contact.localDisplayName)}: contact is deleted`])
      }
      case 'showProfile': {
        const u = await c.users.active()
        if (u === undefined) throw new CommandError('error: active user is required')
        return this.print(
          hl(s, [
            `user profile: ${fullName(s, u.profile.displayName, u.profile)}`,
            'use `/p <display name> [<full name>]` to change it',
            '(the updated profile will be sent to all your contacts)',
          ]),
        )
      }
      case 'updateProfile': {
        const before = await c.users.active()
        if (before === undefined) throw new CommandError('error: active user is required')
        const profile = { ...before.profile, displayName: cmd.displayName, fullName: cmd.fullName }
        const after = await c.updateProfile(profile)
        return this.print(profileUpdatedLines(s, before.profile, after.profile))
      }
      case 'quit':
        return
    }
  }
}

function addressHints(): string[] {
  return [
    'Anybody can send you contact requests with: `/c <contact_link_above>`',
    'to show it again: `/sa`',
    'to delete it: `/da` (accepted contacts will remain connected)',
  ]
}

function textOf(content: { readonly text?: string }): string {
  return content.text ?? ''
}

/** Ask for a profile on first run, as the reference terminal does. */
async function askProfile(screen: Screen): Promise<{ displayName: string; fullName: string } | undefined> {
  screen.print([
    'No user profiles found, it will be created now.',
    'Please choose your display name and your full name.',
    'They will be sent to your contacts when you connect.',
    'They are only stored on your device and you can change them later.',
  ])
  for (;;) {
    const name = await screen.question('display name (no spaces): ')
    if (name === undefined) return undefined
    const n = name.trim()
    if (n === '' || /\s/.test(n)) {
      screen.print(['display name has space(s), choose another one'])
      continue
    }
    const full = await screen.question('full name (optional): ')
    if (full === undefined) return undefined
    return { displayName: n, fullName: full.trim() }
  }
}

async function main(): Promise<void> {
  let parsed: Args
  try {
    parsed = parseExampleArgs(process.argv.slice(2), USAGE)
  } catch (e) {
    process.stderr.write(`terminal-chat: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`)
    process.exit(2)
  }
  const { store, servers, name, relayPort } = parsed
  const screen = new Screen()
  const s = screen.s
  let relay: RunningServer | undefined
  let storage: Storage | undefined
  let client: ChatClient | undefined
  let quitting = false
  const quit = async (code: number): Promise<never> => {
    if (!quitting) {
      quitting = true
      screen.rl.close()
      await client?.close().catch(() => undefined)
      await storage?.close().catch(() => undefined)
      await relay?.close().catch(() => undefined)
    }
    process.exit(code)
  }
  process.on('SIGTERM', () => void quit(0))
  process.on('SIGINT', () => void quit(0))
  screen.rl.on('SIGINT', () => void quit(0))

  try {
    if (servers.length === 0) {
      const started = await startExampleRelay(store, relayPort, 'terminal-chat')
      relay = started.relay
      const { dir } = started
      servers.push(relay.address)
      screen.print([
        s('grey', `started an embedded relay ${relay.address}`),
        s('grey', `(state in ${dir}; it runs while this chat runs and listens on 127.0.0.1 only)`),
      ])
    }
    fs.mkdirSync(path.dirname(store), { recursive: true })
    storage = await openSqliteStorage(store)
    client = await createChatClient({ storage, servers, connect: nodeConnect })
  } catch (e) {
    process.stderr.write(
      `terminal-chat: ${isSimplexError(e, 'NETWORK') ? `cannot reach the relay (${e.message})` : isSimplexError(e) ? errorLines(e).join(' ') : String((e as Error).message ?? e)}\n`,
    )
    return quit(1)
  }

  // subscribe at once: what arrives while starting up is shown after the start-up summary
  const events = client.events()
  let user = await client.users.active()
  if (user === undefined) {
    const existing = await client.users.list()
    if (existing[0] !== undefined) user = await client.users.switch(existing[0].userId)
  }
  let firstRun = false
  while (user === undefined) {
    const profile = name === undefined ? await askProfile(screen) : { displayName: name, fullName: '' }
    if (profile === undefined) return quit(0)
    try {
      user = await client.users.create(profile, { activate: true })
      firstRun = true
    } catch (e) {
      if (name !== undefined) {
        process.stderr.write(`terminal-chat: ${errorLines(e).join(' ')}\n`)
        return quit(1)
      }
      screen.error(errorLines(e))
    }
  }

  const contacts = await client.contacts()
  const ready = contacts.filter((c) => c.ready).length
  screen.print([
    `Current user: ${fullName(s, user.profile.displayName, user.profile)}`,
    ...(firstRun ? [`Welcome ${s('green', user.profile.fullName || user.profile.displayName)}!`] : []),
    ...(ready > 0
      ? hl(s, [`${ready} contact${ready === 1 ? '' : 's'} connected (use \`/cs\` for the list)`])
      : []),
    ...((await client.address()) === undefined ? [] : hl(s, ['Your address is active! To show: `/sa`'])),
    ...hl(s, ['Type `/help` for usage info, `/q` to quit']),
  ])
  for (const [n, r] of requestNames(
    await client.contactRequests(),
    new Set(contacts.map((c) => c.localDisplayName)),
  )) {
    screen.print(hl(s, [`${fullName(s, n, r.profile)} wants to connect to you!`, `to accept: \`/ac ${n}\``]))
  }

  const chat = new TerminalChat(client, screen)
  void (async () => {
    for await (const e of events) screen.print(chat.eventLines(e))
  })()
  screen.autofill(() => chat.active)
  let queue = Promise.resolve()
  screen.onLine((line) => {
    queue = queue.then(async () => {
      if (quitting) return
      let cmd: Command
      try {
        cmd = parseCommand(line, chat.active)
      } catch (e) {
        screen.error([
          e instanceof ParseError ? `bad chat command: ${e.message}` : String(e),
          'type /help for the commands',
        ])
        return screen.prompt()
      }
      if (cmd.type === 'quit') return void (await quit(0))
      try {
        await chat.run(cmd, line)
      } catch (e) {
        screen.error(e instanceof CommandError ? [e.message] : errorLines(e))
      }
      screen.prompt()
    })
  })
  screen.rl.on('close', () => {
    queue = queue.then(() => quit(0))
  })
  screen.prompt()
}

void main()
