/**
 * Behaviour beyond the recorded vectors: tampering with every region of a
 * message, replays, the thrown/returned error split, encrypt errors, the
 * skipped-key store helpers and the state codecs, for every crypto provider.
 */
import {
  type CryptoProvider,
  DecodeError,
  Decoder,
  type KeyPair,
  decodeAll,
  encode,
  nobleCrypto,
  toHex,
  utf8,
} from '@simplex-ts/core'
import { nativeCrypto } from '@simplex-ts/core/native'
import { describe, expect, it } from 'vitest'
import {
  CERatchetHeaderError,
  CERatchetStateError,
  CryptoHeaderError,
  FULL_HEADER_LEN,
  MAX_SKIP,
  type Ratchet,
  type SkippedMessageKey,
  applySkippedMsgDiff,
  decodeE2ERatchetParams,
  decodeMessageKey,
  decodeRatchet,
  decodeRatchetJson,
  e2eParamsAtVersion,
  e2eParamsToUri,
  encodeE2ERatchetParams,
  encodeE2ERatchetParamsUri,
  encodeMessageKey,
  encodeRatchet,
  encodeRatchetJson,
  generateE2EParams,
  initRcvRatchet,
  initSndRatchet,
  parseE2ERatchetParamsUri,
  ratchetToJson,
  rcDecrypt,
  rcEncrypt,
  x3dhRcv,
  x3dhSnd,
} from '../src/index'

const LEN = 128

/** A fresh connection: bob joined alice's invitation; bob can send, alice cannot yet. */
function connect(p: CryptoProvider): { alice: Ratchet; bob: Ratchet } {
  const a = generateE2EParams(p, 1)
  const b = generateE2EParams(p, 1)
  const bob = initSndRatchet(
    p,
    a.params.key2,
    p.generateDhKeyPair('x448'),
    x3dhSnd(p, b.keyPair1, b.keyPair2, a.params),
  )
  const alice = initRcvRatchet(a.keyPair2, x3dhRcv(p, a.keyPair1, a.keyPair2, b.params))
  return { alice, bob }
}

/** Encrypt `n` messages in a row; returns them and the sender's state. */
function sendMany(
  p: CryptoProvider,
  rc: Ratchet,
  n: number,
  label: string,
): { msgs: Uint8Array[]; state: Ratchet } {
  const msgs: Uint8Array[] = []
  let state = rc
  for (let i = 0; i < n; i++) {
    const r = rcEncrypt(p, state, LEN, utf8(`${label} ${i}`))
    msgs.push(r.message)
    state = r.state
  }
  return { msgs, state }
}

/** Decrypt, require success, and return the committed state and store. */
function recv(
  p: CryptoProvider,
  rc: Ratchet,
  skipped: readonly SkippedMessageKey[],
  msg: Uint8Array,
  expected: string,
): { state: Ratchet; skipped: SkippedMessageKey[] } {
  const r = rcDecrypt(p, rc, skipped, msg)
  if (!r.ok) throw new Error(`expected ${expected}, got ${r.error.code}`)
  expect(new TextDecoder().decode(r.plaintext)).toBe(expected)
  return { state: r.state, skipped: applySkippedMsgDiff(skipped, r.skippedDiff) }
}

function flip(msg: Uint8Array, at: number): Uint8Array {
  const m = msg.slice()
  m[at]! ^= 0x01
  return m
}

const snapshot = (rc: Ratchet, skipped: readonly SkippedMessageKey[]) => ({
  json: encodeRatchetJson(rc),
  skipped: skipped.map((k) => [toHex(k.headerKey), k.msgN, toHex(k.messageKey), toHex(k.iv)]),
})

