import type { FileReason, QueueConfig, WatchProblemView } from '../../shared/contract';
import { mergeWatchProblem } from '../../shared/watch-problems';
import type { ExpandOptions, SkippedInput } from '../engine/inputs/expand';
import { WatchedFolder } from '../engine/watch/watched-folder';

export interface WatchFoldersOptions {
  /** Enqueues one file found in a queue's folder (KilnService.addPaths). */
  enqueue(queueId: string, path: string, found: ExpandOptions): Promise<{ rejected: readonly SkippedInput[] }>;
  /** Tells the renderer of a new problem (the watch.problem event). */
  announce(problem: WatchProblemView): void;
}

/**
 * The app's watch folders: one WatchedFolder (engine/watch/watched-folder.ts) per queue that
 * watches a folder, and what went wrong in each since the app started, kept so a window that
 * opens later still shows it.
 */
export class WatchFolders {
  private readonly watched = new Map<string, WatchedFolder>();
  private readonly problemsByQueue = new Map<string, WatchProblemView>();

  constructor(private readonly options: WatchFoldersOptions) {}

  /**
   * Starts, moves or stops watchers to match the queue definitions. Files already in a folder are
   * offered again after a restart and recognised as converted by their content, so each is
   * enqueued once.
   */
  async sync(queues: readonly QueueConfig[]): Promise<void> {
    const wanted = new Map(queues.filter((q) => q.watchFolder).map((q) => [q.id, q]));
    for (const [id, watched] of this.watched) {
      const queue = wanted.get(id);
      if (!queue || queue.watchFolder !== watched.folder) {
        await watched.close();
        this.watched.delete(id);
        this.problemsByQueue.delete(id);
      }
    }
    for (const [id, queue] of wanted) {
      const folder = queue.watchFolder;
      if (this.watched.has(id) || !folder) continue;
      const watched = new WatchedFolder({
        folder,
        ignoreFolders: [queue.outputDir],
        enqueue: (path, found) => this.options.enqueue(id, path, found),
        onProblem: (files, message) => this.problem(id, folder, files.map(({ path, reason }) => ({ path, reason })), message),
      });
      this.watched.set(id, watched);
      await watched.start();
    }
  }

  problems(): WatchProblemView[] {
    return [...this.problemsByQueue.values()];
  }

  dismiss(queueId: string): void {
    this.problemsByQueue.delete(queueId);
  }

  async close(): Promise<void> {
    await Promise.all([...this.watched.values()].map((w) => w.close()));
    this.watched.clear();
  }

  /** Kept for the renderer (watch.problems), told to it now (watch.problem), and logged. */
  private problem(queueId: string, folder: string, files: FileReason[], message?: string): void {
    for (const f of files) console.warn(`[kiln] watch ${folder}: ${f.path}: ${f.reason}`);
    if (message !== undefined) console.warn(`[kiln] watch ${folder}: ${message}`);
    const problem: WatchProblemView = { queueId, folder, files, ...(message === undefined ? {} : { message }) };
    this.problemsByQueue.set(queueId, mergeWatchProblem(this.problemsByQueue.get(queueId), problem));
    this.options.announce(problem);
  }
}
