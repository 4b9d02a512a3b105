import { DecodeError, Decoder, Encoder, decodeAll } from '@simplex-ts/core'
import { describe, expect, it } from 'vitest'
import {
  type SmpServer,
  decodeSmpServer,
  encodeSmpServer,
  formatQueueUri,
  formatSmpServer,
  parseProtocolServer,
  parseQueueUri,
  parseSmpServer,
} from '../src/index'
import { hex, loadVectors, toh } from './vectors'

interface ServerVec {
  host: string
  port: string
  keyHash_hex: string
}
interface UriVec {
  smpServer: ServerVec
  senderId_hex: string
  clientVRange: [number, number]
  dhPublicKey_hex: string
}
interface AgentVectors {
  smp_servers: { server: ServerVec; str: string; smp_hex: string }[]
  smp_server_parse: { input_str: string; result: { ok: ServerVec } | { error: string } }[]
  queue_uri: { uri: UriVec; str: string }[]
  queue_uri_parse: { input_str: string; result: { ok: UriVec } | { error: string } }[]
}

const A = loadVectors<AgentVectors>('agent.json')

function server(v: ServerVec): SmpServer {
  return { scheme: 'smp', host: v.host, port: v.port, keyHash: hex(v.keyHash_hex) }
}

function serverVec(s: SmpServer): ServerVec {
  return { host: s.host, port: s.port, keyHash_hex: toh(s.keyHash) }
}

describe('agent.json smp_servers', () => {
  for (const c of A.smp_servers) {
    it(c.str, () => {
      const srv = server(c.server)
      expect(formatSmpServer(srv)).toBe(c.str)
      expect(parseSmpServer(c.str)).toEqual(srv)
      const bin = new Encoder()
      encodeSmpServer(bin, srv)
      expect(toh(bin.finish())).toBe(c.smp_hex)
      expect(decodeAll(hex(c.smp_hex), decodeSmpServer)).toEqual(srv)
    })
  }
})

describe('agent.json smp_server_parse', () => {
  for (const c of A.smp_server_parse) {
    it(`${c.input_str} → ${'ok' in c.result ? 'ok' : c.result.error}`, () => {
      if ('ok' in c.result) {
        const srv = parseSmpServer(c.input_str)
        expect(serverVec(srv)).toEqual(c.result.ok)
        expect(formatSmpServer(srv)).toBe(c.input_str)
      } else {
        expect(() => parseSmpServer(c.input_str)).toThrow(DecodeError)
      }
    })
  }

  it('an ntf:// address parses as an NTF server', () => {
    const ntf = A.smp_server_parse.find((c) => c.input_str.startsWith('ntf://'))!
    expect(parseProtocolServer(ntf.input_str, 'ntf').host).toBe('smp1.example.com')
  })
})

function uriVec(u: ReturnType<typeof parseQueueUri>): UriVec {
  return {
    smpServer: serverVec(u.smpServer),
    senderId_hex: toh(u.senderId),
    clientVRange: [u.clientVRange.min, u.clientVRange.max],
    dhPublicKey_hex: toh(u.dhPublicKey.publicKey),
  }
}

describe('agent.json queue_uri', () => {
  for (const c of A.queue_uri) {
    it(c.str, () => {
      const uri = {
        smpServer: server(c.uri.smpServer),
        senderId: hex(c.uri.senderId_hex),
        clientVRange: { min: c.uri.clientVRange[0], max: c.uri.clientVRange[1] },
        dhPublicKey: { alg: 'x25519' as const, publicKey: hex(c.uri.dhPublicKey_hex) },
      }
      expect(formatQueueUri(uri)).toBe(c.str)
      expect(uriVec(parseQueueUri(c.str))).toEqual(c.uri)
    })
  }
})

describe('agent.json queue_uri_parse', () => {
  for (const c of A.queue_uri_parse) {
    it(`${c.input_str.slice(c.input_str.indexOf('/', 8))} → ${'ok' in c.result ? 'ok' : c.result.error}`, () => {
      if ('ok' in c.result) expect(uriVec(parseQueueUri(c.input_str))).toEqual(c.result.ok)
      else expect(() => parseQueueUri(c.input_str)).toThrow(DecodeError)
    })
  }
})

describe('address grammar details (transport.md §12, smp.md §12)', () => {
  const kh = 'lKJvp9E1xMuiPEqy1xUmKWdLL8eukOXAAD9HbqcE-Jc='
  it('stops the host at : # , ; / and space, so a second host is not part of a v3.1.2 address', () => {
    for (const sep of [',', ';', '#', '/', ' ']) {
      expect(() => parseSmpServer(`smp://${kh}@a.example${sep}b.example`)).toThrow(DecodeError)
    }
  })
  it('accepts unpadded key hashes and writes them padded', () => {
    const srv = parseSmpServer(`smp://${kh.slice(0, -1)}@h:1`)
    expect(formatSmpServer(srv)).toBe(`smp://${kh}@h:1`)
  })
  it('rejects a missing @, an empty port and a wrong scheme', () => {
    expect(() => parseSmpServer(`smp://${kh}`)).toThrow(DecodeError)
    expect(() => parseSmpServer(`smp://${kh}@h:`)).toThrow(DecodeError)
    expect(() => parseSmpServer(`http://${kh}@h`)).toThrow(DecodeError)
    expect(() => parseSmpServer(`smp:/${kh}@h`)).toThrow(DecodeError)
  })
  it('binary form reads exactly three str8 fields', () => {
    const d = new Decoder(hex('01610000'))
    expect(decodeSmpServer(d)).toEqual({ scheme: 'smp', host: 'a', port: '', keyHash: new Uint8Array(0) })
    expect(() => decodeAll(hex('0161'), decodeSmpServer)).toThrow(DecodeError)
  })
})