// Byte regions of an EncRatchetMessage: [from, to) and what a flipped bit there gives.
const REGIONS: [string, number, number, 'CryptoHeaderError' | 'CERatchetHeader' | 'AESDecryptError'][] = [
  ['str8 length of emHeader', 0, 1, 'CryptoHeaderError'],
  ['ehVersion (covered only by the body AAD)', 1, 3, 'AESDecryptError'],
  ['ehIV', 3, 19, 'CERatchetHeader'],
  ['ehAuthTag', 19, 35, 'CERatchetHeader'],
  ['str8 length of ehBody', 35, 36, 'CryptoHeaderError'],
  ['ehBody', 36, 124, 'CERatchetHeader'],
  ['emAuthTag', 124, 140, 'AESDecryptError'],
  ['emBody', 140, 140 + LEN, 'AESDecryptError'],
]

describe.each([nativeCrypto, nobleCrypto])('ratchet with $name crypto', (p) => {
  // bob → alice: B0 (first message, DH step at alice), then B1 (same chain) and B2, B3.
  const { alice: alice0, bob: bob0 } = connect(p)
  const { msgs: b, state: bob1 } = sendMany(p, bob0, 4, 'B')
  const s1 = recv(p, alice0, [], b[0]!, 'B 0')
  // B1 is consumed; B3 skips B2.
  const s2 = recv(p, s1.state, s1.skipped, b[1]!, 'B 1')
  const s3 = recv(p, s2.state, s2.skipped, b[3]!, 'B 3')

  describe.each([
    [
      'first message (advance)',
      () => ({ rc: alice0, skipped: [] as SkippedMessageKey[], msg: b[0]!, text: 'B 0' }),
    ],
    ['same chain', () => ({ rc: s1.state, skipped: s1.skipped, msg: b[1]!, text: 'B 1' })],
    ['from a stored skipped key', () => ({ rc: s3.state, skipped: s3.skipped, msg: b[2]!, text: 'B 2' })],
  ] as const)('tampering with a %s message', (_, setup) => {
    it.each(REGIONS)('%s', (_, from, to, code) => {
      const { rc, skipped, msg, text } = setup()
      const before = snapshot(rc, skipped)
      for (const at of new Set([from, Math.floor((from + to - 1) / 2), to - 1])) {
        const bad = flip(msg, at)
        if (code === 'AESDecryptError') {
          // Returned, as the reference does, with the state it would save.
          const r = rcDecrypt(p, rc, skipped, bad)
          expect(r.ok).toBe(false)
          if (!r.ok) expect(r.error.code).toBe(code)
        } else {
          expect(() => rcDecrypt(p, rc, skipped, bad)).toThrow(expect.objectContaining({ code }))
        }
        // The inputs are unchanged, and the genuine message still decrypts from them.
        expect(snapshot(rc, skipped)).toEqual(before)
        recv(p, rc, skipped, msg, text)
      }
    })

    it('truncated messages are CryptoHeaderError', () => {
      const { rc, skipped, msg } = setup()
      for (const n of [0, 1, 100, FULL_HEADER_LEN, FULL_HEADER_LEN + 16]) {
        expect(() => rcDecrypt(p, rc, skipped, msg.subarray(0, n))).toThrow(CryptoHeaderError)
      }
    })
  })

  it('a returned body error saves what the reference saves: the chain advanced past it', () => {
    const r = rcDecrypt(p, s1.state, s1.skipped, flip(b[1]!, 200))
    expect(r.ok).toBe(false)
    expect(r.state.rcNr).toBe(s1.state.rcNr + 1)
    expect(r.skippedDiff.type).toBe('none')
    // ... and a skipped key used with a bad body is removed all the same.
    const r2 = rcDecrypt(p, s3.state, s3.skipped, flip(b[2]!, 200))
    expect(r2.ok).toBe(false)
    expect(r2.skippedDiff).toMatchObject({ type: 'remove', msgN: 2 })
    expect(r2.state).toBe(s3.state)
  })

  it('headroom: the same message at byte n of a buffer whose first n bytes are free', () => {
    const plain = utf8('with headroom')
    const plainMsg = rcEncrypt(p, bob1, LEN, plain)
    const roomy = rcEncrypt(p, bob1, LEN, plain, 21)
    expect(roomy.message.byteOffset).toBe(21)
    expect(roomy.message.buffer.byteLength).toBe(21 + plainMsg.message.length)
    expect(new Uint8Array(roomy.message.buffer, 0, 21)).toEqual(new Uint8Array(21))
    // the ratchet is deterministic given the state: identical bytes and state either way
    expect(roomy.message).toEqual(plainMsg.message)
    expect(roomy.state).toEqual(plainMsg.state)
    recv(p, s3.state, s3.skipped, roomy.message, 'with headroom')
    expect(() => rcEncrypt(p, bob1, LEN, plain, -1)).toThrow(RangeError)
  })

  it('replays change nothing', () => {
    // The latest message of the current chain: a duplicate, state unchanged.
    const dup = rcDecrypt(p, s3.state, s3.skipped, b[3]!)
    expect(dup.ok || dup.error.code).toBe('CERatchetDuplicateMessage')
    expect(encodeRatchetJson(dup.state)).toBe(encodeRatchetJson(s3.state))
    expect(dup.skippedDiff.type).toBe('none')
    // An earlier message of the current chain with no stored key.
    const early = rcDecrypt(p, s3.state, s3.skipped, b[0]!)
    expect(early.ok || early.error.code).toBe('CERatchetEarlierMessage')
    expect(encodeRatchetJson(early.state)).toBe(encodeRatchetJson(s3.state))
    // A message of the current chain whose stored key was used: its header key is the current one.
    const s4 = recv(p, s3.state, s3.skipped, b[2]!, 'B 2')
    const again = rcDecrypt(p, s4.state, s4.skipped, b[2]!)
    expect(again.ok || again.error.code).toBe('CERatchetEarlierMessage')
    expect(again.skippedDiff.type).toBe('none')
  })

  it('a message of another connection is CERatchetHeader, thrown', () => {
    const other = connect(p)
    const m = rcEncrypt(p, other.bob, LEN, utf8('x')).message
    expect(() => rcDecrypt(p, s3.state, s3.skipped, m)).toThrow(CERatchetHeaderError)
  })

  it('an old-chain message whose stored key was used is CERatchetHeader, thrown', () => {
    // alice replies (new chain), bob answers on a new chain; B2 is then late, from the old chain.
    const { msgs: a, state: alice1 } = sendMany(p, s3.state, 1, 'A')
    const bobR = recv(p, bob1, [], a[0]!, 'A 0')
    const { msgs: b2 } = sendMany(p, bobR.state, 1, 'B2')
    const s4 = recv(p, alice1, s3.skipped, b2[0]!, 'B2 0')
    const s5 = recv(p, s4.state, s4.skipped, b[2]!, 'B 2')
    expect(s5.skipped).toEqual([])
    expect(() => rcDecrypt(p, s5.state, s5.skipped, b[2]!)).toThrow(CERatchetHeaderError)
  })

  it(`skipping more than ${MAX_SKIP} on the old chain before a DH step is thrown`, () => {
    const { alice, bob } = connect(p)
    const first = sendMany(p, bob, 1, 'B')
    const a1 = recv(p, alice, [], first.msgs[0]!, 'B 0')
    // bob sends MAX_SKIP + 1 more that alice never gets, then receives alice's reply (new chain).
    const lost = sendMany(p, first.state, MAX_SKIP + 1, 'lost')
    const { msgs: a } = sendMany(p, a1.state, 1, 'A')
    const bobR = recv(p, lost.state, [], a[0]!, 'A 0')
    const { msgs: next } = sendMany(p, bobR.state, 1, 'B')
    // header PN = MAX_SKIP + 2 while alice expects 1 on that chain: thrown, nothing changes.
    const before = snapshot(a1.state, a1.skipped)
    expect(() => rcDecrypt(p, a1.state, a1.skipped, next[0]!)).toThrow(
      expect.objectContaining({ code: 'CERatchetTooManySkipped' }),
    )
    expect(snapshot(a1.state, a1.skipped)).toEqual(before)
    // One fewer lost message fits: the PN skip stores exactly MAX_SKIP keys.
    const lost2 = sendMany(p, first.state, MAX_SKIP, 'lost')
    const bobR2 = recv(p, lost2.state, [], a[0]!, 'A 0')
    const next2 = sendMany(p, bobR2.state, 1, 'B').msgs[0]!
    const ok = recv(p, a1.state, a1.skipped, next2, 'B 0')
    expect(ok.skipped.length).toBe(MAX_SKIP)
    recv(p, ok.state, ok.skipped, lost2.msgs[MAX_SKIP - 1]!, `lost ${MAX_SKIP - 1}`)
  })

  it('the DH step uses the injected key pair, and only on an advance', () => {
    const { alice, bob } = connect(p)
    const m = sendMany(p, bob, 2, 'B').msgs
    const injected: KeyPair<'x448'> = p.generateDhKeyPair('x448')
    let calls = 0
    const generateDhKeyPair = () => {
      calls++
      return injected
    }
    const r = rcDecrypt(p, alice, [], m[0]!, { generateDhKeyPair })
    expect(calls).toBe(1)
    expect(r.state.rcDHRs).toBe(injected)
    rcDecrypt(p, r.state, [], m[1]!, { generateDhKeyPair })
    expect(calls).toBe(1)
  })

  it('encrypt errors: no sending chain, plaintext too long; the state is untouched', () => {
    const { alice, bob } = connect(p)
    expect(() => rcEncrypt(p, alice, LEN, utf8('x'))).toThrow(CERatchetStateError)
    const before = encodeRatchetJson(bob)
    expect(() => rcEncrypt(p, bob, LEN, new Uint8Array(LEN - 1))).toThrow(
      expect.objectContaining({ code: 'CryptoLargeMsgError' }),
    )
    expect(encodeRatchetJson(bob)).toBe(before)
    // The largest plaintext that fits, and an empty one.
    const big = rcEncrypt(p, bob, LEN, new Uint8Array(LEN - 2).fill(7))
    expect(big.message.length).toBe(140 + LEN)
    const r = rcDecrypt(p, alice, [], big.message)
    expect(r.ok && r.plaintext).toEqual(new Uint8Array(LEN - 2).fill(7))
    const empty = rcEncrypt(p, big.state, LEN, new Uint8Array(0))
    const r2 = rcDecrypt(p, r.state, [], empty.message)
    expect(r2.ok && r2.plaintext.length).toBe(0)
  })

  it('states are frozen values', () => {
    const { bob } = connect(p)
    const r = rcEncrypt(p, bob, LEN, utf8('x'))
    expect(Object.isFrozen(r.state)).toBe(true)
    expect(Object.isFrozen(r.state.rcSnd)).toBe(true)
    expect(bob.rcNs).toBe(0)
    expect(r.state.rcNs).toBe(1)
  })

  it('a state restored from JSON or the binary form carries on the conversation', () => {
    const json = decodeRatchetJson(p, encodeRatchetJson(s3.state))
    recv(p, json, s3.skipped, b[2]!, 'B 2')
    const bin = decodeAll(
      encode((e) => encodeRatchet(e, s3.state)),
      decodeRatchet,
    )
    expect(encodeRatchetJson(bin)).toBe(encodeRatchetJson(s3.state))
    recv(p, bin, s3.skipped, b[2]!, 'B 2')
  })
})

