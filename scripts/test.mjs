#!/usr/bin/env node
// The project's one test command (`pnpm test`, run by .ci/run): lint, typecheck,
// every vitest suite, then build every package and check it with publint.
// Ends with the line `N passed, N failed` counted from vitest's JSON report.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const tmp = join(root, '.tmp')
mkdirSync(tmp, { recursive: true })
const report = join(tmp, 'vitest-report.json')
rmSync(report, { force: true })

function run(title, cmd, args) {
  console.log(`\n▶ ${title}: ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env })
  return r.status === 0
}

const steps = []
steps.push(['lint', run('lint', 'pnpm', ['exec', 'biome', 'check', '.'])])
steps.push(['typecheck', run('typecheck', 'pnpm', ['exec', 'tsc', '-p', 'tsconfig.json', '--noEmit'])])
steps.push([
  'tests',
  run('tests', 'pnpm', [
    'exec',
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
  ]),
])
steps.push(['build', run('build', 'pnpm', ['-r', '--filter', './packages/*', 'build'])])
steps.push([
  'publint',
  run('publint', 'pnpm', ['-r', '--filter', './packages/*', 'exec', 'publint', '--strict']),
])

let passed = 0
let failed = 0
let skipped = 0
try {
  const r = JSON.parse(readFileSync(report, 'utf8'))
  passed = r.numPassedTests
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0)
  skipped = r.numPendingTests + (r.numTodoTests ?? 0)
} catch {
  failed += 1
}
const broken = steps.filter(([, ok]) => !ok).map(([name]) => name)
console.log('')
for (const [name, ok] of steps) console.log(`${ok ? '✓' : '✗'} ${name}`)
// Failing non-test steps count as failures so the closing line never hides them.
failed += broken.filter((s) => s !== 'tests').length
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(broken.length === 0 && failed === 0 ? 0 : 1)
