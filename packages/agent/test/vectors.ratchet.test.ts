/**
 * ratchet.json: X3DH, both initial states, and the whole recorded conversation
 * replayed in order for both parties with the recorded DH ratchet keys
 * injected, for every crypto provider.
 */
import { readFileSync } from 'node:fs'
import {
  type CryptoProvider,
  Decoder,
  type KeyPair,
  decodeAll,
  encode,
  fromHex,
  nobleCrypto,
  toHex,
} from '@simplex-ts/core'
import { nativeCrypto } from '@simplex-ts/core/native'
import { describe, expect, it } from 'vitest'
import {
  E2E_ENCRYPT_VRANGE,
  E2E_ENC_CONN_INFO_LENGTH,
  E2E_ENC_USER_MSG_LENGTH,
  FULL_HEADER_LEN,
  MAX_SKIP,
  PADDED_HEADER_LEN,
  type Ratchet,
  type SkippedMessageKey,
  type SkippedMsgDiff,
  applySkippedMsgDiff,
  chainKdf,
  decodeE2ERatchetParams,
  decodeEncMessageHeader,
  decodeRatchet,
  decodeRatchetJson,
  encodeE2ERatchetParams,
  encodeE2ERatchetParamsUri,
  encodeMsgHeader,
  encodeRatchet,
  encodeRatchetJson,
  initRcvRatchet,
  initSndRatchet,
  parseE2ERatchetParamsUri,
  rcDecrypt,
  rcEncrypt,
  x3dhRcv,
  x3dhSnd,
} from '../src/index'

// --- vector shapes ---------------------------------------------------------
interface KeyV {
  priv_hex: string
  pub_hex: string
}
interface StateV {
  rcVersion: [number, number]
  rcAD_hex: string
  rcDHRs_priv_hex: string
  rcDHRs_pub_hex: string
  rcRK_hex: string
  rcSnd: { rcDHRr_pub_hex: string; rcCKs_hex: string; rcHKs_hex: string } | null
  rcRcv: { rcCKr_hex: string; rcHKr_hex: string } | null
  rcNs: number
  rcNr: number
  rcPN: number
  rcNHKs_hex: string
  rcNHKr_hex: string
  reference_json: unknown
}
interface InitParamsV {
  assocData_hex: string
  ratchetKey_hex: string
  sndHK_hex: string
  rcvNextHK_hex: string
}
interface SkippedV {
  header_key_hex: string
  msg_n: number
  message_key_hex: string
  iv_hex: string
}
type DiffV =
  | { type: 'none' }
  | { type: 'remove'; header_key_hex: string; msg_n: number }
  | { type: 'add'; keys: SkippedV[] }
interface EncryptStepV {
  step: number
  action: 'encrypt'
  party: 'alice' | 'bob'
  msg: string
  note: string
  plaintext_hex: string
  padded_len: number
  ciphertext_hex: string
  derived: {
    header_plain_hex: string
    chain_key_before_hex: string
    chain_key_after_hex: string
    message_key_hex: string
    message_iv_hex: string
    header_iv_hex: string
    header_key_hex: string
  }
  enc_header_hex: string
  enc_header_fields: {
    ehVersion: number
    ehIV_hex: string
    ehAuthTag_hex: string
    ehBody_hex: string
    ehBody_len: number
  }
  em_auth_tag_hex: string
  em_body_len: number
  ciphertext_len: number
  state_after: StateV
}
interface DecryptStepV {
  step: number
  action: 'decrypt'
  party: 'alice' | 'bob'
  msg: string
  note: string
  result: { plaintext_hex: string } | { error: string; error_kind: string }
  generated_dh_ratchet_key?: KeyV | null
  skipped_diff?: DiffV
  skipped_keys_after?: SkippedV[]
  state_after?: StateV
}
interface RatchetVectors {
  constants: {
    paddedHeaderLen: number
    fullHeaderLen: number
    maxSkip: number
    e2eEncryptVRange: [number, number]
    e2eEncConnInfoLength: number
    e2eEncUserMsgLength: number
  }
  x3dh: {
    alice_key1: KeyV
    alice_key2: KeyV
    bob_key1: KeyV
    bob_key2: KeyV
    bob_initial_dh_ratchet_key: KeyV
    alice_e2e_params_smp_hex: string
    bob_e2e_params_smp_hex: string
    alice_e2e_params_uri_str: string
    dh_outputs: Record<string, string>
    init_params_bob_x3dhSnd: InitParamsV
    init_params_alice_x3dhRcv: InitParamsV
    bob_initial_state_initSndRatchet: StateV
    alice_initial_state_initRcvRatchet: StateV
  }
  conversation: (EncryptStepV | DecryptStepV)[]
  max_skip: {
    note: string
    ns512_ciphertext_hex: string
    ns512_result: { plaintext_hex: string }
    ns512_skipped_key_count: number
    ns513_ciphertext_hex: string
    ns513_result: { error: string }
  }
}

