import { isAbsolute, resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The `kiln` command, compiled: out/cli/kiln.js (src/cli/bin.ts) and the local engines' worker,
 * out/cli/local-worker.js, with their shared and lazily loaded chunks beside them. Packages (but zod) stay
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
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      // Every other bare import (node: built-ins and packages) is left to Node's resolution at run time
      // (zod is named in both places: ssr.noExternal and this function each decide for their part).
      external: (id) => id !== 'zod' && !id.startsWith('zod/') && !id.startsWith('.') && !isAbsolute(id) && !id.startsWith('\0'),
    },
  },
});
