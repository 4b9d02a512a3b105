import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../src/', import.meta.url))

/** Every module specifier reachable from `entry` through relative imports, with the files that import it. */
function reachableImports(entry: string): Map<string, string> {
  const seen = new Set<string>()
  const external = new Map<string, string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(`${SRC}${file}.ts`, 'utf8')
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const spec = m[1]!
      if (spec.startsWith('./')) visit(spec.slice(2))
      else external.set(spec, file)
    }
  }
  visit(entry)
  return external
}

describe('entry points', () => {
  it('the main entry reaches no node: module and no ws (browser bundles stay clean)', () => {
    const ext = reachableImports('index')
    const bad = [...ext.keys()].filter((s) => s.startsWith('node:') || s === 'ws')
    expect(bad).toEqual([])
    expect([...ext.keys()].sort()).toEqual(['@simplex-ts/core'])
  })

  it('the node entry is where TLS, ws and certificates live', () => {
    const ext = [...reachableImports('node').keys()]
    expect(ext).toEqual(expect.arrayContaining(['node:tls', 'node:crypto', 'ws']))
  })
})
