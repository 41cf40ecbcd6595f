import { resolve, sep, basename } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { isTempName } from '../output/writer';

export interface FolderWatcherOptions {
  folder: string;
  /** Called once per file that appeared and has finished being written. */
  onFile: (path: string) => void;
  onError?: (error: Error) => void;
  /** Folders whose files must never be picked up (the queue's own output folder, if inside). */
  ignoreFolders?: readonly string[];
  /** How long a file's size must hold still before it counts as written (default 1 s). */
  stableMs?: number;
  /** Also report files already there when watching starts (default true: catch up after a restart). */
  includeExisting?: boolean;
}

/**
 * Watches a folder tree for new files. A file is reported only once its writing has finished (its
 * size has held still), so a large render or a slow copy is never picked up half-written; hidden
 * files, Kiln's own temporary files and the output folder are ignored. Deduplication is the
 * queue's job (by content), so reporting files that were already there after a restart is safe.
 */
export class FolderWatcher {
  private watcher: FSWatcher | undefined;
  private readyPromise: Promise<void> | undefined;

  constructor(private readonly options: FolderWatcherOptions) {}

  start(): Promise<void> {
    if (this.readyPromise) return this.readyPromise;
    const root = resolve(this.options.folder);
    const ignored = (this.options.ignoreFolders ?? []).map((f) => resolve(f));
    this.watcher = watch(root, {
      ignoreInitial: this.options.includeExisting === false,
      persistent: true,
      followSymlinks: false,
      awaitWriteFinish: { stabilityThreshold: this.options.stableMs ?? 1000, pollInterval: 100 },
      ignored: (path: string) => {
        const name = basename(path);
        if (path !== root && name.startsWith('.')) return true;
        if (isTempName(name)) return true;
        return ignored.some((dir) => path === dir || path.startsWith(dir + sep));
      },
    });
    this.watcher.on('add', (path) => this.options.onFile(resolve(path)));
    this.watcher.on('error', (error) => this.options.onError?.(error instanceof Error ? error : new Error(String(error))));
    const watcher = this.watcher;
    this.readyPromise = new Promise((done) => watcher.once('ready', () => done()));
    return this.readyPromise;
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    this.watcher = undefined;
    this.readyPromise = undefined;
  }
}
