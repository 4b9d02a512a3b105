/**
 * Store archives: export every record of a {@link Storage} to one byte string
 * and import it into any other adapter, replacing its contents.
 *
 * Format version 1 (all integers big-endian):
 * ```
 * header  magic "SXTSARCH" (8) ‖ formatVersion u16 = 1 ‖ cipher u8 ‖ generation u64 ‖ bodyLength u64
 *         cipher 1 only: log2N u8 ‖ r u8 ‖ p u8 ‖ salt (32) ‖ nonce (24) ‖ keyCheck (16)
 *         headerCheck (16) = SHA-256(all preceding header bytes)[0..16)
 * payload cipher 0 (plain):  body ‖ SHA-256(header ‖ body)
 *         cipher 1 (scrypt + XChaCha20-Poly1305): XChaCha20-Poly1305(key, nonce, aad = header).seal(body)
 * body    nsCount u32, then per namespace (ascending UTF-8 bytes):
 *           nsLen u16 ‖ UTF-8 name ‖ recordCount u32 (≥ 1), then per record (ascending key):
 *           keyLen u32 ‖ key ‖ valueLen u32 ‖ value
 * ```
 * scrypt(passphrase, salt, N = 2^log2N, r, p) gives 64 bytes: the first 32 are
 * the AEAD key, SHA-256("simplex-ts archive key check" ‖ last 32)[0..16) is
 * `keyCheck`, which tells a wrong passphrase from a corrupted archive before
 * any decryption. The body is deterministic: the same records give the same
 * body bytes on every adapter.
 *
 * Namespaces beginning with `$` are store-local (the `$storage` namespace
 * holds the generation counter): they are neither exported nor replaced.
 *
 * Generation: each export increments the source store's generation and stamps
 * it on the archive; an import sets the target's generation to the archive's.
 * Importing an archive whose generation is lower than the target's means
 * replacing a profile with an older copy of itself, which the seed release
 * warns must never happen (two devices, diverged ratchets).
 *
 * @see ../shared/spec/archive.md §1.6 (hazards), §4.1 (encryption), §4.4 (import is replace-all)
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { compareBytes, concatBytes, constantTimeEqual, fromUtf8, utf8 } from './bytes'
import {
  ArchiveCorruptError,
  ArchiveNotEncryptedError,
  ArchiveTruncatedError,
  ArchiveVersionError,
  InvalidKdfParamsError,
  OlderGenerationError,
  PassphraseRequiredError,
  StorageBackendError,
  WrongPassphraseError,
} from './errors'
import { type Entry, type ReadTx, type Storage, type Tx, assertNamespace } from './storage'

/** Archive format version written by this release (and the only one it reads). */
export const ARCHIVE_FORMAT_VERSION = 1

/** The namespace of store-local metadata (not exported, not replaced by imports). */
export const META_NAMESPACE = '$storage'

/** scrypt cost parameters. Memory used is about `128 · r · 2^log2N` bytes. */
export interface KdfParams {
  /** log2 of the CPU/memory cost N. */
  readonly log2N: number
  /** Block size. */
  readonly r: number
  /** Parallelism. */
  readonly p: number
}

/**
 * Default scrypt cost: N = 2^17, r = 8, p = 1 (128 MiB, the OWASP recommendation
 * for scrypt); about a second in pure JavaScript. Tests pass a lower cost.
 */
export const DEFAULT_KDF: KdfParams = Object.freeze({ log2N: 17, r: 8, p: 1 })

/** Largest scrypt memory an archive may demand (1 GiB), so a crafted header cannot exhaust memory. */
export const MAX_KDF_MEMORY = 2 ** 30

/** Options of {@link exportArchive}: a passphrase (default, encrypted), or an explicit `encrypt: false`. */
export type ExportOptions =
  | {
      /** Passphrase; strings are NFC-normalized and UTF-8 encoded. */
      passphrase: string | Uint8Array
      /** scrypt cost (default {@link DEFAULT_KDF}). */
      kdf?: KdfParams
    }
  | {
      /** Write an unencrypted archive: every private key of the profile in the clear. */
      encrypt: false
    }

/** Options of {@link importArchive} and {@link readArchive}. */
export interface ImportOptions {
  /** Passphrase of an encrypted archive. */
  passphrase?: string | Uint8Array
  /** Accept an unencrypted archive (it carries a checksum but no authentication). Default `false`. */
  allowUnencrypted?: boolean
  /**
   * What to do when the archive's generation is lower than the target store's:
   * `'reject'` (default) throws {@link OlderGenerationError} and changes nothing;
   * `'warn'` imports and returns the error as {@link ImportResult.warning}.
   */
  onOlderGeneration?: 'reject' | 'warn'
}

