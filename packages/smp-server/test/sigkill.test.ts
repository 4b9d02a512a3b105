// The durability requirement end to end: a relay killed with SIGKILL in the
// middle of a stream of SENDs delivers, after restart, every message it
// answered OK to, and none whose ACK it confirmed.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { toHex } from '@simplex-ts/core'
import { decryptDeliveredMessage, parseSmpServer } from '@simplex-ts/smp'
import { afterEach, expect, it } from 'vitest'
import { RawClient, crypto } from './client'
import { firstLine, freePort, runCli, spawnCli } from './process'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

it('after kill -9 mid-stream every OK-answered message is delivered once, none after its ACK', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smp-kill-'))
  dirs.push(dir)
  const port = await freePort()
  const init = await runCli([
    'init',
    '--store-dir',
    dir,
    '--port',
    String(port),
    '--sign-algorithm',
    'ED25519',
  ])
  expect(init.code).toBe(0)
  const address = init.stdout.trim().split('\n').pop()!
  const srv = { port, keyHash: parseSmpServer(address).keyHash }

  let child = spawnCli(['start', '--store-dir', dir])
  await firstLine(child)
  const r = await RawClient.connect(srv)
  const s = await RawClient.connect(srv)
  const rKey = crypto.generateSignKeyPair('ed25519')
  const dh = crypto.generateDhKeyPair('x25519')
  const ids = await r.call({
    command: {
      type: 'NEW',
      rcvAuthKey: { alg: 'ed25519', publicKey: rKey.publicKey },
      rcvDhKey: { alg: 'x25519', publicKey: dh.publicKey },
    },
    key: rKey,
  })
  if (ids.command.type !== 'IDS') throw new Error('NEW failed')
  const { rcvId, sndId } = ids.command
  const secret = crypto.dh('x25519', dh.privateKey, ids.command.srvDhKey.publicKey)
  const text = (m: { command: unknown }): string => {
    const c = m.command as Parameters<typeof decryptDeliveredMessage>[2]
    return new TextDecoder().decode(decryptDeliveredMessage(crypto, secret, c, 4).body)
  }

  const okd = new Set<string>()
  const acked = new Set<string>()
  // received and ACK sent, but the answer to the ACK may have been lost with the relay
  const ackSent = new Set<string>()
  let killed = false
  // recipient: ACK every delivered message; an answered ACK is a confirmed ACK
  const pendingAcks = new Map<string, string>()
  const recipient = (async () => {
    let n = 0
    while (!killed) {
      let m: Awaited<ReturnType<RawClient['next']>>
      try {
        m = await r.next(10_000)
      } catch {
        return
      }
      const acking = pendingAcks.get(m.corrId)
      if (acking !== undefined) {
        pendingAcks.delete(m.corrId)
        acked.add(acking)
      }
      if (m.command.type === 'MSG') {
        const corrId = `a${n++}`
        pendingAcks.set(corrId, text(m))
        ackSent.add(text(m))
        void r
          .send({ corrId, entityId: rcvId, command: { type: 'ACK', msgId: m.command.msgId }, key: rKey })
          .catch(() => {})
      }
    }
  })()
  // sender: pipelined SENDs in batches; stop counting the moment the relay dies
  const sender = (async () => {
    let n = 0
    while (!killed) {
      const batch = Array.from({ length: 20 }, () => {
        const i = n++
        return {
          corrId: `s${i}`,
          entityId: sndId,
          command: {
            type: 'SEND' as const,
            flags: { notification: false },
            body: new TextEncoder().encode(`msg ${i} ${toHex(crypto.randomBytes(8))}`),
          },
        }
      })
      const bodies = new Map(batch.map((b) => [b.corrId, new TextDecoder().decode(b.command.body)]))
      try {
        await s.send(...batch)
        for (let k = 0; k < batch.length; k++) {
          const a = await s.next(10_000)
          if (a.command.type === 'OK') okd.add(bodies.get(a.corrId)!)
          else if (a.command.type !== 'ERR' || a.command.error !== 'QUOTA')
            throw new Error(JSON.stringify(a.command))
        }
      } catch {
        return
      }
    }
  })()
  while (okd.size < 400) await new Promise((res) => setTimeout(res, 10))
  child.kill('SIGKILL')
  killed = true
  await new Promise((res) => child.once('close', res))
  await Promise.all([sender, recipient])
  await Promise.all([r.close().catch(() => {}), s.close().catch(() => {})])

  child = spawnCli(['start', '--store-dir', dir])
  await firstLine(child)
  try {
    const r2 = await RawClient.connect(srv)
    const got: string[] = []
    let m = await r2.call({ entityId: rcvId, command: { type: 'SUB' }, key: rKey })
    while (m.command.type === 'MSG') {
      got.push(text(m))
      m = await r2.call({ entityId: rcvId, command: { type: 'ACK', msgId: m.command.msgId }, key: rKey })
    }
    expect(m.command).toEqual({ type: 'OK' })
    await r2.close()
    expect(new Set(got).size).toBe(got.length)
    for (const b of got) expect(acked.has(b), `redelivered after confirmed ACK: ${b}`).toBe(false)
    // an ACK that reached the disk but whose answer died with the relay legitimately deletes its message
    const missing = [...okd].filter((b) => !ackSent.has(b) && !got.includes(b))
    expect(missing).toEqual([])
    // sanity: the run was a real stream, with ACKs in flight
    expect(okd.size).toBeGreaterThanOrEqual(400)
    expect(acked.size).toBeGreaterThan(0)
  } finally {
    const exited = new Promise((res) => child.once('exit', res))
    child.kill('SIGTERM')
    await exited
  }
})
