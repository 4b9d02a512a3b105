/**
 * Crash safety of the SQLite adapter: a child process killed with SIGKILL in
 * the middle of a transaction leaves the store exactly at its previous commit,
 * and one killed during group commits keeps exactly whole transactions.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeKey, encodeKey, type Storage } from '../src/index'
import { openSqliteStorage } from '../src/sqlite'
import { stamped } from './fixtures/stamped'

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
const child = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'simplex-storage-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function start(mode: string, db: string): ChildProcess {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', child, mode, db], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Resolve with each stdout line until `until` returns true; reject if the child exits first. */
function watch(p: ChildProcess, until: (line: string) => boolean): Promise<void> {
  let err = ''
  p.stderr!.on('data', (d: Buffer) => {
    err += d.toString()
  })
  return new Promise((resolve, reject) => {
    let buf = ''
    p.stdout!.on('data', (d: Buffer) => {
      buf += d.toString()
      let nl = buf.indexOf('\n')
      while (nl >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (until(line)) return resolve()
        nl = buf.indexOf('\n')
      }
    })
    p.once('exit', (code, signal) => reject(new Error(`child exited early (${code ?? signal}): ${err}`)))
  })
}

function kill(p: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    p.once('exit', (_code, signal) => resolve(signal))
    p.kill('SIGKILL')
  })
}

async function committedState(st: Storage): Promise<{ commit: number; data: Map<number, Uint8Array> }> {
  return st.read(async (tx) => {
    const c = await tx.get('meta', encodeKey('commit'))
    const data = new Map<number, Uint8Array>()
    for (const e of await tx.range('data')) data.set(decodeKey(e.key, ['uint'] as const)[0], e.value)
    return { commit: c === undefined ? 0 : decodeKey(c, ['uint'] as const)[0], data }
  })
}

describe('sqlite crash safety (SIGKILL)', () => {
  it('a kill in the middle of a large transaction leaves exactly the previous commit', async () => {
    const db = join(dir, 'mid.sqlite')
    const p = start('mid-tx', db)
    await watch(p, (l) => l === 'MID')
    // The uncommitted transaction really reached the disk before the kill.
    expect(statSync(`${db}-wal`).size).toBeGreaterThan(4 << 20)
    expect(await kill(p)).toBe('SIGKILL')

    const st = await openSqliteStorage(db)
    try {
      const { commit, data } = await committedState(st)
      expect(commit).toBe(2)
      expect(data.size).toBe(300)
      for (let i = 0; i < 300; i++) expect(Buffer.compare(data.get(i)!, stamped(2, i))).toBe(0)
      // And the store keeps working after recovery.
      await st.transaction((tx) => tx.put('meta', encodeKey('after'), new Uint8Array([1])))
    } finally {
      await st.close()
    }
  }, 60_000)

  it('kills at arbitrary moments of a commit loop always find one whole commit', async () => {
    const db = join(dir, 'loop.sqlite')
    for (let round = 0; round < 3; round++) {
      const p = start('loop', db)
      let printed = 0
      const target = 3 + round * 2
      await watch(p, (l) => {
        printed = Number(l.split(' ')[1])
        return printed >= target
      })
      await new Promise((r) => setTimeout(r, 7 * round))
      await kill(p)
      const st = await openSqliteStorage(db)
      try {
        const { commit, data } = await committedState(st)
        // The child restarts its counter at 1 each round, so commit numbers repeat across rounds.
        expect(commit).toBeGreaterThanOrEqual(printed)
        expect(data.size).toBe(200)
        for (let i = 0; i < 200; i++) expect(Buffer.compare(data.get(i)!, stamped(commit, i))).toBe(0)
      } finally {
        await st.close()
      }
    }
  }, 60_000)

  it('kills during group commits keep exactly whole transactions, every one reported committed among them', async () => {
    for (let round = 0; round < 3; round++) {
      const db = join(dir, `group-${round}.sqlite`)
      const p = start('group', db)
      const reported = new Set<number>()
      await watch(p, (l) => {
        reported.add(Number(l.split(' ')[1]))
        return reported.size >= 20 + round * 30
      })
      await new Promise((r) => setTimeout(r, 5 * round))
      await kill(p)
      const st = await openSqliteStorage(db)
      try {
        const records = new Map<number, number[]>()
        await st.read(async (tx) => {
          for (const e of await tx.range('g')) {
            const [n, j] = decodeKey(e.key, ['uint', 'uint'] as const)
            expect(Buffer.compare(e.value, stamped(n, j))).toBe(0)
            records.set(n, [...(records.get(n) ?? []), j])
          }
        })
        for (const [n, js] of records) {
          expect(n % 8).not.toBe(3)
          expect(js).toEqual(Array.from({ length: 20 }, (_, j) => j))
        }
        for (const n of reported) expect(records.has(n)).toBe(true)
      } finally {
        await st.close()
      }
    }
  }, 60_000)
})
