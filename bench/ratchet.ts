/**
 * Double-ratchet benchmark: one `rcEncrypt` + `rcDecrypt` of an ordinary agent
 * message (padded to 15856 bytes) on an established chain, native
 * (`node:crypto`) beside noble (pure JS), against the floor: the chain KDF
 * (HKDF-SHA512, 96 bytes) and AES-256-GCM of the same padded size, each done
 * once per side directly with the provider, no headers, no encoding.
 *
 * Run: `node --conditions=source --import tsx bench/ratchet.ts`.
 * Each cell runs in batches for about BENCH_MS milliseconds after a warm-up and
 * reports the median batch in CPU µs per encrypt+decrypt (ours and the floor interleaved). Numbers are for issue
 * notes and docs, never for assertions.
 */
import {
  E2E_ENC_USER_MSG_LENGTH,
  type Ratchet,
  generateE2EParams,
  initRcvRatchet,
  initSndRatchet,
  rcDecrypt,
  rcEncrypt,
  x3dhRcv,
  x3dhSnd,
} from '../packages/agent/src/index'
import { nativeCrypto } from '../packages/core/src/crypto/native'
import { type CryptoProvider, latin1, nobleCrypto } from '../packages/core/src/index'

const BENCH_MS = Number(process.env.BENCH_MS ?? 1500)
const WARMUP_MS = 200
const BATCH = 20
const L = E2E_ENC_USER_MSG_LENGTH
// A full-size agent message: the largest plaintext the padding admits.
const plaintext = new Uint8Array(L - 2).fill(0x61)

/**
 * CPU µs per call of each op: rounds of short batches, the ops interleaved so load from
 * other processes hits them alike; CPU time (not wall time) of this process, median round.
 */
function microseconds(ops: Record<string, () => void>, ms: number): Record<string, number> {
  const names = Object.keys(ops)
  const warm = performance.now() + WARMUP_MS
  while (performance.now() < warm) for (const n of names) ops[n]!()
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  const deadline = performance.now() + ms * names.length
  while (performance.now() < deadline) {
    for (const n of names) {
      const op = ops[n]!
      const t0 = process.cpuUsage()
      for (let i = 0; i < BATCH; i++) op()
      const t = process.cpuUsage(t0)
      samples[n]!.push((t.user + t.system) / BATCH)
    }
  }
  return Object.fromEntries(
    names.map((n) => {
      const v = samples[n]!.sort((a, b) => a - b)
      return [n, v[Math.floor(v.length / 2)]!]
    }),
  )
}

/** An established connection: bob's chain to alice, past the first DH step. */
function established(p: CryptoProvider): () => void {
  const a = generateE2EParams(p, 1)
  const b = generateE2EParams(p, 1)
  let bob: Ratchet = initSndRatchet(
    p,
    a.params.key2,
    p.generateDhKeyPair('x448'),
    x3dhSnd(p, b.keyPair1, b.keyPair2, a.params),
  )
  let alice: Ratchet = initRcvRatchet(a.keyPair2, x3dhRcv(p, a.keyPair1, a.keyPair2, b.params))
  const step = () => {
    const e = rcEncrypt(p, bob, L, plaintext)
    const d = rcDecrypt(p, alice, [], e.message)
    if (!d.ok || d.plaintext.length !== plaintext.length) throw new Error('decrypt failed')
    bob = e.state
    alice = d.state
  }
  step() // the DH step at alice, outside the timed loop
  return step
}

/** The floor: chain KDF + AES-GCM of the padded body, once per side, straight on the provider. */
function floor(p: CryptoProvider): () => void {
  const ck = p.randomBytes(32)
  const info = latin1('SimpleXChainRatchet')
  const salt = new Uint8Array(0)
  const ad = p.randomBytes(235)
  const padded = new Uint8Array(L)
  return () => {
    const ks = p.hkdfSha512(salt, ck, info, 96)
    const key = ks.subarray(32, 64)
    const iv = ks.subarray(64, 80)
    const sealed = p.aesGcmEncrypt(key, iv, ad, padded)
    const kr = p.hkdfSha512(salt, ck, info, 96)
    p.aesGcmDecrypt(kr.subarray(32, 64), kr.subarray(64, 80), ad, sealed.ciphertext, sealed.authTag)
  }
}

const native = microseconds({ ours: established(nativeCrypto), floor: floor(nativeCrypto) }, BENCH_MS)
const noble = microseconds({ ours: established(nobleCrypto), floor: floor(nobleCrypto) }, BENCH_MS / 4)
const nativeFloor = native.floor!
const rows: string[][] = []
for (const [name, r] of [
  ['native', native],
  ['noble', noble],
] as const) {
  rows.push([
    name,
    r.ours!.toFixed(1),
    r.floor!.toFixed(1),
    `${(r.ours! / r.floor!).toFixed(2)}×`,
    nativeFloor.toFixed(1),
    `${(r.ours! / nativeFloor).toFixed(2)}×`,
  ])
}

const header = [
  'provider',
  'enc+dec µs',
  'own floor µs',
  'vs own floor',
  'native floor µs',
  'vs native floor',
]
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`
console.log(
  `Node ${process.version}, ${process.arch}; ${L}-byte padded body, CPU µs, median of interleaved batches\n`,
)
console.log(line(header))
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
for (const r of rows) console.log(line(r))
