// Application acknowledgements (`appAck: 'manual'`): a message the application has not acknowledged
// is emitted again, in order, when the agent starts (on SQLite) and when a relay connection comes
// back; an acknowledged one never is. `appAck: 'auto'` behaves as before.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { type Storage, createMemoryStorage } from '@simplex-ts/storage'
import { openSqliteStorage } from '@simplex-ts/storage/sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Agent } from '../src/agent'
import { AgentClosedError, CmdSyntaxError } from '../src/errors'
import type { AgentEvent, MessageEvent } from '../src/events'
import { type TestRelay, connectPair, newAgent, next, startRelay, str, text } from './agent-helpers'

let relay: TestRelay
let dir: string

beforeAll(async () => {
  relay = await startRelay()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-app-ack-'))
})
afterAll(async () => {
  await relay.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const messages = (log: readonly AgentEvent[]): MessageEvent[] =>
  log.filter((e): e is MessageEvent => e.type === 'message')

/** `n` new (not redelivered) messages from now. */
function fresh(agent: Agent, n: number): Promise<MessageEvent[]> {
  return new Promise((resolve, reject) => {
    const got: MessageEvent[] = []
    const timer = setTimeout(() => reject(new Error(`got ${got.length} of ${n} messages`)), 10_000)
    const off = agent.on('message', (e) => {
      if (e.redelivered === true) return
      got.push(e)
      if (got.length === n) {
        clearTimeout(timer)
        off()
        resolve(got)
      }
    })
  })
}

/** Start an agent and let it settle: subscribed to its relay, re-emissions done. */
async function started(
  storage: Storage,
  options: { appAck?: 'auto' | 'manual'; relay?: TestRelay } = {},
): Promise<Awaited<ReturnType<typeof newAgent>>> {
  const r = options.relay ?? relay
  const agent = await newAgent(r, { storage, appAck: options.appAck ?? 'manual' })
  await next(agent, 'up')
  await new Promise((res) => setTimeout(res, 150))
  return agent
}

const texts = (ms: readonly MessageEvent[]): [string, boolean][] =>
  ms.map((e) => [str(e.body), e.redelivered === true])

describe("agent: appAck 'manual'", () => {
  it('emits unacknowledged messages again after each restart on SQLite, in order, until acknowledged', async () => {
    const file = path.join(dir, 'bob.db')
    let bobStore = await openSqliteStorage({ path: file })
    const alice = await newAgent(relay)
    let bob = await newAgent(relay, { storage: bobStore, appAck: 'manual' })
    const { a, b } = await connectPair(alice, bob)
    const first = fresh(bob, 5)
    for (let i = 1; i <= 5; i++) await alice.sendMessage(a, text(`m${i}`))
    const got = await first
    expect(got.map((e) => str(e.body))).toEqual(['m1', 'm2', 'm3', 'm4', 'm5'])
    await bob.ackMessage(b, got[0]?.msgId as number)
    await bob.ackMessage(b, got[1]?.msgId as number)
    expect((await bob.storage.read((tx) => tx.range('agent.unacked'))).length).toBe(3)
    await bob.close()
    await bobStore.close()

    // restart 1: m3..m5 once each, with their ids, before anything new
    bobStore = await openSqliteStorage({ path: file })
    bob = await started(bobStore)
    expect(texts(messages(bob.log))).toEqual([
      ['m3', true],
      ['m4', true],
      ['m5', true],
    ])
    expect(messages(bob.log).map((e) => e.msgId)).toEqual(got.slice(2).map((e) => e.msgId))
    await bob.ackMessage(b, got[2]?.msgId as number)
    const m6 = fresh(bob, 1)
    await alice.sendMessage(a, text('m6'))
    const [six] = await m6
    expect(texts(messages(bob.log))).toEqual([
      ['m3', true],
      ['m4', true],
      ['m5', true],
      ['m6', false],
    ])
    // not awaited: close commits it
    void bob.ackMessage(b, got[3]?.msgId as number)
    await bob.close()
    await bobStore.close()

    // restart 2: m5 and m6 once each
    bobStore = await openSqliteStorage({ path: file })
    bob = await started(bobStore)
    expect(texts(messages(bob.log))).toEqual([
      ['m5', true],
      ['m6', true],
    ])
    await Promise.all([bob.ackMessage(b, got[4]?.msgId as number), bob.ackMessage(b, six?.msgId as number)])
    // acknowledging again is harmless
    await bob.ackMessage(b, six?.msgId as number)
    await bob.close()
    await bobStore.close()

    // restart 3: nothing comes back; new messages flow
    bobStore = await openSqliteStorage({ path: file })
    bob = await started(bobStore)
    expect(messages(bob.log)).toEqual([])
    const m7 = fresh(bob, 1)
    await alice.sendMessage(a, text('m7'))
    expect(str((await m7)[0]?.body as Uint8Array)).toBe('m7')
    expect(texts(messages(bob.log))).toEqual([['m7', false]])
    await alice.close()
    await bob.close()
    await bobStore.close()
  })

  it('emits unacknowledged messages again when the relay connection comes back', async () => {
    const own = await startRelay()
    const alice = await newAgent(own)
    const bob = await newAgent(own, { appAck: 'manual' })
    const { a, b } = await connectPair(alice, bob)
    const two = fresh(bob, 2)
    await alice.sendMessage(a, text('acked'))
    await alice.sendMessage(a, text('pending'))
    const [acked] = await two
    await bob.ackMessage(b, acked?.msgId as number)
    const down = next(bob, 'down')
    await own.stop()
    await down
    const up = next(bob, 'up')
    const again = new Promise<MessageEvent>((resolve) => {
      const off = bob.on('message', (e) => {
        if (e.redelivered !== true) return
        off()
        resolve(e)
      })
    })
    await own.start()
    await up
    const e = await again
    expect(str(e.body)).toBe('pending')
    const after = fresh(bob, 1)
    await alice.sendMessage(a, text('after'))
    await after
    expect(texts(messages(bob.log))).toEqual([
      ['acked', false],
      ['pending', false],
      ['pending', true],
      ['after', false],
    ])
    await alice.close()
    await bob.close()
    await own.close()
  })

  it('ackMessage: bad ids are refused, unknown ones ignored, a closed agent refuses', async () => {
    const bob = await newAgent(relay, { appAck: 'manual' })
    await expect(bob.ackMessage('x', 0)).rejects.toBeInstanceOf(CmdSyntaxError)
    await expect(bob.ackMessage('x', 1.5)).rejects.toBeInstanceOf(CmdSyntaxError)
    await bob.ackMessage('no such connection', 7)
    expect(await bob.storage.read((tx) => tx.range('agent.unacked'))).toEqual([])
    await bob.close()
    await expect(bob.ackMessage('x', 1)).rejects.toBeInstanceOf(AgentClosedError)
  })
})

describe("agent: appAck 'auto' (the default)", () => {
  it('keeps only the last message, emits nothing again on restart, and takes over manual leftovers once', async () => {
    const bobStore = createMemoryStorage()
    const alice = await newAgent(relay)
    let bob = await newAgent(relay, { storage: bobStore, appAck: 'manual' })
    const { a, b } = await connectPair(alice, bob)
    const got = fresh(bob, 2)
    await alice.sendMessage(a, text('left'))
    await alice.sendMessage(a, text('over'))
    await got
    await bob.close()

    // the same store in auto mode: the two leftovers once, then gone
    bob = await newAgent(relay, { storage: bobStore })
    await next(bob, 'up')
    await new Promise((res) => setTimeout(res, 150))
    expect(texts(messages(bob.log))).toEqual([
      ['left', true],
      ['over', true],
    ])
    const more = fresh(bob, 3)
    for (const t of ['x', 'y', 'z']) await alice.sendMessage(a, text(t))
    await more
    await bob.ackMessage(b, 1) // a no-op
    await new Promise((res) => setTimeout(res, 150)) // the relay ACK of `z` (else it comes back, as before)
    await bob.close()
    expect(await bobStore.read((tx) => tx.range('agent.unacked'))).toEqual([])
    expect((await bobStore.read((tx) => tx.range('agent.rcv'))).length).toBe(1)

    bob = await newAgent(relay, { storage: bobStore })
    await next(bob, 'up')
    await new Promise((res) => setTimeout(res, 150))
    expect(messages(bob.log)).toEqual([])
    await alice.close()
    await bob.close()
  })
})
