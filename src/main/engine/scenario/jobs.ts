/** Job status: one read, waiting with learned polling, cancel (docs/scenario-api.md "Jobs"). */
import { GoneError, JobFailedError, ValidationError } from './errors';
import type { HttpCore } from './http';
import { Ignored, JobEnvelope, pickReason, type JobSchema } from './schemas';
import { canceledFrom, sleepUnless, throwIfAborted } from './timing';
import type { DurationMemory, JobSnapshot, WaitOptions } from './types';
import type { z } from 'zod';
import { DurationModels, scoutAim, type JobLooks, type NextLook } from './duration-model';
import { afterLook, firstLookState, nextLookDelay, type LookLimits } from './next-look';

interface Scout {
  since: number;
  /** Settles when the scout's job ends, whatever the outcome. */
  learned: Promise<void>;
  settle: () => void;
  /** Jobs of its kind waiting for its answer now: the more, the closer its looks (next-look.ts scoutFactor). */
  waiting: number;
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
  private readonly durations: DurationModels;
  private readonly scouts = new Map<string, Scout>();

  constructor(
    private readonly http: HttpCore,
    private readonly settings: LookLimits,
    memory?: DurationMemory,
  ) {
    this.durations = new DurationModels(memory);
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

  /**
   * Looks at the job until it ends. When each look happens is next-look.ts's decision; here are the
   * looks, the scouts (one job per untimed kind times it) and what the duration model learns.
   */
  async wait(jobId: string, options: WaitOptions = {}): Promise<JobSnapshot> {
    const { signal, onUpdate, durationKey: key, submittedAt } = options;
    let looking = firstLookState(this.settings);
    let scout: Scout | undefined;
    // What this job's looks showed, for the model to plan the next look and learn from at the end.
    let timed: JobLooks | undefined;
    try {
      for (;;) {
        const model = key === undefined ? undefined : this.durations.get(key);
        // Only a job whose start is known can time its kind; one scout per kind at a time.
        if (key !== undefined && !model && submittedAt !== undefined && !scout && !this.scouts.has(key)) {
          scout = this.claimScout(key);
          timed ??= { running: [], calibrate: false };
        }
        let plan: NextLook | undefined;
        if (model && submittedAt !== undefined) {
          timed ??= { running: [], calibrate: model.nextCalibrates() };
          plan = model.next(timed);
          if (plan.predictedMs !== undefined) timed.predictedMs = plan.predictedMs;
        }
        const scoutAimMs = scout && timed ? scoutAim(timed.running) : undefined;
        const context = { now: Date.now(), submittedAt, hasKind: key !== undefined, plan, scoutingSince: scout?.since, scoutAimMs };
        const delay = nextLookDelay(looking, context, this.settings);
        if (delay > 0) {
          // Waiting blind while another job times this kind: wake as soon as it has an answer.
          const awaitedScout = !model && key !== undefined && !scout ? this.scouts.get(key) : undefined;
          if (awaitedScout) awaitedScout.waiting++;
          try {
            if (await sleepUnless(delay, awaitedScout?.learned, signal)) continue;
          } finally {
            if (awaitedScout) awaitedScout.waiting--;
          }
        }

        const sentAt = Date.now();
        const job = await this.pollShared(jobId, signal);
        const seenAt = Date.now();
        onUpdate?.(job);
        if (job.status === 'success') {
          if (key !== undefined && submittedAt !== undefined && timed) this.durations.record(key, timed, seenAt - submittedAt);
          return job;
        }
        const final = job.status === 'failure' ? 'failure' : job.status === 'canceled' ? 'canceled' : undefined;
        if (final) {
          const fallback = final === 'failure' ? 'Scenario reported the job failed without a reason' : 'the job was canceled on Scenario';
          throw new JobFailedError(jobId, final, job.reason ?? fallback);
        }
        // Any other status, known or not, means "still working" — as of when the look was sent.
        if (timed && submittedAt !== undefined) {
          // Before it works on the job Scenario reports no progress: that is progress 0.
          const progress = job.status === 'in-progress' ? job.progress : (job.progress ?? 0);
          timed.running.push({ atMs: sentAt - submittedAt, ...(progress === undefined ? {} : { progress }) });
        }
        looking = afterLook(looking, { sentAt, status: job.status, progress: job.progress, submittedAt, scoutingFor: scout ? scout.waiting + 1 : 0 }, this.settings);
      }
    } finally {
      if (scout && key !== undefined) this.releaseScout(key, scout);
    }
  }

  /** This job times its kind; the others of that kind wait for `learned`. */
  private claimScout(key: string): Scout {
    let settle: () => void = () => {};
    const learned = new Promise<void>((resolve) => (settle = resolve));
    const scout: Scout = { since: Date.now(), learned, settle, waiting: 0 };
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
