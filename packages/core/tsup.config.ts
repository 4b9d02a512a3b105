import { defineConfig } from 'tsup'

export default defineConfig({
  // native and noble are entries of their own: the public `./native` / `./noble`
  // subpaths and the two targets of the `#default-crypto` import map. Shared code
  // (errors, params) lands in common chunks, so `instanceof` holds across entries.
  entry: {
    index: 'src/index.ts',
    native: 'src/crypto/native.ts',
    noble: 'src/crypto/noble.ts',
  },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  // '#default-crypto' is resolved at run time through package.json "imports", per platform;
  // node: builtins only appear in dist/native.js.
  external: ['#default-crypto', /^node:/],
  // Keep `node:crypto` spelled out in dist/native.js (Deno and bundlers key on the prefix).
  removeNodeProtocol: false,
})
