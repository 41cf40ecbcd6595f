/**
 * The states of a queue item and the groups the code branches on, defined once for the engine, the
 * CLI and the renderer. The transitions between them are in src/main/engine/queue/state-machine.ts;
 * the database's CHECK constraint in src/main/engine/queue/schema.sql.ts (a shipped migration, so it
 * keeps its own copy; test/shared/item-states.test.ts holds the two together).
 */
export const ITEM_STATES = [
  'queued', 'uploading', 'submitted', 'processing', 'downloading', 'done', 'failed', 'canceled', 'waiting-for-network',
] as const;
export type ItemStateName = (typeof ITEM_STATES)[number];

/** States an item never leaves by itself: only an artist's retry or redo reopens it. */
export const FINAL_STATES: readonly ItemStateName[] = ['done', 'failed', 'canceled'];

/**
 * Work started on an engine and not finished: what a restart picks up again. (Queued items have
 * not started; waiting-for-network items are parked and go back to one of these.)
 */
export const IN_FLIGHT_STATES: readonly ItemStateName[] = ['uploading', 'submitted', 'processing', 'downloading'];

/** Ended without a result: a retry puts these back in line. */
export const RETRYABLE_STATES: readonly ItemStateName[] = ['failed', 'canceled'];

export function isFinalState(state: ItemStateName): boolean {
  return FINAL_STATES.includes(state);
}

export function isInFlightState(state: ItemStateName): boolean {
  return IN_FLIGHT_STATES.includes(state);
}

export function isRetryableState(state: ItemStateName): boolean {
  return RETRYABLE_STATES.includes(state);
}
