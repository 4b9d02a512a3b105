// 200 SMP clients at once against our relay, each doing NEW, SUB, SEND, MSG and ACK.
import { fromUtf8, utf8 } from '@simplex-ts/core'
import { createSmpClient } from '@simplex-ts/smp/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nextEvent } from '../src/cases/restart'
import { type TestRelay, startTestRelay } from './relay'

let relay: TestRelay

beforeAll(async () => {
  relay = await startTestRelay()
})
afterAll(async () => {
  await relay?.close()
})

describe('SMP client under load', () => {
  it('200 concurrent clients each create, subscribe, send, receive and acknowledge', {
    timeout: 60_000,
  }, async () => {
    const N = 200
    const results = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const c = await createSmpClient({
          server: relay.address,
          connectTimeoutMs: 30_000,
          responseTimeoutMs: 30_000,
        })
        try {
          const q = await c.createQueue()
          await c.subscribe(q)
          const got = nextEvent(c, 'message', () => true, 30_000)
          await c.send(q.sndId, utf8(`client ${i}`))
          const m = await got
          await c.ack(q, m.message.msgId)
          expect(await c.get(q).catch((e: { code?: string }) => e.code)).toBe('CMD PROHIBITED')
          return fromUtf8(m.message.body)
        } finally {
          await c.close()
        }
      }),
    )
    expect(results).toEqual(Array.from({ length: N }, (_, i) => `client ${i}`))
    expect(relay.server.relay.connectionCount).toBe(0)
  })
})
