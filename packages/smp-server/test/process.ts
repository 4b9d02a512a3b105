// Runs the smp-server CLI as a child process, as a user would.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import * as net from 'node:net'
import * as path from 'node:path'

export const CLI = path.join(import.meta.dirname, '..', 'src', 'cli.ts')

/** Spawn `smp-server <args>`. */
export function spawnCli(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

/** Run the CLI to completion. */
export async function runCli(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(args)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
  return { code, stdout, stderr }
}

/** Wait for the first stdout line of a started server (rejects if it exits first). */
export function firstLine(child: ChildProcessWithoutNullStreams, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`no output within ${timeoutMs} ms: ${err}`)), timeoutMs)
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString()
    })
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolve(out.slice(0, nl))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}: ${err}`))
    })
  })
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise((r) => srv.close(r))
  return port
}
