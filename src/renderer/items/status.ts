import type { ItemView } from '../../shared/contract';
import { failureText } from '../../shared/failure-text';
import { ITEM_STATES, RETRYABLE_STATES, isFinalState, type ItemStateName } from '../../shared/item-states';

/** The list's filter tabs, each a set of states (shared/item-states.ts); "Failed" holds canceled items too (both need a decision). */
export const FILTERS = {
  all: { label: 'All', states: undefined },
  active: { label: 'Active', states: new Set<ItemStateName>(ITEM_STATES.filter((s) => !isFinalState(s))) },
  failed: { label: 'Failed', states: new Set<ItemStateName>(RETRYABLE_STATES) },
  done: { label: 'Done', states: new Set<ItemStateName>(['done']) },
} as const;
export type FilterKey = keyof typeof FILTERS;

/** Retry can help: canceled items always, failed ones unless the file itself is broken (src/shared/failure-text.ts). */
export function canRetry(item: Pick<ItemView, 'state' | 'error' | 'failureKind'>): boolean {
  if (item.state === 'canceled') return true;
  return item.state === 'failed' && failureText(item.error, item.failureKind).retryable;
}

const percent = (p: number) => `${Math.round(Math.max(0, Math.min(1, p)) * 100)}%`;

/** Stages that can take long, so the row says for how long once it is more than a minute. */
const LONG_STAGE: Partial<Record<ItemStateName, string>> = {
  uploading: 'Uploading', submitted: 'Waiting for Scenario', processing: 'Processing', downloading: 'Downloading', 'waiting-for-network': 'Waiting for network',
};

/** "3 min", "1 h 5 min". */
export function formatElapsed(ms: number): string {
  const min = Math.floor(ms / 60_000);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

/** The item's state in the words an artist would use. */
export function statusText(item: Pick<ItemView, 'state' | 'progress' | 'error' | 'failureKind'>): string {
  switch (item.state) {
    case 'queued': return 'Queued';
    case 'uploading': return 'Uploading';
    case 'submitted': return 'Submitted';
    case 'processing': return item.progress > 0 ? `Processing ${percent(item.progress)}` : 'Processing';
    case 'downloading': return 'Downloading';
    case 'done': return 'Done';
    case 'failed': return `Failed: ${failureText(item.error, item.failureKind).text}`;
    case 'canceled': return 'Canceled';
    case 'waiting-for-network': return 'Waiting for network';
  }
}

/**
 * A short label that fits the status column; the failure's words are shown under the name. A stage
 * that has lasted a minute or more says so ("Uploading for 3 min…"), so a slow one never looks stuck.
 */
export function statusLabel(item: Pick<ItemView, 'state' | 'progress' | 'error' | 'failureKind'>, elapsedMs = 0): string {
  if (item.state === 'failed') return 'Failed';
  const stage = LONG_STAGE[item.state];
  if (stage && elapsedMs >= 60_000) {
    const pct = item.state === 'processing' && item.progress > 0 ? ` · ${percent(item.progress)}` : '';
    return `${stage} for ${formatElapsed(elapsedMs)}…${pct}`;
  }
  return statusText(item);
}

/** How full the row's bar is: the steps before processing count for a little so the bar moves. */
export function barFraction(item: Pick<ItemView, 'state' | 'progress'>): number {
  switch (item.state) {
    case 'queued': case 'waiting-for-network': case 'canceled': case 'failed': return 0;
    case 'uploading': return 0.05;
    case 'submitted': return 0.1;
    case 'processing': return 0.1 + 0.8 * Math.max(0, Math.min(1, item.progress));
    case 'downloading': return 0.95;
    case 'done': return 1;
  }
}
