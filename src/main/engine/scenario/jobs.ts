/** Job status: one read, waiting with polling backoff, cancel (scenario-notes "Jobs"). */
import { JobFailedError } from './errors';
import type { HttpCore } from './http';
import { Ignored, JobEnvelope, pickReason, type JobSchema } from './schemas';
import { canceledFrom, PollInterval, sleep, throwIfAborted } from './timing';
import type { JobSnapshot, WaitOptions } from './types';
import type { z } from 'zod';
import { DurationEstimates } from './duration-estimate';

/** Wait between polls once a job is just overdue, as a share of its expected duration (and at least 5 ms). */
const OVERDUE_POLL_SHARE = 0.025;
const OVERDUE_POLL_MIN_MS = 5;
/** Past this multiple of the expected duration a job is simply slow: back to the usual backoff. */
const OVERDUE_WINDOW = 1.5;
/** How long the first job of a kind is looked at more often while its duration is unknown. */
const DISCOVERY_MS = 3000;

export interface PollSettings {
  pollInitialMs: number;
  pollMaxMs: number;
  pollFactor: number;
}

interface InFlight {
  promise: Promise<JobSnapshot>;
  controller: AbortController;
  waiters: number;
}

export function toSnapshot(job: z.infer<typeof JobSchema>): JobSnapshot {
  const snapshot: JobSnapshot = { jobId: job.jobId, status: job.status, assetIds: job.metadata?.assetIds ?? [] };
  if (typeof job.progress === 'number') snapshot.progress = Math.min(1, Math.max(0, job.progress));
  const reason = pickReason(job, job.metadata);
  if (reason) snapshot.reason = reason;
  return snapshot;
}

export class Jobs {
  /** At most one GET /jobs/{id} on the wire per job, however many callers wait on it. */
  private readonly inFlight = new Map<string, InFlight>();
  private readonly durations = new DurationEstimates();

  constructor(
    private readonly http: HttpCore,
    private readonly settings: PollSettings,
  ) {}

  async get(jobId: string, signal?: AbortSignal): Promise<JobSnapshot> {
    const { job } = await this.http.json({
      method: 'GET',
      target: { path: `/jobs/${encodeURIComponent(jobId)}` },
      route: 'GET /jobs/{jobId}',
      schema: JobEnvelope,
      signal,
    });
    return toSnapshot(job);
  }

  async wait(jobId: string, options: WaitOptions = {}): Promise<JobSnapshot> {
    const { signal, onUpdate, durationKey, submittedAt } = options;
    const expected = durationKey === undefined ? undefined : this.durations.get(durationKey);
    // Nothing known yet about jobs of this kind: look a little sooner at first, so the very first
    // duration learned is not one full backoff step too long.
    const first = durationKey !== undefined && expected === undefined ? Math.max(100, this.settings.pollInitialMs / 4) : this.settings.pollInitialMs;
    const interval = new PollInterval(first, this.settings.pollMaxMs, this.settings.pollFactor);
    // The quicker look lasts a few seconds at most: a long job reporting progress on every poll
    // must not be polled at that pace for its whole life.
    const discoveringUntil = first < this.settings.pollInitialMs ? Date.now() + DISCOVERY_MS : 0;
    // With a learned duration and a known start, the first poll waits until the job is likely done.
    if (expected !== undefined && submittedAt !== undefined) {
      const untilDone = submittedAt + expected - Date.now();
      if (untilDone > 0) await sleep(Math.min(untilDone, this.settings.pollMaxMs), signal);
    }
    let previous: JobSnapshot | undefined;
    const timed = expected !== undefined && submittedAt !== undefined;
    // What the first look at (or after) the expected end found: it moves the estimate.
    let firstLookDone: boolean | undefined;
    let lastRunningAt: number | undefined;
    let overduePolls = 0;
    for (;;) {
      const sentAt = Date.now();
      const job = await this.pollShared(jobId, signal);
      const now = Date.now();
      if (timed && firstLookDone === undefined && (job.status === 'success' || now >= submittedAt + expected)) {
        firstLookDone = job.status === 'success';
      }
      onUpdate?.(job);
      if (job.status === 'success') {
        if (durationKey !== undefined && submittedAt !== undefined) {
          this.durations.record(durationKey, {
            doneMs: now - submittedAt,
            ...(lastRunningAt === undefined ? {} : { lastRunningMs: lastRunningAt - submittedAt }),
            ...(timed ? { firstLookDone } : {}),
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
      const changed = !previous || previous.status !== job.status || previous.progress !== job.progress;
      previous = job;
      let wait = interval.next(changed, Date.now() < discoveringUntil ? first : this.settings.pollInitialMs);
      if (timed) {
        const elapsed = Date.now() - submittedAt;
        if (elapsed < expected) {
          // Never look much past the expected end.
          wait = Math.min(wait, expected - elapsed);
        } else if (elapsed < expected * OVERDUE_WINDOW) {
          // Just overdue: it is most likely finishing now, look again soon, then less and less soon.
          wait = Math.min(wait, Math.max(OVERDUE_POLL_MIN_MS, expected * OVERDUE_POLL_SHARE) * 1.5 ** overduePolls++);
        }
      }
      await sleep(wait, signal);
    }
  }

  async cancel(jobId: string): Promise<void> {
    await this.http.json({
      method: 'POST',
      target: { path: `/jobs/${encodeURIComponent(jobId)}/action` },
      route: 'POST /jobs/{jobId}/action',
      json: { action: 'cancel' },
      schema: Ignored,
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
