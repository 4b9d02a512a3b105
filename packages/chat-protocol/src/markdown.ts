/**
 * In-text formatting of message text, as v3.1 clients render it: bold,
 * italic, strikethrough, code snippets, secrets, coloured text, links,
 * e-mail addresses and phone numbers. Formatting is not structurally
 * encoded on the wire; receivers derive it from `text`.
 *
 * The parser follows the reference's grammar exactly, quirks included:
 * text is split into lines, each line into fragments that start at spaces
 * or where the previous fragment ended; a marker without its closing
 * partner stays literal (and takes the rest of the line with it); markers
 * must not have a space just inside.
 *
 * @see ../shared/spec/chat.md §6
 */

/** Colours of `!1 text!` … `!6 text!` / `!red text!` formatting. */
export type FormatColor = 'red' | 'green' | 'blue' | 'yellow' | 'cyan' | 'magenta'

/** A text format (`Format`), tagged by `type` as the reference's JSON API tags it. */
export type Format =
  | { readonly type: 'bold' }
  | { readonly type: 'italic' }
  | { readonly type: 'strikeThrough' }
  | { readonly type: 'snippet' }
  | { readonly type: 'secret' }
  | { readonly type: 'colored'; readonly color: FormatColor }
  | { readonly type: 'uri' }
  | { readonly type: 'email' }
  | { readonly type: 'phone' }

/** A run of text with at most one format (`FormattedText`). */
export interface FormattedText {
  /** Absent for plain text. */
  readonly format?: Format
  readonly text: string
}

const BOLD: Format = { type: 'bold' }
const ITALIC: Format = { type: 'italic' }
const STRIKE: Format = { type: 'strikeThrough' }
const SNIPPET: Format = { type: 'snippet' }
const SECRET: Format = { type: 'secret' }
const URI: Format = { type: 'uri' }
const EMAIL: Format = { type: 'email' }
const PHONE: Format = { type: 'phone' }

const MARKERS: Readonly<Record<string, Format>> = { '*': BOLD, _: ITALIC, '~': STRIKE, '`': SNIPPET }

const COLOR_WORDS: readonly [string, FormatColor][] = [
  ['r', 'red'],
  ['g', 'green'],
  ['b', 'blue'],
  ['y', 'yellow'],
  ['c', 'cyan'],
  ['m', 'magenta'],
]
const COLOR_DIGITS: readonly FormatColor[] = ['red', 'green', 'blue', 'yellow', 'cyan', 'magenta']

/** `Data.Char.isSpace`: ASCII whitespace, NBSP and the Unicode space separators. */
const UNICODE_SPACE = /^[\t\n\v\f\r \u00a0\p{Zs}]$/u

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9'
}

function sameFormat(a: Format | undefined, b: Format | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.type === b.type && (a.type !== 'colored' || (b.type === 'colored' && a.color === b.color))
}

/** Append a run, merging it into the previous one when the formats agree; empty runs vanish. */
function push(out: FormattedText[], format: Format | undefined, text: string): void {
  if (text === '') return
  const last = out[out.length - 1]
  if (last !== undefined && sameFormat(last.format, format)) {
    out[out.length - 1] =
      format === undefined ? { text: last.text + text } : { format, text: last.text + text }
  } else {
    out.push(format === undefined ? { text } : { format, text })
  }
}

/** The `!c text!` colour at `i` (just past `!`): the colour and where its required space starts, or undefined. */
function colorAt(s: string, i: number): [FormatColor, number] | undefined {
  const c = s[i]
  if (c === undefined) return undefined
  const digit = '123456'.indexOf(c)
  if (digit >= 0) return [COLOR_DIGITS[digit]!, i + 1]
  for (const [letter, name] of COLOR_WORDS) {
    if (c !== letter) continue
    // the full name if it follows, else the first letter alone
    return s.startsWith(name, i) ? [name, i + name.length] : [name, i + 1]
  }
  return undefined
}

