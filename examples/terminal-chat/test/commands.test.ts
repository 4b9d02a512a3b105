// The command syntax of the v3.1 terminal: every form and abbreviation, and refusals.
import { expect, it } from 'vitest'
import { type Command, ParseError, parseCommand } from '../src/commands'

const cases: [string, Command][] = [
  ['', { type: 'empty' }],
  ['/help', { type: 'help', topic: 'main' }],
  ['/h', { type: 'help', topic: 'main' }],
  ['/help address', { type: 'help', topic: 'address' }],
  ['/ha', { type: 'help', topic: 'address' }],
  ['/hm', { type: 'help', topic: 'messages' }],
  ['/markdown', { type: 'help', topic: 'markdown' }],
  ['/c', { type: 'createInvitation' }],
  ['/connect', { type: 'createInvitation' }],
  [
    '/c https://simplex.chat/invitation#/?v=1',
    { type: 'connect', link: 'https://simplex.chat/invitation#/?v=1' },
  ],
  ['/connect  simplex:/contact#/?v=1 ', { type: 'connect', link: 'simplex:/contact#/?v=1' }],
  ['/ad', { type: 'createAddress' }],
  ['/address', { type: 'createAddress' }],
  ['/sa', { type: 'showAddress' }],
  ['/show_address', { type: 'showAddress' }],
  ['/da', { type: 'deleteAddress' }],
  ['/delete_address', { type: 'deleteAddress' }],
  ['/auto_accept on', { type: 'autoAccept', on: true, autoReply: undefined }],
  ['/auto_accept on hello there', { type: 'autoAccept', on: true, autoReply: 'hello there' }],
  ['/auto_accept off', { type: 'autoAccept', on: false, autoReply: undefined }],
  ['/ac bob', { type: 'accept', name: 'bob' }],
  ['/accept @bob_1', { type: 'accept', name: 'bob_1' }],
  ['/rc bob', { type: 'reject', name: 'bob' }],
  ['/reject @bob', { type: 'reject', name: 'bob' }],
  ['@bob hi there', { type: 'send', name: 'bob', text: 'hi there' }],
  ['@bob  two  spaces ', { type: 'send', name: 'bob', text: ' two  spaces' }],
  ['> @bob (hi) yes', { type: 'reply', name: 'bob', quoteOwn: false, prefix: 'hi', text: 'yes' }],
  ['>@bob (hi)yes', { type: 'reply', name: 'bob', quoteOwn: false, prefix: 'hi', text: 'yes' }],
  ['>> @bob () me again', { type: 'reply', name: 'bob', quoteOwn: true, prefix: '', text: 'me again' }],
  ['! @bob (hi) hello', { type: 'edit', name: 'bob', prefix: 'hi', text: 'hello' }],
  ['! @bob hello', { type: 'edit', name: 'bob', prefix: '', text: 'hello' }],
  ['\\ @bob hi', { type: 'delete', name: 'bob', prefix: 'hi' }],
  ['/tail', { type: 'tail', name: undefined, count: 10 }],
  ['/t 5', { type: 'tail', name: undefined, count: 5 }],
  ['/tail @bob 3', { type: 'tail', name: 'bob', count: 3 }],
  ['/cs', { type: 'contacts' }],
  ['/contacts', { type: 'contacts' }],
  ['/d @bob', { type: 'deleteContact', name: 'bob' }],
  ['/delete bob', { type: 'deleteContact', name: 'bob' }],
  ['/p', { type: 'showProfile' }],
  ['/profile', { type: 'showProfile' }],
  ['/p alice', { type: 'updateProfile', displayName: 'alice', fullName: '' }],
  ['/p alice Alice Liddell', { type: 'updateProfile', displayName: 'alice', fullName: 'Alice Liddell' }],
  ['/v', { type: 'version' }],
  ['/q', { type: 'quit' }],
  ['/quit', { type: 'quit' }],
  ['/exit', { type: 'quit' }],
]

it('parses every command form', () => {
  for (const [line, cmd] of cases) expect(parseCommand(line), line).toEqual(cmd)
})

it('sends plain text to the active contact, and only then', () => {
  expect(parseCommand('hello', 'bob')).toEqual({ type: 'send', name: 'bob', text: 'hello' })
  expect(parseCommand('/cs', 'bob')).toEqual({ type: 'contacts' })
  expect(() => parseCommand('hello')).toThrow(ParseError)
})

it('refuses malformed lines with a reason', () => {
  for (const [line, reason] of [
    ['/frobnicate', /unknown command \/frobnicate/],
    ['/ac', /expected \/ac <name>/],
    ['/ac two words', /expected \/ac <name>/],
    ['@bob', /expected @<name> <message>/],
    ['@ hi', /expected @<name> <message>/],
    ['> @bob no parens', /expected > @<name> \(<quoted text>\) <message>/],
    ['> @bob (hi)', /expected > @<name>/],
    ['/auto_accept maybe', /expected \/auto_accept on\|off/],
    ['/help files', /no help on "files"/],
    ['#team hi', /groups are not supported/],
    ['/d #team', /groups are not supported/],
    ['/tail @a @b', /expected \/tail/],
  ] as const) {
    expect(() => parseCommand(line, 'bob'), line).toThrow(reason)
  }
})
