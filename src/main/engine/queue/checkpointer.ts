/**
 * Moves the queue database's write-ahead log back into the database file from a worker thread.
 *
 * Why: by default SQLite checkpoints on the connection that commits, every ~1,000 WAL pages, and a
 * checkpoint fsyncs. In a busy batch that is a 10–40 ms stall of the main event loop every few
 * hundred transitions, and every poll, upload and progress event waiting on a timer is late by as
 * much. A second connection in a worker does the same copy concurrently (WAL allows one
 * checkpointer next to the writer), so commits on the main thread stay a plain append.
 *
 * The worker's code is an inline CommonJS string with the SQLite driver's resolved path handed
 * over: it needs no extra file in a packaged app and no TypeScript loader.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
// Never wait for the writer: a busy moment is simply retried at the next tick.
db.pragma('busy_timeout = 0');
const checkpoint = () => {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ type: 'checkpointed', row });
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message || error) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'checkpoint') return checkpoint();
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** How often the process running batches checkpoints: the WAL stays a few MB at most. */
export const CHECKPOINT_INTERVAL_MS = 1000;

export interface CheckpointResult {
  /** 1 when the writer was busy and not every frame could be copied. */
  busy: number;
  /** Frames in the WAL, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
}

export class WalCheckpointer {
  private stopped = false;
  private readonly listeners = new Set<(result: CheckpointResult) => void>();

  private constructor(
    private readonly worker: Worker,
    onFailure: (message: string) => void,
  ) {
    worker.on('message', (message: unknown) => {
      if (typeof message !== 'object' || message === null || !('type' in message)) return;
      if (message.type === 'checkpointed' && 'row' in message) {
        const result = message.row as CheckpointResult;
        for (const listener of this.listeners) listener(result);
      } else if (message.type === 'error' && 'message' in message) {
        onFailure(String(message.message));
      }
    });
    worker.on('error', (error) => {
      if (!this.stopped) onFailure(error.message);
    });
    worker.on('exit', (code) => {
      if (!this.stopped) onFailure(`checkpoint worker exited with code ${code}`);
    });
    // A background copy must never keep a CLI run alive.
    worker.unref();
  }

  /**
   * Starts checkpointing `file` every `intervalMs`. `onFailure` is told if the worker cannot do
   * its job, so the caller can hand checkpoints back to its own connection.
   */
  static start(file: string, intervalMs: number, onFailure: (message: string) => void): WalCheckpointer {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
    return new WalCheckpointer(worker, onFailure);
  }

  /** Asks for a checkpoint now and resolves with its outcome (tests, diagnostics). */
  checkpointNow(): Promise<CheckpointResult> {
    return new Promise((resolve) => {
      const once = (result: CheckpointResult) => {
        this.listeners.delete(once);
        resolve(result);
      };
      this.listeners.add(once);
      this.worker.postMessage('checkpoint');
    });
  }

  /** Stops the timer and closes the worker's connection; the worker then exits by itself. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.worker.postMessage('stop');
  }
}
