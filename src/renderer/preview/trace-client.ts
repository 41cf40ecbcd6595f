/**
 * Where the preview traces: in a browser Web Worker running the same VTracer WebAssembly as the
 * local engine (src/shared/vtracer.ts), not through a contract call to the main process's pool.
 * The sample never crosses IPC or the WebSocket (a 2048² image is 16 MiB of pixels, and its SVG
 * megabytes more, for every change of a slider); it works unchanged in the browser host and in
 * Electron; it spends no credits and never competes with the queue's own local conversions for
 * the pool's workers; and a superseded trace is abandoned by terminating this worker, which
 * costs nothing to anyone else.
 */
import { TraceError } from '../../shared/vtracer';
import type { TraceReply, TraceRequest, TraceSuccess } from './trace-protocol';

export type TraceJob = Omit<TraceRequest, 'id'>;

/** Traces one job; rejects with a TraceError, or an AbortError when `signal` aborts first. */
export type Tracer = (job: TraceJob, signal: AbortSignal) => Promise<TraceSuccess>;

export function abortError(): Error {
  const err = new Error('The preview was superseded');
  err.name = 'AbortError';
  return err;
}

interface InFlight {
  id: number;
  resolve(result: TraceSuccess): void;
  reject(error: Error): void;
}

/** One worker, one trace at a time; an aborted trace terminates the worker and the next starts a fresh one. */
export class WorkerTracer {
  private worker: Worker | undefined;
  private inflight: InFlight | undefined;
  private nextId = 1;
  private chain: Promise<unknown> = Promise.resolve();

  readonly trace: Tracer = (job, signal) => {
    const run = this.chain.then(() => this.start(job, signal));
    this.chain = run.catch(() => undefined);
    return run;
  };

  dispose(): void {
    this.stop(abortError());
  }

  private start(job: TraceJob, signal: AbortSignal): Promise<TraceSuccess> {
    if (signal.aborted) return Promise.reject(abortError());
    return new Promise<TraceSuccess>((resolve, reject) => {
      const id = this.nextId++;
      const onAbort = () => this.stop(abortError());
      signal.addEventListener('abort', onAbort, { once: true });
      this.inflight = {
        id,
        resolve: (r) => (signal.removeEventListener('abort', onAbort), resolve(r)),
        reject: (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
      };
      let worker: Worker;
      try {
        worker = this.ensureWorker();
      } catch (err) {
        this.stop(new TraceError('The preview cannot run in this window.', (err as Error).message));
        return;
      }
      worker.postMessage({ ...job, id } satisfies TraceRequest);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./trace-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<TraceReply>) => this.onReply(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.stop(new TraceError('The preview engine stopped unexpectedly.', event.message || 'worker error'));
    };
    this.worker = worker;
    return worker;
  }

  private onReply(reply: TraceReply): void {
    const current = this.inflight;
    if (!current || current.id !== reply.id) return;
    this.inflight = undefined;
    if (reply.ok) {
      const { id: _id, ok: _ok, ...result } = reply;
      current.resolve(result);
      return;
    }
    // A WebAssembly that panicked is not trusted again: the next trace gets a fresh worker.
    if (reply.poisoned) this.terminate();
    current.reject(new TraceError(reply.summary, reply.details, reply.poisoned));
  }

  private stop(error: Error): void {
    this.terminate();
    const current = this.inflight;
    this.inflight = undefined;
    current?.reject(error);
  }

  private terminate(): void {
    this.worker?.terminate();
    this.worker = undefined;
  }
}