/** The archive header, readable without the passphrase. */
export interface ArchiveHeader {
  /** Format version. */
  readonly formatVersion: number
  /** `true` when the body is encrypted. */
  readonly encrypted: boolean
  /** Generation counter of the exporting store at export time. */
  readonly generation: number
  /** Length of the (plaintext) body in bytes. */
  readonly bodyLength: number
  /** scrypt parameters, when encrypted. */
  readonly kdf: KdfParams | undefined
}

/** One namespace of an archive, records in key order. */
export interface ArchiveNamespace {
  /** Namespace name. */
  readonly ns: string
  /** Records, ascending by key. */
  readonly entries: Entry[]
}

/** A verified, decoded archive. */
export interface ArchiveContents extends ArchiveHeader {
  /** Namespaces in UTF-8 byte order. */
  readonly namespaces: ArchiveNamespace[]
  /** Total number of records. */
  readonly records: number
  /** SHA-256 of the body: equal for equal record sets, whatever adapter exported them. */
  readonly digest: Uint8Array
}

/** What {@link importArchive} did. */
export interface ImportResult {
  /** The target's generation after the import. */
  readonly generation: number
  /** The target's generation before the import. */
  readonly previousGeneration: number
  /** Number of namespaces imported. */
  readonly namespaces: number
  /** Number of records imported. */
  readonly records: number
  /** Set when an older archive was imported under `onOlderGeneration: 'warn'`. */
  readonly warning: OlderGenerationError | undefined
}

const MAGIC = utf8('SXTSARCH')
const CIPHER_NONE = 0
const CIPHER_SCRYPT_XCHACHA = 1
const FIXED = 8 + 2 + 1 + 8 + 8
const KDF_PART = 3 + 32 + 24 + 16
const CHECK_LEN = 16
const TAG_LEN = 16
const SALT_LEN = 32
const NONCE_LEN = 24
const KEY_CHECK_CONTEXT = utf8('simplex-ts archive key check')
const GENERATION_KEY = utf8('generation')

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}

/** The store's generation counter (0 for a store never exported to or imported into). */
async function readGeneration(tx: ReadTx): Promise<number> {
  const v = await tx.get(META_NAMESPACE, GENERATION_KEY)
  if (v === undefined) return 0
  if (v.length !== 8) throw new StorageBackendError(`malformed generation record (${v.length} bytes)`)
  return Number(new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0))
}

/**
 * The generation counter of `storage`: how many exports its profile has been
 * through (0 for a store never exported from or imported into).
 * @throws {StorageClosedError} the store is closed
 */
export function getGeneration(storage: Storage): Promise<number> {
  return storage.read(readGeneration)
}

function passphraseBytes(p: string | Uint8Array | undefined): Uint8Array | undefined {
  if (p === undefined) return undefined
  const b = typeof p === 'string' ? utf8(p.normalize('NFC')) : p
  return b.length === 0 ? undefined : b
}

function checkKdf(k: KdfParams): string | undefined {
  if (!Number.isInteger(k.log2N) || k.log2N < 1 || k.log2N > 30) return `log2N ${k.log2N} outside 1…30`
  if (!Number.isInteger(k.r) || k.r < 1 || k.r > 255) return `r ${k.r} outside 1…255`
  if (!Number.isInteger(k.p) || k.p < 1 || k.p > 16) return `p ${k.p} outside 1…16`
  if (128 * k.r * 2 ** k.log2N > MAX_KDF_MEMORY) return 'memory cost 128·r·N exceeds 1 GiB'
  return undefined
}

async function deriveKeys(
  pass: Uint8Array,
  salt: Uint8Array,
  k: KdfParams,
): Promise<{ key: Uint8Array; check: Uint8Array }> {
  const N = 2 ** k.log2N
  const dk = await scryptAsync(pass, salt, {
    N,
    r: k.r,
    p: k.p,
    dkLen: 64,
    maxmem: 128 * k.r * (N + k.p + 1),
  })
  const check = sha256(concatBytes(KEY_CHECK_CONTEXT, dk.subarray(32))).slice(0, CHECK_LEN)
  const key = dk.slice(0, 32)
  dk.fill(0)
  return { key, check }
}

