import type { ItemState } from './types';
import { IN_FLIGHT_STATES } from '../../../shared/item-states';

/**
 * Every state change an item may make, as one table so the lifecycle can be reviewed at a glance.
 *
 * queued → uploading → submitted → processing → downloading → done is the happy path. The rest:
 * - any working state (queued…downloading) may fail, be canceled, or park in waiting-for-network;
 * - waiting-for-network goes back to where it was (the item's resumeState, enforced by
 *   `canTransition`'s third argument) or to queued/canceled/failed;
 * - submitted → downloading: a fast job can be finished before Kiln ever sees it running;
 * - failed/canceled → queued is a retry, done → queued an explicit redo; failed/canceled →
 *   submitted is a retry of an item whose job already exists on Scenario (it is polled again,
 *   not paid for again);
 * - uploading → queued is restart recovery: an interrupted upload left no assetId worth trusting;
 * - downloading → processing/downloading is restart recovery too: asset URLs are temporary, so a
 *   download interrupted by a restart starts over (from processing when the job must be re-read);
 * - processing → processing and downloading → downloading are progress updates, which are
 *   transitions so they go through the same checked path as everything else.
 * - queued → processing → done is a local conversion: no upload, no job, no download;
 * Nothing leaves `done` except an explicit redo, so a finished result is never re-fetched by accident.
 */
export const TRANSITIONS: Readonly<Record<ItemState, readonly ItemState[]>> = {
  queued: ['uploading', 'processing', 'failed', 'canceled', 'waiting-for-network'],
  uploading: ['submitted', 'queued', 'failed', 'canceled', 'waiting-for-network'],
  submitted: ['processing', 'downloading', 'failed', 'canceled', 'waiting-for-network'],
  processing: ['processing', 'downloading', 'done', 'failed', 'canceled', 'waiting-for-network'],
  downloading: ['downloading', 'processing', 'done', 'failed', 'canceled', 'waiting-for-network'],
  'waiting-for-network': ['queued', 'uploading', 'submitted', 'processing', 'downloading', 'failed', 'canceled'],
  done: ['queued'],
  failed: ['queued', 'submitted'],
  canceled: ['queued', 'submitted'],
};

/** States an item may be parked from (and so may return to) in waiting-for-network. */
export const RESUMABLE_STATES: readonly ItemState[] = ['queued', ...IN_FLIGHT_STATES];

/**
 * Whether `from → to` is allowed. Leaving waiting-for-network for a working state is only allowed
 * back to the state the item was parked from, so pass `resumeState` for that case; without it
 * any resumable state is accepted (the table alone).
 */
export function canTransition(from: ItemState, to: ItemState, resumeState?: ItemState): boolean {
  if (!TRANSITIONS[from].includes(to)) return false;
  if (from === 'waiting-for-network' && resumeState !== undefined && to !== 'queued' && to !== 'failed' && to !== 'canceled') {
    return to === resumeState;
  }
  return true;
}

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(
    readonly itemId: string,
    readonly from: ItemState,
    readonly to: ItemState,
    detail?: string,
  ) {
    super(`Item ${itemId} cannot go from ${from} to ${to}${detail ? ` (${detail})` : ''}`);
  }
}
