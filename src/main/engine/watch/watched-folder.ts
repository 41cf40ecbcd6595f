import { statSync } from 'node:fs';
import type { ExpandOptions, SkippedInput } from '../inputs/expand';
import { FolderWatcher } from './folder-watcher';

export interface WatchedFolderOptions {
  folder: string;
  /** Never picked up (the queue's own output folder, when it lies inside). */
  ignoreFolders: readonly string[];
  /** Enqueues one file that appeared; `found` makes {dir} and the shown path relative to the watched folder. */
  enqueue: (path: string, found: ExpandOptions) => Promise<{ rejected: readonly SkippedInput[] }>;
  /** Files that could not be converted, each with its reason, or a problem with the folder itself. */
  onProblem: (files: SkippedInput[], message?: string) => void;
  /** How long a file's size must hold still before it counts as written (FolderWatcher's default otherwise). */
  stableMs?: number;
}

/**
 * A folder whose new files go onto a queue: the one watch-folder behaviour of the app's queues
 * (host/service.ts) and `kiln watch` (cli/watch.ts). Files already there are offered again after a
 * restart and recognised by the queue as the same work, so each is enqueued once; a broken file is
 * told with its reason (and, with the enqueue's recordBroken, listed on the queue).
 */
export class WatchedFolder {
  private readonly watcher: FolderWatcher;

  constructor(private readonly options: WatchedFolderOptions) {
    const { folder } = options;
    this.watcher = new FolderWatcher({
      folder,
      ignoreFolders: options.ignoreFolders,
      ...(options.stableMs === undefined ? {} : { stableMs: options.stableMs }),
      onFile: (path) => {
        void options.enqueue(path, { foundInFolder: true, root: folder }).then(
          (result) => {
            if (result.rejected.length > 0) options.onProblem([...result.rejected]);
          },
          (error: unknown) => options.onProblem([{ path, reason: error instanceof Error ? error.message : String(error) }]),
        );
      },
      onError: (error) => options.onProblem([], error.message),
    });
  }

  get folder(): string {
    return this.options.folder;
  }

  async start(): Promise<void> {
    const { folder } = this.options;
    // A folder on a drive that is not mounted yet: watched anyway, picked up once it appears.
    const found = statSync(folder, { throwIfNoEntry: false });
    if (!found?.isDirectory()) this.options.onProblem([], `the folder ${folder} ${found ? 'is a file' : 'is not there'}: nothing is picked up until it is`);
    await this.watcher.start();
  }

  close(): Promise<void> {
    return this.watcher.close();
  }
}
