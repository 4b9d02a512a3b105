/**
 * NaCl `crypto_secretbox` (XSalsa20-Poly1305) through libsodium's WebAssembly
 * build, for the Node provider: OpenSSL has no Salsa20, and libsodium is about
 * 2.5× faster than the pure-JS code on a 16 KB SMP block.
 *
 * Node-only (loaded with `createRequire`, reached from `native.ts` alone).
 * {@link loadSodiumSecretbox} resolves to `undefined` when the module cannot
 * be loaded (no WebAssembly, e.g. `--jitless`); the caller then keeps the
 * noble code, which gives the same bytes.
 *
 * @see ../shared/spec/smp.md §2.5
 */
import { createRequire } from 'node:module'
import { CBDecryptError } from '../errors'
import { AUTH_TAG_SIZE, CB_NONCE_SIZE, SECRETBOX_KEY_SIZE, checkCbNonce, checkSecretboxKey } from './params'

/** The few exports of the `libsodium` module (Emscripten build of libsodium 1.0.x) used here. */
interface LibsodiumModule {
  readonly ready: Promise<unknown>
  readonly HEAPU8: Uint8Array
  _sodium_init(): number
  _malloc(size: number): number
  _free(ptr: number): void
  _crypto_secretbox_easy(c: number, m: number, mlenLo: number, mlenHi: number, n: number, k: number): number
  _crypto_secretbox_open_easy(
    m: number,
    c: number,
    clenLo: number,
    clenHi: number,
    n: number,
    k: number,
  ): number
}

/** `crypto_secretbox` seal and open with the provider's signatures. */
export interface SecretboxFns {
  /** XSalsa20-Poly1305 seal, `tag(16) ‖ ciphertext`. */
  secretbox(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** Open `tag ‖ ciphertext`; throws `CBDecryptError` when not authentic. */
  secretboxOpen(key: Uint8Array, nonce: Uint8Array, box: Uint8Array): Uint8Array
}

/**
 * Load libsodium and return its secretbox, or `undefined` when it cannot run here.
 * The wasm heap holds one scratch area (key, nonce, input, output), grown on
 * demand and wiped after every call, so no secret outlives the call there.
 */
export async function loadSodiumSecretbox(): Promise<SecretboxFns | undefined> {
  let L: LibsodiumModule
  try {
    L = createRequire(import.meta.url)('libsodium') as LibsodiumModule
    await L.ready
    if (L._sodium_init() < 0) return undefined
  } catch {
    return undefined
  }
  const HEADER = SECRETBOX_KEY_SIZE + CB_NONCE_SIZE
  let base = 0
  let capacity = 0
  /** Scratch of `HEADER + 2 × (len + tag)` bytes: key, nonce, input, output. */
  const scratch = (len: number): number => {
    const need = HEADER + 2 * (len + AUTH_TAG_SIZE)
    if (need > capacity) {
      if (base !== 0) L._free(base)
      capacity = Math.max(need, 2 * capacity, 64 * 1024)
      base = L._malloc(capacity)
      if (base === 0) {
        capacity = 0
        throw new RangeError(`libsodium could not allocate ${need} bytes`)
      }
    }
    return base
  }
  const load = (key: Uint8Array, nonce: Uint8Array, input: Uint8Array): number => {
    const p = scratch(input.length)
    // HEAPU8 is read afresh: a heap growth replaces the view
    const heap = L.HEAPU8
    heap.set(key, p)
    heap.set(nonce, p + SECRETBOX_KEY_SIZE)
    heap.set(input, p + HEADER)
    return p
  }
  const wipe = (p: number, len: number): void => {
    L.HEAPU8.fill(0, p, p + HEADER + 2 * (len + AUTH_TAG_SIZE))
  }
  return {
    secretbox(key, nonce, plaintext) {
      checkSecretboxKey(key)
      checkCbNonce(nonce)
      const p = load(key, nonce, plaintext)
      const input = p + HEADER
      const output = input + plaintext.length + AUTH_TAG_SIZE
      try {
        if (L._crypto_secretbox_easy(output, input, plaintext.length, 0, p + SECRETBOX_KEY_SIZE, p) !== 0) {
          throw new RangeError('libsodium crypto_secretbox_easy failed')
        }
        return L.HEAPU8.slice(output, output + plaintext.length + AUTH_TAG_SIZE)
      } finally {
        wipe(p, plaintext.length)
      }
    },
    secretboxOpen(key, nonce, box) {
      checkSecretboxKey(key)
      checkCbNonce(nonce)
      if (box.length < AUTH_TAG_SIZE) {
        throw new CBDecryptError(
          `secretbox of ${box.length} bytes is shorter than its ${AUTH_TAG_SIZE}-byte tag`,
        )
      }
      const p = load(key, nonce, box)
      const input = p + HEADER
      const output = input + box.length
      const len = box.length - AUTH_TAG_SIZE
      try {
        if (L._crypto_secretbox_open_easy(output, input, box.length, 0, p + SECRETBOX_KEY_SIZE, p) !== 0) {
          throw new CBDecryptError('secretbox authentication failed')
        }
        return L.HEAPU8.slice(output, output + len)
      } finally {
        wipe(p, box.length)
      }
    },
  }
}
