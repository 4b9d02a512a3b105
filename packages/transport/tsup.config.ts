import { defineConfig } from 'tsup'

export default defineConfig({
  // two entries: the browser-safe core and the Node-only TLS/ws/certificate part
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^node:/, 'ws'],
})
