// Hostile and disordered traffic on a real connection: a third party holding the sender's queue
// keys replays, tampers with and reorders ratchet messages. Forged and replayed messages are
// rejected with every stored record unchanged; reordered ones decrypt with skipped keys and carry
// the integrity verdicts of agent.md §9.
import { defaultCrypto } from '@simplex-ts/core'
import { type SmpClient, sealClientMessage } from '@simplex-ts/smp'
import { createSmpClient } from '@simplex-ts/smp/node'
import type { Storage } from '@simplex-ts/storage'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ConnRecord } from '../src/connection'
import { encodeAgentMsgEnvelope } from '../src/envelope'
import { encodeAgentMessage } from '../src/messages'
import { E2E_ENC_USER_MSG_LENGTH, type Ratchet, rcEncrypt } from '../src/ratchet'
import * as store from '../src/store'
import { type TestRelay, connectPair, newAgent, next, startRelay, str, text } from './agent-helpers'

const crypto = defaultCrypto()
let relay: TestRelay
let raw: SmpClient

beforeAll(async () => {
  relay = await startRelay()
  raw = await createSmpClient({ server: relay.address })
})
afterAll(async () => {
  await raw.close()
  await relay.close()
})

async function dump(s: Storage): Promise<string> {
  return s.read(async (tx) => {
    const parts: string[] = []
    for (const ns of await tx.namespaces()) {
      for (const e of await tx.range(ns))
        parts.push(`${ns}:${Buffer.from(e.key).toString('hex')}=${Buffer.from(e.value).toString('hex')}`)
    }
    return parts.join('\n')
  })
}

async function senderState(s: Storage, connId: string): Promise<{ conn: ConnRecord; rc: Ratchet }> {
  return s.read(async (tx) => ({
    conn: (await store.getConn(tx, connId)) as ConnRecord,
    rc: (await store.getRatchet(tx, connId)) as Ratchet,
  }))
}

/** Encrypt the A_MSG the sender would send next from `state` (without telling its agent). */
function forge(
  state: { conn: ConnRecord; rc: Ratchet },
  body: string,
  ahead = 0,
  prevHash = state.conn.lastSndHash,
) {
  const plain = encodeAgentMessage({
    type: 'AgentMessage',
    header: { sndMsgId: BigInt(state.conn.lastInternalSndId + 1 + ahead), prevMsgHash: prevHash },
    message: { type: 'A_MSG', body: text(body) },
  })
  const enc = rcEncrypt(crypto, state.rc, E2E_ENC_USER_MSG_LENGTH, plain)
  return { message: enc.message, rc: enc.state, hash: crypto.sha256(plain) }
}

async function inject(conn: ConnRecord, encAgentMessage: Uint8Array): Promise<void> {
  const sq = conn.sndQueue
  if (sq === undefined) throw new Error('no send queue')
  const body = sealClientMessage(crypto, {
    e2eDhSecret: sq.e2eDhSecret,
    message: {
      privHeader: { type: 'empty' },
      body: encodeAgentMsgEnvelope({
        type: 'AgentMsgEnvelope',
        agentVersion: conn.agentVersion,
        encAgentMessage,
      }),
    },
  })
  await raw.send(sq.sndId, body, {
    signKey: { alg: sq.sndAuthKey.alg, privateKey: sq.sndAuthKey.privateKey },
  })
}

