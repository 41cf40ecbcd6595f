/** Job status: one read, waiting with polling backoff, cancel (scenario-notes "Jobs"). */
import { GoneError, JobFailedError, ValidationError } from './errors';
import type { HttpCore } from './http';
import { Ignored, JobEnvelope, pickReason, type JobSchema } from './schemas';
import { canceledFrom, PollInterval, sleepUnless, throwIfAborted } from './timing';
import type { DurationMemory, JobSnapshot, WaitOptions } from './types';
import type { z } from 'zod';
import { DurationEstimates } from './duration-estimate';

/** Wait between polls once a job is just overdue, as a share of its expected duration (and at least 5 ms). */
const OVERDUE_POLL_SHARE = 0.025;
const OVERDUE_POLL_MIN_MS = 5;
/** Past this multiple of the expected duration a job is simply slow: back to the usual backoff. */
const OVERDUE_WINDOW = 1.5;
/**
 * The first job of a kind nobody has timed yet (the scout) is looked at SCOUT_FIRST_MS after it
 * was submitted, then each look SCOUT_FACTOR times later than the one before, for DISCOVERY_MS at
 * most. So its duration is bracketed within 20 %, whatever it is, for 9 looks at a 200 ms job and
 * about 20 at a job of a second or more; the other jobs of that kind wait for its answer instead of
 * polling blind. The estimate starts at the low end of that bracket and climbs within a few jobs.
 */
const SCOUT_FIRST_MS = 50;
const SCOUT_FACTOR = 1.2;
const DISCOVERY_MS = 3000;

export interface PollSettings {
  pollInitialMs: number;
  pollMaxMs: number;
  pollFactor: number;
}

interface Scout {
  since: number;
  /** Settles when the scout's job ends, whatever the outcome. */
  learned: Promise<void>;
  settle: () => void;
}

interface InFlight {
  promise: Promise<JobSnapshot>;
  controller: AbortController;
  waiters: number;
}

export function toSnapshot(job: z.infer<typeof JobSchema>): JobSnapshot {
  const snapshot: JobSnapshot = { jobId: job.jobId, status: job.status, assetIds: job.metadata?.assetIds ?? [] };
  if (typeof job.progress === 'number') snapshot.progress = Math.min(1, Math.max(0, job.progress));
  // The reason is `metadata.error` (docs/scenario-api.md "Jobs"); other fields only as a fallback.
  const reason = pickReason(job.metadata, job);
  if (reason) snapshot.reason = reason;
  return snapshot;
}

export class Jobs {
  /** At most one GET /jobs/{id} on the wire per job, however many callers wait on it. */
  private readonly inFlight = new Map<string, InFlight>();
  private readonly durations: DurationEstimates;
  private readonly scouts = new Map<string, Scout>();

  constructor(
    private readonly http: HttpCore,
    private readonly settings: PollSettings,
    memory?: DurationMemory,
  ) {
    this.durations = new DurationEstimates(undefined, memory);
  }

  async get(jobId: string, signal?: AbortSignal): Promise<JobSnapshot> {
    try {
      const { job } = await this.http.json({
        method: 'GET',
        target: { path: `/jobs/${encodeURIComponent(jobId)}` },
        route: 'GET /jobs/{jobId}',
        schema: JobEnvelope,
        signal,
      });
      return toSnapshot(job);
    } catch (error) {
      if (error instanceof ValidationError && error.status === 404) {
        throw new GoneError('job', `Scenario no longer knows job ${jobId} (${error.message})`, 404);
      }
      throw error;
    }
  }

