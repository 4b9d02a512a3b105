/**
 * Node-side plumbing for running bundles in real Chromium: bundle a browser
 * entry with vite (the `source` condition plus browser conditions), serve it
 * from 127.0.0.1, and launch Debian's `/usr/bin/chromium` with playwright-core
 * (Playwright's own browser download is not available). Shared by
 * `chromium.test.ts` and the benchmark.
 */
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'

/** Where Debian's `chromium` package puts the browser (`scripts/ensure-chromium.sh` installs it). */
export const CHROMIUM = '/usr/bin/chromium'

/** `true` when Chromium is installed. */
export const chromiumPresent = (): boolean => existsSync(CHROMIUM)

/** Bundle the browser entry at `entry` (a path) into one ES module. */
export async function bundle(entry: string): Promise<string> {
  const { build, defaultClientConditions } = await import('vite')
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

/** A page in headless Chromium that has loaded a bundle, and how to tear it all down. */
export interface BrowserPage {
  readonly page: Page
  /** Open another tab on the same origin with the same bundle loaded. */
  newPage(): Promise<Page>
  /** Uncaught errors the page reported. */
  readonly errors: string[]
  close(): Promise<void>
}

/**
 * Serve `js` as a module script of an otherwise empty page on 127.0.0.1 (a
 * secure context, so Web Locks exist), open it in Chromium, and wait until the
 * bundle has defined `globalThis[ready]`.
 */
export async function openBundle(js: string, ready: string): Promise<BrowserPage> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>storage</title><script type="module" src="/bundle.js"></script>'
  const server: Server = createServer((req, res) => {
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  let browser: Browser | undefined
  const close = async () => {
    await browser?.close()
    await new Promise<void>((r) => server.close(() => r()))
  }
  try {
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
    const b = browser
    const errors: string[] = []
    const { port } = server.address() as AddressInfo
    // Pages of one default context share an origin, hence IndexedDB and Web Locks, like tabs.
    const context = await b.newContext()
    const newPage = async () => {
      const p = await context.newPage()
      p.on('pageerror', (e) => errors.push(e.message))
      await p.goto(`http://127.0.0.1:${port}/`)
      await p.waitForFunction((name) => name in globalThis, ready, { timeout: 30_000 })
      return p
    }
    const page = await newPage()
    return { page, errors, newPage, close }
  } catch (e) {
    await close()
    throw e
  }
}
