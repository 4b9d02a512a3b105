import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { fromHex, parseVersionRangeStr, toHex } from '@simplex-ts/core'
import { describe, expect, it } from 'vitest'
import {
  BadBlockError,
  HandshakeIdentityError,
  HandshakeVersionError,
  SMP_BLOCK_SIZE,
  SMP_VERSION_RANGE,
  checkClientHello,
  checkServerHello,
  decodeBatch,
  decodeBlock,
  decodeClientHello,
  decodeServerHello,
  encodeBatch,
  encodeBlock,
  encodeClientHello,
  encodeServerHello,
  frameTransmissions,
  isBatchVersion,
  readTransmissions,
} from '../src/index'

interface Hello {
  block_content_hex: string
  block_sha256_hex: string
  block_hex?: string
}
interface SmpVectors {
  block_size: number
  session_id_hex: string
  server_key_hash_hex: string
  handshakes: {
    client_version_range: string
    server_version_range: string
    negotiated_version: number
    batch: boolean
    server_hello: Hello
    client_hello: Hello
  }[]
  handshake_failures: {
    case: string
    client_result: string
    server_result: string
    client_hello_blocks: string[]
    server_hello_content_hex: string[]
  }[]
  transmissions: {
    name: string
    version: number
    transmission_hex: string
    block_content_hex: string
    block_sha256_hex: string
  }[]
  batches: {
    name: string
    version: number
    transmissions_hex: string[]
    tPut_results: string[]
    blocks: { block_content_hex: string; block_sha256_hex: string }[]
    parsed_per_block: { signed_hex: string }[][]
  }[]
  server_parse_bad_batch: {
    case: string
    block_content_hex: string
    results: { command: { error: string } }[]
  }[]
}

const file = fileURLToPath(new URL('../../../../shared/vectors/smp.json', import.meta.url))
const v = JSON.parse(readFileSync(file, 'utf8')) as SmpVectors
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const sessionId = fromHex(v.session_id_hex)
const keyHash = fromHex(v.server_key_hash_hex)

