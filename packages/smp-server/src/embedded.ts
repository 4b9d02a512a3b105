/**
 * An embedded relay for apps and examples that run without a `--server`: our SMP relay on
 * 127.0.0.1, with its identity, queues and messages kept in a folder beside the
 * store (`<store>.relay/`), so addresses and every connection stay
 * valid across restarts. The folder is an ordinary relay store folder
 * (`pnpm smp-server start --store-dir <store>.relay` serves it too).
 *
 * @see ../shared/spec/transport.md §3
 */
import * as fs from 'node:fs'
import { CONFIG_FILE, type ServerConfig, formatConfig, parseConfig } from './config'
import { PortInUseError } from './errors'
import { DEFAULT_PORT, type RunningServer, startServer } from './server'
import {
  generateServerCredentials,
  loadServerCredentials,
  writeServerCredentials,
} from '@simplex-ts/transport/node'

/** The folder of the embedded relay of a store file. */
export function relayDirOf(store: string): string {
  return `${store}.relay`
}

/**
 * Start the embedded relay of `dir`, creating it on first use: new credentials and port `port`
 * (default 5223, or any free port when it is taken; 0 = any free port), written to
 * `smp-server.ini` so later runs keep the same address.
 * @throws PortInUseError when the saved port is taken (another process serves this folder?).
 */
export async function startEmbeddedRelay(dir: string, port = DEFAULT_PORT): Promise<RunningServer> {
  const configFile = `${dir}/${CONFIG_FILE}`
  if (fs.existsSync(configFile)) {
    const config = parseConfig(fs.readFileSync(configFile, 'utf8'), configFile)
    return startServer({
      credentials: await loadServerCredentials(dir),
      host: config.host,
      bindHost: '127.0.0.1',
      port: config.port,
      storeDir: dir,
      durability: config.durability,
    })
  }
  fs.mkdirSync(dir, { recursive: true })
  const credentials = generateServerCredentials({ alg: 'ed25519' })
  const start = (port: number) =>
    startServer({
      credentials,
      host: '127.0.0.1',
      bindHost: '127.0.0.1',
      port,
      storeDir: dir,
      durability: 'write',
    })
  let server: RunningServer
  try {
    server = await start(port)
  } catch (e) {
    if (!(e instanceof PortInUseError) || port === 0) throw e
    server = await start(0)
  }
  await writeServerCredentials(dir, credentials)
  const config: ServerConfig = {
    host: '127.0.0.1',
    port: server.port,
    wsPort: undefined,
    storeLog: true,
    restoreMessages: true,
    durability: 'write',
    inactiveClients: undefined,
  }
  fs.writeFileSync(configFile, formatConfig(config))
  return server
}
