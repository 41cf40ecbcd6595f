import { parentPort } from 'node:worker_threads';
import type { FromWorker, LocalEngineModule, LocalEngineName, ToWorker } from './types';
import { isLocalEngineName } from './types';
import { isFailureKind } from '../../../shared/failure-text';

// Loaded on first use, so a worker that only traces images never loads glTF-Transform and the
// meshoptimizer WebAssembly, and the reverse.
const engines: Record<LocalEngineName, () => Promise<LocalEngineModule>> = {
  vectorise: () => import('./vectorise'),
  simplify: () => import('./simplify'),
};

const port = parentPort;
if (!port) throw new Error('worker.ts runs only inside a worker thread (see pool.ts)');

port.on('message', (msg: ToWorker) => {
  void (async () => {
    let reply: FromWorker;
    try {
      const { engine, inputPath, outputPath, params } = msg.job;
      if (!isLocalEngineName(engine)) throw new Error(`Unknown local engine "${String(engine)}"`);
      const mod = await engines[engine]();
      reply = { type: 'done', result: await mod.default(inputPath, outputPath, params) };
      if (mod.retireAfterUse?.() === true) reply.retire = true;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      reply = { type: 'failed', error: { name: e.name, message: e.message } };
      // A LocalEngineError or TraceError knows its kind; it would be lost with the class across the boundary.
      const kind = (err as { failureKind?: unknown }).failureKind;
      if (isFailureKind(kind)) reply.error.failureKind = kind;
      // A WebAssembly that panicked may have leaked or corrupted its memory (see src/shared/vtracer.ts).
      if ((err as { poisoned?: unknown }).poisoned === true) reply.retire = true;
    }
    port.postMessage(reply);
  })();
});
