import type { DurationMemory } from '../scenario/types';
import type { QueueStore } from './store';

/** The queue store as the place a ScenarioClient keeps what it learned about job durations. */
export function durationMemory(store: QueueStore): DurationMemory {
  return { load: () => store.jobDurations(), save: (kind, ms) => store.saveJobDuration(kind, ms) };
}
