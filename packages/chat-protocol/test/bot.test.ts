import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { createMemoryStorage } from '@simplex-ts/storage'
import { openSqliteStorage } from '@simplex-ts/storage/sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Bot, createBot } from '../src/bot/bot'
import { FAST, type TestClient, type TestRelay, newClient, next, startRelay } from './client-helpers'

let relay: TestRelay
const closers: { close(): Promise<void> }[] = []
beforeAll(async () => {
  relay = await startRelay()
})
afterAll(async () => {
  for (const c of closers) await c.close()
  await relay.close()
})

describe('bot API', () => {
  it('an echo bot answers a client that connects through its address', async () => {
    // the README example, with the test relay
    const bot = await createBot({
      profile: { displayName: 'echo', fullName: 'Echo Bot' },
      storage: createMemoryStorage(),
      servers: [relay.address],
      ...FAST,
      welcome: 'Hello! I repeat what you say. Try /help',
    })
    bot.onCommand('/help', (_msg, reply) => reply('Send me anything, I send it back.'))
    bot.onMessage((msg, reply) => reply(msg.text, { quote: true }))
    const address = await bot.start()
    closers.push(bot)
    expect(address).toMatch(/^https:\/\/simplex\.chat\/contact#\//)
    expect(bot.address).toBe(address)

    const user = await newClient(relay, { displayName: 'carol' })
    closers.push(user)
    const welcome = next(user, 'newMessage')
    const connected = next(user, 'contactConnected')
    await user.connect(address)
    const { contact } = await connected
    expect(contact.profile).toEqual({ displayName: 'echo', fullName: 'Echo Bot' })
    expect((await welcome).item.text).toBe('Hello! I repeat what you say. Try /help')

    const echo = next(user, 'newMessage')
    const sent = await user.sendText(contact.contactId, 'ping 1')
    const e = await echo
    expect(e.item.text).toBe('ping 1')
    expect(e.item.quote?.sent).toBe(true)
    expect(e.item.quote?.itemId).toBe(sent.itemId)

    const help = next(user, 'newMessage')
    await user.sendText(contact.contactId, '/help')
    expect((await help).item.text).toBe('Send me anything, I send it back.')

    const bots = await bot.client.contacts()
    expect(bots.map((c) => c.profile.displayName)).toEqual(['carol'])
  })

  it('survives handler errors and unknown events, and passes command arguments', async () => {
    const bot: Bot = await createBot({
      profile: { displayName: 'calc', fullName: '' },
      storage: createMemoryStorage(),
      servers: [relay.address],
      ...FAST,
    })
    closers.push(bot)
    const failures: string[] = []
    bot.onError((_c, e) => failures.push(e.message))
    bot.onCommand('/add', (_m, reply, args) =>
      reply(String(args.split(/\s+/).reduce((s, x) => s + Number(x), 0))),
    )
    bot.onMessage((msg) => {
      if (msg.text === 'boom') throw new Error('handler exploded')
    })
    await bot.start()
    const user: TestClient = await newClient(relay, { displayName: 'dave' })
    closers.push(user)
    const connected = next(user, 'contactConnected')
    await user.connect(bot.address)
    const { contact } = await connected
    await user.sendText(contact.contactId, 'boom')
    // an event the bot does not know, sent raw through the agent: acknowledged and skipped
    const [connId] = (await user.agent.listConnections()).map((c) => c.connId)
    const unknown = next(bot.client, 'unknownEvent')
    await user.agent.sendMessage(
      connId as string,
      new TextEncoder().encode('{"event":"x.future","params":{"a":1}}'),
    )
    expect((await unknown).tag).toBe('x.future')
    const sum = next(user, 'newMessage')
    await user.sendText(contact.contactId, '/add 2 3 37')
    expect((await sum).item.text).toBe('42')
    expect(failures).toEqual(['handler exploded'])
  })

  it('restarts on its store with the same address and contacts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-bot-'))
    const file = path.join(dir, 'bot.db')
    const open = async (displayName: string): Promise<{ bot: Bot; close(): Promise<void> }> => {
      const storage = await openSqliteStorage(file)
      const bot = await createBot({
        profile: { displayName, fullName: '' },
        storage,
        servers: [relay.address],
        ...FAST,
      })
      bot.onMessage((msg, reply) => reply(`${displayName}: ${msg.text}`))
      await bot.start()
      return {
        bot,
        async close() {
          await bot.close()
          await storage.close()
        },
      }
    }
    const first = await open('v1')
    const user = await newClient(relay, { displayName: 'erin' })
    closers.push(user)
    const connected = next(user, 'contactConnected')
    await user.connect(first.bot.address)
    const { contact } = await connected
    const a1 = next(user, 'newMessage')
    await user.sendText(contact.contactId, 'one')
    expect((await a1).item.text).toBe('v1: one')
    await first.close()

    // a new bot on the same file, with an updated profile
    const renamed = next(user, 'contactUpdated')
    const second = await open('v2')
    expect(second.bot.address).toBe(first.bot.address)
    expect((await renamed).contact.profile.displayName).toBe('v2')
    const a2 = next(user, 'newMessage')
    await user.sendText(contact.contactId, 'two')
    expect((await a2).item.text).toBe('v2: two')
    expect((await second.bot.client.contacts()).length).toBe(1)
    await second.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
