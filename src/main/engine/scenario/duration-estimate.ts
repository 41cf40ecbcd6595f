/**
 * Learns how long jobs of one kind take, so the first poll can land when the job is likely done
 * instead of on a fixed schedule: fewer polls per job, and a finished job is noticed sooner.
 *
 * A job seen done after a long wait may have finished long before, so that observation is shaded
 * well down (probe earlier next time); a job found by a short overdue poll was seen promptly, so
 * its observation is close to the truth. The estimate settles around the true duration,
 * where most jobs are seen done at their first poll and the rest one short poll later.
 */
export class DurationEstimates {
  private readonly estimates = new Map<string, number>();
  /** Keys for which a precise observation was seen: the estimate is near the truth already. */
  private readonly anchored = new Set<string>();

  constructor(
    private readonly weight = 0.5,
    /** Shade for a late observation while the estimate is still coming down from a first guess. */
    private readonly imprecisionShade = 0.7,
    /** Shade once anchored: just enough to keep probing slightly earlier. */
    private readonly anchoredShade = 0.9,
  ) {}

  get(key: string): number | undefined {
    return this.estimates.get(key);
  }

  /** A job of this kind was seen finished `observedMs` after it was submitted; `late` if after a long wait. */
  record(key: string, observedMs: number, late: boolean): void {
    if (!(observedMs > 0) || !Number.isFinite(observedMs)) return;
    if (!late) this.anchored.add(key);
    const shade = this.anchored.has(key) ? this.anchoredShade : this.imprecisionShade;
    const sample = late ? observedMs * shade : observedMs;
    const previous = this.estimates.get(key);
    this.estimates.set(key, previous === undefined ? sample : previous + this.weight * (sample - previous));
  }
}
