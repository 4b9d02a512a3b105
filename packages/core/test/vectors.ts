import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Directory of the golden vectors: `../shared/vectors` beside the repo root. */
export const VECTORS_DIR = fileURLToPath(new URL('../../../../shared/vectors/', import.meta.url))

/** Load one golden vector file (read-only; never edited). */
export function loadVectors<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(VECTORS_DIR + file, 'utf8')) as T
}