function encodeBody(spaces: ArchiveNamespace[]): Uint8Array {
  let size = 4
  const names = spaces.map((s) => utf8(s.ns))
  for (const [i, s] of spaces.entries()) {
    size += 2 + names[i]!.length + 4
    for (const e of s.entries) size += 8 + e.key.length + e.value.length
  }
  const out = new Uint8Array(size)
  const dv = new DataView(out.buffer)
  let o = 0
  dv.setUint32(o, spaces.length)
  o += 4
  for (const [i, s] of spaces.entries()) {
    const n = names[i]!
    dv.setUint16(o, n.length)
    out.set(n, o + 2)
    o += 2 + n.length
    dv.setUint32(o, s.entries.length)
    o += 4
    for (const e of s.entries) {
      dv.setUint32(o, e.key.length)
      out.set(e.key, o + 4)
      o += 4 + e.key.length
      dv.setUint32(o, e.value.length)
      out.set(e.value, o + 4)
      o += 4 + e.value.length
    }
  }
  return out
}

class BodyReader {
  private o = 0
  private readonly dv: DataView
  constructor(private readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  }
  private need(n: number): void {
    if (this.o + n > this.b.length)
      throw new ArchiveCorruptError(`archive body ends early at offset ${this.o}`)
  }
  u16(): number {
    this.need(2)
    const v = this.dv.getUint16(this.o)
    this.o += 2
    return v
  }
  u32(): number {
    this.need(4)
    const v = this.dv.getUint32(this.o)
    this.o += 4
    return v
  }
  bytes(n: number): Uint8Array {
    this.need(n)
    const v = this.b.slice(this.o, this.o + n)
    this.o += n
    return v
  }
  end(): void {
    if (this.o !== this.b.length)
      throw new ArchiveCorruptError(`archive body has ${this.b.length - this.o} trailing bytes`)
  }
}

function decodeBody(body: Uint8Array): { spaces: ArchiveNamespace[]; records: number } {
  const r = new BodyReader(body)
  const spaces: ArchiveNamespace[] = []
  let records = 0
  let prevNs: Uint8Array | undefined
  const count = r.u32()
  for (let i = 0; i < count; i++) {
    const nb = r.bytes(r.u16())
    let ns: string
    try {
      ns = fromUtf8(nb)
      assertNamespace(ns)
    } catch (e) {
      throw new ArchiveCorruptError(`archive namespace ${i} is invalid`, { cause: e })
    }
    if (ns.startsWith('$')) throw new ArchiveCorruptError(`archive holds reserved namespace ${ns}`)
    if (prevNs !== undefined && compareBytes(prevNs, nb) >= 0)
      throw new ArchiveCorruptError('archive namespaces out of order')
    prevNs = nb
    const n = r.u32()
    if (n === 0) throw new ArchiveCorruptError(`archive namespace ${ns} is empty`)
    const entries: Entry[] = []
    let prevKey: Uint8Array | undefined
    for (let j = 0; j < n; j++) {
      const key = r.bytes(r.u32())
      const value = r.bytes(r.u32())
      if (prevKey !== undefined && compareBytes(prevKey, key) >= 0)
        throw new ArchiveCorruptError(`archive keys of ${ns} out of order`)
      prevKey = key
      entries.push({ key, value })
    }
    records += n
    spaces.push({ ns, entries })
  }
  r.end()
  return { spaces, records }
}

/**
 * Export every record of `storage` (except `$` namespaces) to an archive, and
 * increment the store's generation, in one transaction. Encrypted unless
 * `encrypt: false` is given explicitly.
 * @throws {PassphraseRequiredError} neither a non-empty passphrase nor `encrypt: false`
 * @see ../shared/spec/archive.md §4.1
 * @throws {InvalidKdfParamsError} KDF parameters out of range (log2N 1…30, r 1…255, p 1…16, memory ≤ 1 GiB)
 * @throws {StorageClosedError} the store is closed
 */
