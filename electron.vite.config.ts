import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './src/main/app/window-options';

/**
 * The Electron build's index.html carries the app's own CSP (src/main/app/window-options.ts): the
 * source file's policy also allows ws:// and http:// on 127.0.0.1, which only the browser host needs.
 */
function electronCsp(): Plugin {
  const meta = /(<meta http-equiv="Content-Security-Policy" content=")[^"]*(")/;
  return {
    name: 'kiln-electron-csp',
    transformIndexHtml(html) {
      if (!meta.test(html)) throw new Error('src/renderer/index.html has no Content-Security-Policy meta tag to replace');
      return html.replace(meta, `$1${CONTENT_SECURITY_POLICY}$2`);
    },
  };
}

// Packages stay imports resolved from node_modules at run time (electron-vite's default
// externalizeDeps): native modules load from app.asar.unpacked, and a package's own files (a
// WebAssembly module beside its JavaScript) are found where the package expects them.
export default defineConfig({
  main: {
    // Always a bundle (see src/main/engine/local/worker-location.ts), also under `electron-vite dev`.
    define: { 'import.meta.env.PROD': 'true' },
    build: { rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/main/index.ts') } } },
  },
  preload: {
    // A sandboxed preload must be CommonJS.
    build: {
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    plugins: [react(), electronCsp()],
    build: { rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') } } },
  },
});
