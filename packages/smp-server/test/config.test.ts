import { describe, expect, it } from 'vitest'
import { type ServerConfig, formatConfig, parseConfig, parseIni } from '../src/config'

describe('smp-server.ini', () => {
  it('defaults to the reference values', () => {
    expect(parseConfig('')).toEqual({
      host: '127.0.0.1',
      port: 5223,
      wsPort: undefined,
      storeLog: true,
      restoreMessages: true,
      durability: 'fsync',
      inactiveClients: undefined,
    })
  })

  it('reads the reference ini layout (key: value, # comments, websockets on → port 80)', () => {
    const text = `[STORE_LOG]
# comment
enable: on
restore_messages: off
log_stats: off

[TRANSPORT]
port: 5001
websockets: on

[INACTIVE_CLIENTS]
disconnect: on
ttl: 100
check_interval: 10
`
    expect(parseConfig(text)).toMatchObject({
      port: 5001,
      wsPort: 80,
      restoreMessages: false,
      inactiveClients: { ttl: 100, checkInterval: 10 },
    })
  })

  it('round-trips what init writes', () => {
    const configs: ServerConfig[] = [
      {
        host: 'smp.example.com',
        port: 443,
        wsPort: 8443,
        storeLog: true,
        restoreMessages: true,
        durability: 'write',
        inactiveClients: { ttl: 5, checkInterval: 1 },
      },
      {
        host: '10.0.0.1',
        port: 5223,
        wsPort: undefined,
        storeLog: false,
        restoreMessages: false,
        durability: 'fsync',
        inactiveClients: undefined,
      },
    ]
    for (const c of configs) expect(parseConfig(formatConfig(c))).toEqual(c)
  })

  it('reports malformed files and values as CONFIG errors naming the problem', () => {
    const bad = [
      ['port: 1', /expected \[SECTION\]/],
      ['[TRANSPORT]\nport: 0', /port number/],
      ['[TRANSPORT]\nport: 70000', /port number/],
      ['[TRANSPORT]\nwebsockets: yes', /on or off/],
      ['[TRANSPORT]\nwebsockets: on\nws_port: x', /ws_port/],
      ['[STORE_LOG]\nenable: off\nrestore_messages: on', /requires enable/],
      ['[STORE_LOG]\ndurability: maybe', /durability/],
      ['[SERVER]\nhost: a b', /host/],
      ['[INACTIVE_CLIENTS]\ndisconnect: on\nttl: -1', /ttl/],
      ['[SECTION\nx: 1', /expected/],
    ] as const
    for (const [text, msg] of bad) {
      expect(() => parseConfig(text, '/x/smp-server.ini'), text).toThrowError(
        expect.objectContaining({
          code: 'CONFIG',
          file: '/x/smp-server.ini',
          message: expect.stringMatching(msg),
        }),
      )
    }
  })

  it('parses INI sections and ignores unknown keys', () => {
    const ini = parseIni('[A]\nx = 1\n; c\n[B]\ny: two words\n')
    expect(ini.get('A')?.get('x')).toBe('1')
    expect(ini.get('B')?.get('y')).toBe('two words')
  })
})
