import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer on its own, for the web host (which serves out/renderer); electron-vite builds the
// same sources for the app. base './' keeps asset URLs valid under file:// and any mount point.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, '../../out/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    // three.js sits in its own lazily loaded chunk and is large by nature.
    chunkSizeWarningLimit: 800,
  },
});
