/**
 * Fast base64url for log lines (message bodies are up to 16 KB and written
 * for every `SEND`), byte-identical to the reference's `strEncode`: padded on
 * output; on input padded or not, and rejecting anything else.
 */
import { DecodeError } from '@simplex-ts/core'

const PADDING = ['', '===', '==', '=']

/** base64url with `=` padding. */
export function b64encode(bytes: Uint8Array): string {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
  return s + PADDING[s.length % 4]!
}

const TOKEN = /^[A-Za-z0-9_-]*={0,2}$/

/**
 * Decode a base64url token (empty allowed: the reference writes an empty body as an empty token).
 * @throws DecodeError on a malformed token
 */
export function b64decode(text: string): Uint8Array {
  if (!TOKEN.test(text)) throw new DecodeError('invalid base64url token')
  const unpadded = text.replace(/=+$/, '')
  if (unpadded.length % 4 === 1 || (text.length !== unpadded.length && text.length % 4 !== 0)) {
    throw new DecodeError('Base64-encoded bytestring has invalid size')
  }
  return new Uint8Array(Buffer.from(unpadded, 'base64url'))
}