describe('E2E ratchet params', () => {
  const g = generateE2EParams(nativeCrypto, 1)
  const uri = e2eParamsToUri(g.params, { min: 1, max: 3 })

  it('URI form: ranges, escapes, separators and extra parameters', () => {
    const text = encodeE2ERatchetParamsUri(uri)
    expect(text).toMatch(/^v=1-3&x3dh=[A-Za-z0-9_-]+=,[A-Za-z0-9_-]+=$/)
    expect(parseE2ERatchetParamsUri(text)).toEqual(uri)
    expect(parseE2ERatchetParamsUri(`?foo=bar;${text.replace('v=1-3', 'v=1%2D3')}&v=9`)).toEqual(uri)
    expect(e2eParamsAtVersion(uri, 2)).toEqual({ ...g.params, version: 2 })
  })

  it.each([
    ['missing v', (t: string) => t.replace(/^v=[^&]*&/, '')],
    ['missing x3dh', (t: string) => t.replace(/&x3dh=.*$/, '')],
    ['one key', (t: string) => t.replace(/,.*$/, '')],
    ['three keys', (t: string) => `${t},${t.split(',')[1]}`],
    ['bad version range', (t: string) => t.replace('v=1-3', 'v=3-1')],
    ['a space', (t: string) => `${t} `],
    ['bad base64', (t: string) => t.replace('x3dh=', 'x3dh=*')],
    [
      'an X25519 key',
      (t: string) =>
        t.replace(/x3dh=[^,]*/, 'x3dh=MCowBQYDK2VuAyEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='),
    ],
  ])('rejects %s with DecodeError', (_, mutate) => {
    expect(() => parseE2ERatchetParamsUri(mutate(encodeE2ERatchetParamsUri(uri)))).toThrow(DecodeError)
  })

  it('binary form rejects truncation, trailing bytes and other key algorithms', () => {
    const bytes = encode((e) => encodeE2ERatchetParams(e, g.params))
    expect(bytes.length).toBe(140)
    expect(() => decodeAll(bytes.subarray(0, 139), decodeE2ERatchetParams)).toThrow(DecodeError)
    expect(() => decodeAll(new Uint8Array([...bytes, 0]), decodeE2ERatchetParams)).toThrow(DecodeError)
    const x25519 = nativeCrypto.generateDhKeyPair('x25519')
    const der = new Uint8Array([
      ...[0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00],
      ...x25519.publicKey,
    ])
    const wrong = new Uint8Array([0, 1, der.length, ...der, ...bytes.subarray(71)])
    expect(() => decodeAll(wrong, decodeE2ERatchetParams)).toThrow()
  })
})

