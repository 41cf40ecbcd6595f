import type { ItemView } from '../../shared/contract';

const percent = (p: number) => `${Math.round(Math.max(0, Math.min(1, p)) * 100)}%`;

/** The item's state in the words an artist would use. */
export function statusText(item: Pick<ItemView, 'state' | 'progress' | 'error'>): string {
  switch (item.state) {
    case 'queued': return 'Queued';
    case 'uploading': return 'Uploading';
    case 'submitted': return 'Submitted';
    case 'processing': return item.progress > 0 ? `Processing ${percent(item.progress)}` : 'Processing';
    case 'downloading': return 'Downloading';
    case 'done': return 'Done';
    case 'failed': return item.error ? `Failed: ${item.error}` : 'Failed';
    case 'canceled': return 'Canceled';
    case 'waiting-for-network': return 'Waiting for network';
  }
}

/** A short label that fits the status column; the full failure text is shown under the name. */
export function statusLabel(item: Pick<ItemView, 'state' | 'progress' | 'error'>): string {
  return item.state === 'failed' ? 'Failed' : statusText(item);
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
