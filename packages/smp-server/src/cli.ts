#!/usr/bin/env node
/**
 * The `smp-server` command:
 *
 * ```
 * smp-server init --store-dir <dir> [--host <h>] [--port <p>] [--ws-port <p>] [--sign-algorithm ED448|ED25519]
 * smp-server start --store-dir <dir>
 * ```
 *
 * `init` creates the offline CA and online certificate, the `fingerprint`
 * file and `smp-server.ini`, and prints the server address as its last line.
 * `start` prints one line with the address and the versions served once it
 * accepts connections, and on SIGINT/SIGTERM saves the state and exits 0.
 * Errors print one readable line to stderr and exit 1.
 *
 * @see ../shared/spec/transport.md §3, §12
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseArgs } from 'node:util'
import { base64urlEncode, equalBytes, isSimplexError } from '@simplex-ts/core'
import { base64urlParse } from '@simplex-ts/core'
import { formatSmpServer } from '@simplex-ts/smp'
import {
  CREDENTIAL_FILES,
  type ServerCredentials,
  generateServerCredentials,
  loadServerCredentials,
  writeServerCredentials,
} from '@simplex-ts/transport/node'
import { CONFIG_FILE, type ServerConfig, formatConfig, parseConfig, parsePort } from './config'
import {
  AlreadyInitializedError,
  CertificateMissingError,
  CliUsageError,
  FingerprintMismatchError,
  NotInitializedError,
  ServerConfigError,
} from './errors'
import { startServer } from './server'

const USAGE = `Usage:
  smp-server init --store-dir <dir> [--host <host>] [--port <port>] [--ws-port <port>]
                  [--sign-algorithm ED448|ED25519] [--no-store-log]
  smp-server start --store-dir <dir>
`

interface Io {
  out(line: string): void
  err(line: string): void
}

function storeDir(v: string | undefined): string {
  if (v === undefined || v === '') throw new CliUsageError(`missing --store-dir\n${USAGE}`)
  return path.resolve(v)
}

async function init(args: string[], io: Io): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'store-dir': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'ws-port': { type: 'string' },
      'sign-algorithm': { type: 'string' },
      'no-store-log': { type: 'boolean' },
    },
    strict: true,
  })
  const dir = storeDir(values['store-dir'])
  const alg = (values['sign-algorithm'] ?? 'ED448').toUpperCase()
  if (alg !== 'ED448' && alg !== 'ED25519') {
    throw new CliUsageError(`--sign-algorithm: expected ED448 or ED25519, got ${values['sign-algorithm']}`)
  }
  const host = values.host ?? '127.0.0.1'
  const storeLog = values['no-store-log'] !== true
  const config: ServerConfig = {
    host,
    port: values.port === undefined ? 5223 : parsePort(values.port, '--port'),
    wsPort: values['ws-port'] === undefined ? undefined : parsePort(values['ws-port'], '--ws-port'),
    storeLog,
    restoreMessages: storeLog,
    durability: 'fsync',
    inactiveClients: undefined,
  }
  // validates the host the same way start will
  parseConfig(formatConfig(config))
  const iniFile = path.join(dir, CONFIG_FILE)
  if (fs.existsSync(iniFile)) {
    throw new AlreadyInitializedError(
      `server is already initialized (${iniFile} exists); run smp-server start`,
    )
  }
  const credentials = generateServerCredentials({
    alg: alg === 'ED448' ? 'ed448' : 'ed25519',
    commonName: host,
  })
  await writeServerCredentials(dir, credentials)
  fs.writeFileSync(iniFile, formatConfig(config))
  io.out(`Server initialized in ${dir}; configuration: ${iniFile}`)
  io.out(`Fingerprint: ${base64urlEncode(credentials.keyHash)}`)
  io.out('----------')
  io.out('Store the CA private key securely and delete it from the server: it can issue a new online')
  io.out('certificate with the same server identity if the current one is compromised.')
  io.out(`CA private key: ${path.join(dir, CREDENTIAL_FILES.caKey)}`)
  io.out('----------')
  io.out(`Run: smp-server start --store-dir ${dir}`)
  io.out(formatSmpServer({ scheme: 'smp', host, port: String(config.port), keyHash: credentials.keyHash }))
}

async function loadCredentials(dir: string): Promise<ServerCredentials> {
  for (const f of [
    CREDENTIAL_FILES.caCertificate,
    CREDENTIAL_FILES.serverCertificate,
    CREDENTIAL_FILES.serverKey,
  ]) {
    const file = path.join(dir, f)
    if (!fs.existsSync(file)) throw new CertificateMissingError(`missing ${file}`, file)
  }
  let credentials: ServerCredentials
  try {
    credentials = await loadServerCredentials(dir)
  } catch (e) {
    const file = path.join(dir, CREDENTIAL_FILES.serverKey)
    throw new CertificateMissingError(
      `unreadable certificate or key in ${dir}: ${(e as Error).message}`,
      file,
      {
        cause: e,
      },
    )
  }
  const fpFile = path.join(dir, CREDENTIAL_FILES.fingerprint)
  if (!fs.existsSync(fpFile)) throw new CertificateMissingError(`missing ${fpFile}`, fpFile)
  let saved: Uint8Array
  try {
    saved = base64urlParse(fs.readFileSync(fpFile, 'latin1').trim())
  } catch (e) {
    throw new FingerprintMismatchError(`stored fingerprint in ${fpFile} is invalid`, { cause: e })
  }
  if (!equalBytes(saved, credentials.keyHash)) {
    throw new FingerprintMismatchError(
      `stored fingerprint in ${fpFile} does not match ${CREDENTIAL_FILES.caCertificate}`,
    )
  }
  return credentials
}

async function start(args: string[], io: Io): Promise<void> {
  const { values } = parseArgs({ args, options: { 'store-dir': { type: 'string' } }, strict: true })
  const dir = storeDir(values['store-dir'])
  const iniFile = path.join(dir, CONFIG_FILE)
  if (!fs.existsSync(iniFile)) {
    throw new NotInitializedError(
      `server is not initialized (${iniFile} does not exist); run smp-server init`,
    )
  }
  let text: string
  try {
    text = fs.readFileSync(iniFile, 'utf8')
  } catch (e) {
    throw new ServerConfigError(`cannot read ${iniFile}`, { cause: e, file: iniFile })
  }
  const config = parseConfig(text, iniFile)
  const credentials = await loadCredentials(dir)
  const server = await startServer({
    credentials,
    host: config.host,
    port: config.port,
    ...(config.wsPort === undefined ? {} : { wsPort: config.wsPort }),
    ...(config.storeLog ? { storeDir: dir } : {}),
    restoreMessages: config.restoreMessages,
    durability: config.durability,
    ...(config.inactiveClients === undefined ? {} : { inactiveClients: config.inactiveClients }),
    log: (m) => io.err(`smp-server: ${m}`),
  })
  const r = server.store.restored
  if (r.skippedLines > 0 || r.truncatedFiles > 0) {
    io.err(
      `smp-server: restore skipped ${r.skippedLines} malformed and ${r.truncatedFiles} truncated log lines`,
    )
  }
  const ws = server.wsPort === undefined ? '' : `, WebSocket port ${server.wsPort}`
  io.out(
    `smp-server ${server.address} serving SMP versions ${server.versions} on TLS port ${server.port}${ws}`,
  )
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  await server.close()
}

/**
 * Run the command line; resolves with the exit code (a started server resolves after SIGINT/SIGTERM).
 */
export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'init':
        await init(rest, io)
        return 0
      case 'start':
        await start(rest, io)
        return 0
      case '--help':
      case '-h':
      case 'help':
        io.out(USAGE)
        return 0
      default:
        throw new CliUsageError(
          command === undefined ? `missing command\n${USAGE}` : `unknown command ${command}\n${USAGE}`,
        )
    }
  } catch (e) {
    if (isSimplexError(e)) io.err(`smp-server: error ${e.code}: ${e.message}`)
    else if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      io.err(`smp-server: error USAGE: ${(e as Error).message}\n${USAGE}`)
    } else io.err(`smp-server: error: ${e instanceof Error ? e.message : String(e)}`)
    return 1
  }
}

const code = await main(process.argv.slice(2), {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
})
process.exitCode = code
// everything is closed by now; should a handle linger, do not hang the caller
setTimeout(() => process.exit(code), 2000).unref()
