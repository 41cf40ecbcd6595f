import type { ItemStateName, QueueStats } from '../../shared/contract';

export const count = (stats: QueueStats | undefined, ...states: ItemStateName[]) =>
  states.reduce((n, s) => n + (stats?.byState[s] ?? 0), 0);

export const activeCount = (stats: QueueStats | undefined) =>
  count(stats, 'queued', 'uploading', 'submitted', 'processing', 'downloading', 'waiting-for-network');
