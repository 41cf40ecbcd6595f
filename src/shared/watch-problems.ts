import type { FileReason, WatchProblemView } from './contract';

/** Most files kept per queue: a folder full of broken files must not grow this without bound. */
export const WATCH_PROBLEM_FILES_KEPT = 500;

/**
 * Adds newly reported problems to what a queue's watch folder has gathered (the service's copy and
 * the renderer's alike). A file reported again keeps only its latest reason; the newest files are kept.
 */
export function mergeWatchProblem(gathered: WatchProblemView | undefined, next: WatchProblemView): WatchProblemView {
  const byPath = new Map<string, FileReason>();
  const sameFolder = gathered?.folder === next.folder;
  for (const f of sameFolder ? gathered.files : []) byPath.set(f.path, f);
  for (const f of next.files) {
    byPath.delete(f.path);
    byPath.set(f.path, f);
  }
  const files = [...byPath.values()].slice(-WATCH_PROBLEM_FILES_KEPT);
  const message = next.message ?? (sameFolder ? gathered.message : undefined);
  return { queueId: next.queueId, folder: next.folder, files, ...(message === undefined ? {} : { message }) };
}
