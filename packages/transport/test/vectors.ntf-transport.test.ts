import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { fromHex, toHex } from '@simplex-ts/core'
import { describe, expect, it } from 'vitest'
import {
  type HelloChannel,
  clientHandshake,
  decodeBlock,
  decodeServerHello,
  encodeBlock,
  encodeClientHello,
  encodeServerHello,
  memoryChannelPair,
  serverHandshake,
} from '../src/index'

// ntf.json's v1 handshake: the SMP hello layout in 512-byte blocks (the NTF protocol itself is not built yet)
interface NtfVectors {
  block_size: number
  session_id_hex: string
  server_key_hash_hex: string
  handshake: {
    server_hello_content_hex: string
    client_hello_content_hex: string
    server_hello_block_hex: string
  }
}

const file = fileURLToPath(new URL('../../../../shared/vectors/ntf.json', import.meta.url))
const v = JSON.parse(readFileSync(file, 'utf8')) as NtfVectors
const sessionId = fromHex(v.session_id_hex)
const keyHash = fromHex(v.server_key_hash_hex)
const NTF_RANGE = { min: 1, max: 1 }

/** Both ends of a hello exchange in memory, recording every padded block each side sends. */
function helloPair(blockSize: number): { client: HelloChannel; server: HelloChannel; sent: Uint8Array[][] } {
  const channels = memoryChannelPair({ blockSize })
  const sent: Uint8Array[][] = [[], []]
  const side = (me: 0 | 1): HelloChannel => ({
    sendBlock(content) {
      sent[me]!.push(encodeBlock(content, blockSize))
      return channels[me].sendBlock(content)
    },
    receiveBlock: () => channels[me].receiveBlock(),
  })
  return { client: side(0), server: side(1), sent }
}

describe('ntf.json handshake (512-byte blocks, v1)', () => {
  it('encodes both hellos and the padded server block byte for byte', () => {
    expect(v.block_size).toBe(512)
    const server = encodeServerHello({ versionRange: NTF_RANGE, sessionId })
    expect(toHex(server)).toBe(v.handshake.server_hello_content_hex)
    expect(toHex(encodeBlock(server, v.block_size))).toBe(v.handshake.server_hello_block_hex)
    expect(decodeServerHello(decodeBlock(fromHex(v.handshake.server_hello_block_hex), 512))).toEqual({
      versionRange: NTF_RANGE,
      sessionId,
    })
    expect(toHex(encodeClientHello({ version: 1, keyHash }))).toBe(v.handshake.client_hello_content_hex)
  })

  it('a client and a server run the handshake over 512-byte blocks and send exactly those bytes', async () => {
    const { client, server, sent } = helloPair(512)
    const [c, s] = await Promise.all([
      clientHandshake(client, { keyHash, versionRange: NTF_RANGE, sessionId, blockSize: 512 }),
      serverHandshake(server, { keyHash, sessionId, versionRange: NTF_RANGE, blockSize: 512 }),
    ])
    expect(c.version).toBe(1)
    expect(s).toBe(1)
    expect(sent[1]!.map(toHex)).toEqual([v.handshake.server_hello_block_hex])
    expect(sent[0]!.map((b) => toHex(decodeBlock(b, 512)))).toEqual([v.handshake.client_hello_content_hex])
  })
})
