/**
 * Learns when to take the first look at a job of one kind, so it lands just after the job is done
 * instead of on a fixed schedule: fewer polls per job, and a finished job is noticed sooner.
 *
 * The estimate tracks a high quantile of job durations rather than their mean. After each job's
 * first look it moves a little: down when the job was already done (perhaps we could have looked
 * sooner), up when it was not (we looked too soon). With an upward step `up/down` times the
 * downward one, it settles where that share of first looks find the job done — by default 80 %:
 * most jobs take one poll and are seen within a few ms of finishing; the rest take one more
 * short poll. A first look that finds the job running also pulls the estimate part of the way
 * toward when it was finally seen done, so a kind of job that became much slower is relearned in a
 * few jobs, not dozens.
 */
export interface DurationEstimateSettings {
  /** Relative step down after a first look that found the job done. */
  down: number;
  /** Relative step up after a first look that found it still running. */
  up: number;
  /** Share of the distance to the observed completion covered after a too-early first look. */
  catchUp: number;
  /** The first duration seen is an upper bound (the job finished before we looked): shade it. */
  firstShade: number;
}

export const DEFAULT_DURATION_ESTIMATE: DurationEstimateSettings = { down: 0.005, up: 0.02, catchUp: 0.25, firstShade: 0.9 };

export class DurationEstimates {
  private readonly estimates = new Map<string, number>();

  constructor(private readonly settings: DurationEstimateSettings = DEFAULT_DURATION_ESTIMATE) {}

  get(key: string): number | undefined {
    return this.estimates.get(key);
  }

  /** Starts from a known estimate (e.g. one saved from an earlier run); ignored if not a positive number. */
  set(key: string, ms: number): void {
    if (ms > 0 && Number.isFinite(ms)) this.estimates.set(key, ms);
  }

  /**
   * A job of this kind was seen done `observedMs` after it was submitted. `firstLookDone`: whether
   * the first look at the estimate found it done; undefined when there was no estimate yet.
   */
  record(key: string, observedMs: number, firstLookDone: boolean | undefined): void {
    if (!(observedMs > 0) || !Number.isFinite(observedMs)) return;
    const { down, up, catchUp, firstShade } = this.settings;
    const current = this.estimates.get(key);
    if (current === undefined || firstLookDone === undefined) {
      const seeded = observedMs * firstShade;
      this.estimates.set(key, current === undefined ? seeded : (current + seeded) / 2);
      return;
    }
    if (firstLookDone) {
      this.estimates.set(key, current * (1 - down));
      return;
    }
    this.estimates.set(key, current + Math.max(current * up, catchUp * (observedMs - current)));
  }
}