  async wait(jobId: string, options: WaitOptions = {}): Promise<JobSnapshot> {
    const { signal, onUpdate, durationKey: key, submittedAt } = options;
    const backoff = new PollInterval(this.settings.pollInitialMs, this.settings.pollMaxMs, this.settings.pollFactor);
    let scout: Scout | undefined;
    let previous: JobSnapshot | undefined;
    let looks = 0;
    let lastLookAt = Date.now();
    let backoffWait = 0;
    let scoutLookMs = SCOUT_FIRST_MS;
    let overduePolls = 0;
    // What the first look at (or after) the expected end found: it moves the estimate.
    let firstLookDone: boolean | undefined;
    let lastRunningAt: number | undefined;
    try {
      for (;;) {
        const expected = key === undefined ? undefined : this.durations.get(key);
        // Only a job whose start is known can time its kind; one scout per kind at a time.
        if (key !== undefined && expected === undefined && submittedAt !== undefined && !scout && !this.scouts.has(key)) {
          scout = this.claimScout(key);
        }
        const now = Date.now();
        let lookAt: number;
        if (expected !== undefined && submittedAt !== undefined) {
          const due = submittedAt + expected;
          const backoffAt = looks === 0 ? now + this.settings.pollMaxMs : lastLookAt + backoffWait;
          if (now < due) lookAt = Math.min(due, backoffAt);
          else if (firstLookDone === undefined) lookAt = now;
          else if (now < submittedAt + expected * OVERDUE_WINDOW) {
            // Just overdue: it is most likely finishing now, look again soon, then less and less soon.
            const soon = Math.max(OVERDUE_POLL_MIN_MS, expected * OVERDUE_POLL_SHARE) * 1.5 ** overduePolls;
            lookAt = Math.min(backoffAt, lastLookAt + soon);
          } else lookAt = backoffAt;
        } else if (scout && submittedAt !== undefined && now - scout.since < DISCOVERY_MS) {
          lookAt = submittedAt + scoutLookMs;
        } else if (looks === 0) {
          // A job picked up again (start unknown) is looked at now; a new one waits for its kind's scout.
          lookAt = submittedAt === undefined || key === undefined ? now : submittedAt + this.settings.pollInitialMs;
        } else {
          lookAt = lastLookAt + backoffWait;
        }
        // Timers may fire a millisecond early: what counts is that this look was meant for the expected end.
        const atExpectedEnd = expected !== undefined && submittedAt !== undefined && lookAt >= submittedAt + expected;
        if (lookAt > now) {
          // Waiting blind while another job times this kind: wake as soon as it has an answer.
          const learned = expected === undefined && key !== undefined && !scout ? this.scouts.get(key)?.learned : undefined;
          if (await sleepUnless(lookAt - now, learned, signal)) continue;
        }

        const sentAt = Date.now();
        const job = await this.pollShared(jobId, signal);
        const seenAt = Date.now();
        looks++;
        lastLookAt = sentAt;
        if (firstLookDone === undefined && (atExpectedEnd || (expected !== undefined && job.status === 'success'))) {
          firstLookDone = job.status === 'success';
        } else if (firstLookDone === false) {
          overduePolls++;
        }
        onUpdate?.(job);
        if (job.status === 'success') {
          if (key !== undefined && submittedAt !== undefined) {
            this.durations.record(key, {
              doneMs: seenAt - submittedAt,
              ...(lastRunningAt === undefined ? {} : { lastRunningMs: lastRunningAt - submittedAt }),
              ...(firstLookDone === undefined ? {} : { firstLookDone }),
            });
          }
          return job;
        }
        const final = job.status === 'failure' ? 'failure' : job.status === 'canceled' ? 'canceled' : undefined;
        if (final) {
          const fallback = final === 'failure' ? 'Scenario reported the job failed without a reason' : 'the job was canceled on Scenario';
          throw new JobFailedError(jobId, final, job.reason ?? fallback);
        }
        // Any other status, known or not, means "still working" — as of when the look was sent.
        lastRunningAt = sentAt;
        if (scout) scoutLookMs = Math.max(scoutLookMs, sentAt - (submittedAt ?? sentAt)) * SCOUT_FACTOR;
        const changed = !previous || previous.status !== job.status || previous.progress !== job.progress;
        previous = job;
        backoffWait = backoff.next(changed);
      }
    } finally {
      if (scout && key !== undefined) this.releaseScout(key, scout);
    }
  }

  /** This job times its kind; the others of that kind wait for `learned`. */
  private claimScout(key: string): Scout {
    let settle: () => void = () => {};
    const learned = new Promise<void>((resolve) => (settle = resolve));
    const scout: Scout = { since: Date.now(), learned, settle };
    this.scouts.set(key, scout);
    return scout;
  }

  /** Done, failed or abandoned: the waiting jobs go on (one of them scouts if nothing was learned). */
  private releaseScout(key: string, scout: Scout): void {
    if (this.scouts.get(key) === scout) this.scouts.delete(key);
    scout.settle();
  }

  /**
   * One try, best effort: most generation jobs refuse with 400 "Cannot cancel this type of job"
   * (docs/scenario-api.md "Jobs"), so a cancel in Kiln never waits on this.
   */
  async cancel(jobId: string): Promise<void> {
    await this.http.json({
      method: 'POST',
      target: { path: `/jobs/${encodeURIComponent(jobId)}/action` },
      route: 'POST /jobs/{jobId}/action',
      json: { action: 'cancel' },
      schema: Ignored,
      retries: 0,
    });
  }

  /**
   * Joins the poll already on the wire for this job, if any. Each waiter can leave on its own signal
   * at once; the shared request is aborted only when the last waiter has left.
   */
  private pollShared(jobId: string, signal?: AbortSignal): Promise<JobSnapshot> {
    throwIfAborted(signal);
    let entry = this.inFlight.get(jobId);
    if (!entry) {
      const controller = new AbortController();
      const created: InFlight = { controller, waiters: 0, promise: this.get(jobId, controller.signal) };
      created.promise
        .finally(() => {
          if (this.inFlight.get(jobId) === created) this.inFlight.delete(jobId);
        })
        .catch(() => {}); // every waiter sees the outcome through its own race below
      this.inFlight.set(jobId, created);
      entry = created;
    }
    const shared = entry;
    shared.waiters++;
    return new Promise<JobSnapshot>((resolve, reject) => {
      let done = false;
      const leave = (): void => {
        if (done) return;
        done = true;
        signal?.removeEventListener('abort', onAbort);
        if (--shared.waiters === 0 && this.inFlight.get(jobId) === shared) {
          this.inFlight.delete(jobId);
          shared.controller.abort();
        }
      };
      const onAbort = (): void => {
        leave();
        reject(canceledFrom(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(
        (job) => {
          if (done) return;
          done = true;
          signal?.removeEventListener('abort', onAbort);
          shared.waiters--;
          resolve(job);
        },
        (err: unknown) => {
          if (done) return;
          done = true;
          signal?.removeEventListener('abort', onAbort);
          shared.waiters--;
          reject(err);
        },
      );
    });
  }
}
