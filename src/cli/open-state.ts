import { openQueueStore, StateFolderError } from '../main/engine/queue/open-store';
import type { QueueStore } from '../main/engine/queue/store';
import type { Reporter } from './report';

/**
 * Opens the CLI's queue, telling the person at the terminal (in words, on stderr) when a damaged
 * database was moved aside, or why the state folder cannot be used. Undefined means "stop: exit 1".
 */
export function openCliStore(stateDir: string, reporter: Reporter): QueueStore | undefined {
  try {
    const { store, notice } = openQueueStore(stateDir);
    if (notice) reporter.notice(`kiln: ${notice}`);
    return store;
  } catch (error) {
    if (!(error instanceof StateFolderError)) throw error;
    reporter.notice(`kiln: ${error.message}`);
    return undefined;
  }
}
