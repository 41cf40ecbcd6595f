import { existsSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DB_FILE_NAME, QueueStore, type QueueStoreOptions } from './store';

/**
 * Opening the queue database on a sick machine (issue 14.5): what went wrong is said in words, not
 * as an SqliteError with a stack trace.
 *
 * A damaged database (not a database at all, or corrupt pages found on opening) is moved aside
 * under a timestamped name and a fresh queue is started, rather than refusing to start until the
 * artist runs a command: nothing in it can be read anyway, the moved file is kept for anyone who
 * wants to try to recover it, and every result already saved stays in its output folder. The cost
 * is that items not yet finished are forgotten: they are added again by the next drop or rerun, and
 * a job that was running at Scenario when the file broke is generated again.
 */

export type StateProblem = 'disk-full' | 'read-only' | 'unusable';

/** The state folder cannot hold the queue; the message is meant for the artist. */
export class StateFolderError extends Error {
  override readonly name = 'StateFolderError';
  constructor(
    message: string,
    readonly problem: StateProblem,
    readonly stateDir: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface OpenedStore {
  store: QueueStore;
  /** Set when a damaged database was moved aside: what to tell the artist. */
  notice?: string;
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

function isDamaged(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');
}

function timestamp(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
}

/** Moves the database and its WAL companions to `<db>.damaged-<timestamp>`; returns the new path. */
function moveAside(stateDir: string, now: Date): string {
  const file = join(stateDir, DB_FILE_NAME);
  let aside = `${file}.damaged-${timestamp(now)}`;
  for (let n = 2; existsSync(aside); n++) aside = `${file}.damaged-${timestamp(now)}-${n}`;
  renameSync(file, aside);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  }
  return aside;
}

/** Turns what SQLite or the file system said into a StateFolderError an artist can act on. */
export function describeStateError(error: unknown, stateDir: string): StateFolderError {
  if (error instanceof StateFolderError) return error;
  const code = codeOf(error);
  const reason = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || /disk is full|no space left/i.test(reason)) {
    return new StateFolderError(
      `The disk holding Kiln's state folder ${stateDir} is full, so Kiln cannot keep track of its queue there. Free some space on that disk and start again.`,
      'disk-full',
      stateDir,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new StateFolderError(
      `Kiln cannot write its state folder ${stateDir} (${reason}). It needs a folder it may write to; check the folder's permissions or that its disk is not read-only.`,
      'read-only',
      stateDir,
      { cause: error },
    );
  }
  return new StateFolderError(`Kiln cannot use its state folder ${stateDir}: ${reason}`, 'unusable', stateDir, { cause: error });
}

/**
 * An error from the queue database while in use (the disk filled up, the folder went read-only),
 * described for the artist; undefined for anything that is not the database's.
 */
export function explainStoreFailure(error: unknown, stateDir: string): StateFolderError | undefined {
  if (error instanceof StateFolderError) return error;
  if (!codeOf(error).startsWith('SQLITE_')) return undefined;
  return describeStateError(error, resolve(stateDir));
}

/**
 * QueueStore.open, for a machine that may be sick: a damaged database is moved aside and replaced
 * by a fresh one (see above; `notice` says so), and any other failure becomes a StateFolderError.
 */
export function openQueueStore(stateDir: string, options: QueueStoreOptions = {}, now: () => Date = () => new Date()): OpenedStore {
  const dir = stateDir === ':memory:' ? stateDir : resolve(stateDir);
  try {
    return { store: QueueStore.open(dir, options) };
  } catch (error) {
    if (!isDamaged(error) || dir === ':memory:') throw describeStateError(error, dir);
    let aside: string;
    try {
      aside = moveAside(dir, now());
    } catch (moveError) {
      throw describeStateError(moveError, dir);
    }
    let store: QueueStore;
    try {
      store = QueueStore.open(dir, options);
    } catch (again) {
      throw describeStateError(again, dir);
    }
    const notice =
      `Kiln's queue database ${join(dir, DB_FILE_NAME)} was damaged (${(error as Error).message}). ` +
      `It was moved to ${aside} and Kiln started a fresh queue. Results already saved are untouched in their folders; ` +
      'files that were not finished need to be added again (running the same command again does it).';
    return { store, notice };
  }
}
