import { isAbsolute, resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The `kiln` command, compiled: out/cli/kiln.js (src/cli/bin.ts) and the local engines' worker,
 * out/cli/local-worker.js, with their shared and lazily loaded chunks beside them. Packages stay
 * imports (resolved from node_modules at run time), as in the Electron main bundle; `prepare` runs
 * this build, so a fresh `npm ci` gives a working `npx kiln`.
 */
export default defineConfig({
  logLevel: 'warn',
  // Always a bundle, whatever NODE_ENV says (vitest sets it to "test"): see src/main/engine/local/worker-location.ts.
  define: { 'import.meta.env.PROD': 'true' },
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
      // Every bare import (node: built-ins and packages) is left to Node's resolution at run time.
      external: (id) => !id.startsWith('.') && !isAbsolute(id) && !id.startsWith('\0'),
    },
  },
});
