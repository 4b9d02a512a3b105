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
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserResult } from './browser/entry'
import { checks } from './compliance/checks'

const CHROMIUM = '/usr/bin/chromium'
const present = existsSync(CHROMIUM)
const required = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'

if (!present && !required) {
  console.warn(
    `[storage] SKIPPING the real-Chromium IndexedDB compliance run: ${CHROMIUM} is missing and CI is not set. ` +
      'Install it with `sudo scripts/ensure-chromium.sh`.',
  )
}

async function bundle(): Promise<string> {
  const { build, defaultClientConditions } = await import('vite')
  const entry = fileURLToPath(new URL('./browser/entry.ts', import.meta.url))
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    root: fileURLToPath(new URL('..', import.meta.url)),
    resolve: { conditions: ['source', ...defaultClientConditions] },
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      sourcemap: false,
      lib: { entry, formats: ['es'], fileName: 'bundle' },
    },
  })
  const outputs = Array.isArray(out) ? out : [out]
  for (const o of outputs) {
    if (!('output' in o)) continue
    for (const chunk of o.output) if (chunk.type === 'chunk' && chunk.isEntry) return chunk.code
  }
  throw new Error('vite produced no entry chunk')
}

function serve(js: string): Promise<Server> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>storage compliance</title><script type="module" src="/bundle.js"></script>'
  const server = createServer((req, res) => {
    if (req.url === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
      res.end(js)
    } else if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(html)
    } else {
      res.writeHead(404)
      res.end()
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}

describe.skipIf(!present && !required)('idb adapter compliance (real Chromium)', () => {
  let server: Server | undefined
  let browser: Browser | undefined
  let results: BrowserResult[] = []
  let env: { webLocks: boolean; secureContext: boolean; userAgent: string } | undefined

  beforeAll(async () => {
    if (!present)
      throw new Error(`CI is set but ${CHROMIUM} is missing: run scripts/ensure-chromium.sh first`)
    const js = await bundle()
    expect(js).not.toMatch(/from ['"]node:|require\(['"]node:|better-sqlite3/)
    server = await serve(js)
    const { port } = server.address() as AddressInfo
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    })
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.waitForFunction(() => 'runCompliance' in globalThis, undefined, { timeout: 30_000 })
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`)
    env = await page.evaluate(() => (globalThis as unknown as { complianceEnv: typeof env }).complianceEnv)
    results = await page.evaluate(() =>
      (globalThis as unknown as { runCompliance: () => Promise<BrowserResult[]> }).runCompliance(),
    )
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
  })

  it('runs in a secure context with Web Locks (cross-tab serialization is exercised)', () => {
    expect(env?.secureContext).toBe(true)
    expect(env?.webLocks).toBe(true)
    expect(env?.userAgent).toMatch(/Chrome\//)
  })

  for (const c of checks) {
    it(c.name, () => {
      const r = results.find((x) => x.name === c.name)
      expect(r, `check "${c.name}" did not run in Chromium`).toBeDefined()
      if (!r!.ok) throw new Error(`in Chromium: ${r!.error}`)
    })
  }
})
