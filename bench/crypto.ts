/**
 * Crypto provider benchmark: every primitive the stack uses, native
 * (`node:crypto`) beside noble (pure JS), with the ratio.
 *
 * Run: `pnpm bench:crypto` (node --conditions=source --import tsx bench/crypto.ts).
 * Each cell runs its operation in batches for about BENCH_MS milliseconds, in
 * ROUNDS rounds that alternate native and noble (so a busy machine slows both
 * alike), after a short warm-up; the figure is the best round, in operations per
 * second. Numbers are for issue notes and docs, never for assertions.
 */
import { nativeCrypto } from '../packages/core/src/crypto/native'
import {
  type CryptoProvider,
  cbEncrypt,
  encryptAEAD,
  hkdf3,
  nobleCrypto,
  sign,
  utf8,
  verify,
} from '../packages/core/src/index'

const BENCH_MS = Number(process.env.BENCH_MS ?? 200)
const ROUNDS = 3
const WARMUP_MS = 60

interface Case {
  readonly name: string
  /** Returns the operation to time, with its inputs prepared outside the timed loop. */
  readonly setup: (p: CryptoProvider) => () => unknown
}

const KB16 = 16 * 1024
const message = utf8('a 64-byte SMP transmission stand-in, signed as the client would!!')

function signCase(alg: 'ed25519' | 'ed448'): Case[] {
  const name = alg === 'ed25519' ? 'Ed25519' : 'Ed448'
  return [
    {
      name: `${name} sign`,
      setup: (p) => {
        const kp = p.generateSignKeyPair(alg)
        return () => sign(p, kp, message)
      },
    },
    {
      name: `${name} verify`,
      setup: (p) => {
        const kp = p.generateSignKeyPair(alg)
        const sig = sign(p, kp, message)
        return () => {
          if (!verify(p, kp, sig, message)) throw new Error('verify failed')
        }
      },
    },
    { name: `${name} keygen`, setup: (p) => () => p.generateSignKeyPair(alg) },
  ]
}

function dhCase(alg: 'x25519' | 'x448'): Case[] {
  const name = alg === 'x25519' ? 'X25519' : 'X448'
  return [
    {
      name: `${name} DH`,
      setup: (p) => {
        const a = p.generateDhKeyPair(alg)
        const b = p.generateDhKeyPair(alg)
        return () => p.dh(alg, a.privateKey, b.publicKey)
      },
    },
    { name: `${name} keygen`, setup: (p) => () => p.generateDhKeyPair(alg) },
  ]
}

const CASES: readonly Case[] = [
  ...signCase('ed25519'),
  ...signCase('ed448'),
  ...dhCase('x25519'),
  ...dhCase('x448'),
  {
    name: 'AES-256-GCM 16 KB (encryptAEAD, 16-byte IV)',
    setup: (p) => {
      const key = p.randomBytes(32)
      const iv = p.randomBytes(16)
      const msg = p.randomBytes(KB16 - 2)
      return () => encryptAEAD(p, key, iv, KB16, new Uint8Array(0), msg)
    },
  },
  {
    name: 'AES-256-GCM 16 KB decrypt (raw)',
    setup: (p) => {
      const key = p.randomBytes(32)
      const iv = p.randomBytes(16)
      const s = p.aesGcmEncrypt(key, iv, new Uint8Array(0), p.randomBytes(KB16))
      return () => p.aesGcmDecrypt(key, iv, new Uint8Array(0), s.ciphertext, s.authTag)
    },
  },
  {
    name: 'crypto_box 16 KB (cbEncrypt; native = libsodium wasm)',
    setup: (p) => {
      const secret = p.randomBytes(32)
      const nonce = p.randomBytes(24)
      const msg = p.randomBytes(KB16 - 2)
      return () => cbEncrypt(p, secret, nonce, msg, KB16)
    },
  },
  {
    name: 'HKDF-SHA512 96 B (hkdf3)',
    setup: (p) => {
      const salt = p.randomBytes(32)
      const ikm = p.randomBytes(56)
      const info = utf8('SimpleXRootRatchet')
      return () => hkdf3(p, salt, ikm, info)
    },
  },
  {
    name: 'SHA-256 16 KB',
    setup: (p) => {
      const data = p.randomBytes(KB16)
      return () => p.sha256(data)
    },
  },
  {
    name: 'SHA-256 32 B',
    setup: (p) => {
      const data = p.randomBytes(32)
      return () => p.sha256(data)
    },
  },
]

/** Operations per second of `op`, timed in growing batches for about `ms` milliseconds. */
function opsPerSecond(op: () => unknown, ms: number): number {
  let batch = 1
  let ops = 0
  let elapsed = 0
  const deadline = performance.now() + ms
  while (performance.now() < deadline) {
    const t0 = performance.now()
    for (let i = 0; i < batch; i++) op()
    const dt = performance.now() - t0
    ops += batch
    elapsed += dt
    if (dt < 5) batch *= 2
  }
  return (ops / elapsed) * 1000
}

/** Best-of-rounds ops/s for each provider, rounds interleaved. */
function measure(c: Case, providers: readonly CryptoProvider[]): number[] {
  const ops = providers.map((p) => c.setup(p))
  for (const op of ops) opsPerSecond(op, WARMUP_MS)
  const best = ops.map(() => 0)
  for (let r = 0; r < ROUNDS; r++) {
    ops.forEach((op, i) => {
      best[i] = Math.max(best[i]!, opsPerSecond(op, BENCH_MS))
    })
  }
  return best
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1)
}

const rows: string[][] = []
const started = performance.now()
for (const c of CASES) {
  const [native, noble] = measure(c, [nativeCrypto, nobleCrypto]) as [number, number]
  rows.push([c.name, fmt(native), fmt(noble), `${(native / noble).toFixed(2)}×`])
}

const header = ['primitive', 'native ops/s', 'noble ops/s', 'native/noble']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
const line = (cells: readonly string[]) =>
  `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`
console.log(`Node ${process.version}, ${process.arch}; best of ${ROUNDS} × ~${BENCH_MS} ms per cell\n`)
console.log(line(header))
console.log(
  `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`,
)
for (const r of rows) console.log(line(r))
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`)
