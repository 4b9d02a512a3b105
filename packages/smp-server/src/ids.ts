/**
 * Map keys for byte ids. Queue and message ids are 24 random bytes; JS maps
 * cannot key on `Uint8Array` contents, so each id is keyed by its Latin-1
 * string (one char per byte: compact one-byte strings in V8, cheap to hash).
 */

/** The Latin-1 string of `id`, used as a map key. */
export function idKey(id: Uint8Array): string {
  return String.fromCharCode.apply(null, id as unknown as number[])
}