/** A coloured fragment at `i` (on `!`): [format, text, end] or undefined. */
function colored(s: string, i: number): [Format, string, number] | undefined {
  const color = colorAt(s, i + 1)
  if (color === undefined) return undefined
  const [name, at] = color
  const cp = s.codePointAt(at)
  if (cp === undefined || !UNICODE_SPACE.test(String.fromCodePoint(cp))) return undefined
  const start = at + (cp > 0xffff ? 2 : 1)
  const first = s[start]
  if (first === undefined || first === ' ' || first === '!') return undefined
  const close = s.indexOf('!', start)
  if (close < 0) return undefined
  const text = s.slice(start, close)
  if (text.endsWith(' ')) return undefined
  return [{ type: 'colored', color: name }, text, close + 1]
}

/** A phone number at `i`: its end, or undefined (7–22 characters including separators). */
function phone(s: string, i: number): number | undefined {
  let j = i
  const digitsFrom = (k: number): number => {
    while (isDigit(s[k])) k++
    return k
  }
  const sep = (k: number): number => (s[k] === ' ' || s[k] === '-' || s[k] === '.' ? k + 1 : k)
  if (s[j] === '+' && isDigit(s[j + 1])) j = digitsFrom(j + 1)
  // optional area code in parentheses
  {
    let k = sep(j)
    if (s[k] === '(' && isDigit(s[k + 1])) {
      k = digitsFrom(k + 1)
      if (s[k] === ')') j = k + 1
    }
  }
  for (;;) {
    const k = sep(j)
    if (!isDigit(s[k])) break
    j = digitsFrom(k)
  }
  const len = j - i // ASCII only, so UTF-16 length is the character count
  return len >= 7 && len <= 22 ? j : undefined
}

function isUri(word: string): boolean {
  return (
    [...word].length >= 10 &&
    (word.startsWith('http://') || word.startsWith('https://') || word.startsWith('simplex:/'))
  )
}

function word(out: FormattedText[], w: string): void {
  if (isUri(w)) push(out, URI, w)
  else if (w.includes('@') && isValidEmail(w)) push(out, EMAIL, w)
  else push(out, undefined, w)
}

/** Parse one line (no `\n`) into runs. */
function parseLine(s: string, out: FormattedText[]): void {
  let i = 0
  const n = s.length
  const restOfWord = (from: number): number => {
    const k = s.indexOf(' ', from)
    return k < 0 ? n : k
  }
  while (i < n) {
    const c = s[i]!
    if (c === ' ') {
      let k = i
      while (s[k] === ' ') k++
      push(out, undefined, s.slice(i, k))
      i = k
      continue
    }
    const marker = MARKERS[c]
    if (marker !== undefined) {
      const close = s.indexOf(c, i + 1)
      if (close < 0) {
        push(out, undefined, s.slice(i))
        i = n
        continue
      }
      const inner = s.slice(i + 1, close)
      if (inner === '' || inner.startsWith(' ') || inner.endsWith(' '))
        push(out, undefined, s.slice(i, close + 1))
      else push(out, marker, inner)
      i = close + 1
      continue
    }
    if (c === '#') {
      let k = i + 1
      while (s[k] === '#') k++
      const before = s.slice(i + 1, k)
      let close = s.indexOf('#', k)
      if (close < 0) close = n
      const inner = s.slice(k, close)
      let end = close
      while (s[end] === '#') end++
      const after = s.slice(close, end)
      const all = before + inner + after
      if (after === '' || inner === '' || inner.startsWith(' ') || inner.endsWith(' '))
        push(out, undefined, `#${all}`)
      else push(out, SECRET, all.slice(0, -1))
      i = end
      continue
    }
    if (c === '!') {
      const col = colored(s, i)
      if (col !== undefined) {
        push(out, col[0], col[1])
        i = col[2]
        continue
      }
    } else if (c === '+' || isDigit(c)) {
      const end = phone(s, i)
      if (end !== undefined) {
        push(out, PHONE, s.slice(i, end))
        i = end
        continue
      }
    }
    const end = restOfWord(i)
    word(out, s.slice(i, end))
    i = end
  }
}

/**
 * Split message text into formatted runs (`parseMarkdownList` per line, lines
 * joined by plain `"\n"` runs). Adjacent runs of the same format are merged
 * within a line; an empty line gives an empty plain run.
 */