export async function exportArchive(storage: Storage, options: ExportOptions): Promise<Uint8Array> {
  const passOpt = 'passphrase' in options ? options.passphrase : undefined
  const pass = passphraseBytes(passOpt)
  const encrypt = pass !== undefined || !('encrypt' in options && options.encrypt === false)
  if (encrypt && pass === undefined)
    throw new PassphraseRequiredError('a non-empty passphrase is required (or encrypt: false)')
  const kdf = ('kdf' in options ? options.kdf : undefined) ?? DEFAULT_KDF
  if (encrypt) {
    const bad = checkKdf(kdf)
    if (bad !== undefined) throw new InvalidKdfParamsError(`scrypt parameters: ${bad}`)
  }
  const salt = randomBytes(SALT_LEN)
  const keys = encrypt ? await deriveKeys(pass!, salt, kdf) : undefined

  const { generation, spaces } = await storage.transaction(async (tx: Tx) => {
    const g = (await readGeneration(tx)) + 1
    await tx.put(META_NAMESPACE, GENERATION_KEY, u64(g))
    const out: ArchiveNamespace[] = []
    for (const ns of await tx.namespaces()) {
      if (ns.startsWith('$')) continue
      out.push({ ns, entries: await tx.range(ns) })
    }
    return { generation: g, spaces: out }
  })

  const body = encodeBody(spaces)
  const head = new Uint8Array(FIXED + (encrypt ? KDF_PART : 0))
  const dv = new DataView(head.buffer)
  head.set(MAGIC, 0)
  dv.setUint16(8, ARCHIVE_FORMAT_VERSION)
  head[10] = encrypt ? CIPHER_SCRYPT_XCHACHA : CIPHER_NONE
  dv.setBigUint64(11, BigInt(generation))
  dv.setBigUint64(19, BigInt(body.length))
  let nonce: Uint8Array | undefined
  if (keys !== undefined) {
    head[27] = kdf.log2N
    head[28] = kdf.r
    head[29] = kdf.p
    head.set(salt, 30)
    nonce = randomBytes(NONCE_LEN)
    head.set(nonce, 62)
    head.set(keys.check, 86)
  }
  const header = concatBytes(head, sha256(head).slice(0, CHECK_LEN))
  if (keys === undefined) return concatBytes(header, body, sha256(concatBytes(header, body)))
  const sealed = xchacha20poly1305(keys.key, nonce!, header).encrypt(body)
  keys.key.fill(0)
  return concatBytes(header, sealed)
}

