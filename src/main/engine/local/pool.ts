import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { rename, rm } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { LocalEngineError, type FromWorker, type LocalJob, type LocalResult, type ToWorker } from './types';
import { localWorkerStart } from './worker-location';

export type { LocalJob, LocalResult } from './types';

export interface LocalEnginePoolOptions {
  /** Most conversions running at once: the queue's concurrency limit, capped at one per core. */
  size: number;
  /**
   * Worker script. Defaults to what worker-location.ts says: the bundle's compiled worker, or from
   * the sources worker.ts through worker-entry.mjs (tsx).
   */
  workerUrl?: URL;
}

interface Task {
  job: LocalJob;
  /** Where the worker writes; renamed to job.outputPath only when complete. */
  partPath: string;
  signal?: AbortSignal;
  onAbort?: () => void;
  resolve(result: LocalResult): void;
  reject(error: Error): void;
}

export function abortError(message = 'The local conversion was canceled'): Error {
  const err = new Error(message);
  err.name = 'AbortError';
  return err;
}

/**
 * Runs local conversions in worker threads so the main thread (UI, IPC, polling) never stalls.
 * Workers are reused between jobs; a canceled job's worker is terminated, which is the only way
 * to stop a synchronous trace or simplification part-way.
 */
export class LocalEnginePool {
  private readonly size: number;
  private readonly workerUrl: URL | undefined;
  private readonly queue: Task[] = [];
  private readonly active = new Map<Worker, Task>();
  private readonly idle: Worker[] = [];
  private closed = false;

  constructor({ size, workerUrl }: LocalEnginePoolOptions) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`LocalEnginePool size must be a whole number ≥ 1 (got ${size})`);
    // The engines are CPU-bound: more workers than cores would only share the cores and add memory.
    this.size = Math.min(size, availableParallelism());
    this.workerUrl = workerUrl;
  }

  /** Jobs waiting for a free worker. */
  get pending(): number {
    return this.queue.length;
  }

  /** Jobs running now. */
  get running(): number {
    return this.active.size;
  }

  /** Workers started and waiting for a job (a retired worker is not among them). */
  get idleWorkers(): number {
    return this.idle.length;
  }

  run(job: LocalJob, signal?: AbortSignal): Promise<LocalResult> {
    if (this.closed) return Promise.reject(new Error('The local engine pool is closed'));
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<LocalResult>((resolve, reject) => {
      const partPath = `${job.outputPath}.${randomBytes(4).toString('hex')}.part`;
      const task: Task = { job, partPath, resolve, reject };
      if (signal) {
        task.signal = signal;
        task.onAbort = () => this.abort(task);
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
      this.queue.push(task);
      this.pump();
    });
  }

  /** Stops every worker; queued and running jobs are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const tasks = [...this.queue.splice(0), ...this.active.values()];
    const workers = [...this.active.keys(), ...this.idle.splice(0)];
    this.active.clear();
    for (const task of tasks) this.fail(task, abortError('The local engine pool was closed'));
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private pump(): void {
    while (!this.closed && this.queue.length > 0 && this.active.size < this.size) {
      const task = this.queue.shift() as Task;
      let worker: Worker;
      try {
        worker = this.idle.pop() ?? this.spawn();
      } catch (error) {
        // No worker can start (its script is missing): this job fails with the reason, the pool stays usable.
        this.fail(task, error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      this.active.set(worker, task);
      // Only a busy worker keeps the process alive; an idle one must not hold up a CLI's exit.
      worker.ref();
      const msg: ToWorker = { type: 'run', job: { ...task.job, outputPath: task.partPath } };
      worker.postMessage(msg);
    }
  }

  private spawn(): Worker {
    const start = this.workerUrl ? { url: this.workerUrl } : localWorkerStart();
    const worker = start.workerData ? new Worker(start.url, { workerData: start.workerData }) : new Worker(start.url);
    worker.on('message', (msg: FromWorker) => this.onMessage(worker, msg));
    worker.on('error', (err) => this.onGone(worker, `The local engine stopped unexpectedly: ${err.message}`));
    worker.on('exit', (code) => this.onGone(worker, `The local engine stopped unexpectedly (exit code ${code})`));
    return worker;
  }

  private onMessage(worker: Worker, msg: FromWorker): void {
    const task = this.active.get(worker);
    if (!task) return;
    this.active.delete(worker);
    if (msg.retire) {
      // Its engine cannot be trusted any more, or holds memory it would never give back: the next job gets a fresh worker.
      void worker.terminate();
    } else if (!this.closed) {
      worker.unref();
      this.idle.push(worker);
    }
    if (msg.type === 'done') void this.finish(task, msg.result);
    else {
      this.fail(task, new LocalEngineError(msg.error.message, msg.error.failureKind, msg.error.name));
    }
    this.pump();
  }

  /** A worker died (crash, out of memory) or exited: its job fails and the pool carries on without it. */
  private onGone(worker: Worker, message: string): void {
    const idleAt = this.idle.indexOf(worker);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    const task = this.active.get(worker);
    if (!task) return;
    this.active.delete(worker);
    this.fail(task, new Error(message));
    this.pump();
  }

  private abort(task: Task): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.fail(task, abortError());
      return;
    }
    for (const [worker, t] of this.active) {
      if (t !== task) continue;
      this.active.delete(worker);
      // Rejected once the worker is really gone, so no write of the canceled job can land afterwards.
      void worker.terminate().finally(() => this.fail(task, abortError()));
      this.pump();
      return;
    }
  }

  private async finish(task: Task, result: LocalResult): Promise<void> {
    this.detach(task);
    try {
      await rename(task.partPath, task.job.outputPath);
      task.resolve(result);
    } catch (err) {
      await rm(task.partPath, { force: true }).catch(() => undefined);
      task.reject(new Error(`Could not move the local result into place: ${(err as Error).message}`));
    }
  }

  private fail(task: Task, error: Error): void {
    this.detach(task);
    // A terminated worker may have written part of its output; nothing half-written is left behind.
    void rm(task.partPath, { force: true }).catch(() => undefined).then(() => task.reject(error));
  }

  private detach(task: Task): void {
    if (task.signal && task.onAbort) task.signal.removeEventListener('abort', task.onAbort);
  }
}