const V = JSON.parse(
  readFileSync(new URL('../../../../shared/vectors/ratchet.json', import.meta.url), 'utf8'),
) as RatchetVectors
const X = V.x3dh

// --- helpers ----------------------------------------------------------------
const keyPair = (k: KeyV): KeyPair<'x448'> => ({
  alg: 'x448',
  privateKey: fromHex(k.priv_hex),
  publicKey: fromHex(k.pub_hex),
})

function expectState(rc: Ratchet, v: StateV): void {
  expect(rc.rcVersion).toEqual({ min: v.rcVersion[0], max: v.rcVersion[1] })
  expect(toHex(rc.rcAD)).toBe(v.rcAD_hex)
  expect(toHex(rc.rcDHRs.privateKey)).toBe(v.rcDHRs_priv_hex)
  expect(toHex(rc.rcDHRs.publicKey)).toBe(v.rcDHRs_pub_hex)
  expect(toHex(rc.rcRK)).toBe(v.rcRK_hex)
  expect(
    rc.rcSnd && {
      rcDHRr_pub_hex: toHex(rc.rcSnd.rcDHRr),
      rcCKs_hex: toHex(rc.rcSnd.rcCKs),
      rcHKs_hex: toHex(rc.rcSnd.rcHKs),
    },
  ).toEqual(v.rcSnd)
  expect(rc.rcRcv && { rcCKr_hex: toHex(rc.rcRcv.rcCKr), rcHKr_hex: toHex(rc.rcRcv.rcHKr) }).toEqual(v.rcRcv)
  expect([rc.rcNs, rc.rcNr, rc.rcPN]).toEqual([v.rcNs, v.rcNr, v.rcPN])
  expect(toHex(rc.rcNHKs)).toBe(v.rcNHKs_hex)
  expect(toHex(rc.rcNHKr)).toBe(v.rcNHKr_hex)
  // The stored JSON, byte for byte (aeson's compact output keeps the field order).
  expect(encodeRatchetJson(rc)).toBe(JSON.stringify(v.reference_json))
}

const skippedToV = (k: SkippedMessageKey): SkippedV => ({
  header_key_hex: toHex(k.headerKey),
  msg_n: k.msgN,
  message_key_hex: toHex(k.messageKey),
  iv_hex: toHex(k.iv),
})

function diffToV(d: SkippedMsgDiff): DiffV {
  switch (d.type) {
    case 'none':
      return { type: 'none' }
    case 'remove':
      return { type: 'remove', header_key_hex: toHex(d.headerKey), msg_n: d.msgN }
    case 'add':
      return { type: 'add', keys: d.keys.map(skippedToV) }
  }
}

/** Every state object in the file, for the JSON codec tests. */
function allStates(): [string, StateV][] {
  const out: [string, StateV][] = [
    ['bob initial', X.bob_initial_state_initSndRatchet],
    ['alice initial', X.alice_initial_state_initRcvRatchet],
  ]
  for (const s of V.conversation) if (s.state_after) out.push([`step ${s.step} ${s.party}`, s.state_after])
  return out
}