it('rejects replayed and tampered ratchet messages with the receiver state unchanged', async () => {
  const alice = await newAgent(relay)
  const bob = await newAgent(relay)
  const { b } = await connectPair(alice, bob)
  const before = await senderState(bob.storage, b)
  const got = next(alice, 'message')
  await bob.sendMessage(b, text('genuine 1'))
  expect(str((await got).body)).toBe('genuine 1')

  // replay: the same ratchet message again (deterministic from the saved sender state)
  const replay = forge(before, 'genuine 1')
  let snapshot = await dump(alice.storage)
  let err = next(alice, 'error')
  await inject(before.conn, replay.message)
  expect((await err).error).toMatchObject({ code: 'AGENT A_DUPLICATE' })
  expect(await dump(alice.storage)).toBe(snapshot)

  // tampered body, then tampered header, of the next message
  const now = await senderState(bob.storage, b)
  for (const at of [-1, 10]) {
    const t = forge(now, 'genuine 2').message.slice()
    const i = at < 0 ? t.length + at : at
    t[i] = (t[i] ?? 0) ^ 1
    snapshot = await dump(alice.storage)
    err = next(alice, 'error')
    await inject(now.conn, t)
    expect((await err).error).toMatchObject({ code: 'AGENT A_ENCRYPTION' })
    expect(await dump(alice.storage)).toBe(snapshot)
  }
  // a box that does not open at all
  snapshot = await dump(alice.storage)
  err = next(alice, 'error')
  const sq = now.conn.sndQueue as NonNullable<ConnRecord['sndQueue']>
  await raw.send(sq.sndId, new Uint8Array(200).fill(7), {
    signKey: { alg: sq.sndAuthKey.alg, privateKey: sq.sndAuthKey.privateKey },
  })
  expect((await err).error.message).toBeTruthy()
  expect(await dump(alice.storage)).toBe(snapshot)

  // the genuine message with the same ratchet number still decrypts
  const got2 = next(alice, 'message')
  await bob.sendMessage(b, text('genuine 2'))
  const m = await got2
  expect(str(m.body)).toBe('genuine 2')
  expect(m.integrity).toBeNull()
  expect(alice.log.filter((e) => e.type === 'message').length).toBe(2)
  await alice.close()
  await bob.close()
})

it('decrypts messages out of order with skipped keys and reports the id gaps', async () => {
  const alice = await newAgent(relay)
  const bob = await newAgent(relay)
  const { b } = await connectPair(alice, bob)
  const s0 = await senderState(bob.storage, b)
  const m1 = forge(s0, 'first')
  const m2 = forge({ conn: s0.conn, rc: m1.rc }, 'second', 1, m1.hash)
  const first = next(alice, 'message')
  await inject(s0.conn, m2.message)
  const e2 = await first
  expect(str(e2.body)).toBe('second')
  expect(e2.integrity).toEqual({
    type: 'MsgSkipped',
    fromMsgId: BigInt(s0.conn.lastInternalSndId + 1),
    toMsgId: BigInt(s0.conn.lastInternalSndId + 1),
  })
  const second = next(alice, 'message')
  await inject(s0.conn, m1.message)
  const e1 = await second
  expect(str(e1.body)).toBe('first')
  expect(e1.integrity).toEqual({ type: 'MsgBadId', msgId: BigInt(s0.conn.lastInternalSndId + 1) })

  // bob's agent catches up with what was sent in its name, then talks normally
  await bob.close()
  await bob.storage.transaction(async (tx) => {
    await store.putRatchet(tx, b, m2.rc)
    await store.putConn(tx, {
      ...s0.conn,
      lastInternalId: s0.conn.lastInternalId + 2,
      lastInternalSndId: s0.conn.lastInternalSndId + 2,
      lastSndHash: m2.hash,
    })
  })
  const bob2 = await newAgent(relay, { storage: bob.storage })
  const got = next(alice, 'message')
  await bob2.sendMessage(b, text('third'))
  const e3 = await got
  expect(str(e3.body)).toBe('third')
  // the previous received was `first` (id n), so `third` (n+2) skips n+1 by the id rule
  expect(e3.integrity).toEqual({
    type: 'MsgSkipped',
    fromMsgId: BigInt(s0.conn.lastInternalSndId + 2),
    toMsgId: BigInt(s0.conn.lastInternalSndId + 2),
  })
  await alice.close()
  await bob2.close()
})
