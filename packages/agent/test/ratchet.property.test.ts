/**
 * Property tests: random two-party conversations with random reordering, loss
 * and replays decrypt every delivered message exactly once; random and
 * mutated inputs never decrypt and only ever raise typed errors.
 */
import {
  type CryptoProvider,
  decodeAll,
  encode,
  equalBytes,
  isSimplexError,
  nobleCrypto,
  utf8,
} from '@simplex-ts/core'
import { nativeCrypto } from '@simplex-ts/core/native'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type Ratchet,
  type SkippedMessageKey,
  applySkippedMsgDiff,
  decodeE2ERatchetParams,
  decodeRatchet,
  decodeRatchetJson,
  encodeE2ERatchetParams,
  encodeE2ERatchetParamsUri,
  encodeRatchet,
  encodeRatchetJson,
  generateE2EParams,
  initRcvRatchet,
  initSndRatchet,
  parseE2ERatchetParamsUri,
  rcDecrypt,
  rcEncrypt,
  x3dhRcv,
  x3dhSnd,
} from '../src/index'

const LEN = 64

interface Party {
  rc: Ratchet
  skipped: SkippedMessageKey[]
  /** Messages on their way to this party: ciphertext and plaintext. */
  inbox: { msg: Uint8Array; text: string }[]
  /** Messages this party already decrypted (for replays). */
  seen: Uint8Array[]
}

function connect(p: CryptoProvider): { alice: Party; bob: Party } {
  const a = generateE2EParams(p, 1)
  const b = generateE2EParams(p, 1)
  const bob = initSndRatchet(
    p,
    a.params.key2,
    p.generateDhKeyPair('x448'),
    x3dhSnd(p, b.keyPair1, b.keyPair2, a.params),
  )
  const alice = initRcvRatchet(a.keyPair2, x3dhRcv(p, a.keyPair1, a.keyPair2, b.params))
  return {
    alice: { rc: alice, skipped: [], inbox: [], seen: [] },
    bob: { rc: bob, skipped: [], inbox: [], seen: [] },
  }
}

type Action =
  | { kind: 'send'; from: 'alice' | 'bob' }
  | { kind: 'deliver' | 'drop' | 'replay'; to: 'alice' | 'bob'; pick: number }

const party = fc.constantFrom<'alice' | 'bob'>('alice', 'bob')
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: party.map((from) => ({ kind: 'send' as const, from })) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), to: party, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), to: party, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), to: party, pick: fc.nat() }) },
)

function runConversation(p: CryptoProvider, actions: readonly Action[]): void {
  const parties = connect(p)
  let sent = 0
  for (const a of actions) {
    if (a.kind === 'send') {
      const me = parties[a.from]
      // The initiator can send only after its first DH step.
      if (me.rc.rcSnd === null) continue
      const text = `${a.from} ${sent++}`
      const r = rcEncrypt(p, me.rc, LEN, utf8(text))
      me.rc = r.state
      parties[a.from === 'alice' ? 'bob' : 'alice'].inbox.push({ msg: r.message, text })
      continue
    }
    const me = parties[a.to]
    if (a.kind === 'replay') {
      if (me.seen.length === 0) continue
      const msg = me.seen[a.pick % me.seen.length]!
      const before = encodeRatchetJson(me.rc)
      try {
        const r = rcDecrypt(p, me.rc, me.skipped, msg)
        // A replay never decrypts, and what the reference would save is the same state.
        expect(r.ok).toBe(false)
        if (!r.ok) expect(['CERatchetDuplicateMessage', 'CERatchetEarlierMessage']).toContain(r.error.code)
        expect(r.skippedDiff.type).toBe('none')
        expect(encodeRatchetJson(r.state)).toBe(before)
      } catch (e) {
        expect(isSimplexError(e, 'CERatchetHeader')).toBe(true)
      }
      continue
    }
    if (me.inbox.length === 0) continue
    const [m] = me.inbox.splice(a.pick % me.inbox.length, 1)
    if (a.kind === 'drop') continue
    const r = rcDecrypt(p, me.rc, me.skipped, m!.msg)
    if (!r.ok) throw new Error(`${m!.text}: ${r.error.code}`)
    expect(new TextDecoder().decode(r.plaintext)).toBe(m!.text)
    me.rc = r.state
    me.skipped = applySkippedMsgDiff(me.skipped, r.skippedDiff)
    me.seen.push(m!.msg)
  }
  // Whatever is still in flight decrypts too, in any order (here: last first).
  for (const name of ['alice', 'bob'] as const) {
    const me = parties[name]
    // A stored state round-trips mid-conversation.
    me.rc = decodeRatchetJson(p, encodeRatchetJson(me.rc))
    for (const m of me.inbox.reverse()) {
      const r = rcDecrypt(p, me.rc, me.skipped, m.msg)
      if (!r.ok) throw new Error(`${m.text}: ${r.error.code}`)
      expect(new TextDecoder().decode(r.plaintext)).toBe(m.text)
      me.rc = r.state
      me.skipped = applySkippedMsgDiff(me.skipped, r.skippedDiff)
    }
  }
}

// The pure-JS X448 is ~4× slower: fewer runs keep the suite fast.
describe.each([
  { p: nativeCrypto, numRuns: 60 },
  { p: nobleCrypto, numRuns: 15 },
])('random conversations with $p.name crypto', ({ p, numRuns }) => {
  it('every delivered message decrypts once, in any order, with loss and replays', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 60 }), (actions) =>
        runConversation(p, actions),
      ),
      { numRuns },
    )
  })
})

