import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { relayDirOf, startEmbeddedRelay } from '../src/index'

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-relay-'))
afterAll(() => fs.rmSync(base, { recursive: true, force: true }))

describe('startEmbeddedRelay', () => {
  it('creates a relay folder beside a store and keeps the same address across restarts', async () => {
    const dir = relayDirOf(path.join(base, 'app.db'))
    expect(dir).toBe(path.join(base, 'app.db.relay'))
    const first = await startEmbeddedRelay(dir, 0)
    const address = first.address
    await first.close()
    expect(fs.existsSync(path.join(dir, 'smp-server.ini'))).toBe(true)
    const second = await startEmbeddedRelay(dir, 0)
    try {
      expect(second.address).toBe(address)
    } finally {
      await second.close()
    }
  })
})
