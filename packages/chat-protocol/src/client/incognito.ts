/**
 * Random incognito profiles: a different display name per contact, so two
 * contacts cannot tell they talk to the same user.
 *
 * @see ../shared/spec/chat.md §2.3
 */
import type { CryptoProvider } from '@simplex-ts/core'
import type { Profile } from '../contact'

const ADJECTIVES = [
  'Agile',
  'Amber',
  'Bold',
  'Brave',
  'Bright',
  'Calm',
  'Clever',
  'Cosmic',
  'Curious',
  'Daring',
  'Eager',
  'Fancy',
  'Fierce',
  'Gentle',
  'Golden',
  'Happy',
  'Humble',
  'Jolly',
  'Keen',
  'Lively',
  'Lucky',
  'Mellow',
  'Mighty',
  'Nimble',
  'Noble',
  'Quiet',
  'Rapid',
  'Silent',
  'Swift',
  'Witty',
] as const
const NOUNS = [
  'Badger',
  'Bear',
  'Beaver',
  'Crane',
  'Dolphin',
  'Eagle',
  'Falcon',
  'Finch',
  'Fox',
  'Gecko',
  'Hare',
  'Heron',
  'Ibis',
  'Jaguar',
  'Koala',
  'Lark',
  'Lynx',
  'Marten',
  'Moose',
  'Otter',
  'Owl',
  'Panda',
  'Puffin',
  'Raven',
  'Robin',
  'Seal',
  'Stork',
  'Tiger',
  'Walrus',
  'Wolf',
] as const

/**
 * A fresh incognito profile: `<Adjective><Noun>` (about 900 names, with a random 0–99 suffix).
 * @see ../shared/spec/chat.md §2.3
 */
export function randomIncognitoProfile(crypto: CryptoProvider): Profile {
  const r = crypto.randomBytes(3)
  const a = ADJECTIVES[(r[0] ?? 0) % ADJECTIVES.length] ?? 'Quiet'
  const n = NOUNS[(r[1] ?? 0) % NOUNS.length] ?? 'Otter'
  return { displayName: `${a}${n}${(r[2] ?? 0) % 100}`, fullName: '' }
}
