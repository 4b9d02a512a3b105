/**
 * The terminal commands, with the syntax and abbreviations of the simplex-chat
 * v3.1 terminal client (`/c`, `/ad`, `/ac`, `@name text`, `> @name (hi) text`…).
 * Parsing is pure: a line becomes a {@link Command} or a {@link ParseError}.
 */

/** One parsed input line. */
export type Command =
  | { readonly type: 'help'; readonly topic: 'main' | 'address' | 'messages' | 'markdown' }
  | { readonly type: 'createInvitation' }
  | { readonly type: 'connect'; readonly link: string }
  | { readonly type: 'createAddress' }
  | { readonly type: 'showAddress' }
  | { readonly type: 'deleteAddress' }
  | { readonly type: 'autoAccept'; readonly on: boolean; readonly autoReply: string | undefined }
  | { readonly type: 'accept'; readonly name: string }
  | { readonly type: 'reject'; readonly name: string }
  | { readonly type: 'send'; readonly name: string; readonly text: string }
  | {
      readonly type: 'reply'
      readonly name: string
      /** `>`: quote the contact's message; `>>`: quote your own. */
      readonly quoteOwn: boolean
      readonly prefix: string
      readonly text: string
    }
  | { readonly type: 'edit'; readonly name: string; readonly prefix: string; readonly text: string }
  | { readonly type: 'delete'; readonly name: string; readonly prefix: string }
  | { readonly type: 'tail'; readonly name: string | undefined; readonly count: number }
  | { readonly type: 'contacts' }
  | { readonly type: 'deleteContact'; readonly name: string }
  | { readonly type: 'showProfile' }
  | { readonly type: 'updateProfile'; readonly displayName: string; readonly fullName: string }
  | { readonly type: 'version' }
  | { readonly type: 'quit' }
  | { readonly type: 'empty' }

/** A line that is not a command; `message` says why. */
export class ParseError extends Error {}

/** `word` or `word rest`: the first word of `s` (cut at a space) and the rest. */
function word(s: string): [string, string] {
  const i = s.indexOf(' ')
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)]
}

/** A display name as the reference reads it: no spaces, not starting with `@` or `#`. */
function name(s: string, what: string): string {
  const n = s.startsWith('@') ? s.slice(1) : s
  if (n === '' || /\s/.test(n) || n.startsWith('#')) throw new ParseError(`expected ${what}`)
  return n
}

/** `(quoted prefix) rest`. */
function quoted(s: string, usage: string): [string, string] {
  const m = /^\(([^)]*)\) ?([\s\S]*)$/.exec(s)
  if (m === null) throw new ParseError(`expected ${usage}`)
  return [m[1] as string, m[2] as string]
}

/**
 * Parse one input line. `active` is the contact the previous message went to or came from: a line
 * that starts with none of `/ @ # > \ !` is a message to it (the reference fills in `@name ` as you
 * start typing).
 * @throws ParseError for anything else.
 */
export function parseCommand(line: string, active?: string): Command {
  const s = line.trim()
  if (s === '') return { type: 'empty' }
  const [head, rest] = word(s)
  const arg = rest.trim()
  switch (head) {
    case '/help':
    case '/h':
      if (arg === '') return { type: 'help', topic: 'main' }
      if (arg === 'address') return { type: 'help', topic: 'address' }
      if (arg === 'messages') return { type: 'help', topic: 'messages' }
      if (arg === 'markdown') return { type: 'help', topic: 'markdown' }
      throw new ParseError(`no help on "${arg}"; topics: address, messages, markdown`)
    case '/ha':
      return { type: 'help', topic: 'address' }
    case '/hm':
      return { type: 'help', topic: 'messages' }
    case '/markdown':
    case '/m':
      return { type: 'help', topic: 'markdown' }
    case '/connect':
    case '/c':
      return arg === '' ? { type: 'createInvitation' } : { type: 'connect', link: arg }
    case '/address':
    case '/ad':
      return { type: 'createAddress' }
    case '/show_address':
    case '/sa':
      return { type: 'showAddress' }
    case '/delete_address':
    case '/da':
      return { type: 'deleteAddress' }
    case '/auto_accept': {
      const [onOff, reply] = word(arg)
      if (onOff !== 'on' && onOff !== 'off')
        throw new ParseError('expected /auto_accept on|off [<auto reply>]')
      const text = reply.trim()
      return { type: 'autoAccept', on: onOff === 'on', autoReply: text === '' ? undefined : text }
    }
    case '/accept':
    case '/ac':
      return { type: 'accept', name: name(arg, '/ac <name>') }
    case '/reject':
    case '/rc':
      return { type: 'reject', name: name(arg, '/rc <name>') }
    case '/contacts':
    case '/cs':
      return { type: 'contacts' }
    case '/delete':
    case '/d':
      if (arg.startsWith('#')) throw new ParseError('groups are not supported by this client')
      return { type: 'deleteContact', name: name(arg, '/d @<name>') }
    case '/profile':
    case '/p':
    case '/user':
    case '/u': {
      if (arg === '') return { type: 'showProfile' }
      const [displayName, fullName] = word(arg)
      return {
        type: 'updateProfile',
        displayName: name(displayName, '/p <display name> [<full name>]'),
        fullName: fullName.trim(),
      }
    }
    case '/tail':
    case '/t':
      return tail(arg)
    case '/version':
    case '/v':
      return { type: 'version' }
    case '/quit':
    case '/q':
    case '/exit':
      return { type: 'quit' }
  }
  if (s.startsWith('/')) throw new ParseError(`unknown command ${head}`)
  if (s.startsWith('#')) throw new ParseError('groups are not supported by this client')
  if (s.startsWith('@')) {
    const [to, text] = word(s.slice(1))
    if (to === '' || text.trim() === '') throw new ParseError('expected @<name> <message>')
    return { type: 'send', name: to, text }
  }
  const reply = /^(>>?) ?@(\S+) ([\s\S]*)$/.exec(s)
  if (reply !== null) {
    const [prefix, text] = quoted(reply[3] as string, '> @<name> (<quoted text>) <message>')
    if (text.trim() === '') throw new ParseError('expected > @<name> (<quoted text>) <message>')
    return { type: 'reply', name: reply[2] as string, quoteOwn: reply[1] === '>>', prefix, text }
  }
  const edit = /^! ?@(\S+) ([\s\S]*)$/.exec(s)
  if (edit !== null) {
    const body = edit[2] as string
    const [prefix, text] = body.startsWith('(')
      ? quoted(body, '! @<name> (<old text>) <new text>')
      : ['', body]
    if (text.trim() === '') throw new ParseError('expected ! @<name> (<old text>) <new text>')
    return { type: 'edit', name: edit[1] as string, prefix, text }
  }
  const del = /^\\ ?@(\S+) ([\s\S]*)$/.exec(s)
  if (del !== null) return { type: 'delete', name: del[1] as string, prefix: del[2] as string }
  if (active !== undefined && !/^[>\\!]/.test(s)) return { type: 'send', name: active, text: s }
  throw new ParseError(`unknown command "${s}"`)
}

/** `/tail [@name] [N]`. */
function tail(arg: string): Command {
  const parts = arg === '' ? [] : arg.split(/\s+/)
  let who: string | undefined
  let count = 10
  for (const p of parts) {
    if (/^[0-9]+$/.test(p) && Number(p) > 0) count = Number(p)
    else if (who === undefined) who = name(p, '/tail [@<name>] [<count>]')
    else throw new ParseError('expected /tail [@<name>] [<count>]')
  }
  return { type: 'tail', name: who, count }
}
