/**
 * `pnpm demo`: a local SMP relay and a short conversation through it.
 *
 * Creates a data folder, provisions a relay identity into it (CA + online
 * certificate, as `smp-server init` does), starts the relay on 127.0.0.1, and
 * walks through the queue protocol with two SMP clients: Alice creates a
 * queue and shares its address; Bob sends a confirmation carrying his key
 * (end-to-end encrypted with the client envelope); Alice secures the queue
 * with it; Bob sends signed messages that Alice receives and acknowledges;
 * Alice goes offline, Bob writes twice, Alice fetches with GET and deletes the
 * queue. Everything is closed at the end and the process exits 0.
 *
 * @see ../shared/spec/smp.md §1, §5, §8.4, §11, §12.2
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { defaultCrypto, fromUtf8, utf8 } from '../packages/core/src/index'
import {
  type SmpClient,
  type SmpMessageEvent,
  decodeClientMsgEnvelope,
  formatQueueUri,
  openClientMessage,
  parseQueueUri,
  parseSmpServer,
  sealClientMessage,
} from '../packages/smp/src/index'
import { createSmpClient } from '../packages/smp/src/client/node'
import { startServer } from '../packages/smp-server/src/index'
import { generateServerCredentials, writeServerCredentials } from '../packages/transport/src/node'

const crypto = defaultCrypto()
const started = performance.now()

function step(who: string, text: string): void {
  const t = ((performance.now() - started) / 1000).toFixed(2).padStart(6)
  console.log(`${t}s  ${who.padEnd(6)} ${text}`)
}

function short(id: Uint8Array): string {
  return Buffer.from(id).toString('base64url').slice(0, 8)
}

/** The next `message` event, or fail after 5 s. */
function nextMessage(client: SmpClient): Promise<SmpMessageEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error('no message within 5 s'))
    }, 5000)
    const off = client.on('message', (e) => {
      clearTimeout(timer)
      off()
      resolve(e)
    })
  })
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'simplex-demo-'))
  const credentials = generateServerCredentials()
  await writeServerCredentials(dataDir, credentials)
  const relay = await startServer({
    credentials,
    host: '127.0.0.1',
    bindHost: '127.0.0.1',
    port: 0,
    storeDir: dataDir,
  })
  step('relay', `data folder ${dataDir}`)
  step('relay', `listening at ${relay.address} (SMP ${relay.versions})`)

  const alice = await createSmpClient({ server: relay.address })
  const bob = await createSmpClient({ server: relay.address })
  step('alice', `connected over TLS, SMP v${alice.version}`)
  step('bob', `connected over TLS, SMP v${bob.version}`)

  // Alice: a queue, and a per-queue e2e key for the client envelope; the queue URI carries both
  const queue = await alice.createQueue()
  const aliceE2e = crypto.generateDhKeyPair('x25519')
  const uri = formatQueueUri({
    smpServer: parseSmpServer(relay.address),
    senderId: queue.sndId,
    clientVRange: { min: 1, max: 1 },
    dhPublicKey: aliceE2e,
  })
  step('alice', `NEW → IDS: queue ${short(queue.rcvId)}…, subscribed; hands Bob its address:`)
  console.log(`          ${uri}`)

  // Bob: parse the address, make his sender key and e2e key, send the confirmation unsigned
  const address = parseQueueUri(uri)
  const bobKey = crypto.generateSignKeyPair('ed25519')
  const bobE2e = crypto.generateDhKeyPair('x25519')
  const bobSecret = crypto.dh('x25519', bobE2e.privateKey, address.dhPublicKey.publicKey)
  const confirmation = sealClientMessage(crypto, {
    e2eDhSecret: bobSecret,
    e2ePubDhKey: bobE2e,
    message: { privHeader: { type: 'confirmation', senderKey: bobKey }, body: utf8('Hi Alice, it is Bob') },
  })
  const gotConfirmation = nextMessage(alice)
  await bob.send(address.senderId, confirmation)
  step('bob', `SEND (unsigned confirmation, ${confirmation.length} bytes, e2e encrypted) → OK`)

  // Alice: decrypt the confirmation, secure the queue with Bob's key, acknowledge
  const conf = await gotConfirmation
  const env = decodeClientMsgEnvelope(conf.message.body)
  const bobPub = env.header.e2ePubDhKey
  if (bobPub === undefined) throw new Error('the confirmation carries no sender e2e key')
  const aliceSecret = crypto.dh('x25519', aliceE2e.privateKey, bobPub.publicKey)
  const opened = openClientMessage(crypto, aliceSecret, env)
  if (opened.privHeader.type !== 'confirmation') throw new Error('expected a confirmation')
  step('alice', `MSG ${short(conf.message.msgId)}…: "${fromUtf8(opened.body)}" with Bob's key`)
  await alice.secureQueue(queue, opened.privHeader.senderKey)
  step('alice', 'KEY → OK: from now on only Bob can send, signed with his key')
  await alice.ack(queue, conf.message.msgId)
  step('alice', 'ACK → OK')

  // Bob: signed messages; Alice receives each as a message event and acknowledges it
  const texts = ['How are you?', 'The relay cannot read this.', 'Nor tell who sent it.']
  const received = new Promise<void>((resolve, reject) => {
    let n = 0
    const off = alice.on('message', (e) => {
      const m = openClientMessage(crypto, aliceSecret, decodeClientMsgEnvelope(e.message.body))
      step('alice', `MSG ${short(e.message.msgId)}…: "${fromUtf8(m.body)}"`)
      alice.ack(e.queue, e.message.msgId).then(() => {
        if (++n === texts.length) {
          off()
          resolve()
        }
      }, reject)
    })
  })
  for (const text of texts) {
    const body = sealClientMessage(crypto, {
      e2eDhSecret: bobSecret,
      message: { privHeader: { type: 'empty' }, body: utf8(text) },
    })
    await bob.send(address.senderId, body, { signKey: bobKey })
    step('bob', `SEND (signed) "${text}" → OK`)
  }
  await received

  // Alice goes offline; Bob keeps writing; the relay holds the messages
  await alice.close()
  step('alice', 'offline (connection closed)')
  for (const text of ['Are you there?', 'Call me back.']) {
    await bob.send(
      address.senderId,
      sealClientMessage(crypto, {
        e2eDhSecret: bobSecret,
        message: { privHeader: { type: 'empty' }, body: utf8(text) },
      }),
      { signKey: bobKey },
    )
    step('bob', `SEND (signed) "${text}" → OK, queued on the relay`)
  }

  // Alice back with a new connection: GET without subscribing, ACK each, then delete the queue
  const alice2 = await createSmpClient({ server: relay.address })
  step('alice', `back online, SMP v${alice2.version}`)
  for (;;) {
    const m = await alice2.get(queue)
    if (m === undefined) {
      step('alice', 'GET → OK: the queue is empty')
      break
    }
    const text = fromUtf8(openClientMessage(crypto, aliceSecret, decodeClientMsgEnvelope(m.body)).body)
    step('alice', `GET → MSG ${short(m.msgId)}…: "${text}" (sent ${new Date(m.msgTs * 1000).toISOString()})`)
    await alice2.ack(queue, m.msgId)
  }
  await alice2.delete(queue)
  step('alice', 'DEL → OK: queue and messages gone')
  try {
    await bob.send(address.senderId, utf8('hello?'), { signKey: bobKey })
  } catch (e) {
    step('bob', `SEND → ERR ${(e as { code?: string }).code}: the queue no longer exists`)
  }

  await Promise.all([alice2.close(), bob.close()])
  await relay.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
  step('relay', 'stopped; data folder removed. Done.')
}

main().catch((e: unknown) => {
  console.error('demo failed:', e)
  process.exitCode = 1
})