describe.each([nativeCrypto, nobleCrypto])('hostile input with $name crypto', (p) => {
  const { alice, bob } = connect(p)
  const first = rcEncrypt(p, bob.rc, LEN, utf8('hello'))
  const a1 = rcDecrypt(p, alice.rc, [], first.message)
  if (!a1.ok) throw new Error('setup')
  const second = rcEncrypt(p, first.state, LEN, utf8('again'))
  const expectedTyped = (e: unknown) => {
    if (!isSimplexError(e)) throw e
    expect(['CryptoHeaderError', 'CERatchetHeader']).toContain(e.code)
  }

  it('random bytes never decrypt and raise only CryptoHeaderError / CERatchetHeader', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          rcDecrypt(p, a1.state, [], bytes)
          return false
        } catch (e) {
          expectedTyped(e)
          return true
        }
      }),
      { numRuns: p === nativeCrypto ? 10_000 : 2_000 },
    )
  })

  it('any bit flips in a genuine message never decrypt; the state is never touched', () => {
    const before = encodeRatchetJson(a1.state)
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: second.message.length * 8 - 1 }), { minLength: 1, maxLength: 4 }),
        (bits) => {
          const m = second.message.slice()
          for (const b of bits) m[b >> 3]! ^= 1 << (b & 7)
          try {
            const r = rcDecrypt(p, a1.state, [], m)
            expect(r.ok).toBe(false)
            if (!r.ok) expect(r.error.code).toBe('AESDecryptError')
          } catch (e) {
            expectedTyped(e)
          }
          expect(encodeRatchetJson(a1.state)).toBe(before)
        },
      ),
      { numRuns: p === nativeCrypto ? 3_000 : 500 },
    )
  })
})

describe('codecs: round trips and hostile input (10,000 runs each)', () => {
  const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
  const u32 = fc.nat({ max: 0xffffffff })
  const range = fc
    .tuple(fc.nat({ max: 0xffff }), fc.nat({ max: 0xffff }))
    .map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) }))
  const state: fc.Arbitrary<Ratchet> = fc.record({
    rcVersion: range,
    rcAD: fc.uint8Array({ maxLength: 300 }),
    rcDHRs: fc.record({ alg: fc.constant('x448' as const), privateKey: bytes(56), publicKey: bytes(56) }),
    rcRK: fc.oneof(bytes(32), bytes(104)),
    rcSnd: fc.option(fc.record({ rcDHRr: bytes(56), rcCKs: bytes(32), rcHKs: bytes(32) })),
    rcRcv: fc.option(fc.record({ rcCKr: bytes(32), rcHKr: bytes(32) })),
    rcNs: u32,
    rcNr: u32,
    rcPN: u32,
    rcNHKs: bytes(32),
    rcNHKr: bytes(32),
  })
  const expectOnly =
    (...codes: string[]) =>
    (e: unknown) => {
      if (!isSimplexError(e) || !codes.includes(e.code)) throw e
    }

  it('binary state: decode(encode(s)) = s', () => {
    fc.assert(
      fc.property(state, (s) => {
        // Compared through the encoding: deep equality of byte arrays is the slow part here.
        const bytes = encode((e) => encodeRatchet(e, s))
        const back = decodeAll(bytes, decodeRatchet)
        expect(
          equalBytes(
            encode((e) => encodeRatchet(e, back)),
            bytes,
          ),
        ).toBe(true)
        expect(back.rcSnd === null).toBe(s.rcSnd === null)
        expect(back.rcRcv === null).toBe(s.rcRcv === null)
      }),
      { numRuns: 10_000 },
    )
  })

  it('binary state: random bytes raise only DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        try {
          decodeAll(b, decodeRatchet)
        } catch (e) {
          expectOnly('DECODE')(e)
        }
      }),
      { numRuns: 10_000 },
    )
  })

  it('E2E params: binary and URI forms round-trip', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffff }),
        range,
        bytes(56),
        bytes(56),
        (version, versionRange, key1, key2) => {
          const params = decodeAll(
            encode((e) => encodeE2ERatchetParams(e, { version, key1, key2 })),
            decodeE2ERatchetParams,
          )
          expect(
            params.version === version && equalBytes(params.key1, key1) && equalBytes(params.key2, key2),
          ).toBe(true)
          const uri = parseE2ERatchetParamsUri(encodeE2ERatchetParamsUri({ versionRange, key1, key2 }))
          expect(uri.versionRange).toEqual(versionRange)
          expect(equalBytes(uri.key1, key1) && equalBytes(uri.key2, key2)).toBe(true)
        },
      ),
      { numRuns: 10_000 },
    )
  })

  it('E2E params: random bytes and text raise only DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), fc.string({ maxLength: 200 }), (b, t) => {
        try {
          decodeAll(b, decodeE2ERatchetParams)
        } catch (e) {
          expectOnly('DECODE')(e)
        }
        for (const text of [t, `v=1&x3dh=${t}`, `v=${t}&x3dh=a,b`]) {
          try {
            parseE2ERatchetParamsUri(text)
          } catch (e) {
            expectOnly('DECODE')(e)
          }
        }
      }),
      { numRuns: 10_000 },
    )
  })

  it('JSON state: random JSON values raise only DecodeError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
        try {
          decodeRatchetJson(nativeCrypto, text)
        } catch (e) {
          expectOnly('DECODE')(e)
        }
      }),
      { numRuns: 10_000 },
    )
  })
})
