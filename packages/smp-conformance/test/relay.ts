// Our relay for the tests: started with startServer on an ephemeral port and a temporary store
// folder; `restart()` stops it (saving its state) and starts it again on the same port and folder.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { type RunningServer, type StartServerOptions, startServer } from '@simplex-ts/smp-server'
import { generateServerCredentials } from '@simplex-ts/transport/node'

export interface TestRelay {
  readonly address: string
  readonly port: number
  readonly keyHash: Uint8Array
  readonly storeDir: string
  readonly server: RunningServer
  restart(): Promise<void>
  /** Stop the relay, keeping its store folder. */
  stop(): Promise<void>
  /** Start it again on the same port and store folder. */
  start(): Promise<void>
  close(): Promise<void>
}

const credentials = generateServerCredentials()

export async function startTestRelay(options: Partial<StartServerOptions> = {}): Promise<TestRelay> {
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smp-conformance-'))
  const base = { credentials, storeDir, durability: 'write' as const, ...options }
  let server = await startServer({ ...base, port: 0 })
  const port = server.port
  return {
    address: server.address,
    port,
    keyHash: credentials.keyHash,
    storeDir,
    get server() {
      return server
    },
    async restart() {
      await server.close()
      server = await startServer({ ...base, port })
    },
    async stop() {
      await server.close()
    },
    async start() {
      server = await startServer({ ...base, port })
    },
    async close() {
      await server.close()
      fs.rmSync(storeDir, { recursive: true, force: true })
    },
  }
}
