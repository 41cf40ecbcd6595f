import { explainStoreFailure, openQueueStore, StateFolderError } from '../main/engine/queue/open-store';
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

/**
 * While a batch runs, the queue database can fail in the runner's own callbacks (the state disk
 * fills up), where no caller can catch it. This last line of defence says so in words and ends
 * the process; the database itself is consistent (every write is a transaction). Anything else
 * ends the process as Node would, with its trace. Returns the function that removes the guard.
 */
export function guardStoreFailures(stateDir: string, reporter: Reporter): () => void {
  const handler = (error: unknown) => {
    const explained = explainStoreFailure(error, stateDir);
    if (explained) reporter.notice(`kiln: ${explained.message}`);
    else console.error(error);
    process.exit(1);
  };
  process.on('uncaughtException', handler);
  process.on('unhandledRejection', handler);
  return () => {
    process.off('uncaughtException', handler);
    process.off('unhandledRejection', handler);
  };
}
