/**
 * Fixed-length padding used for blocks, message bodies, notification
 * metadata and push payloads.
 *
 * `pad(x, n) = u16(len x) ‖ x ‖ '#' × (n − 2 − len x)`.
 *
 * @see ../shared/spec/smp.md §2.4
 */
import { CryptoLargeMsgError } from './errors'

const FILL = 0x23 // '#'

/**
 * Pad `message` to exactly `paddedLength` bytes.
 * @throws CryptoLargeMsgError when `message.length + 2 > paddedLength` or the length does not fit a u16.
 */
export function pad(message: Uint8Array, paddedLength: number): Uint8Array {
  const len = message.length
  if (!Number.isInteger(paddedLength) || paddedLength < 2 || len > 0xffff || len + 2 > paddedLength) {
    throw new CryptoLargeMsgError(`message of ${len} bytes does not fit padded length ${paddedLength}`)
  }
  const out = new Uint8Array(paddedLength)
  out[0] = len >>> 8
  out[1] = len & 0xff
  out.set(message, 2)
  out.fill(FILL, 2 + len)
  return out
}

/**
 * Remove padding: read the u16 length and return that many bytes (a view, not a copy).
 * The fill after the message is not checked, as in the reference.
 * @throws CryptoLargeMsgError when the input is shorter than 2 bytes or than the declared length.
 */
export function unpad(padded: Uint8Array): Uint8Array {
  if (padded.length < 2) {
    throw new CryptoLargeMsgError(`padded message of ${padded.length} bytes has no length prefix`)
  }
  const len = (padded[0]! << 8) | padded[1]!
  if (len + 2 > padded.length) {
    throw new CryptoLargeMsgError(`padded message declares ${len} bytes but holds ${padded.length - 2}`)
  }
  return padded.subarray(2, 2 + len)
}
