import { defineConfig } from 'tsup'

export default defineConfig({
  // One entry per platform so a browser bundle never reaches better-sqlite3.
  entry: ['src/index.ts', 'src/sqlite.ts', 'src/idb.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
})
