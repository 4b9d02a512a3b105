import * as tls from 'node:tls'
import { BlockFramer, SMP_BLOCK_SIZE, type Transport, type TransportError } from '../src/index'
import { type ServerCredentials, TLS_PROFILE, serverTlsOptions } from '../src/node'

/** A TLS client with the reference profile that speaks raw bytes (to play a misbehaving peer). */
export async function rawTlsClient(
  port: number,
  options: { maxVersion?: tls.SecureVersion; minVersion?: tls.SecureVersion } = {},
): Promise<RawPeer> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    rejectUnauthorized: false,
    minVersion: options.minVersion ?? 'TLSv1.3',
    maxVersion: options.maxVersion ?? 'TLSv1.3',
    ciphers: `${TLS_PROFILE.ciphersTls13}:${TLS_PROFILE.ciphersTls12}`,
    ecdhCurve: TLS_PROFILE.ecdhCurve,
    sigalgs: TLS_PROFILE.sigalgs,
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve)
    socket.once('error', reject)
  })
  return rawPeer(socket, new Uint8Array(socket.getFinished()!))
}

/** A raw TLS server presenting `creds`; `onPeer` drives each connection by hand. */
export async function rawTlsServer(
  creds: ServerCredentials,
  onPeer: (peer: RawPeer) => void | Promise<void>,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<tls.TLSSocket>()
  const server = tls.createServer(serverTlsOptions(creds, false), (socket) => {
    sockets.add(socket)
    void onPeer(rawPeer(socket, new Uint8Array(socket.getPeerFinished()!)))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

/** A socket with block-level reading and an `ended` promise. */
export interface RawPeer {
  readonly socket: tls.TLSSocket
  readonly finished: Uint8Array
  /** Next whole block, or undefined when the peer closed first. */
  nextBlock(): Promise<Uint8Array | undefined>
  /** Total bytes received after the blocks already taken. */
  readonly ended: Promise<void>
}

function rawPeer(socket: tls.TLSSocket, finished: Uint8Array): RawPeer {
  const framer = new BlockFramer(SMP_BLOCK_SIZE)
  const blocks: Uint8Array[] = []
  const waiters: ((b: Uint8Array | undefined) => void)[] = []
  let done = false
  const ended = new Promise<void>((resolve) => {
    socket.on('close', () => {
      done = true
      for (const w of waiters.splice(0)) w(undefined)
      resolve()
    })
  })
  socket.on('error', () => {})
  socket.on('data', (chunk: Buffer) => {
    for (const b of framer.push(new Uint8Array(chunk))) {
      const w = waiters.shift()
      if (w) w(b)
      else blocks.push(b)
    }
  })
  return {
    socket,
    finished,
    ended,
    nextBlock: () => {
      const b = blocks.shift()
      if (b || done) return Promise.resolve(b)
      return new Promise((r) => waiters.push(r))
    },
  }
}

/** Collects server-side results: accepted transports and pre-handover errors. */
export function serverLog() {
  const transports: Transport[] = []
  const errors: TransportError[] = []
  let notify: (() => void) | undefined
  const changed = () => {
    notify?.()
  }
  return {
    transports,
    errors,
    onConnection(t: Transport) {
      transports.push(t)
      changed()
    },
    onError(e: TransportError) {
      errors.push(e)
      changed()
    },
    /** Resolve once `pred` holds. */
    async until(pred: () => boolean, ms = 5000): Promise<void> {
      const deadline = Date.now() + ms
      while (!pred()) {
        if (Date.now() > deadline) throw new Error('timed out waiting for the server')
        await new Promise<void>((r) => {
          notify = r
          setTimeout(r, 20)
        })
      }
    },
  }
}

/** Echo every transmission back with the same framing; used as the server side of exchanges. */
export async function echo(t: Transport): Promise<void> {
  try {
    for await (const items of t.transmissions()) {
      await t.sendTransmissions(items.filter((x): x is Uint8Array => x instanceof Uint8Array))
    }
  } catch {
    // the connection ended with an error; the test checks it elsewhere
  }
}
