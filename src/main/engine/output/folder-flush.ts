/**
 * Folder flushes shared by the results that land in one folder at about the same time: group
 * commit, as databases do for their log.
 *
 * A result's move into place is durable once its folder has been flushed after the move
 * (writer.ts, commitOutput), and only then is the item recorded done. The results of a batch
 * arrive in bursts (its jobs start together and take about as long), and each flush is a round
 * trip to the disk: one flush that starts after all of them serves them all. A caller is only
 * ever answered by a flush that started after it asked, never by one already under way, so a
 * result reported saved is exactly as durable as with a flush of its own.
 */

/** How long a flush waits for other results bound for the same folder: unnoticeable next to a job. */
export const GATHER_MS = 5;

export class FolderFlushes {
  /** A flush not started yet, per folder: whoever asks now is served by it. */
  private readonly waiting = new Map<string, Promise<void>>();
  /** The flush under way, per folder: too late to serve a new caller, who waits for the next. */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    /** Flushes one folder; never rejects (a folder that cannot be flushed is the writer's concern). */
    private readonly flushNow: (dir: string) => Promise<void>,
    private readonly gatherMs = GATHER_MS,
  ) {}

  /** Resolves once `dir` has been flushed by a flush that started after this call. */
  flush(dir: string): Promise<void> {
    const waiting = this.waiting.get(dir);
    if (waiting) return waiting;
    const before = this.running.get(dir);
    const next = this.start(dir, before);
    this.waiting.set(dir, next);
    return next;
  }

  private async start(dir: string, before: Promise<void> | undefined): Promise<void> {
    await Promise.all([new Promise((resolve) => setTimeout(resolve, this.gatherMs)), before?.catch(() => undefined)]);
    // From here on a new caller needs the flush after this one.
    this.waiting.delete(dir);
    const run = this.flushNow(dir);
    this.running.set(dir, run);
    try {
      await run;
    } finally {
      if (this.running.get(dir) === run) this.running.delete(dir);
    }
  }
}
