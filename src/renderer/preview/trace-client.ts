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
import type { TraceRequest, TraceSuccess } from './trace-protocol';

export type TraceJob = Omit<TraceRequest, 'id'>;

/** Traces one job; rejects with a TraceError, or an AbortError when `signal` aborts first. */
export type Tracer = (job: TraceJob, signal: AbortSignal) => Promise<TraceSuccess>;

export function abortError(): Error {
  const err = new Error('The preview was superseded');
  err.name = 'AbortError';
  return err;
}

/** What every preview worker answers: its result, or a failure in the artist's words. */
export type WorkerReply<R> = ({ id: number; ok: true } & R) | { id: number; ok: false; summary: string; details?: string | undefined; poisoned?: boolean };

interface InFlight<R> {
  id: number;
  resolve(result: R): void;
  reject(error: Error): void;
}

/**
 * One worker, one job at a time, in order; an aborted job terminates the worker (the only way to
 * stop synchronous WebAssembly part-way) and the next job starts a fresh one.
 */
export class WorkerJobs<J extends object, R extends object> {
  private worker: Worker | undefined;
  private inflight: InFlight<R> | undefined;
  private nextId = 1;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly makeWorker: () => Worker) {}

  readonly run = (job: J, signal: AbortSignal): Promise<R> => {
    const run = this.chain.then(() => this.start(job, signal));
    this.chain = run.catch(() => undefined);
    return run;
  };

  dispose(): void {
    this.stop(abortError());
  }

  private start(job: J, signal: AbortSignal): Promise<R> {
    if (signal.aborted) return Promise.reject(abortError());
    return new Promise<R>((resolve, reject) => {
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
      worker.postMessage({ ...job, id });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = this.makeWorker();
    worker.onmessage = (event: MessageEvent<WorkerReply<R>>) => this.onReply(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.stop(new TraceError('The preview engine stopped unexpectedly.', event.message || 'worker error'));
    };
    this.worker = worker;
    return worker;
  }

  private onReply(reply: WorkerReply<R>): void {
    const current = this.inflight;
    if (!current || current.id !== reply.id) return;
    this.inflight = undefined;
    if (reply.ok) {
      const { id: _id, ok: _ok, ...result } = reply;
      current.resolve(result as unknown as R);
      return;
    }
    // A WebAssembly that panicked is not trusted again: the next job gets a fresh worker.
    if (reply.poisoned) this.terminate();
    current.reject(new TraceError(reply.summary, reply.details, reply.poisoned === true));
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

/** The preview's VTracer in its own worker. */
export class WorkerTracer {
  private readonly jobs = new WorkerJobs<TraceJob, TraceSuccess>(() => new Worker(new URL('./trace-worker.ts', import.meta.url), { type: 'module' }));
  readonly trace: Tracer = this.jobs.run;
  dispose(): void {
    this.jobs.dispose();
  }
}
