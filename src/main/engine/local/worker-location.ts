import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** How a local-engine worker thread is started. */
export interface WorkerStart {
  url: URL;
  workerData?: { entry: string };
}

let builtWorker: URL | undefined;

/**
 * A bundle (the Electron main process, the compiled CLI) builds the worker alongside itself and says
 * where, once, before any conversion: `src/main/index.ts` with electron-vite's `?modulePath`,
 * `src/cli/bin.ts` with its second build input (`vite.cli.config.ts`).
 */
export function useBuiltWorker(location: URL | string): void {
  builtWorker = typeof location === 'string' ? pathToFileURL(location) : location;
}

/**
 * Where the next worker starts from: the bundle's own compiled worker, or, from the sources, worker.ts
 * through worker-entry.mjs (tsx). A bundle never falls back to TypeScript; a missing worker is said
 * in words before any thread is started.
 */
export function localWorkerStart(): WorkerStart {
  if (builtWorker) {
    if (!existsSync(builtWorker)) {
      throw new Error(
        `Kiln's local engine is missing from this installation (expected ${fileURLToPath(builtWorker)}). Reinstall Kiln, or rebuild it with "npm run build".`,
      );
    }
    return { url: builtWorker };
  }
  // A production bundle (vite sets import.meta.env.PROD; tsx and vitest do not) drops the TypeScript branch below.
  if (import.meta.env?.PROD === true) {
    throw new Error('This build of Kiln did not include its local engine (useBuiltWorker was never called). Rebuild it with "npm run build".');
  }
  return { url: new URL('./worker-entry.mjs', import.meta.url), workerData: { entry: new URL('./worker.ts', import.meta.url).href } };
}