describe('skipped-key store helpers', () => {
  const key = (hk: number, n: number): SkippedMessageKey => ({
    headerKey: new Uint8Array(32).fill(hk),
    msgN: n,
    messageKey: new Uint8Array(32).fill(n),
    iv: new Uint8Array(16).fill(n),
  })

  it('apply: add merges and sorts, remove deletes one row, none only sorts', () => {
    const store = [key(2, 1), key(1, 5)]
    expect(applySkippedMsgDiff(store, { type: 'none' }).map((k) => [k.headerKey[0], k.msgN])).toEqual([
      [1, 5],
      [2, 1],
    ])
    const added = applySkippedMsgDiff(store, { type: 'add', keys: [key(1, 3), key(2, 0)] })
    expect(added.map((k) => [k.headerKey[0], k.msgN])).toEqual([
      [1, 3],
      [1, 5],
      [2, 0],
      [2, 1],
    ])
    const removed = applySkippedMsgDiff(added, {
      type: 'remove',
      headerKey: new Uint8Array(32).fill(2),
      msgN: 0,
    })
    expect(removed.map((k) => [k.headerKey[0], k.msgN])).toEqual([
      [1, 3],
      [1, 5],
      [2, 1],
    ])
    expect(
      applySkippedMsgDiff(removed, { type: 'remove', headerKey: new Uint8Array(32).fill(9), msgN: 0 }),
    ).toEqual(removed)
    expect(store.map((k) => k.msgN)).toEqual([1, 5])
  })

  it('message key blob: str8(key) ‖ str8(iv), 50 bytes', () => {
    const blob = encode((e) => encodeMessageKey(e, key(1, 7)))
    expect(blob.length).toBe(50)
    expect(blob[0]).toBe(32)
    expect(blob[33]).toBe(16)
    expect(decodeAll(blob, decodeMessageKey)).toEqual({ messageKey: key(1, 7).messageKey, iv: key(1, 7).iv })
    expect(() => decodeAll(blob.subarray(0, 49), decodeMessageKey)).toThrow(DecodeError)
  })
})

