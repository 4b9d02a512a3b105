/**
 * The skipped-message-key store of the double ratchet.
 *
 * As in the reference agent, the store lives outside the ratchet state: one
 * row per skipped message `(header key, message number) → (message key, IV)`,
 * kept by the caller (a storage table). `rcDecrypt` reads it and returns a
 * {@link SkippedMsgDiff} for the caller to apply in the same transaction as the
 * new ratchet state. There is no expiry of skipped keys in v3.1.
 *
 * @see ../shared/spec/agent.md §7.6
 * @see ../shared/spec/archive.md §2 (`skipped_messages`)
 */
import { type Decoder, type Encoder, toHex } from '@simplex-ts/core'

/**
 * One stored key of a skipped message (a row of the reference's `skipped_messages` table).
 * All byte arrays are treated as immutable.
 * @see ../shared/spec/agent.md §7.6
 */
export interface SkippedMessageKey {
  /** Header key of the receiving chain the message belongs to (32 bytes). */
  readonly headerKey: Uint8Array
  /** Message number within that chain (u32). */
  readonly msgN: number
  /** AES-256-GCM key of the message body (32 bytes). */
  readonly messageKey: Uint8Array
  /** AES-GCM IV of the message body (16 bytes). */
  readonly iv: Uint8Array
}

/**
 * The change `rcDecrypt` makes to the skipped-key store (the reference's `SkippedMsgDiff`):
 * nothing, remove the one key that was used, or add the keys of messages skipped over
 * (sorted by header key bytes, then message number).
 * @see ../shared/spec/agent.md §7.6
 */
export type SkippedMsgDiff =
  | { readonly type: 'none' }
  | { readonly type: 'remove'; readonly headerKey: Uint8Array; readonly msgN: number }
  | { readonly type: 'add'; readonly keys: readonly SkippedMessageKey[] }

/**
 * The diff that changes nothing.
 * @see ../shared/spec/agent.md §7.6
 */
export const NO_SKIPPED_CHANGE: SkippedMsgDiff = Object.freeze({ type: 'none' })

/**
 * Skipped keys of one header key, indexed by message number.
 * @see ../shared/spec/agent.md §7.6
 */
export interface SkippedHeaderKeys {
  /** The header key. */
  readonly headerKey: Uint8Array
  /** Keys by message number. */
  readonly keys: ReadonlyMap<number, SkippedMessageKey>
}

/**
 * Group stored keys by header key, in ascending byte order of header keys: the order in which
 * the reference tries them (a later row for the same header key and number replaces an earlier one).
 * Lowercase hex sorts exactly as the bytes do, prefixes first.
 * @see ../shared/spec/agent.md §7.6
 */
export function groupSkippedKeys(skipped: Iterable<SkippedMessageKey>): SkippedHeaderKeys[] {
  const byHex = new Map<string, { headerKey: Uint8Array; keys: Map<number, SkippedMessageKey> }>()
  for (const k of skipped) {
    const hex = toHex(k.headerKey)
    let group = byHex.get(hex)
    if (group === undefined) {
      group = { headerKey: k.headerKey, keys: new Map() }
      byHex.set(hex, group)
    }
    group.keys.set(k.msgN, k)
  }
  return [...byHex.keys()].sort().map((hex) => byHex.get(hex) as SkippedHeaderKeys)
}

function canonical(groups: readonly SkippedHeaderKeys[]): SkippedMessageKey[] {
  const out: SkippedMessageKey[] = []
  for (const g of groups) out.push(...[...g.keys.values()].sort((a, b) => a.msgN - b.msgN))
  return out
}

/**
 * Apply a diff to a store, as the caller's storage would (the reference's `applySMDiff`):
 * `remove` deletes the row if present; `add` inserts rows, replacing any with the same header key
 * and number. Returns a new array sorted by header key bytes then message number; the input is
 * not modified.
 * @see ../shared/spec/agent.md §7.6
 */
export function applySkippedMsgDiff(
  skipped: Iterable<SkippedMessageKey>,
  diff: SkippedMsgDiff,
): SkippedMessageKey[] {
  const rows = [...skipped]
  switch (diff.type) {
    case 'none':
      return canonical(groupSkippedKeys(rows))
    case 'remove': {
      const hex = toHex(diff.headerKey)
      return canonical(
        groupSkippedKeys(rows.filter((k) => k.msgN !== diff.msgN || toHex(k.headerKey) !== hex)),
      )
    }
    case 'add':
      return canonical(groupSkippedKeys([...rows, ...diff.keys]))
  }
}

/**
 * Write the stored form of a message key, `str8(key) ‖ str8(iv)` (50 bytes; the reference's
 * `MessageKey` encoding in `skipped_messages.msg_key`).
 * @see ../shared/spec/archive.md §2
 * @throws EncodeError when a field is longer than 255 bytes.
 */
export function encodeMessageKey(e: Encoder, key: Pick<SkippedMessageKey, 'messageKey' | 'iv'>): Encoder {
  return e.str8(key.messageKey).str8(key.iv)
}

/**
 * Read the stored form of a message key written by {@link encodeMessageKey}.
 * @see ../shared/spec/archive.md §2
 * @throws DecodeError on truncated input.
 */
export function decodeMessageKey(d: Decoder): { messageKey: Uint8Array; iv: Uint8Array } {
  const messageKey = d.str8()
  const iv = d.str8()
  return { messageKey, iv }
}
