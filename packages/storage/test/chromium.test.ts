/**
 * The compliance suite against real IndexedDB in Chromium: Debian's
 * `/usr/bin/chromium`, driven by playwright-core (Playwright's own browser
 * download is not available). `test/browser/entry.ts` is bundled with vite
 * (the `source` condition, browser conditions, nothing from `node:*`), served
 * from 127.0.0.1, and every check runs in the page.
 *
 * Skips only when Chromium is absent AND `CI` is unset; under CI it must run
 * (`.ci/run` calls `scripts/ensure-chromium.sh` first).
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserResult } from './browser/entry'
import { type BrowserPage, bundle, CHROMIUM, chromiumPresent, openBundle } from './chromium-harness'
import { checks } from './compliance/checks'

const present = chromiumPresent()
const required = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'

if (!present && !required) {
  console.warn(
    `[storage] SKIPPING the real-Chromium IndexedDB compliance run: ${CHROMIUM} is missing and CI is not set. ` +
      'Install it with `sudo scripts/ensure-chromium.sh`.',
  )
}

describe.skipIf(!present && !required)('idb adapter compliance (real Chromium)', () => {
  let browser: BrowserPage | undefined
  let results: BrowserResult[] = []
  let env: { webLocks: boolean; secureContext: boolean; userAgent: string } | undefined

  beforeAll(async () => {
    if (!present)
      throw new Error(`CI is set but ${CHROMIUM} is missing: run scripts/ensure-chromium.sh first`)
    const js = await bundle(fileURLToPath(new URL('./browser/entry.ts', import.meta.url)))
    expect(js).not.toMatch(/from ['"]node:|require\(['"]node:|better-sqlite3/)
    browser = await openBundle(js, 'runCompliance')
    const page = browser.page
    env = await page.evaluate(() => (globalThis as unknown as { complianceEnv: typeof env }).complianceEnv)
    results = await page.evaluate(() =>
      (globalThis as unknown as { runCompliance: () => Promise<BrowserResult[]> }).runCompliance(),
    )
    if (browser.errors.length > 0) throw new Error(`page errors: ${browser.errors.join('; ')}`)
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
  })

  it('runs in a secure context with Web Locks (cross-tab serialization is exercised)', () => {
    expect(env?.secureContext).toBe(true)
    expect(env?.webLocks).toBe(true)
    expect(env?.userAgent).toMatch(/Chrome\//)
  })

  it('two tabs writing the same store concurrently lose no update (Web Locks across tabs)', async () => {
    const second = await browser!.newPage()
    const name = `cross-tab-${Date.now()}`
    type G = {
      incrementMany: (n: string, k: number) => Promise<void>
      readCounter: (n: string) => Promise<number>
    }
    const run = (p: typeof second) =>
      p.evaluate((nm) => (globalThis as unknown as G).incrementMany(nm, 30), name)
    await Promise.all([run(browser!.page), run(second)])
    expect(await browser!.page.evaluate((nm) => (globalThis as unknown as G).readCounter(nm), name)).toBe(60)
    await second.close()
  }, 60_000)

  for (const c of checks) {
    it(c.name, () => {
      const r = results.find((x) => x.name === c.name)
      expect(r, `check "${c.name}" did not run in Chromium`).toBeDefined()
      if (!r!.ok) throw new Error(`in Chromium: ${r!.error}`)
    })
  }
})
