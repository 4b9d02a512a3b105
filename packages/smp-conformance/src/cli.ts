#!/usr/bin/env node
/**
 * The `smp-conformance` command:
 *
 * ```
 * smp-conformance <smp://keyHash@host:port> [--versions 1,2,3,4] [--quota 128] [--grep <text>]
 * ```
 *
 * Prints one line per case and version, then `N passed, N failed` as the last
 * line; exits 1 when any case failed. Cases that need relay-side control are
 * reported as skipped.
 */
import { parseArgs } from 'node:util'
import { SimplexError, isSimplexError } from '@simplex-ts/core'
import { type SmpVersion, checkSmpVersion } from '@simplex-ts/smp'
import { formatResult, runConformance } from './run'

/** A command line the tool cannot run. */
class UsageError extends SimplexError {
  override readonly code = 'USAGE'
  override readonly layer = 'conformance'
}

const USAGE =
  'Usage: smp-conformance <smp://keyHash@host:port> [--versions 1,2,3,4] [--quota N] [--grep text]'

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`)
    return 2
  }
  const { server, versions, quota, grep } = parsed
  try {
    const report = await runConformance({
      server,
      versions,
      ...(quota === undefined ? {} : { quota }),
      ...(grep === undefined ? {} : { filter: (name: string) => name.includes(grep) }),
      onResult: (r) => console.log(formatResult(r)),
    })
    if (report.skipped > 0) console.log(`${report.skipped} skipped (need relay-side control)`)
    console.log(`${report.passed} passed, ${report.failed} failed`)
    return report.failed === 0 ? 0 : 1
  } catch (e) {
    console.error(isSimplexError(e) ? `${e.code}: ${e.message}` : String(e))
    console.log('0 passed, 1 failed')
    return 1
  }
}

function parse(argv: string[]): { server: string; versions: SmpVersion[]; quota?: number; grep?: string } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { versions: { type: 'string' }, quota: { type: 'string' }, grep: { type: 'string' } },
  })
  const server = positionals[0]
  if (server === undefined || positionals.length > 1) throw new UsageError('expected one relay address')
  const versions = (values.versions ?? '1,2,3,4').split(',').map((v) => checkSmpVersion(Number(v)))
  const quota = values.quota === undefined ? undefined : Number(values.quota)
  if (quota !== undefined && !(Number.isInteger(quota) && quota > 0))
    throw new UsageError('--quota must be a positive integer')
  return {
    server,
    versions,
    ...(quota === undefined ? {} : { quota }),
    ...(values.grep ? { grep: values.grep } : {}),
  }
}

process.exitCode = await main(process.argv.slice(2))