describe('smp.json transport vectors', () => {
  it('uses the 16384-byte SMP block', () => {
    expect(v.block_size).toBe(SMP_BLOCK_SIZE)
  })

  describe('handshakes[]', () => {
    for (const h of v.handshakes) {
      it(`client ${h.client_version_range} vs server ${h.server_version_range} → v${h.negotiated_version}`, () => {
        const serverRange = parseVersionRangeStr(h.server_version_range)
        const clientRange = parseVersionRangeStr(h.client_version_range)
        expect(serverRange).toEqual(SMP_VERSION_RANGE)

        const serverHello = encodeServerHello({ versionRange: serverRange, sessionId })
        expect(toHex(serverHello)).toBe(h.server_hello.block_content_hex)
        const serverBlock = encodeBlock(serverHello)
        expect(sha256(serverBlock)).toBe(h.server_hello.block_sha256_hex)
        if (h.server_hello.block_hex) expect(toHex(serverBlock)).toBe(h.server_hello.block_hex)

        const parsed = decodeServerHello(decodeBlock(serverBlock))
        const version = checkServerHello(parsed, { versionRange: clientRange, sessionId })
        expect(version).toBe(h.negotiated_version)
        expect(isBatchVersion(version)).toBe(h.batch)

        const clientHello = encodeClientHello({ version, keyHash })
        expect(toHex(clientHello)).toBe(h.client_hello.block_content_hex)
        expect(sha256(encodeBlock(clientHello))).toBe(h.client_hello.block_sha256_hex)
        const back = decodeClientHello(decodeBlock(encodeBlock(clientHello)))
        expect(checkClientHello(back, { versionRange: serverRange, keyHash })).toBe(h.negotiated_version)
      })
    }
  })

  describe('handshake_failures[]', () => {
    for (const f of v.handshake_failures) {
      it(f.case, () => {
        const serverHello = decodeServerHello(fromHex(f.server_hello_content_hex[0]!))
        if (f.client_result.includes('VERSION')) {
          expect(() =>
            checkServerHello(serverHello, { versionRange: { min: 5, max: 6 }, sessionId }),
          ).toThrow(HandshakeVersionError)
          expect(f.client_hello_blocks).toEqual([])
        }
        if (f.server_result.includes('IDENTITY')) {
          expect(f.client_result).toBe('ok')
          const hello = decodeClientHello(fromHex(f.client_hello_blocks[0]!))
          let err: unknown
          try {
            checkClientHello(hello, { versionRange: serverHello.versionRange, keyHash })
          } catch (e) {
            err = e
          }
          expect(err).toBeInstanceOf(HandshakeIdentityError)
          expect((err as HandshakeIdentityError).handshakeErr).toBe('IDENTITY')
        }
      })
    }
  })

  describe('transmissions[] block layout, per version', () => {
    for (const t of v.transmissions) {
      it(`${t.name} v${t.version}`, () => {
        const tr = fromHex(t.transmission_hex)
        const framed = frameTransmissions([tr], { batch: isBatchVersion(t.version) })
        expect(framed.tooLarge).toEqual([])
        expect(framed.blocks).toHaveLength(1)
        const content = framed.blocks[0]!.content
        expect(toHex(content)).toBe(t.block_content_hex)
        const block = encodeBlock(content)
        expect(sha256(block)).toBe(t.block_sha256_hex)
        const read = readTransmissions(block, { batch: isBatchVersion(t.version) })
        expect(read).toHaveLength(1)
        expect(toHex(read[0] as Uint8Array)).toBe(t.transmission_hex)
      })
    }
  })

  describe('batches[] framing (v4)', () => {
    for (const b of v.batches) {
      it(b.name, () => {
        expect(b.version).toBe(4)
        const trs = b.transmissions_hex.map(fromHex)
        expect(b.tPut_results.every((r) => r === 'ok')).toBe(true)
        const framed = frameTransmissions(trs, { batch: true })
        expect(framed.tooLarge).toEqual([])
        expect(framed.blocks.map((x) => toHex(x.content))).toEqual(b.blocks.map((x) => x.block_content_hex))
        expect(framed.blocks.map((x) => sha256(encodeBlock(x.content)))).toEqual(
          b.blocks.map((x) => x.block_sha256_hex),
        )
        let next = 0
        framed.blocks.forEach((blk, i) => {
          expect(toHex(encodeBatch(blk.items.map((j) => trs[j]!)))).toBe(b.blocks[i]!.block_content_hex)
          const items = decodeBatch(fromHex(b.blocks[i]!.block_content_hex))
          expect(items).toHaveLength(b.parsed_per_block[i]!.length)
          items.forEach((item, k) => {
            expect(blk.items[k]).toBe(next++)
            expect(toHex(item)).toBe(b.transmissions_hex[blk.items[k]!])
            // the signed part is the transmission after str8(signature)
            expect(toHex(item.subarray(1 + item[0]!))).toBe(b.parsed_per_block[i]![k]!.signed_hex)
          })
        })
        expect(next).toBe(trs.length)
      })
    }
  })

  describe('server_parse_bad_batch[] framing', () => {
    for (const c of v.server_parse_bad_batch) {
      it(c.case, () => {
        expect(c.results).toHaveLength(1)
        expect(c.results[0]!.command.error).toBe('BLOCK')
        const content = fromHex(c.block_content_hex)
        expect(() => decodeBatch(content)).toThrow(BadBlockError)
        const read = readTransmissions(encodeBlock(content), { batch: true })
        expect(read).toHaveLength(1)
        expect(read[0]).toBeInstanceOf(BadBlockError)
        expect((read[0] as BadBlockError).code).toBe('BLOCK')
      })
    }
  })
})
