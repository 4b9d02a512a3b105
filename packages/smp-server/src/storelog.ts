/**
 * Store log records: the reference's append-only text log of queue changes,
 * one record per line, fields in the `StrEncoding` text form.
 *
 * `SUSPEND <rid>` is not written by v3.1.2 (which logs `OFF` as `DELETE`, so a
 * suspended queue vanished on restart); it is the record later simplexmq
 * versions use, so a suspended queue keeps its undelivered messages.
 *
 * @see ../shared/spec/smp.md §13
 */
import { DecodeError } from '@simplex-ts/core'
import { b64decode, b64encode } from './b64'
import type { NtfCreds, QueueRec } from './queues'

/** One line of the store log. @see ../shared/spec/smp.md §13 */
export type StoreLogRecord =
  | { readonly type: 'CREATE'; readonly queue: QueueRec }
  | { readonly type: 'SECURE'; readonly recipientId: Uint8Array; readonly senderKey: Uint8Array }
  | { readonly type: 'NOTIFIER'; readonly recipientId: Uint8Array; readonly creds: NtfCreds }
  | { readonly type: 'DELETE'; readonly recipientId: Uint8Array }
  | { readonly type: 'NDELETE'; readonly recipientId: Uint8Array }
  | { readonly type: 'SUSPEND'; readonly recipientId: Uint8Array }

function encodeCreds(c: NtfCreds): string {
  return `${b64encode(c.notifierId)} ${b64encode(c.notifierKey)} ${b64encode(c.rcvNtfDhSecret)}`
}

/** The text line of a record (without the newline). @see ../shared/spec/smp.md §13 */
export function encodeStoreLogRecord(r: StoreLogRecord): string {
  switch (r.type) {
    case 'CREATE': {
      const q = r.queue
      const sk = q.senderKey === undefined ? '' : b64encode(q.senderKey)
      const ntf = q.notifier === undefined ? '' : ` notifier=${encodeCreds(q.notifier)}`
      return `CREATE rid=${b64encode(q.recipientId)} rk=${b64encode(q.recipientKey)} rdh=${b64encode(q.rcvDhSecret)} sid=${b64encode(q.senderId)} sk=${sk}${ntf}`
    }
    case 'SECURE':
      return `SECURE ${b64encode(r.recipientId)} ${b64encode(r.senderKey)}`
    case 'NOTIFIER':
      return `NOTIFIER ${b64encode(r.recipientId)} ${encodeCreds(r.creds)}`
    case 'DELETE':
    case 'NDELETE':
    case 'SUSPEND':
      return `${r.type} ${b64encode(r.recipientId)}`
  }
}

function nonEmpty(token: string | undefined, what: string): Uint8Array {
  if (token === undefined || token === '') throw new DecodeError(`store log: missing ${what}`)
  return b64decode(token)
}

function field(token: string | undefined, name: string): string {
  if (token === undefined || !token.startsWith(`${name}=`))
    throw new DecodeError(`store log: expected ${name}=`)
  return token.slice(name.length + 1)
}

function parseCreds(t: (string | undefined)[], at: number): NtfCreds {
  return {
    notifierId: nonEmpty(t[at], 'notifier id'),
    notifierKey: nonEmpty(t[at + 1], 'notifier key'),
    rcvNtfDhSecret: nonEmpty(t[at + 2], 'notifier DH secret'),
  }
}

function exactly(t: string[], n: number): void {
  if (t.length !== n) throw new DecodeError(`store log: expected ${n} fields, got ${t.length}`)
}

/**
 * Parse one store log line (a trailing CR is tolerated, as by the reference).
 * @throws DecodeError on a malformed line
 */
export function parseStoreLogRecord(line: string): StoreLogRecord {
  const t = (line.endsWith('\r') ? line.slice(0, -1) : line).split(' ')
  switch (t[0]) {
    case 'CREATE': {
      let notifier: NtfCreds | undefined
      if (t.length === 9) {
        const first = t[6]
        if (first === undefined || !first.startsWith('notifier='))
          throw new DecodeError('store log: bad notifier')
        notifier = parseCreds([first.slice('notifier='.length), t[7], t[8]], 0)
      } else exactly(t, 6)
      const sk = field(t[5], 'sk')
      return {
        type: 'CREATE',
        queue: {
          recipientId: nonEmpty(field(t[1], 'rid'), 'rid'),
          recipientKey: nonEmpty(field(t[2], 'rk'), 'rk'),
          rcvDhSecret: nonEmpty(field(t[3], 'rdh'), 'rdh'),
          senderId: nonEmpty(field(t[4], 'sid'), 'sid'),
          senderKey: sk === '' ? undefined : b64decode(sk),
          notifier,
          status: 'active',
        },
      }
    }
    case 'SECURE':
      exactly(t, 3)
      return { type: 'SECURE', recipientId: nonEmpty(t[1], 'rid'), senderKey: nonEmpty(t[2], 'sender key') }
    case 'NOTIFIER':
      exactly(t, 5)
      return { type: 'NOTIFIER', recipientId: nonEmpty(t[1], 'rid'), creds: parseCreds(t, 2) }
    case 'DELETE':
    case 'NDELETE':
    case 'SUSPEND':
      exactly(t, 2)
      return { type: t[0], recipientId: nonEmpty(t[1], 'rid') }
    default:
      throw new DecodeError(`store log: unknown record ${JSON.stringify(t[0])}`)
  }
}
