import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type FormattedText, isValidEmail, parseMarkdown, parseMaybeMarkdown } from '../src/index'

const plain = (text: string): FormattedText => ({ text })
const bold = (text: string): FormattedText => ({ format: { type: 'bold' }, text })
const secret = (text: string): FormattedText => ({ format: { type: 'secret' }, text })
const red = (text: string): FormattedText => ({ format: { type: 'colored', color: 'red' }, text })
const uri = (text: string): FormattedText => ({ format: { type: 'uri' }, text })
const email = (text: string): FormattedText => ({ format: { type: 'email' }, text })
const phone = (text: string): FormattedText => ({ format: { type: 'phone' }, text })

describe('parseMarkdown', () => {
  it('formats marked fragments and keeps the spaces around them', () => {
    expect(parseMarkdown('see *this part* now')).toEqual([plain('see '), bold('this part'), plain(' now')])
    expect(parseMarkdown('  *b*  ')).toEqual([plain('  '), bold('b'), plain('  ')])
    expect(parseMarkdown('_i_ ~s~ `c`')).toEqual([
      { format: { type: 'italic' }, text: 'i' },
      plain(' '),
      { format: { type: 'strikeThrough' }, text: 's' },
      plain(' '),
      { format: { type: 'snippet' }, text: 'c' },
    ])
    // the closing marker ends the fragment; the next one starts right after it
    expect(parseMarkdown('*a*b')).toEqual([bold('a'), plain('b')])
  })

  it('leaves markers literal when they do not qualify', () => {
    for (const text of [
      'a * b * c',
      'a *b * c',
      'a * b* c',
      'a **b** c',
      'a*b* c',
      'an *open marker',
      'a # b # c',
      'a ## b ## c',
      'a !1 b ! c',
      'a !1  b! c',
      'a!1 b! c',
      'a !1 open',
      'a !x b! c',
    ]) {
      expect(parseMarkdown(text), text).toEqual([plain(text)])
      expect(parseMaybeMarkdown(text), text).toBeUndefined()
    }
  })

  it('merges adjacent runs of one format', () => {
    expect(parseMarkdown('~a~~b~')).toEqual([{ format: { type: 'strikeThrough' }, text: 'ab' }])
    expect(parseMarkdown('*a* *b*')).toEqual([bold('a'), plain(' '), bold('b')])
  })

  it('does not nest formats', () => {
    expect(parseMarkdown('*x _y_ z*')).toEqual([bold('x _y_ z')])
    expect(parseMarkdown('`*not bold* #nor secret#`')).toEqual([
      { format: { type: 'snippet' }, text: '*not bold* #nor secret#' },
    ])
  })

  it('parses secrets with the extra hashes kept inside', () => {
    expect(parseMarkdown('a #hidden words# b')).toEqual([plain('a '), secret('hidden words'), plain(' b')])
    expect(parseMarkdown('##x### y')).toEqual([secret('#x##'), plain(' y')])
  })

  it('parses colours by digit, name or initial', () => {
    expect(parseMarkdown('!1 red text! after')).toEqual([red('red text'), plain(' after')])
    expect(parseMarkdown('!red a!')).toEqual([red('a')])
    expect(parseMarkdown('!r a!')).toEqual([red('a')])
    expect(parseMarkdown('!6 a!')).toEqual([{ format: { type: 'colored', color: 'magenta' }, text: 'a' }])
    expect(parseMarkdown('!green\u00a0a!')).toEqual([
      { format: { type: 'colored', color: 'green' }, text: 'a' },
    ])
    // a full name must be followed by the space; the initial alone then no longer applies
    expect(parseMarkdown('!redx a!')).toEqual([plain('!redx a!')])
    expect(parseMarkdown('!1 a *b* c!')).toEqual([red('a *b* c')])
  })

  it('recognises links, e-mail addresses and phone numbers', () => {
    expect(parseMarkdown('go https://simplex.chat now')).toEqual([
      plain('go '),
      uri('https://simplex.chat'),
      plain(' now'),
    ])
    expect(parseMarkdown('simplex:/contact#abc')).toEqual([uri('simplex:/contact#abc')])
    expect(parseMarkdown('http://a')).toEqual([plain('http://a')])
    expect(parseMarkdown('x_https://simplex.chat')).toEqual([plain('x_https://simplex.chat')])
    expect(parseMarkdown('mail me@example.org')).toEqual([plain('mail '), email('me@example.org')])
    expect(parseMarkdown('me @example.org')).toEqual([plain('me @example.org')])
    expect(parseMarkdown('call +1 (555) 123-4567 now')).toEqual([
      plain('call '),
      phone('+1 (555) 123-4567'),
      plain(' now'),
    ])
    expect(parseMarkdown('01234 567 890')).toEqual([phone('01234 567 890')])
    expect(parseMarkdown('12345.678')).toEqual([phone('12345.678')])
    expect(parseMarkdown('123456')).toEqual([plain('123456')])
    expect(parseMarkdown('0123  456  789')).toEqual([plain('0123  456  789')])
    // a phone number may end inside a word; the rest is a new fragment
    expect(parseMarkdown('1234567abc')).toEqual([phone('1234567'), plain('abc')])
  })

  it('splits lines like the reference', () => {
    expect(parseMarkdown('a\n*b*')).toEqual([plain('a'), plain('\n'), bold('b')])
    expect(parseMarkdown('a\n\nb')).toEqual([plain('a'), plain('\n'), plain(''), plain('\n'), plain('b')])
    expect(parseMarkdown('a\n')).toEqual([plain('a')])
    expect(parseMarkdown('')).toEqual([])
    expect(parseMaybeMarkdown('plain\ntext')).toBeUndefined()
    expect(parseMaybeMarkdown('https://simplex.chat\nok')).toEqual([
      uri('https://simplex.chat'),
      plain('\n'),
      plain('ok'),
    ])
  })

  it('loses no text: runs plus their markers give back the input', () => {
    const MARK: Record<string, string> = {
      bold: '*',
      italic: '_',
      strikeThrough: '~',
      snippet: '`',
      secret: '#',
    }
    const alphabet = fc.constantFrom(
      'a',
      ' ',
      '*',
      '_',
      '~',
      '`',
      '#',
      '1',
      '+',
      '(',
      ')',
      '-',
      '.',
      '@',
      '\n',
      'é',
      '😀',
    )
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 40 }), (text) => {
        const back = parseMarkdown(text)
          .map((r) => {
            const m = r.format === undefined ? '' : (MARK[r.format.type] ?? '')
            return m + r.text + m
          })
          .join('')
        // the reference's `lines` drops one final newline; adjacent runs of one format merge,
        // dropping the markers between them, so markers are compared apart
        const expected = text.endsWith('\n') ? text.slice(0, -1) : text
        const strip = (t: string) => t.replace(/[*_~`#]/g, '')
        expect(strip(back)).toBe(strip(expected))
        expect(back.length).toBeLessThanOrEqual(expected.length)
      }),
      { numRuns: 10_000 },
    )
  })
})

describe('isValidEmail', () => {
  it('accepts RFC 5322 addr-specs', () => {
    for (const ok of [
      'a@b',
      'first.last@example.com',
      'first.last@example.com.',
      '"quoted space"@example.com',
      '"with\\"escape"@example.com',
      'user(comment)@example.com',
      '(a(nested)comment)user@example.com',
      'user@[192.168.0.1]',
      'user@ [ 1.2.3.4 ] ',
      "!#$%&'*+/=?^_`{|}~-@example.com",
      `${'x'.repeat(64)}@example.com`,
    ]) {
      expect(isValidEmail(ok), ok).toBe(true)
    }
  })

  it('rejects what the reference rejects', () => {
    for (const bad of [
      '',
      'plain',
      '@example.com',
      'user@',
      'a@b@c',
      'user@exam_ple.com',
      'user@-example.com',
      'user@example-.com',
      'first\\@last@example.com',
      'user@example..com',
      '.user@example.com',
      'user.@example.com',
      'us er@example.com',
      'user@(unclosed comment',
      'ünicode@example.com',
      'user@exämple.com',
      `${'x'.repeat(65)}@example.com`,
      `user@${'x'.repeat(64)}.com`,
      `${'x'.repeat(60)}@${`${'y'.repeat(59)}.`.repeat(3)}12.example.com`,
    ]) {
      expect(isValidEmail(bad), bad).toBe(false)
    }
  })

  it('handles deeply nested comments without exhausting the stack', () => {
    const depth = 50_000
    expect(isValidEmail(`${'('.repeat(depth)}${')'.repeat(depth)}a@b`)).toBe(true)
    expect(isValidEmail(`${'('.repeat(depth)}a@b`)).toBe(false)
  })
})