const providers: CryptoProvider[] = [nativeCrypto, nobleCrypto]

describe('ratchet.json constants', () => {
  it('match the exported constants', () => {
    expect(PADDED_HEADER_LEN).toBe(V.constants.paddedHeaderLen)
    expect(FULL_HEADER_LEN).toBe(V.constants.fullHeaderLen)
    expect(MAX_SKIP).toBe(V.constants.maxSkip)
    expect([E2E_ENCRYPT_VRANGE.min, E2E_ENCRYPT_VRANGE.max]).toEqual(V.constants.e2eEncryptVRange)
    expect(E2E_ENC_CONN_INFO_LENGTH).toBe(V.constants.e2eEncConnInfoLength)
    expect(E2E_ENC_USER_MSG_LENGTH).toBe(V.constants.e2eEncUserMsgLength)
  })
})

describe('ratchet.json E2E ratchet params', () => {
  const alice = { version: 1, key1: fromHex(X.alice_key1.pub_hex), key2: fromHex(X.alice_key2.pub_hex) }
  const bob = { version: 1, key1: fromHex(X.bob_key1.pub_hex), key2: fromHex(X.bob_key2.pub_hex) }

  it('binary form, both parties, both directions', () => {
    expect(toHex(encode((e) => encodeE2ERatchetParams(e, alice)))).toBe(X.alice_e2e_params_smp_hex)
    expect(toHex(encode((e) => encodeE2ERatchetParams(e, bob)))).toBe(X.bob_e2e_params_smp_hex)
    expect(decodeAll(fromHex(X.alice_e2e_params_smp_hex), decodeE2ERatchetParams)).toEqual(alice)
    expect(decodeAll(fromHex(X.bob_e2e_params_smp_hex), decodeE2ERatchetParams)).toEqual(bob)
  })

  it('URI form, both directions', () => {
    const uri = { versionRange: { min: 1, max: 1 }, key1: alice.key1, key2: alice.key2 }
    expect(encodeE2ERatchetParamsUri(uri)).toBe(X.alice_e2e_params_uri_str)
    expect(parseE2ERatchetParamsUri(X.alice_e2e_params_uri_str)).toEqual(uri)
  })
})

