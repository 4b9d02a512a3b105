/**
 * The server configuration file `smp-server.ini` in the store folder, in the
 * reference's INI style (`[SECTION]`, `key: value`, `#` comments), extended
 * with the address host and the WebSocket port:
 *
 * ```ini
 * [SERVER]
 * host: 127.0.0.1
 *
 * [STORE_LOG]
 * enable: on
 * restore_messages: on
 * durability: fsync
 *
 * [TRANSPORT]
 * port: 5223
 * websockets: off
 * ws_port: 80
 *
 * [INACTIVE_CLIENTS]
 * disconnect: off
 * ttl: 86400
 * check_interval: 43200
 * ```
 */
import { ServerConfigError } from './errors'
import type { Durability } from './journal'

/** Config file name in the store folder (the reference's name). */
export const CONFIG_FILE = 'smp-server.ini'

/** The parsed configuration. */
export interface ServerConfig {
  /** Host name or IP written in the server address (and the online certificate's CN). */
  readonly host: string
  /** TLS port. */
  readonly port: number
  /** WebSocket-in-TLS port, or `undefined` when WebSockets are off. */
  readonly wsPort: number | undefined
  /** Whether queues are persisted in the store log. */
  readonly storeLog: boolean
  /** Whether messages are persisted too (requires the store log). */
  readonly restoreMessages: boolean
  /** Commit durability. */
  readonly durability: Durability
  /** Inactive-client expiry (seconds), or `undefined` when off. */
  readonly inactiveClients: { readonly ttl: number; readonly checkInterval: number } | undefined
}

/** Parsed INI: section → key → value. */
export type Ini = Map<string, Map<string, string>>

/**
 * Parse INI text (`[SECTION]` headers, `key: value` or `key = value`, `#`/`;` comments).
 * @throws ServerConfigError on a line that is neither
 */
export function parseIni(text: string, file?: string): Ini {
  const ini: Ini = new Map()
  let section: Map<string, string> | undefined
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header) {
      const name = header[1]!.trim()
      section = ini.get(name) ?? new Map()
      ini.set(name, section)
      return
    }
    const kv = /^([A-Za-z0-9_.-]+)\s*[:=]\s*(.*)$/.exec(line)
    if (!kv || section === undefined) {
      throw new ServerConfigError(
        `line ${i + 1}: expected [SECTION] or key: value, got ${JSON.stringify(raw)}`,
        {
          ...(file === undefined ? {} : { file }),
        },
      )
    }
    section.set(kv[1]!, kv[2]!.trim())
  })
  return ini
}

function onOff(v: string | undefined, key: string, dflt: boolean, file?: string): boolean {
  if (v === undefined) return dflt
  if (v === 'on') return true
  if (v === 'off') return false
  throw new ServerConfigError(`${key}: expected on or off, got ${JSON.stringify(v)}`, {
    ...(file === undefined ? {} : { file }),
  })
}

/**
 * Parse a TCP port number (1–65535).
 * @throws ServerConfigError otherwise
 */
export function parsePort(v: string, key: string, file?: string): number {
  const n = /^[0-9]{1,5}$/.test(v) ? Number(v) : Number.NaN
  if (!(n >= 1 && n <= 65535)) {
    throw new ServerConfigError(`${key}: expected a port number 1-65535, got ${JSON.stringify(v)}`, {
      ...(file === undefined ? {} : { file }),
    })
  }
  return n
}

/**
 * Read the configuration from INI text; missing values take the defaults
 * (host 127.0.0.1, port 5223, WebSockets off, store log and messages on, fsync).
 * @throws ServerConfigError on a malformed file or value
 */
export function parseConfig(text: string, file?: string): ServerConfig {
  const ini = parseIni(text, file)
  const get = (s: string, k: string) => ini.get(s)?.get(k)
  const host = get('SERVER', 'host') ?? '127.0.0.1'
  if (!/^[^\s:#,;/]+$/.test(host)) {
    throw new ServerConfigError(`host: invalid server host ${JSON.stringify(host)}`, {
      ...(file === undefined ? {} : { file }),
    })
  }
  const portText = get('TRANSPORT', 'port')
  const port = portText === undefined ? 5223 : parsePort(portText, 'port', file)
  const ws = onOff(get('TRANSPORT', 'websockets'), 'websockets', false, file)
  const wsPortText = get('TRANSPORT', 'ws_port')
  const wsPort = ws ? (wsPortText === undefined ? 80 : parsePort(wsPortText, 'ws_port', file)) : undefined
  const storeLog = onOff(get('STORE_LOG', 'enable'), 'enable', true, file)
  const restoreMessages = onOff(get('STORE_LOG', 'restore_messages'), 'restore_messages', storeLog, file)
  if (restoreMessages && !storeLog) {
    throw new ServerConfigError('restore_messages: on requires enable: on', {
      ...(file === undefined ? {} : { file }),
    })
  }
  const d = get('STORE_LOG', 'durability') ?? 'fsync'
  if (d !== 'fsync' && d !== 'write') {
    throw new ServerConfigError(`durability: expected fsync or write, got ${JSON.stringify(d)}`, {
      ...(file === undefined ? {} : { file }),
    })
  }
  const seconds = (k: string, dflt: number): number => {
    const v = get('INACTIVE_CLIENTS', k)
    if (v === undefined) return dflt
    if (!/^[0-9]{1,9}$/.test(v) || Number(v) === 0) {
      throw new ServerConfigError(`${k}: expected a positive number of seconds, got ${JSON.stringify(v)}`, {
        ...(file === undefined ? {} : { file }),
      })
    }
    return Number(v)
  }
  const inactiveClients = onOff(get('INACTIVE_CLIENTS', 'disconnect'), 'disconnect', false, file)
    ? { ttl: seconds('ttl', 86400), checkInterval: seconds('check_interval', 43200) }
    : undefined
  return { host, port, wsPort, storeLog, restoreMessages, durability: d, inactiveClients }
}

/** The INI text of a configuration, with comments explaining each setting. */
export function formatConfig(c: ServerConfig): string {
  return `# smp-server configuration (simplex-ts)

[SERVER]
# Host name or IP address written in the server address (smp://<fingerprint>@<host>:<port>)
host: ${c.host}

[STORE_LOG]
# Persist queues in smp-server-store.log (compacted on every start and stop).
enable: ${c.storeLog ? 'on' : 'off'}
# Persist messages and acknowledgements in smp-server-messages.log, so that every message
# answered with OK survives a restart or a crash.
restore_messages: ${c.restoreMessages ? 'on' : 'off'}
# fsync: a change is synced to disk before it is answered; write: written to the OS only
# (survives the relay being killed, not a power loss).
durability: ${c.durability}

[TRANSPORT]
port: ${c.port}
websockets: ${c.wsPort === undefined ? 'off' : 'on'}
${c.wsPort === undefined ? '# ws_port: 80' : `ws_port: ${c.wsPort}`}

[INACTIVE_CLIENTS]
# Disconnect clients that sent and received nothing (not even PING) for ttl seconds,
# checked every check_interval seconds.
disconnect: ${c.inactiveClients === undefined ? 'off' : 'on'}
${c.inactiveClients === undefined ? '# ttl: 86400\n# check_interval: 43200' : `ttl: ${c.inactiveClients.ttl}\ncheck_interval: ${c.inactiveClients.checkInterval}`}
`
}
