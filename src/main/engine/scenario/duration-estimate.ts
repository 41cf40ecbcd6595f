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

  constructor(
    private readonly weight = 0.5,
    private readonly imprecisionShade = 0.7,
  ) {}

  get(key: string): number | undefined {
    return this.estimates.get(key);
  }

  /** A job of this kind was seen finished `observedMs` after it was submitted; `late` if after a long wait. */
  record(key: string, observedMs: number, late: boolean): void {
    if (!(observedMs > 0) || !Number.isFinite(observedMs)) return;
    const sample = late ? observedMs * this.imprecisionShade : observedMs;
    const previous = this.estimates.get(key);
    this.estimates.set(key, previous === undefined ? sample : previous + this.weight * (sample - previous));
  }
}