export function parseMarkdown(text: string): FormattedText[] {
  const lines = text.split('\n')
  // Haskell's `lines` drops the empty piece after a final newline
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  const out: FormattedText[] = []
  lines.forEach((line, k) => {
    if (k > 0) out.push({ text: '\n' })
    const runs: FormattedText[] = []
    parseLine(line, runs)
    if (runs.length === 0) out.push({ text: '' })
    else out.push(...runs)
  })
  return out
}

/**
 * Like {@link parseMarkdown}, but `undefined` when the text has no formatting
 * at all (`parseMaybeMarkdownList`), so plain text needs no special rendering.
 */
export function parseMaybeMarkdown(text: string): FormattedText[] | undefined {
  const runs = parseMarkdown(text)
  return runs.every((r) => r.format === undefined) ? undefined : runs
}

// ---------------------------------------------------------------------------
// e-mail addresses: RFC 5322 addr-spec with comments and folding white space,
// as the reference's validator accepts them (on the UTF-8 bytes; non-ASCII
// is never valid), with the RFC 3696 / RFC 1035 length limits.

const utf8Encoder = new TextEncoder()

const inRange = (c: number, lo: number, hi: number) => c >= lo && c <= hi
const isObsNoWsCtl = (c: number) =>
  inRange(c, 1, 8) || c === 11 || c === 12 || inRange(c, 14, 31) || c === 127
const isWsp = (c: number | undefined) => c === 0x20 || c === 0x09
const isAlnum = (c: number | undefined) =>
  c !== undefined && (inRange(c, 0x30, 0x39) || inRange(c, 0x41, 0x5a) || inRange(c, 0x61, 0x7a))
const ATOM_SPECIALS = new Set(Array.from("!#$%&'*+/=?^_`{|}~-", (ch) => ch.charCodeAt(0)))
const isAtomText = (c: number | undefined) => c !== undefined && (isAlnum(c) || ATOM_SPECIALS.has(c))
const isQuotedText = (c: number | undefined) =>
  c !== undefined && (c === 33 || inRange(c, 35, 91) || inRange(c, 93, 126) || isObsNoWsCtl(c))
const isCommentText = (c: number | undefined) =>
  c !== undefined && (inRange(c, 33, 39) || inRange(c, 42, 91) || inRange(c, 93, 126) || isObsNoWsCtl(c))
const isDomainText = (c: number | undefined) =>
  c !== undefined && (inRange(c, 33, 90) || inRange(c, 94, 126) || isObsNoWsCtl(c))

/** A parse result: where it ended and the text it stands for (comments and folding removed). */
type Parsed = { readonly end: number; readonly text: string }

class EmailParser {
  constructor(private readonly b: Uint8Array) {}

  private skipWsp(p: number): number {
    while (isWsp(this.b[p])) p++
    return p
  }

  private crlfWsp(p: number): boolean {
    return this.b[p] === 0x0d && this.b[p + 1] === 0x0a && isWsp(this.b[p + 2])
  }

  /** Folding white space, or -1. */
  fws(p: number): number {
    if (isWsp(this.b[p])) {
      const q = this.skipWsp(p)
      return this.crlfWsp(q) ? this.skipWsp(q + 2) : q
    }
    if (!this.crlfWsp(p)) return -1
    while (this.crlfWsp(p)) p = this.skipWsp(p + 2)
    return p
  }

  /** A (possibly nested) comment, or -1; iterative so nesting depth is unbounded. */
  comment(p: number): number {
    const b = this.b
    if (b[p] !== 0x28) return -1
    let depth = 1
    let q = p + 1
    for (;;) {
      const c = b[q]
      if (c === undefined) return -1
      if (c === 0x28) {
        depth++
        q++
      } else if (c === 0x29) {
        depth--
        q++
        if (depth === 0) return q
      } else if (isCommentText(c)) {
        q++
      } else if (c === 0x5c) {
        const d = b[q + 1]
        if (d === undefined || d > 0x7f) return -1
        q += 2
      } else {
        const r = this.fws(q)
        if (r < 0) return -1
        q = r
      }
    }
  }

  /** Any comments and folding white space (possibly none). */
  cfws(p: number): number {
    for (;;) {
      const r = this.comment(p)
      const s = r >= 0 ? r : this.fws(p)
      if (s < 0) return p
      p = s
    }
  }

