// Worker threads start without the loaders of the thread that made them, so TypeScript support
// is registered here, inside the worker, before the engine module (a .ts file) is imported.
// Node 20 ignores `--import tsx` in a Worker's execArgv, hence this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
