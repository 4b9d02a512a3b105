import 'fake-indexeddb/auto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import {
  ArchiveCorruptError,
  ArchiveNotEncryptedError,
  ArchiveTruncatedError,
  ArchiveVersionError,
  createMemoryStorage,
  DEFAULT_KDF,
  encodeKey,
  exportArchive,
  getGeneration,
  importArchive,
  InvalidKdfParamsError,
  inspectArchive,
  OlderGenerationError,
  PassphraseRequiredError,
  readArchive,
  type Storage,
  StorageError,
  WrongPassphraseError,
} from '../src/index'
import { openIdbStorage } from '../src/idb'
import { openSqliteStorage } from '../src/sqlite'
import { randomBytes, rng } from './compliance/assert'
import { dump, TEST_KDF } from './compliance/checks'

const dir = mkdtempSync(join(tmpdir(), 'simplex-storage-archive-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const sqlite = () => openSqliteStorage(join(dir, `a-${n++}.sqlite`))
const idb = () => openIdbStorage(`archive-${n++}`)

/** A profile-like store: several namespaces, binary keys, an empty record, a 1 MiB value, 10,000 records. */
async function fill(st: Storage): Promise<void> {
  const rand = rng(2024)
  await st.transaction(async (tx) => {
    for (let i = 0; i < 10_000; i++) await tx.put('agent.msg', encodeKey(i % 7, i), randomBytes(rand, i % 97))
    await tx.put('agent.ratchet', new Uint8Array([0, 0xff, 0]), randomBytes(rand, 1 << 20))
    await tx.put('chat.émoji-😀', new Uint8Array(), new Uint8Array())
    await tx.put('chat.items', new Uint8Array([0xff]), new TextEncoder().encode('{"text":"hi"}'))
  })
}

const PLAIN_HEADER = 43

describe('archive round trip across adapters', () => {
  it('SQLite → IndexedDB → memory → SQLite is byte-identical (encrypted and plain)', async () => {
    const a = await sqlite()
    await fill(a)
    const original = await dump(a)
    expect(original.length).toBe(10_003)

    const b = await idb()
    const c = createMemoryStorage()
    const d = await sqlite()
    const bodies: Uint8Array[] = []
    const digests: string[] = []
    let from = a
    for (const to of [b, c, d]) {
      const sealed = await exportArchive(from, { passphrase: 'pass phrase', kdf: TEST_KDF })
      const plain = await exportArchive(from, { encrypt: false })
      const fromSealed = await readArchive(sealed, { passphrase: 'pass phrase' })
      const fromPlain = await readArchive(plain, { allowUnencrypted: true })
      expect(Buffer.from(fromSealed.digest).toString('hex')).toBe(
        Buffer.from(fromPlain.digest).toString('hex'),
      )
      bodies.push(plain.subarray(PLAIN_HEADER, PLAIN_HEADER + fromPlain.bodyLength))
      digests.push(Buffer.from(fromSealed.digest).toString('hex'))
      await importArchive(to, sealed, { passphrase: 'pass phrase' })
      expect(await dump(to)).toEqual(original)
      from = to
    }
    const final = await exportArchive(d, { encrypt: false })
    const info = await readArchive(final, { allowUnencrypted: true })
    bodies.push(final.subarray(PLAIN_HEADER, PLAIN_HEADER + info.bodyLength))
    for (const body of bodies) expect(Buffer.compare(body, bodies[0]!)).toBe(0)
    expect(new Set(digests).size).toBe(1)
    // Each export bumps its source; an import adopts the archive's generation:
    // a 1,2 → b 1 → 2,3 → c 2 → 3,4 → d 3 → final export 4.
    expect(await getGeneration(d)).toBe(4)
    expect(info.generation).toBe(4)
    for (const st of [a, b, c, d]) await st.close()
  }, 60_000)
})

describe('archive format and verification', () => {
  it('encrypts by default and refuses to export without a passphrase', async () => {
    const st = createMemoryStorage()
    await st.transaction((tx) => tx.put('n', new Uint8Array([1]), new TextEncoder().encode('secret-value')))
    await expect(exportArchive(st, { passphrase: '' })).rejects.toBeInstanceOf(PassphraseRequiredError)
    await expect(exportArchive(st, {} as never)).rejects.toBeInstanceOf(PassphraseRequiredError)
    await expect(
      exportArchive(st, { passphrase: 'x', kdf: { log2N: 21, r: 8, p: 1 } }),
    ).rejects.toBeInstanceOf(InvalidKdfParamsError)
    const sealed = await exportArchive(st, { passphrase: 'x', kdf: TEST_KDF })
    expect(Buffer.from(sealed).includes(Buffer.from('secret-value'))).toBe(false)
    const h = inspectArchive(sealed)
    expect(h).toEqual({
      formatVersion: 1,
      encrypted: true,
      generation: 1,
      bodyLength: h.bodyLength,
      kdf: TEST_KDF,
    })
    const plain = await exportArchive(st, { encrypt: false })
    expect(Buffer.from(plain).includes(Buffer.from('secret-value'))).toBe(true)
    expect(inspectArchive(plain).encrypted).toBe(false)
    await expect(readArchive(plain)).rejects.toBeInstanceOf(ArchiveNotEncryptedError)
    await expect(readArchive(plain, { passphrase: 'x' })).rejects.toBeInstanceOf(ArchiveNotEncryptedError)
    await expect(readArchive(sealed)).rejects.toBeInstanceOf(PassphraseRequiredError)
  })

  it('uses scrypt N=2^17, r=8, p=1 by default', async () => {
    expect(DEFAULT_KDF).toEqual({ log2N: 17, r: 8, p: 1 })
    const st = createMemoryStorage()
    await st.transaction((tx) => tx.put('n', new Uint8Array([1]), new Uint8Array([2])))
    const sealed = await exportArchive(st, { passphrase: 'default cost' })
    expect(inspectArchive(sealed).kdf).toEqual(DEFAULT_KDF)
    const c = await readArchive(sealed, { passphrase: 'default cost' })
    expect(c.records).toBe(1)
  }, 60_000)

  it('normalizes passphrases (NFC) and accepts raw bytes', async () => {
    const st = createMemoryStorage()
    await st.transaction((tx) => tx.put('n', new Uint8Array([1]), new Uint8Array([2])))
    const sealed = await exportArchive(st, { passphrase: 'caf\u00e9', kdf: TEST_KDF })
    expect((await readArchive(sealed, { passphrase: 'cafe\u0301' })).records).toBe(1)
    const raw = await exportArchive(st, { passphrase: new Uint8Array([0, 1, 2]), kdf: TEST_KDF })
    expect((await readArchive(raw, { passphrase: new Uint8Array([0, 1, 2]) })).records).toBe(1)
    await expect(readArchive(raw, { passphrase: new Uint8Array([0, 1, 3]) })).rejects.toBeInstanceOf(
      WrongPassphraseError,
    )
  })

  it('every truncation is ArchiveTruncatedError and leaves the target unchanged', async () => {
    const src = createMemoryStorage()
    await src.transaction(async (tx) => {
      for (let i = 0; i < 20; i++) await tx.put('t', encodeKey(i), encodeKey(i))
    })
    const target = await sqlite()
    await target.transaction((tx) => tx.put('keep', new Uint8Array([1]), new Uint8Array([1])))
    const before = await dump(target, true)
    for (const opts of [{ passphrase: 'p', kdf: TEST_KDF }, { encrypt: false as const }]) {
      const a = await exportArchive(src, opts)
      for (let len = 0; len < a.length; len++) {
        const err = await importArchive(target, a.subarray(0, len), {
          passphrase: 'p',
          allowUnencrypted: true,
        }).catch((e: unknown) => e)
        expect(err, `cut at ${len}`).toBeInstanceOf(ArchiveTruncatedError)
      }
    }
    expect(await dump(target, true)).toEqual(before)
    await target.close()
  })

  it('every single-bit flip is rejected with a typed error and changes nothing', async () => {
    const src = createMemoryStorage()
    await src.transaction(async (tx) => {
      for (let i = 0; i < 10; i++) await tx.put('f', encodeKey(i), encodeKey(i * i))
    })
    const target = createMemoryStorage()
    await target.transaction((tx) => tx.put('keep', new Uint8Array([1]), new Uint8Array([1])))
    const before = await dump(target, true)
    for (const opts of [{ passphrase: 'p', kdf: TEST_KDF }, { encrypt: false as const }]) {
      const a = await exportArchive(src, opts)
      for (let pos = 0; pos < a.length; pos++) {
        const bit = pos % 8
        const bad = a.slice()
        bad[pos]! ^= 1 << bit
        const err = await importArchive(target, bad, { passphrase: 'p', allowUnencrypted: true }).catch(
          (e: unknown) => e,
        )
        const ok =
          err instanceof ArchiveCorruptError ||
          err instanceof ArchiveTruncatedError ||
          (err instanceof ArchiveVersionError && pos >= 8 && pos <= 10)
        expect(ok, `flip at ${pos}: ${String(err)}`).toBe(true)
      }
    }
    expect(await dump(target, true)).toEqual(before)
  })

  it('rejects other format versions, trailing bytes and foreign files', async () => {
    const st = createMemoryStorage()
    await st.transaction((tx) => tx.put('n', new Uint8Array([1]), new Uint8Array([2])))
    const a = await exportArchive(st, { encrypt: false })
    const v2 = a.slice()
    v2[9] = 2
    const err = await readArchive(v2, { allowUnencrypted: true }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ArchiveVersionError)
    expect((err as ArchiveVersionError).formatVersion).toBe(2)
    expect((err as ArchiveVersionError).code).toBe('ARCHIVE_VERSION')
    await expect(readArchive(new Uint8Array([...a, 0]), { allowUnencrypted: true })).rejects.toBeInstanceOf(
      ArchiveCorruptError,
    )
    await expect(
      readArchive(new TextEncoder().encode('PK\u0003\u0004 a zip file'), { allowUnencrypted: true }),
    ).rejects.toBeInstanceOf(ArchiveCorruptError)
  })

  it('wrong passphrase: typed error, target unchanged, generation unchanged', async () => {
    const src = createMemoryStorage()
    await src.transaction((tx) => tx.put('n', new Uint8Array([1]), new Uint8Array([2])))
    const a = await exportArchive(src, { passphrase: 'right', kdf: TEST_KDF })
    const target = await idb()
    await target.transaction((tx) => tx.put('keep', new Uint8Array([9]), new Uint8Array([9])))
    const before = await dump(target, true)
    const err = await importArchive(target, a, { passphrase: 'wrong' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WrongPassphraseError)
    expect(err).toBeInstanceOf(StorageError)
    expect((err as WrongPassphraseError).layer).toBe('storage')
    expect(await dump(target, true)).toEqual(before)
    expect(await getGeneration(target)).toBe(0)
    await target.close()
  })

  it('older generations: refused by default, imported with a warning on request, counter never decreases', async () => {
    const a = createMemoryStorage()
    await a.transaction((tx) => tx.put('n', new Uint8Array([1]), new Uint8Array([1])))
    const g1 = await exportArchive(a, { encrypt: false })
    const b = createMemoryStorage()
    await importArchive(b, g1, { allowUnencrypted: true })
    await b.transaction((tx) => tx.put('n', new Uint8Array([1]), new Uint8Array([2])))
    const g2 = await exportArchive(b, { encrypt: false })
    await importArchive(a, g2, { allowUnencrypted: true })
    expect(await getGeneration(a)).toBe(2)
    // Re-importing the same generation is allowed (same lineage point).
    await importArchive(a, g2, { allowUnencrypted: true })
    const err = await importArchive(a, g1, { allowUnencrypted: true }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OlderGenerationError)
    expect((err as OlderGenerationError).storeGeneration).toBe(2)
    const r = await importArchive(a, g1, { allowUnencrypted: true, onOlderGeneration: 'warn' })
    expect(r.warning).toBeInstanceOf(OlderGenerationError)
    expect(r.generation).toBe(2)
    expect(await dump(a)).toEqual(['n/01=01'])
    await expect(importArchive(a, g1, { allowUnencrypted: true })).rejects.toBeInstanceOf(
      OlderGenerationError,
    )
  })

  it('import replaces every record but keeps other $ namespaces', async () => {
    const src = createMemoryStorage()
    await src.transaction((tx) => tx.put('x', new Uint8Array([1]), new Uint8Array([1])))
    const a = await exportArchive(src, { encrypt: false })
    const dst = createMemoryStorage()
    await dst.transaction(async (tx) => {
      await tx.put('x', new Uint8Array([2]), new Uint8Array([2]))
      await tx.put('y', new Uint8Array([3]), new Uint8Array([3]))
      await tx.put('$local', new Uint8Array([4]), new Uint8Array([4]))
    })
    const r = await importArchive(dst, a, { allowUnencrypted: true })
    expect([r.records, r.namespaces]).toEqual([1, 1])
    expect(await dump(dst, true)).toEqual([
      '$local/04=04',
      '$storage/67656e65726174696f6e=0000000000000001',
      'x/01=01',
    ])
  })

  it('readArchive on 10,000 mutated archives throws only typed storage errors', async () => {
    const st = createMemoryStorage()
    await st.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) await tx.put(`n${i}`, encodeKey(i), encodeKey(i))
    })
    const plain = await exportArchive(st, { encrypt: false })
    const sealed = await exportArchive(st, { passphrase: 'p', kdf: { log2N: 1, r: 1, p: 1 } })
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (enc, edits, cut) => {
          const a = (enc ? sealed : plain).slice()
          for (const [pos, val] of edits) a[pos % a.length] = val
          const input = cut === undefined ? a : a.subarray(0, cut % (a.length + 1))
          try {
            await readArchive(input, { passphrase: 'p', allowUnencrypted: true })
          } catch (e) {
            if (!(e instanceof StorageError)) throw e
          }
        },
      ),
      { numRuns: 10_000 },
    )
  }, 60_000)
})
