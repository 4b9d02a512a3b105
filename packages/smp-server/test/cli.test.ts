import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseSmpServer } from '@simplex-ts/smp'
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../src/config'
import { RawClient } from './client'
import { firstLine, freePort, runCli, spawnCli } from './process'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'smp-cli-'))
  dirs.push(d)
  return d
}

async function initServer(extra: string[] = []): Promise<{ dir: string; port: number; address: string }> {
  const dir = tmp()
  const port = await freePort()
  const r = await runCli([
    'init',
    '--store-dir',
    dir,
    '--port',
    String(port),
    '--sign-algorithm',
    'ED25519',
    ...extra,
  ])
  expect(r.code).toBe(0)
  const lines = r.stdout.trim().split('\n')
  return { dir, port, address: lines[lines.length - 1]! }
}

describe('smp-server CLI', () => {
  it('init writes certificates and config and prints the address as its last line', async () => {
    const { dir, port, address } = await initServer(['--host', 'smp.example.com'])
    expect(address).toMatch(new RegExp(`^smp://[A-Za-z0-9_-]{43}=@smp\\.example\\.com:${port}$`))
    const srv = parseSmpServer(address)
    const fp = fs.readFileSync(path.join(dir, 'fingerprint'), 'latin1').trim()
    expect(address).toContain(fp)
    expect(srv.keyHash).toHaveLength(32)
    for (const f of ['ca.crt', 'ca.key', 'server.crt', 'server.key', 'smp-server.ini']) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true)
    }
    expect(parseConfig(fs.readFileSync(path.join(dir, 'smp-server.ini'), 'utf8'))).toMatchObject({
      host: 'smp.example.com',
      port,
      wsPort: undefined,
      storeLog: true,
    })
    const again = await runCli(['init', '--store-dir', dir])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('ALREADY_INITIALIZED')
  })

  it('start prints one line with the address and versions, serves, and exits 0 on SIGTERM', async () => {
    const { dir, port, address } = await initServer()
    const child = spawnCli(['start', '--store-dir', dir])
    const line = await firstLine(child)
    expect(line).toContain(address)
    expect(line).toContain('1-4')
    const srv = parseSmpServer(address)
    const c = await RawClient.connect({ port, keyHash: srv.keyHash })
    expect((await c.call({ command: { type: 'PING' } })).command).toEqual({ type: 'PONG' })
    await c.close()
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(fs.existsSync(path.join(dir, 'smp-server-store.log'))).toBe(true)
  })

  it('a bad config, a missing certificate and a port in use are clear errors with exit code 1', async () => {
    const { dir, port } = await initServer()
    const ini = path.join(dir, 'smp-server.ini')
    const good = fs.readFileSync(ini, 'utf8')
    fs.writeFileSync(ini, good.replace(`port: ${port}`, 'port: lots'))
    let r = await runCli(['start', '--store-dir', dir])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/error CONFIG: port: expected a port number/)
    fs.writeFileSync(ini, good)

    fs.renameSync(path.join(dir, 'server.crt'), path.join(dir, 'server.crt.bak'))
    r = await runCli(['start', '--store-dir', dir])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/error CERTIFICATE_MISSING: missing .*server\.crt/)
    fs.renameSync(path.join(dir, 'server.crt.bak'), path.join(dir, 'server.crt'))

    const blocker = net.createServer()
    await new Promise<void>((res) => blocker.listen(port, () => res()))
    try {
      r = await runCli(['start', '--store-dir', dir])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`error PORT_IN_USE: port ${port} is already in use`)
    } finally {
      await new Promise((res) => blocker.close(res))
    }

    r = await runCli(['start', '--store-dir', path.join(dir, 'missing')])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('NOT_INITIALIZED')
    r = await runCli(['frobnicate'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('USAGE')
    r = await runCli(['init', '--store-dir', tmp(), '--sign-algorithm', 'RSA'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('USAGE')
  })
})
