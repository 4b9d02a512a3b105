/**
 * What the terminal prints: chat items, contacts, links, help and errors, in
 * the layout of the simplex-chat v3.1 terminal (`12:01 bob> hi`, `12:01 @bob hi`,
 * quotes on the first line and the reply indented below, `[edited]`,
 * `[deleted]`). Pure functions from values to lines.
 */
import { type ChatItem, type Contact, type Profile, msgContentText } from '@simplex-ts/chat-protocol'
import { isSimplexError } from '@simplex-ts/core'
import type { Styler } from './style'

/** `bob` or `bob (Bob Smith)`, the name in green. */
export function fullName(s: Styler, name: string, profile: Profile): string {
  const f = profile.fullName
  return s('green', name) + (f === '' || f === name ? '' : ` (${f})`)
}

/** `HH:MM` today, `MM-DD` before today. */
export function itemTime(d: Date, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return d.toDateString() === now.toDateString()
    ? `${p(d.getHours())}:${p(d.getMinutes())}`
    : `${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

const INDENT = '      '

/**
 * A chat item: `12:01 bob> text` (received) or `12:01 @bob text` (sent); with a quote, the quoted
 * text follows the name (`>` for the other side's message, `>>` for the same side's) and the message
 * is indented below it. `label` marks an edited or deleted item.
 */
export function itemLines(
  s: Styler,
  contactName: string,
  item: ChatItem,
  label?: 'edited' | 'deleted',
  content: string = item.text,
): string[] {
  const tag = label === undefined ? '' : `[${label}] `
  const who =
    item.direction === 'snd' ? s('cyan', `@${contactName} `) + tag : s('yellow', `${contactName}> ${tag}`)
  const text = content.split('\n').map((l) => s.markdown(l))
  let body: string[]
  if (item.quote === undefined) body = text
  else {
    const mark = (item.direction === 'snd') === item.quote.sent ? '>>' : '>'
    const q = msgContentText(item.quote.content)
    const preview = (q.length > 120 ? `${q.slice(0, 120)}...` : q).split('\n').map((l) => s.markdown(l))
    body = [`${mark} ${preview[0] ?? ''}`, ...preview.slice(1), ...text.map((l) => INDENT + l)]
  }
  const [first = '', ...rest] = body
  return [`${s('grey', itemTime(item.createdAt))} ${who}${first}`, ...rest]
}

/** A link shown for copying: on a line of its own between blank lines. */
export function linkLines(s: Styler, intro: string, link: string, after: string[]): string[] {
  return [intro, '', link, '', ...hl(s, after)]
}

/** Lines with `` `commands` `` highlighted in cyan. */
export function hl(s: Styler, lines: string[]): string[] {
  return lines.map((l) => l.replace(/`([^`]+)`/g, (_m, c: string) => s('cyan', c)))
}

/** The help screens. */
export function helpLines(s: Styler, topic: 'main' | 'address' | 'messages' | 'markdown'): string[] {
  const g = (t: string) => s('green', t)
  switch (topic) {
    case 'main':
      return hl(s, [
        s('cyan', 'Using the simplex-ts terminal chat'),
        'To connect with someone:',
        '',
        `${g('1.')} \`/c\` - you create a one-time invitation link and pass it to your contact`,
        '   out of band (any channel you trust).',
        `${g('2.')} \`/c <invitation link>\` - your contact joins with it.`,
        `${g('3.')} You both see "contact is connected" and can write to each other:`,
        '   `@bob Hello, Bob!` - a message to bob (the contact with display name bob);',
        '   after the first message, text without a command goes to the same contact.',
        '',
        `${g('Your address:')} \`/ad\` creates a reusable contact address (\`/help address\`).`,
        '',
        g('Other commands:'),
        '   `/help <topic>    ` - help on address, messages, markdown',
        '   `/contacts        ` - list your contacts (`/cs`)',
        '   `/tail [@name] [N]` - the last N messages (10 by default)',
        '   `/profile         ` - show or change your profile (`/p <display name> [<full name>]`)',
        '   `/delete @name    ` - delete a contact and all messages with them (`/d`)',
        '   `/version         ` - the client version',
        '   `/quit            ` - quit (`/q`, or Ctrl-D)',
        '',
        'Most commands have short forms: `/c`, `/ad`, `/sa`, `/ac`, `/p`, `/cs`, `/t`, `/q`.',
      ])
    case 'address':
      return hl(s, [
        g('Your contact address:'),
        '   `/address       ` - create it (`/ad`)',
        '   `/show_address  ` - show it (`/sa`)',
        '   `/delete_address` - delete it; contacts you accepted stay connected (`/da`)',
        '   `/accept <name> ` - accept a contact request (`/ac`)',
        '   `/reject <name> ` - reject a contact request, the sender is not told (`/rc`)',
        '   `/auto_accept on|off [<message>]` - accept every request, optionally greeting with a message',
        '',
        'Anyone who has your address can send you requests; deleting it stops them.',
      ])
    case 'messages':
      return hl(s, [
        g('Recent messages:'),
        '   `/tail @alice [N]` - the last N messages with alice (10 by default)',
        '   `/tail [N]       ` - the last N messages with everyone',
        '',
        g('Replies'),
        '   `> @alice (hi) <message> ` - reply to alice\'s latest message that starts with "hi"',
        '   `>> @alice (hi) <message>` - quote your own latest message to alice that starts with "hi"',
        '',
        g('Deleting your message (for everyone)'),
        '   `\\ @alice hi` - delete your latest message to alice that starts with "hi"',
        '',
        g('Editing your message'),
        '   `! @alice (hi) <new text>` - edit your latest message to alice that starts with "hi"',
        '   `! @alice <new text>     ` - edit your latest message to alice',
      ])
    case 'markdown':
      return [
        g('Markdown in messages:'),
        `   *bold*          - ${s('bold', 'bold text')}`,
        `   _italic_        - ${s('underline', 'italic text')} (underlined here)`,
        `   ~strikethrough~ - ${s('inverse', 'strikethrough text')} (inverse here)`,
        `   \`code\`          - ${s('grey', 'a + b')}`,
        `   !1 text!        - ${s('red', 'red text')} (1-6: red, green, blue, yellow, cyan, magenta)`,
        `   #secret#        - ${s('inverse', 'secret text')}`,
      ]
  }
}