describe('state codecs reject bad input with DecodeError', () => {
  const { bob } = connect(nativeCrypto)
  const json = ratchetToJson(bob)

  it.each([
    ['not JSON', '{'],
    ['not an object', '[]'],
    ['bad version range', { ...json, rcVersion: [2, 1] }],
    ['version not a pair', { ...json, rcVersion: [1] }],
    ['negative counter', { ...json, rcNs: -1 }],
    ['counter above u32', { ...json, rcNr: 2 ** 32 }],
    ['fractional counter', { ...json, rcPN: 0.5 }],
    ['bad base64', { ...json, rcAD: '!!' }],
    ['single-encoded private key', { ...json, rcDHRs: json.rcSnd?.rcCKs }],
    ['public key where the private key goes', { ...json, rcDHRs: json.rcSnd?.rcDHRr }],
    ['short header key', { ...json, rcNHKs: 'AAAA' }],
    ['rcSnd not an object', { ...json, rcSnd: 5 }],
    ['missing rcRK', { ...json, rcRK: undefined }],
  ])('JSON: %s', (_, bad) => {
    expect(() =>
      decodeRatchetJson(nativeCrypto, typeof bad === 'string' ? bad : JSON.stringify(bad)),
    ).toThrow(DecodeError)
  })

  it('JSON: unknown fields are ignored and a missing chain is absent', () => {
    const { rcRcv: _, ...rest } = json
    const rc = decodeRatchetJson(nativeCrypto, { ...rest, extra: [1, 2] })
    expect(rc.rcRcv).toBeNull()
    expect(encodeRatchetJson(rc)).toBe(encodeRatchetJson(bob))
  })

  it('binary: bad tag, unknown format, truncation, wrong key sizes, trailing bytes', () => {
    const bytes = encode((e) => encodeRatchet(e, bob))
    expect(decodeAll(bytes, decodeRatchet)).toEqual(bob)
    for (const bad of [
      new Uint8Array([0x51, ...bytes.subarray(1)]),
      new Uint8Array([0x52, 2, ...bytes.subarray(2)]),
      bytes.subarray(0, bytes.length - 1),
      new Uint8Array([...bytes, 0]),
    ]) {
      expect(() => decodeAll(bad, decodeRatchet)).toThrow(DecodeError)
    }
    const d = new Decoder(bytes)
    d.bytes(2 + 4 + 2 + bob.rcAD.length)
    const at = d.offset
    const shortKey = new Uint8Array([...bytes.subarray(0, at), 55, ...bytes.subarray(at + 1)])
    expect(() => decodeAll(shortKey, decodeRatchet)).toThrow(DecodeError)
  })
})

describe('providers interoperate', () => {
  it('a native-crypto party and a noble-crypto party talk both ways across DH steps', () => {
    const [na, no] = [nativeCrypto, nobleCrypto]
    const a = generateE2EParams(na, 1)
    const b = generateE2EParams(no, 1)
    let bob = initSndRatchet(
      no,
      a.params.key2,
      no.generateDhKeyPair('x448'),
      x3dhSnd(no, b.keyPair1, b.keyPair2, a.params),
    )
    let alice = initRcvRatchet(a.keyPair2, x3dhRcv(na, a.keyPair1, a.keyPair2, b.params))
    for (let round = 0; round < 3; round++) {
      const toAlice = sendMany(no, bob, 2, `B${round}`)
      bob = toAlice.state
      for (const [i, m] of toAlice.msgs.entries()) alice = recv(na, alice, [], m, `B${round} ${i}`).state
      const toBob = sendMany(na, alice, 2, `A${round}`)
      alice = toBob.state
      for (const [i, m] of toBob.msgs.entries()) bob = recv(no, bob, [], m, `A${round} ${i}`).state
    }
    expect([alice.rcPN, bob.rcPN]).toEqual([2, 2])
  })
})