describe.each(providers)('ratchet.json with $name crypto', (p) => {
  const params = {
    alice: { version: 1, key1: fromHex(X.alice_key1.pub_hex), key2: fromHex(X.alice_key2.pub_hex) },
    bob: { version: 1, key1: fromHex(X.bob_key1.pub_hex), key2: fromHex(X.bob_key2.pub_hex) },
  }
  const bobInit = x3dhSnd(p, keyPair(X.bob_key1), keyPair(X.bob_key2), params.alice)
  const aliceInit = x3dhRcv(p, keyPair(X.alice_key1), keyPair(X.alice_key2), params.bob)

  it('X3DH DH outputs', () => {
    const outs = Object.entries(X.dh_outputs)
    const dh = (pub: KeyV, priv: KeyV) => toHex(p.dh('x448', fromHex(priv.priv_hex), fromHex(pub.pub_hex)))
    const computed = [
      dh(X.alice_key1, X.bob_key2),
      dh(X.alice_key2, X.bob_key1),
      dh(X.alice_key2, X.bob_key2),
      dh(X.bob_key2, X.alice_key1),
    ]
    expect(outs.map(([, v]) => v)).toEqual(computed)
  })

  it('x3dhSnd (bob) and x3dhRcv (alice) give the recorded, identical init params', () => {
    for (const [ours, v] of [
      [bobInit, X.init_params_bob_x3dhSnd],
      [aliceInit, X.init_params_alice_x3dhRcv],
    ] as const) {
      expect(toHex(ours.assocData)).toBe(v.assocData_hex)
      expect(toHex(ours.sharedSecret)).toBe(v.ratchetKey_hex)
      expect(toHex(ours.sndHK)).toBe(v.sndHK_hex)
      expect(toHex(ours.rcvNextHK)).toBe(v.rcvNextHK_hex)
    }
  })

  it('initial states: initSndRatchet (bob) and initRcvRatchet (alice)', () => {
    const bob = initSndRatchet(p, params.alice.key2, keyPair(X.bob_initial_dh_ratchet_key), bobInit)
    expectState(bob, X.bob_initial_state_initSndRatchet)
    expectState(initRcvRatchet(keyPair(X.alice_key2), aliceInit), X.alice_initial_state_initRcvRatchet)
  })

  it.each(allStates())(
    'reference JSON of %s decodes, re-encodes identically, and survives the binary form',
    (_, v) => {
      const rc = decodeRatchetJson(p, JSON.stringify(v.reference_json))
      expectState(rc, v)
      expectState(decodeRatchetJson(p, v.reference_json), v)
      expectState(
        decodeAll(
          encode((e) => encodeRatchet(e, rc)),
          decodeRatchet,
        ),
        v,
      )
    },
  )

  describe('conversation replay', () => {
    const state: Record<'alice' | 'bob', Ratchet> = {
      bob: initSndRatchet(p, params.alice.key2, keyPair(X.bob_initial_dh_ratchet_key), bobInit),
      alice: initRcvRatchet(keyPair(X.alice_key2), aliceInit),
    }
    const skipped: Record<'alice' | 'bob', SkippedMessageKey[]> = { alice: [], bob: [] }
    const sent = new Map<string, Uint8Array>()

    for (const step of V.conversation) {
      it(`step ${step.step}: ${step.party} ${step.action}s ${step.msg} — ${step.note}`, () => {
        const before = state[step.party]
        if (step.action === 'encrypt') {
          const { message, state: after } = rcEncrypt(p, before, step.padded_len, fromHex(step.plaintext_hex))
          expect(message.length).toBe(step.ciphertext_len)
          expect(toHex(message)).toBe(step.ciphertext_hex)
          // The recorded breakdown.
          const snd = before.rcSnd!
          const kdf = chainKdf(p, snd.rcCKs)
          const header = encode((e) =>
            encodeMsgHeader(e, {
              msgMaxVersion: 1,
              msgDHRs: before.rcDHRs.publicKey,
              msgPN: before.rcPN,
              msgNs: before.rcNs,
            }),
          )
          expect({
            header_plain_hex: toHex(header),
            chain_key_before_hex: toHex(snd.rcCKs),
            chain_key_after_hex: toHex(kdf.ck),
            message_key_hex: toHex(kdf.mk),
            message_iv_hex: toHex(kdf.iv),
            header_iv_hex: toHex(kdf.ehIV),
            header_key_hex: toHex(snd.rcHKs),
          }).toEqual(step.derived)
          const emHeader = message.subarray(1, 1 + FULL_HEADER_LEN)
          expect(message[0]).toBe(FULL_HEADER_LEN)
          expect(toHex(emHeader)).toBe(step.enc_header_hex)
          const eh = decodeAll(emHeader, decodeEncMessageHeader)
          expect({
            ehVersion: eh.ehVersion,
            ehIV_hex: toHex(eh.ehIV),
            ehAuthTag_hex: toHex(eh.ehAuthTag),
            ehBody_hex: toHex(eh.ehBody),
            ehBody_len: eh.ehBody.length,
          }).toEqual(step.enc_header_fields)
          expect(toHex(message.subarray(1 + FULL_HEADER_LEN, 17 + FULL_HEADER_LEN))).toBe(
            step.em_auth_tag_hex,
          )
          expect(message.length - 17 - FULL_HEADER_LEN).toBe(step.em_body_len)
          expectState(after, step.state_after)
          sent.set(step.msg, message)
          state[step.party] = after
          return
        }

        const message = sent.get(step.msg)!
        const beforeJson = encodeRatchetJson(before)
        const skippedBefore = skipped[step.party].map(skippedToV)
        const recorded = step.generated_dh_ratchet_key
        let generated = 0
        const generateDhKeyPair = (): KeyPair<'x448'> => {
          generated++
          if (!recorded) throw new Error('this step must not make a DH ratchet step')
          return keyPair(recorded)
        }
        const run = () => rcDecrypt(p, before, skipped[step.party], message, { generateDhKeyPair })

        if ('error' in step.result && step.result.error_kind.startsWith('thrown')) {
          const code = step.result.error
          expect(run).toThrow(expect.objectContaining({ code }))
          // Nothing changed: the inputs are untouched and the caller keeps them.
          expect(encodeRatchetJson(before)).toBe(beforeJson)
          expect(skipped[step.party].map(skippedToV)).toEqual(skippedBefore)
          expect(step.state_after).toBeUndefined()
          return
        }

        const r = run()
        if ('plaintext_hex' in step.result) {
          expect(r.ok).toBe(true)
          if (r.ok) expect(toHex(r.plaintext)).toBe(step.result.plaintext_hex)
        } else {
          expect(r.ok).toBe(false)
          if (!r.ok) expect(r.error.code).toBe(step.result.error)
        }
        expect(generated).toBe(recorded ? 1 : 0)
        expect(diffToV(r.skippedDiff)).toEqual(step.skipped_diff)
        // The input state is never modified.
        expect(encodeRatchetJson(before)).toBe(beforeJson)
        const after = applySkippedMsgDiff(skipped[step.party], r.skippedDiff)
        expect(after.map(skippedToV)).toEqual(step.skipped_keys_after)
        expectState(r.state, step.state_after!)
        state[step.party] = r.state
        skipped[step.party] = after
      })
    }
  })

  describe('max_skip', () => {
    const fresh = () => initRcvRatchet(keyPair(X.alice_key2), aliceInit)
    const generateDhKeyPair = () => p.generateDhKeyPair('x448')

    it(`message number ${MAX_SKIP} decrypts and stores ${MAX_SKIP} skipped keys`, () => {
      const r = rcDecrypt(p, fresh(), [], fromHex(V.max_skip.ns512_ciphertext_hex), { generateDhKeyPair })
      expect(r.ok && toHex(r.plaintext)).toBe(V.max_skip.ns512_result.plaintext_hex)
      expect(r.skippedDiff.type === 'add' && r.skippedDiff.keys.length).toBe(
        V.max_skip.ns512_skipped_key_count,
      )
      if (r.skippedDiff.type === 'add')
        expect(r.skippedDiff.keys.map((k) => k.msgN)).toEqual([...Array(512).keys()])
      expect(r.state.rcNr).toBe(513)
    })

    it(`message number ${MAX_SKIP + 1} is ${V.max_skip.ns513_result.error}, returned with the DH step made`, () => {
      const rc = fresh()
      const r = rcDecrypt(p, rc, [], fromHex(V.max_skip.ns513_ciphertext_hex), { generateDhKeyPair })
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error.code).toBe(V.max_skip.ns513_result.error)
      expect(r.skippedDiff).toEqual({ type: 'none' })
      expect(r.state.rcRcv).not.toBeNull()
      expect(r.state.rcNr).toBe(0)
      expect(toHex(rc.rcRK)).toBe(toHex(aliceInit.sharedSecret))
    })
  })
})

describe('decoded headers of the recorded messages', () => {
  it('every header decrypts to a padded 79-byte MsgHeader', () => {
    // The Decoder reads the fixed-size fields of the first message's header.
    const first = V.conversation[0] as EncryptStepV
    const eh = decodeAll(fromHex(first.enc_header_hex), decodeEncMessageHeader)
    const padded = nativeCrypto.aesGcmDecrypt(
      fromHex(first.derived.header_key_hex),
      eh.ehIV,
      fromHex(X.init_params_bob_x3dhSnd.assocData_hex),
      eh.ehBody,
      eh.ehAuthTag,
    )
    const d = new Decoder(padded)
    expect(d.u16()).toBe(79)
    expect(toHex(d.bytes(79))).toBe(first.derived.header_plain_hex)
    expect(padded.length).toBe(PADDED_HEADER_LEN)
  })
})