/**
 * A failed command as one or more readable lines, by the error's code (the reference terminal's
 * wording where it has one).
 */
export function errorLines(e: unknown): string[] {
  if (!isSimplexError(e)) return [`error: ${e instanceof Error ? e.message : String(e)}`]
  switch (e.code) {
    case 'CMD SYNTAX':
      return ['Connection link is invalid.', `(${e.message})`]
    case 'CEContactNotReady':
      return ['the contact is not connected yet - wait for "contact is connected"']
    case 'SEDuplicateContactLink':
      return ['you already have a chat address, to show: /sa']
    case 'SEUserContactLinkNotFound':
      return ['no chat address, to create: /ad']
    case 'CEContactAlreadyExists':
      return [`contact already exists (${e.message})`]
    case 'CEInvalidQuote':
      return ['cannot reply to this message']
    case 'CEInvalidChatItemUpdate':
      return ['cannot update this item']
    case 'CEInvalidChatItemDelete':
      return ['cannot delete this item']
    case 'CEInvalidProfile':
      return [`invalid profile: ${e.message}`]
    case 'CMD LARGE':
      return ['the message is too large']
    case 'AUTH':
      return [
        'error: connection authorization failed - the connection was deleted or secured with other keys;',
        'please create a new connection',
      ]
    case 'NETWORK':
      return [`cannot reach the relay: ${e.message}`]
    default:
      return [`error ${e.code}: ${e.message}`]
  }
}

/** The text of an item for matching `(prefix)` in replies, edits and deletes. */
export function startsWith(item: ChatItem, prefix: string): boolean {
  return item.text.toLowerCase().startsWith(prefix.toLowerCase())
}

/** `contact bob changed to robert (Robert)` and friends, or nothing when nothing shown changed. */
export function contactUpdatedLines(s: Styler, before: Contact, after: Contact): string[] {
  const n = before.localDisplayName
  const n2 = after.localDisplayName
  const f2 = after.profile.fullName
  if (n === n2 && before.profile.fullName === f2) return []
  if (n === n2) {
    return [
      `contact ${s('green', n)} ${f2 === '' || f2 === n2 ? 'removed full name' : `updated full name: ${f2}`}`,
    ]
  }
  return [
    `contact ${s('green', n)} changed to ${fullName(s, n2, after.profile)}`,
    `use ${s('cyan', `@${n2} <message>`)} to send messages`,
  ]
}

/** The profile change of `/p`, as the reference words it. */
export function profileUpdatedLines(s: Styler, before: Profile, after: Profile): string[] {
  const notified = ' (your contacts are notified)'
  if (before.displayName === after.displayName && before.fullName === after.fullName) {
    return ['user profile did not change']
  }
  if (before.displayName === after.displayName) {
    const f = after.fullName
    return [
      `user full name ${f === '' || f === after.displayName ? 'removed' : `changed to ${f}`}${notified}`,
    ]
  }
  return [`user profile is changed to ${fullName(s, after.displayName, after)}${notified}`]
}