  private quotedPair(p: number): Parsed | undefined {
    const d = this.b[p + 1]
    if (this.b[p] !== 0x5c || d === undefined || d > 0x7f) return undefined
    return { end: p + 2, text: `\\${String.fromCharCode(d)}` }
  }

  private run(p: number, ok: (c: number | undefined) => boolean): number {
    while (ok(this.b[p])) p++
    return p
  }

  private text(from: number, to: number): string {
    return String.fromCharCode(...this.b.subarray(from, to))
  }

  quotedString(p: number): Parsed | undefined {
    if (this.b[p] !== 0x22) return undefined
    let q = p + 1
    let text = ''
    for (;;) {
      const f = this.fws(q)
      const r = f >= 0 ? f : q
      if (isQuotedText(this.b[r])) {
        const e = this.run(r, isQuotedText)
        text += this.text(r, e)
        q = e
        continue
      }
      const pair = this.quotedPair(r)
      if (pair === undefined) break
      text += pair.text
      q = pair.end
    }
    const f = this.fws(q)
    if (f >= 0) q = f
    if (this.b[q] !== 0x22) return undefined
    return { end: q + 1, text: `"${text}"` }
  }

  /** `cfws (atom | quoted-string) cfws`, dot-separated. */
  dottedAtoms(p: number): Parsed | undefined {
    const item = (at: number): Parsed | undefined => {
      const q = this.cfws(at)
      let core: Parsed | undefined
      if (isAtomText(this.b[q])) {
        const e = this.run(q, isAtomText)
        core = { end: e, text: this.text(q, e) }
      } else {
        core = this.quotedString(q)
      }
      if (core === undefined) return undefined
      return { end: this.cfws(core.end), text: core.text }
    }
    const first = item(p)
    if (first === undefined) return undefined
    const parts = [first.text]
    let end = first.end
    while (this.b[end] === 0x2e) {
      const next = item(end + 1)
      if (next === undefined) break
      parts.push(next.text)
      end = next.end
    }
    return { end, text: parts.join('.') }
  }

  private domainLabel(p: number): Parsed | undefined {
    const q = this.cfws(p)
    if (!isAlnum(this.b[q])) return undefined
    const e = this.run(q + 1, (c) => isAlnum(c) || c === 0x2d)
    const content = this.text(q, e)
    if (content.length > 63 || content.endsWith('-')) return undefined
    return { end: this.cfws(e), text: content }
  }

  private domainName(p: number): Parsed | undefined {
    const first = this.domainLabel(p)
    if (first === undefined) return undefined
    const labels = [first.text]
    let end = first.end
    while (this.b[end] === 0x2e) {
      const next = this.domainLabel(end + 1)
      if (next === undefined) break
      labels.push(next.text)
      end = next.end
    }
    if (this.b[end] === 0x2e) end++
    const text = labels.join('.')
    return text.length <= 253 ? { end, text } : undefined
  }

  private domainLiteral(p: number): Parsed | undefined {
    let q = this.cfws(p)
    if (this.b[q] !== 0x5b) return undefined
    q++
    let text = ''
    for (;;) {
      const f = this.fws(q)
      const r = f >= 0 ? f : q
      if (!isDomainText(this.b[r])) break
      const e = this.run(r, isDomainText)
      text += this.text(r, e)
      q = e
    }
    const f = this.fws(q)
    if (f >= 0) q = f
    if (this.b[q] !== 0x5d) return undefined
    return { end: this.cfws(q + 1), text: `[${text}]` }
  }

  /** Whether the whole input is an addr-spec. */
  valid(): boolean {
    const local = this.dottedAtoms(0)
    if (local === undefined || local.text.length > 64 || this.b[local.end] !== 0x40) return false
    const domain = this.domainName(local.end + 1) ?? this.domainLiteral(local.end + 1)
    if (domain === undefined || local.text.length + domain.text.length + 1 > 254) return false
    return domain.end === this.b.length
  }
}

/**
 * Whether a word is an e-mail address as the reference decides it (RFC 5322
 * addr-spec on the UTF-8 bytes, comments and folding white space allowed,
 * local part ≤ 64, labels ≤ 63, domain ≤ 253, whole ≤ 254 octets).
 */
export function isValidEmail(address: string): boolean {
  return new EmailParser(utf8Encoder.encode(address)).valid()
}
