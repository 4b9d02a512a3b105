/**
 * `pnpm demo`: a local SMP relay and two chat users.
 *
 * Starts our relay on 127.0.0.1 with its data in a temporary folder; Alice and
 * Bob open chat clients on their own SQLite stores; Alice creates a one-time
 * invitation, Bob joins it, and they exchange messages and a quoted reply.
 * Then Bob moves to a "new device": he stops, exports his store to an
 * encrypted archive, Alice writes meanwhile, and the archive is imported into
 * a fresh store (a wrong passphrase is refused first); Bob's new client has
 * his contact and history, receives what Alice wrote, and the conversation
 * continues. Everything is closed, the folder removed, and the process exits 0.
 *
 * @see ../shared/spec/chat.md §4.1, §4.3
 * @see ../shared/spec/archive.md
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  type ChatClient,
  type ChatClientEvent,
  type ChatItem,
  type Contact,
  createChatClient,
} from '../packages/chat-protocol/src/index'
import { isSimplexError } from '../packages/core/src/index'
import { nodeConnect } from '../packages/smp/src/client/node'
import { startServer } from '../packages/smp-server/src/index'
import { type Storage, exportArchive, importArchive, inspectArchive } from '../packages/storage/src/index'
import { openSqliteStorage } from '../packages/storage/src/sqlite'
import { generateServerCredentials } from '../packages/transport/src/node'

const started = performance.now()

function step(who: string, text: string): void {
  const t = ((performance.now() - started) / 1000).toFixed(2).padStart(6)
  console.log(`${t}s  ${who.padEnd(5)}  ${text}`)
}

function section(title: string): void {
  console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 76 - title.length))}`)
}

/** The next event of `type` matching `pred`, or fail after 15 s. */
function next<T extends ChatClientEvent['type']>(
  client: ChatClient,
  type: T,
  pred: (e: Extract<ChatClientEvent, { type: T }>) => boolean = () => true,
): Promise<Extract<ChatClientEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no ${type} event within 15 s`))
    }, 15_000)
    const off = client.on(type, (e) => {
      if (!pred(e)) return
      clearTimeout(timer)
      off()
      resolve(e)
    })
  })
}

/** `"text"`, or `"text" (replying to "quoted")`. */
function said(item: ChatItem): string {
  const q = item.quote === undefined ? '' : ` (replying to "${item.quote.content.text}")`
  return `"${item.text}"${q}`
}

async function openUser(
  dir: string,
  file: string,
  servers: string[],
): Promise<{ storage: Storage; client: ChatClient }> {
  const storage = await openSqliteStorage(path.join(dir, file))
  open.push(storage)
  const client = await createChatClient({ storage, servers, connect: nodeConnect })
  open.push(client)
  return { storage, client }
}

/** What to close at the end, last opened first, also when a step fails. */
const open: { close(): Promise<void> }[] = []

async function main(dir: string): Promise<void> {
  console.log('simplex-ts chat demo: a local relay, two chat users, a store moved by encrypted archive')
  section('relay')
  fs.mkdirSync(path.join(dir, 'relay'))
  const relay = await startServer({
    credentials: generateServerCredentials(),
    host: '127.0.0.1',
    bindHost: '127.0.0.1',
    port: 0,
    storeDir: path.join(dir, 'relay'),
  })
  open.push(relay)
  const servers = [relay.address]
  step('relay', `listening at ${relay.address}`)
  step('relay', `SMP versions ${relay.versions}, data in ${dir}`)

  section('two users connect through a one-time invitation')
  const alice = await openUser(dir, 'alice.db', servers)
  await alice.client.users.create({ displayName: 'alice', fullName: 'Alice' })
  step('alice', 'chat client on alice.db (SQLite), profile alice (Alice)')
  let bob = await openUser(dir, 'bob.db', servers)
  await bob.client.users.create({ displayName: 'bob', fullName: 'Bob' })
  step('bob', 'chat client on bob.db (SQLite), profile bob (Bob)')

  const invitation = await alice.client.createInvitation()
  const link = invitation.link ?? ''
  step('alice', `one-time invitation (${link.length} chars), passed to Bob out of band:`)
  console.log(`               ${link.slice(0, 72)}…`)
  const aliceConnected = next(alice.client, 'contactConnected')
  const bobConnected = next(bob.client, 'contactConnected')
  await bob.client.connect(link)
  step('bob', 'joined it: sent his profile, end-to-end encrypted, to the queue in the link')
  const aliceSide: Contact = (await aliceConnected).contact
  step('alice', `connected to ${aliceSide.localDisplayName} (${aliceSide.profile.fullName})`)
  let bobSide: Contact = (await bobConnected).contact
  step('bob', `connected to ${bobSide.localDisplayName} (${bobSide.profile.fullName})`)

  section('messages and a reply')
  let got = next(bob.client, 'newMessage')
  let sent = await alice.client.sendText(aliceSide.contactId, 'Hi Bob! Are you coming tonight?')
  step('alice', `→ bob    ${said(sent)}`)
  const question = (await got).item
  step('bob', `← alice  ${said(question)}`)
  got = next(alice.client, 'newMessage')
  sent = await bob.client.sendText(bobSide.contactId, 'Yes, at 8!', { quote: question.itemId })
  step('bob', `→ alice  ${said(sent)}`)
  step('alice', `← bob    ${said((await got).item)}`)

  section('bob moves to a new device with an encrypted archive')
  const passphrase = 'correct horse battery staple'
  await bob.client.close()
  step('bob', 'stopped his chat client (a store must never run in two places at once)')
  const archive = await exportArchive(bob.storage, { passphrase })
  await bob.storage.close()
  const archiveFile = path.join(dir, 'bob.archive')
  fs.writeFileSync(archiveFile, archive)
  const header = inspectArchive(archive)
  step(
    'bob',
    `exported bob.db to bob.archive: ${archive.length.toLocaleString('en')} bytes, encrypted ` +
      `(scrypt N=2^${header.kdf?.log2N} + XChaCha20-Poly1305), generation ${header.generation}`,
  )

  sent = await alice.client.sendText(aliceSide.contactId, 'Ping me when you are set up.')
  step('alice', `→ bob    ${said(sent)}  (Bob is offline: the relay keeps it)`)

  const fresh = await openSqliteStorage(path.join(dir, 'bob-new.db'))
  open.push(fresh)
  try {
    await importArchive(fresh, fs.readFileSync(archiveFile), { passphrase: 'wrong passphrase' })
  } catch (e) {
    if (!isSimplexError(e, 'WRONG_PASSPHRASE')) throw e
    step('bob', `import with a wrong passphrase → ${e.code}, the new store is untouched`)
  }
  await importArchive(fresh, fs.readFileSync(archiveFile), { passphrase })
  step('bob', 'imported bob.archive into a fresh store, bob-new.db')
  bob = { storage: fresh, client: await createChatClient({ storage: fresh, servers, connect: nodeConnect }) }
  open.push(bob.client)
  got = next(bob.client, 'newMessage')
  const [restored] = await bob.client.contacts()
  if (restored === undefined) throw new Error('the imported store has no contact')
  bobSide = restored
  step(
    'bob',
    `new chat client on bob-new.db: profile, contact ${bobSide.localDisplayName} and keys are all there`,
  )
  step('bob', `← alice  ${said((await got).item)}  (delivered to the new device)`)
  const history = await bob.client.history(bobSide.contactId)
  step(
    'bob',
    `history with alice: ${history.map((i) => `${i.direction === 'snd' ? '→' : '←'} "${i.text}"`).join(', ')}`,
  )

  section('the conversation continues')
  got = next(alice.client, 'newMessage')
  sent = await bob.client.sendText(bobSide.contactId, 'Done, writing from my new device.')
  step('bob', `→ alice  ${said(sent)}`)
  const answer = (await got).item
  step('alice', `← bob    ${said(answer)}`)
  got = next(bob.client, 'newMessage')
  sent = await alice.client.sendText(aliceSide.contactId, 'Great, see you at 8!', { quote: answer.itemId })
  step('alice', `→ bob    ${said(sent)}`)
  step('bob', `← alice  ${said((await got).item)}`)
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simplex-demo-'))
try {
  await main(dir)
} catch (e) {
  console.error('demo failed:', e)
  process.exitCode = 1
} finally {
  // clients first, then their stores, then the relay (closing twice is harmless)
  for (const o of open.reverse()) await o.close().catch(() => undefined)
  fs.rmSync(dir, { recursive: true, force: true })
  if (process.exitCode !== 1) {
    section('done')
    step('demo', 'clients and relay stopped, data folder removed')
  }
}
