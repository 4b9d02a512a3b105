// close() really releases everything: a process that used a client and closed it exits by itself.
import { spawn } from 'node:child_process'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestRelay, startTestRelay } from './relay'

let relay: TestRelay

beforeAll(async () => {
  relay = await startTestRelay()
})
afterAll(async () => {
  await relay?.close()
})

describe('SMP client close', () => {
  it('leaves no socket or timer behind: the process exits on its own', { timeout: 30_000 }, async () => {
    const fixture = path.join(import.meta.dirname, 'fixtures', 'close-exit.ts')
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', fixture, relay.address],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString()
    })
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        resolve(-1)
      }, 20_000)
      child.on('exit', (c) => {
        clearTimeout(timer)
        resolve(c)
      })
    })
    expect({ code, out: out.trim(), err }).toEqual({ code: 0, out: 'closed', err: '' })
  })
})