function parseHeader(a: Uint8Array): ArchiveHeader & { headerLength: number; header: Uint8Array } {
  if (!(a instanceof Uint8Array)) throw new ArchiveCorruptError('archive must be a Uint8Array')
  const m = Math.min(a.length, MAGIC.length)
  for (let i = 0; i < m; i++)
    if (a[i] !== MAGIC[i]) throw new ArchiveCorruptError('not a simplex-ts storage archive (bad magic)')
  if (a.length < FIXED) throw new ArchiveTruncatedError(`archive of ${a.length} bytes ends inside its header`)
  const dv = new DataView(a.buffer, a.byteOffset, a.byteLength)
  const formatVersion = dv.getUint16(8)
  if (formatVersion !== ARCHIVE_FORMAT_VERSION)
    throw new ArchiveVersionError(
      `archive format version ${formatVersion} is not supported (this release reads ${ARCHIVE_FORMAT_VERSION})`,
      { formatVersion },
    )
  const cipher = a[10]!
  if (cipher !== CIPHER_NONE && cipher !== CIPHER_SCRYPT_XCHACHA)
    throw new ArchiveVersionError(`archive cipher ${cipher} is not supported`, { formatVersion })
  const encrypted = cipher === CIPHER_SCRYPT_XCHACHA
  const headLen = FIXED + (encrypted ? KDF_PART : 0)
  const headerLength = headLen + CHECK_LEN
  if (a.length < headerLength)
    throw new ArchiveTruncatedError(`archive of ${a.length} bytes ends inside its header`)
  const head = a.subarray(0, headLen)
  if (!constantTimeEqual(sha256(head).subarray(0, CHECK_LEN), a.subarray(headLen, headerLength)))
    throw new ArchiveCorruptError('archive header checksum mismatch')
  const generation = dv.getBigUint64(11)
  const bodyLength = dv.getBigUint64(19)
  if (generation > BigInt(Number.MAX_SAFE_INTEGER) || bodyLength > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ArchiveCorruptError('archive generation or length out of range')
  const kdf = encrypted ? { log2N: a[27]!, r: a[28]!, p: a[29]! } : undefined
  return {
    formatVersion,
    encrypted,
    generation: Number(generation),
    bodyLength: Number(bodyLength),
    kdf,
    headerLength,
    header: a.subarray(0, headerLength),
  }
}

/**
 * Read an archive's header without the passphrase (format version, encryption,
 * generation, KDF cost). Verifies only the header checksum.
 * @throws {ArchiveCorruptError} not an archive, or a damaged header
 * @throws {ArchiveTruncatedError} shorter than its header
 * @throws {ArchiveVersionError} unsupported format version or cipher
 */
export function inspectArchive(archive: Uint8Array): ArchiveHeader {
  const { formatVersion, encrypted, generation, bodyLength, kdf } = parseHeader(archive)
  return { formatVersion, encrypted, generation, bodyLength, kdf }
}

/**
 * Verify (checksum or passphrase and authentication tag) and decode a whole
 * archive without touching any store.
 * @throws {ArchiveCorruptError} not an archive, failed integrity check, trailing bytes, malformed content, KDF cost above 1 GiB
 * @throws {ArchiveTruncatedError} shorter than its header says
 * @throws {ArchiveVersionError} unsupported format version or cipher
 * @throws {PassphraseRequiredError} encrypted and no passphrase given
 * @throws {WrongPassphraseError} the passphrase does not match
 * @throws {ArchiveNotEncryptedError} unencrypted and `allowUnencrypted` not set
 */
export async function readArchive(
  archive: Uint8Array,
  options: ImportOptions = {},
): Promise<ArchiveContents> {
  const h = parseHeader(archive)
  const expected = h.headerLength + h.bodyLength + (h.encrypted ? TAG_LEN : 32)
  if (archive.length < expected)
    throw new ArchiveTruncatedError(`archive is ${archive.length} bytes, its header says ${expected}`)
  if (archive.length > expected)
    throw new ArchiveCorruptError(`archive has ${archive.length - expected} bytes after its end`)
  let body: Uint8Array
  if (!h.encrypted) {
    if (options.allowUnencrypted !== true)
      throw new ArchiveNotEncryptedError('archive is not encrypted; pass allowUnencrypted to accept it')
    const end = h.headerLength + h.bodyLength
    if (!constantTimeEqual(sha256(archive.subarray(0, end)), archive.subarray(end)))
      throw new ArchiveCorruptError('archive checksum mismatch')
    body = archive.subarray(h.headerLength, end)
  } else {
    const pass = passphraseBytes(options.passphrase)
    if (pass === undefined)
      throw new PassphraseRequiredError('archive is encrypted: a passphrase is required')
    const kdf = h.kdf!
    const bad = checkKdf(kdf)
    if (bad !== undefined) throw new ArchiveCorruptError(`archive scrypt parameters refused: ${bad}`)
    const keys = await deriveKeys(pass, archive.subarray(30, 62), kdf)
    if (!constantTimeEqual(keys.check, archive.subarray(86, 102))) {
      keys.key.fill(0)
      throw new WrongPassphraseError('wrong passphrase for this archive')
    }
    try {
      body = xchacha20poly1305(keys.key, archive.subarray(62, 86), h.header).decrypt(
        archive.subarray(h.headerLength),
      )
    } catch (e) {
      throw new ArchiveCorruptError('archive failed authentication (damaged after export)', { cause: e })
    } finally {
      keys.key.fill(0)
    }
  }
  const { spaces, records } = decodeBody(body)
  return {
    formatVersion: h.formatVersion,
    encrypted: h.encrypted,
    generation: h.generation,
    bodyLength: h.bodyLength,
    kdf: h.kdf,
    namespaces: spaces,
    records,
    digest: sha256(body),
  }
}

/**
 * Replace every record of `storage` (except `$` namespaces) with the records
 * of `archive`, in one transaction, after verifying the whole archive. Any
 * error leaves the store exactly as it was.
 * @see ../shared/spec/archive.md §1.6, §4.4
 * @throws {OlderGenerationError} the archive is older than the store (unless `onOlderGeneration: 'warn'`)
 * @throws the errors of {@link readArchive}
 * @throws {StorageClosedError} the store is closed
 */
export async function importArchive(
  storage: Storage,
  archive: Uint8Array,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const c = await readArchive(archive, options)
  return storage.transaction(async (tx) => {
    const previousGeneration = await readGeneration(tx)
    let warning: OlderGenerationError | undefined
    if (c.generation < previousGeneration) {
      warning = new OlderGenerationError(
        `archive generation ${c.generation} is older than the store's ${previousGeneration}`,
        { archiveGeneration: c.generation, storeGeneration: previousGeneration },
      )
      if (options.onOlderGeneration !== 'warn') throw warning
    }
    for (const ns of await tx.namespaces()) {
      if (ns.startsWith('$')) continue
      for (const e of await tx.range(ns)) await tx.delete(ns, e.key)
    }
    for (const s of c.namespaces) for (const e of s.entries) await tx.put(s.ns, e.key, e.value)
    // Never lower the counter: an accepted older import must not silence the next warning.
    const generation = Math.max(previousGeneration, c.generation)
    await tx.put(META_NAMESPACE, GENERATION_KEY, u64(generation))
    return { generation, previousGeneration, namespaces: c.namespaces.length, records: c.records, warning }
  })
}
