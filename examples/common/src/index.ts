/**
 * The command-line options every chat example takes: `--store <file>` (required),
 * `--server smp://…` (repeatable), `--name <display name>`, `--relay-port <port>`
 * (for the embedded relay) and `--help`; and that embedded relay.
 */
import * as path from 'node:path'
import { parseArgs } from 'node:util'
import { isSimplexError } from '@simplex-ts/core'
import { parseSmpServer } from '@simplex-ts/smp'
import { type RunningServer, relayDirOf, startEmbeddedRelay } from '@simplex-ts/smp-server'

/** A bad command line; the message says what is wrong, and the caller prints its usage after it. */
export class UsageError extends Error {}

/** The parsed options of a chat example. */
export interface Args {
  /** Absolute path of the SQLite store (relative paths are taken from the caller's folder). */
  readonly store: string
  /** Relay addresses; empty means "start the embedded relay". */
  readonly servers: string[]
  /** Display name, one word. */
  readonly name: string | undefined
  /** Port of the embedded relay (0 = any free port). */
  readonly relayPort: number | undefined
}

/**
 * Parse a chat example's command line; `--help` prints `usage` and exits 0.
 * @throws UsageError for anything malformed
 */
export function parseExampleArgs(argv: string[], usage: string): Args {
  let values: { store?: string; server?: string[]; name?: string; 'relay-port'?: string; help?: boolean }
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        store: { type: 'string' },
        server: { type: 'string', multiple: true },
        name: { type: 'string' },
        'relay-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }))
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  if (values.help === true) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  if (values.store === undefined || values.store === '') throw new UsageError('missing --store <file>')
  if (values.name !== undefined && (values.name === '' || /\s/.test(values.name))) {
    throw new UsageError(
      `--name: a display name is one word without spaces, got ${JSON.stringify(values.name)}`,
    )
  }
  for (const s of values.server ?? []) {
    try {
      parseSmpServer(s)
    } catch (e) {
      throw new UsageError(
        `--server: expected smp://<key hash>@<host>[:<port>], got ${JSON.stringify(s)} (${(e as Error).message})`,
      )
    }
  }
  // pnpm runs scripts from the repository root; a relative path means the caller's folder
  const store = path.resolve(process.env.INIT_CWD ?? process.cwd(), values.store)
  const portText = values['relay-port']
  const relayPort = portText === undefined ? undefined : Number(portText)
  if (relayPort !== undefined && !(/^[0-9]{1,5}$/.test(portText ?? '') && relayPort <= 65535)) {
    throw new UsageError(
      `--relay-port: expected a port number (0 = any free port), got ${JSON.stringify(portText)}`,
    )
  }
  return { store, servers: values.server ?? [], name: values.name, relayPort }
}

/** The embedded relay of a chat example, and the folder its state lives in. */
export interface ExampleRelay {
  /** The running relay (close it on exit). */
  readonly relay: RunningServer
  /** The relay's state folder, beside the store. */
  readonly dir: string
}

/**
 * Start the relay a chat example embeds when no `--server` is given: its state
 * sits beside the store (`relayDirOf`), so the address survives restarts.
 * @param app the example's name, for the hint when the port is taken
 * @throws Error naming the likely cause when the port is in use; the relay's errors otherwise
 */
export async function startExampleRelay(
  store: string,
  port: number | undefined,
  app: string,
): Promise<ExampleRelay> {
  const dir = relayDirOf(store)
  const relay = await startEmbeddedRelay(dir, port).catch((e: unknown) => {
    if (!isSimplexError(e, 'PORT_IN_USE')) throw e
    throw new Error(
      `the embedded relay cannot listen: ${e.message} (is another ${app} running on this store?)`,
    )
  })
  return { relay, dir }
}
