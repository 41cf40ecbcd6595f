import type { DurationMemory, TeamLimitMemory } from '../scenario/types';
import type { QueueStore } from './store';

/** The queue store as the place a ScenarioClient keeps what it learned about job durations. */
export function durationMemory(store: QueueStore): DurationMemory {
  return { load: () => store.jobTimings(), save: (kind, value) => store.saveJobTiming(kind, value) };
}

/** The queue store as the place a ScenarioClient keeps each account's job ceiling. */
export function teamLimitMemory(store: QueueStore): TeamLimitMemory {
  return { load: (account) => store.teamLimit(account), save: (account, limit) => store.saveTeamLimit(account, limit) };
}
