import type { ItemStateName, QueueStats } from '../../shared/contract';
import { ITEM_STATES, isFinalState } from '../../shared/item-states';

export const count = (stats: QueueStats | undefined, ...states: ItemStateName[]) =>
  states.reduce((n, s) => n + (stats?.byState[s] ?? 0), 0);

const UNFINISHED = ITEM_STATES.filter((s) => !isFinalState(s));

/** Items not finished yet: queued, in flight, or waiting for the network. */
export const activeCount = (stats: QueueStats | undefined) => count(stats, ...UNFINISHED);
