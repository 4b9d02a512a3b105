import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { fromHex, fromLatin1, latin1, toHex } from '@simplex-ts/core'

/** Directory of the golden vectors: `../shared/vectors` beside the repo root. */
export const VECTORS_DIR = fileURLToPath(new URL('../../../../shared/vectors/', import.meta.url))

/** Load one golden vector file (read-only; never edited). */
export function loadVectors<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(VECTORS_DIR + file, 'utf8')) as T
}

export const hex = fromHex
export const toh = toHex
export const ascii = latin1
export const str = fromLatin1
