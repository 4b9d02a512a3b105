/**
 * Terminal colours as the reference terminal uses them: contacts green,
 * received-from prefixes yellow, sent-to prefixes and commands cyan, times
 * grey, errors red; message text styled by its markdown. Off when the output is
 * not a terminal or `NO_COLOR` is set.
 */
import { type FormattedText, parseMaybeMarkdown } from '@simplex-ts/chat-protocol'

const CODES = {
  bold: [1, 22],
  italic: [3, 23],
  underline: [4, 24],
  inverse: [7, 27],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  grey: [90, 39],
} as const

/** A style name. */
export type StyleName = keyof typeof CODES

/** Applies styles, or not. */
export interface Styler {
  readonly enabled: boolean
  (style: StyleName, text: string): string
  /** Message text with its markdown (`*bold*`, `_italic_`, `!1 red!`, `#secret#`…) styled. */
  markdown(text: string): string
}

/**
 * A styler: colours when `enabled`.
 * @see ../../../shared/spec/chat.md §6
 */
export function createStyler(enabled: boolean): Styler {
  const apply = (style: StyleName, text: string): string => {
    if (!enabled || text === '') return text
    const [on, off] = CODES[style]
    return `\u001b[${on}m${text}\u001b[${off}m`
  }
  const run = (t: FormattedText): string => {
    const f = t.format
    if (f === undefined) return t.text
    switch (f.type) {
      case 'bold':
        return apply('bold', t.text)
      case 'italic':
        // shown underlined, as the reference terminal does
        return apply('underline', t.text)
      case 'strikeThrough':
      case 'secret':
        return apply('inverse', t.text)
      case 'snippet':
        return apply('grey', t.text)
      case 'colored':
        return apply(f.color, t.text)
      case 'uri':
      case 'email':
      case 'phone':
        return apply('underline', t.text)
    }
  }
  return Object.assign(apply, {
    enabled,
    markdown(text: string): string {
      if (!enabled) return text
      const runs = parseMaybeMarkdown(text)
      return runs === undefined ? text : runs.map(run).join('')
    },
  })
}

/** Whether colours suit this output stream (a terminal, `NO_COLOR` unset, `TERM` not `dumb`). */
export function colorsWanted(stream: { readonly isTTY?: boolean }): boolean {
  const noColor = process.env.NO_COLOR
  return stream.isTTY === true && (noColor === undefined || noColor === '') && process.env.TERM !== 'dumb'
}
