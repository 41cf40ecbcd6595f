/**
 * Learns when to take the first look at a job of one kind, so it lands just after the job is done
 * instead of on a fixed schedule: fewer polls per job, and a finished job is noticed sooner.
 *
 * Each job brackets its own duration: it was still running at the last look that said so
 * (`lastRunningMs`) and done by the first look that said so (`doneMs`). The estimate tracks a high
 * quantile of durations rather than their mean. After a job's first look at the estimate it moves:
 * - up when the job was still running (we looked too soon): at least `up`, and part of the way to
 *   the last moment the job was seen running, a sure lower bound, so a kind of job that became
 *   much slower is relearned in a few jobs;
 * - down a little when the job was already done (perhaps we could have looked sooner). A look that
 *   finds the job done says nothing about how long ago it finished, so only probing earlier can
 *   tell, and that is slow; hence the very first estimate is the lower end of the first job's
 *   bracket, and the estimate climbs to the right place within a few jobs.
 * With the step up `up/down` times the step down it settles where that share of first looks find
 * the job done (80 %), seen within a few ms of finishing; the rest take one more short poll.
 */
import type { DurationMemory } from './types';

export interface DurationEstimateSettings {
  /** Relative step down after a first look that found the job done. */
  down: number;
  /** Smallest relative step up after a first look that found the job running. */
  up: number;
  /** Share of the distance to the last moment the job was seen running covered by a step up. */
  catchUp: number;
}

export const DEFAULT_DURATION_ESTIMATE: DurationEstimateSettings = { down: 0.002, up: 0.008, catchUp: 0.75 };

/** What one job's polling showed, in ms after it was submitted. */
export interface JobObservation {
  /** When a look first found it done. */
  doneMs: number;
  /** The last look that found it still running, if any. */
  lastRunningMs?: number;
  /** Whether the first look at (or after) the estimate found it done; undefined if it was not timed by one. */
  firstLookDone?: boolean;
}

/** Largest step up from one job, relative to the estimate. */
const MAX_STEP_UP = 0.5;

const valid = (ms: number | undefined): ms is number => ms !== undefined && ms > 0 && Number.isFinite(ms);

/** An estimate is written to the memory when it moved this much (relative) since it was last written. */
const SAVE_WHEN_MOVED = 0.01;

export class DurationEstimates {
  private readonly estimates = new Map<string, number>();
  private readonly saved = new Map<string, number>();

  constructor(
    private readonly settings: DurationEstimateSettings = DEFAULT_DURATION_ESTIMATE,
    private readonly memory?: DurationMemory,
  ) {
    let remembered: ReadonlyMap<string, number> = new Map();
    try {
      remembered = memory?.load() ?? remembered;
    } catch {
      // Nothing remembered is the same as a first run: the kinds are timed again.
    }
    for (const [key, ms] of remembered) {
      if (!valid(ms)) continue;
      this.estimates.set(key, ms);
      this.saved.set(key, ms);
    }
  }

  get(key: string): number | undefined {
    return this.estimates.get(key);
  }

  /** Sets the estimate outright; ignored if not a positive number. */
  set(key: string, ms: number): void {
    if (valid(ms)) this.put(key, ms);
  }

  record(key: string, { doneMs, lastRunningMs, firstLookDone }: JobObservation): void {
    if (!valid(doneMs)) return;
    const { down, up, catchUp } = this.settings;
    const running = valid(lastRunningMs) && lastRunningMs < doneMs ? lastRunningMs : undefined;
    const current = this.estimates.get(key);
    if (current === undefined || firstLookDone === undefined) {
      // The lower end of the bracket: a low start is corrected upward within a few jobs, a high
      // one only slowly. Without a bracket, the time it was seen done, well shaded.
      const seed = running ?? doneMs * 0.8;
      this.put(key, current === undefined ? seed : (current + seed) / 2);
      return;
    }
    if (firstLookDone) {
      this.put(key, current * (1 - down));
      return;
    }
    // Capped: one unusually slow job must not push the estimate so high that the next ones,
    // which only come back down slowly, are all noticed late.
    const towardRunning = running === undefined ? 0 : Math.min(MAX_STEP_UP * current, catchUp * (running - current));
    this.put(key, current + Math.max(current * up, towardRunning));
  }

  /** Every few moves (not every job) the estimate is written down, so the next run starts from it. */
  private put(key: string, ms: number): void {
    this.estimates.set(key, ms);
    const saved = this.saved.get(key);
    if (!this.memory || (saved !== undefined && Math.abs(ms - saved) < saved * SAVE_WHEN_MOVED)) return;
    try {
      this.memory.save(key, ms);
      this.saved.set(key, ms);
    } catch {
      // Remembering is an optimisation: a store that cannot write must never fail a job.
    }
  }
}
