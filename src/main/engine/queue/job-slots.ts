import { ScenarioError, type TeamLimitError } from '../scenario/errors';

/** Pauses after a generate refused for the team's ceiling, when no job of ours is running to wait for. */
const TEAM_LIMIT_FIRST_PAUSE_MS = 1_000;
const TEAM_LIMIT_MAX_PAUSE_MS = 30_000;

/**
 * The runner's job slots: jobs running at Scenario (or local conversions) at once. The limit applies
 * to these only; uploads of the next items and downloads of finished ones overlap with them, so a
 * slot is never idle while files move.
 */
export class JobSlots {
  private inFlight = 0;
  private readonly slotWaiters = new Set<() => void>();
  /** Woken when a job at Scenario ends, so an item refused for the team's ceiling may go again. */
  private readonly jobEndWaiters = new Set<() => void>();

  /** `limit`: jobs that may run at once now (it may change: the concurrency, a team's ceiling). */
  constructor(private readonly limit: () => number) {}

  /** A slot not yet held, for one item: taken and given back through it, never by hand. */
  slot(): JobSlot {
    return new JobSlot(this);
  }

  /** Waits for room under the limit and takes a slot; rejects as a stop if `signal` aborts first. */
  async take(signal: AbortSignal): Promise<void> {
    while (this.inFlight >= this.limit()) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal.removeEventListener('abort', onAbort);
          this.slotWaiters.delete(wake);
          resolve();
        };
        const onAbort = () => {
          this.slotWaiters.delete(wake);
          reject(new ScenarioError('canceled', 'stopped'));
        };
        if (signal.aborted) return onAbort();
        this.slotWaiters.add(wake);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    this.inFlight++;
  }

  /** Takes a slot at once, over the limit if need be. */
  takeNow(): void {
    this.inFlight++;
  }

  /** `jobEnded`: a job at Scenario ended (as opposed to a slot given back after a refused generate). */
  give(jobEnded: boolean): void {
    this.inFlight--;
    if (jobEnded) for (const wake of [...this.jobEndWaiters]) wake();
    // The ceiling may have dropped: wake only while there is room.
    if (this.inFlight < this.limit()) {
      const [next] = this.slotWaiters;
      next?.();
    }
  }

  /**
   * After a generate refused for the team's ceiling: wait for one of our jobs to end, or for a
   * growing pause when none is running (the ceiling is used elsewhere), and never less than a
   * Retry-After the answer carried. So a batch causes a handful of these refusals, not one per item.
   */
  async waitAfterTeamLimit(error: TeamLimitError, refusals: number, signal: AbortSignal): Promise<void> {
    const pause = Math.min(TEAM_LIMIT_MAX_PAUSE_MS, TEAM_LIMIT_FIRST_PAUSE_MS * 2 ** refusals);
    const atLeast = error.retryAfterMs ?? 0;
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.jobEndWaiters.delete(onJobEnd);
        signal.removeEventListener('abort', onAbort);
      };
      const finish = (): void => {
        done();
        resolve();
      };
      const onJobEnd = (): void => {
        // A job ended: go as soon as a Retry-After, if any, has passed.
        this.jobEndWaiters.delete(onJobEnd);
        clearTimeout(timer);
        timer = setTimeout(finish, Math.max(0, atLeast - (Date.now() - started)));
      };
      const onAbort = (): void => {
        done();
        reject(new ScenarioError('canceled', 'stopped'));
      };
      if (signal.aborted) return onAbort();
      timer = setTimeout(finish, Math.max(atLeast, this.inFlight > 0 ? TEAM_LIMIT_MAX_PAUSE_MS : pause));
      this.jobEndWaiters.add(onJobEnd);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * One item's job slot. It knows whether it is held, so whichever phase fails, and however often
 * `release` is called on the way out, the slot goes back exactly once.
 */
export class JobSlot {
  private held = false;

  constructor(private readonly slots: JobSlots) {}

  /** Waits for a free slot (a new job is about to be created). */
  async acquire(signal: AbortSignal): Promise<void> {
    if (this.held) return;
    await this.slots.take(signal);
    this.held = true;
  }

  /** A job already running at Scenario takes its slot at once: it is there whether we wait or not. */
  adopt(): void {
    if (this.held) return;
    this.slots.takeNow();
    this.held = true;
  }

  /**
   * Gives the slot back, if held. `jobEnded` (the default) also wakes items refused for the team's
   * ceiling; a generate refused for that ceiling created no job and gives it back with `false`.
   */
  release(jobEnded = true): void {
    if (!this.held) return;
    this.held = false;
    this.slots.give(jobEnded);
  }
}
