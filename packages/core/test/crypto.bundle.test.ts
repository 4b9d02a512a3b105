import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { describe, expect, it } from 'vitest'

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url))

/** Bundle the package entry for a browser and return the code of every chunk. */
async function browserBundle(): Promise<string> {
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
    build: {
      write: false,
      minify: false,
      lib: { entry, formats: ['es'], fileName: 'index' },
    },
  })
  const results = Array.isArray(out) ? out : [out]
  return results
    .flatMap((r) => ('output' in r ? r.output : []))
    .map((c) => ('code' in c ? c.code : ''))
    .join('\n')
}

describe('browser bundle of @simplex-ts/core', () => {
  it('reaches noble through #default-crypto and never node:crypto', async () => {
    const code = await browserBundle()
    expect(code).not.toMatch(/node:crypto|__vite-browser-external|createCipheriv/)
    expect(code).toContain('expand 32-byte k')
    expect(code).toMatch(/name: "noble"/)
    expect(code).not.toMatch(/name: "native"/)
  }, 60_000)
})
