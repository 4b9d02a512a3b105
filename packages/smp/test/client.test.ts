// The SMP client's packaging and its failures before any relay is involved. The client's behaviour
// against a real relay is tested in packages/smp-conformance/test/client*.test.ts (the relay
// package depends on this one, so the tests that start it live beside the conformance suite).
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { DecodeError } from '@simplex-ts/core'
import { describe, expect, it } from 'vitest'
import { SmpClientClosedError, createSmpClient } from '../src/index'

const SRC = fileURLToPath(new URL('../src/', import.meta.url))

/** Every non-relative module specifier reachable from `entry` (a path under src/, no extension). */
function reachableImports(entry: string): Set<string> {
  const seen = new Set<string>()
  const external = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(`${SRC}${file}.ts`, 'utf8')
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : ''
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const spec = m[1]!
      if (spec.startsWith('./')) visit(`${dir}${spec.slice(2)}`)
      else if (spec.startsWith('../')) visit(new URL(spec, `file:///${dir}`).pathname.slice(1))
      else external.add(spec)
    }
  }
  visit(entry)
  return external
}

describe('SMP client entry points', () => {
  it('the main entry (client included) reaches no node: module and no Node-only transport', () => {
    expect([...reachableImports('index')].sort()).toEqual(['@simplex-ts/core', '@simplex-ts/transport'])
  })

  it('the ./node entry wires the TLS transport', () => {
    expect(reachableImports('client/node')).toContain('@simplex-ts/transport/node')
  })
})

describe('createSmpClient before connecting', () => {
  it('rejects a malformed address with DecodeError', async () => {
    await expect(createSmpClient({ server: 'smp://not-an-address' })).rejects.toBeInstanceOf(DecodeError)
  })

  it('the browser-safe default connector needs a WebSocket constructor', async () => {
    const hasWebSocket = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function'
    if (hasWebSocket) return // Node 22+: covered by the WebSocket tests against the relay
    await expect(
      createSmpClient({ server: `smp://${'A'.repeat(43)}=@127.0.0.1:1`, connectTimeoutMs: 1000 }),
    ).rejects.toMatchObject({ code: 'NETWORK', layer: 'transport' })
  })

  it('an already aborted signal fails at once without connecting', async () => {
    const ac = new AbortController()
    ac.abort()
    let connected = false
    await expect(
      createSmpClient({
        server: `smp://${'A'.repeat(43)}=@127.0.0.1:1`,
        signal: ac.signal,
        connect: async () => {
          connected = true
          throw new Error('unreachable')
        },
      }),
    ).rejects.toBeInstanceOf(SmpClientClosedError)
    expect(connected).toBe(false)
  })
})
