import { isAbsolute, resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The `kiln` command, compiled: out/cli/kiln.cjs (src/cli/bin.ts) and the local engines' worker,
 * out/cli/local-worker.cjs, with their shared and lazily loaded chunks beside them. Packages (but zod) stay
 * imports (resolved from node_modules at run time), as in the Electron main bundle; `prepare` runs
 * this build, so a fresh `npm ci` gives a working `npx kiln`.
 */
export default defineConfig({
  logLevel: 'warn',
  // Always a bundle, whatever NODE_ENV says (vitest sets it to "test"): see src/main/engine/local/worker-location.ts.
  define: { 'import.meta.env.PROD': 'true' },
  // zod is the one package bundled: loaded from node_modules, its ~70 files (every locale included)
  // cost about 50 ms of CPU at each start, a sixth of `kiln convert`'s fixed cost (issue 13.3);
  // bundled, only what Kiln uses is kept. Pure JavaScript, so nothing is lost by copying it in.
  ssr: { noExternal: ['zod'] },
  build: {
    ssr: true,
    target: 'node20',
    outDir: resolve(import.meta.dirname, 'out/cli'),
    emptyOutDir: true,
    minify: false,
    reportCompressedSize: false,
    rollupOptions: {
      input: {
        kiln: resolve(import.meta.dirname, 'src/cli/bin.ts'),
        'local-worker': resolve(import.meta.dirname, 'src/main/engine/local/worker.ts'),
      },
      // CommonJS (the Electron main bundle is an ES module; its start is not per item): the packages
      // the CLI loads (better-sqlite3, sharp) are CommonJS, and required from CommonJS they skip the ES module loader's translation and
      // export scan of each of their files. Measured: `kiln convert` of one image, 282 → 212 ms of
      // CPU (issue 13.3, bench/cli-cpu.ts KILN_BENCH_CLI_ITEMS=1).
      // dynamicImportInCjs off: a lazy import (sharp when an image needs a decoder, keytar, glTF
      // tools) becomes a require. A real import() starts Node's ES module loader for the first one:
      // measured, import('sharp') 115–168 ms of CPU against require('sharp') 51–67 ms.
      // sharp's export is a constructor that inherits from stream.Duplex: rollup's default interop
      // copies a lazily imported module's keys with for…in and getOwnPropertyDescriptor, and fails
      // on the inherited ones, so sharp is only ever its default export.
      output: {
        format: 'cjs',
        entryFileNames: '[name].cjs',
        chunkFileNames: '[name]-[hash].cjs',
        dynamicImportInCjs: false,
        interop: (id) => (id === 'sharp' ? 'defaultOnly' : 'default'),
      },
      // Every other bare import (node: built-ins and packages) is left to Node's resolution at run time
      // (zod is named in both places: ssr.noExternal and this function each decide for their part).
      external: (id) => id !== 'zod' && !id.startsWith('zod/') && !id.startsWith('.') && !isAbsolute(id) && !id.startsWith('\0'),
    },
  },
});
