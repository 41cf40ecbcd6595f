import { z } from 'zod';
import type { Faults, JobDurations } from './types';

export const DEFAULT_FAULTS: Faults = {
  serverErrorRate: 0,
  resetRate: 0,
  rateLimit: null,
  slowMs: 0,
  failJobRate: 0,
  neverFinishJobs: false,
  nonJsonRate: 0,
  teamJobLimit: null,
  teamLimitRetryAfterSeconds: null,
  stuckUploads: false,
  stallJobs: false,
  assetUrlTtlMs: 60_000,
  htmlDownloads: false,
  holdGenerateAnswers: false,
  followRateLimit: null,
};

const rate = z.number().min(0).max(1);
const faultsPatchSchema = z.strictObject({
  serverErrorRate: rate,
  resetRate: rate,
  rateLimit: z
    .object({ requests: z.number().int().min(0), retryAfterSeconds: z.number().int().min(0) })
    .nullable(),
  slowMs: z.number().min(0),
  failJobRate: rate,
  neverFinishJobs: z.boolean(),
  nonJsonRate: rate,
  teamJobLimit: z.number().int().min(1).nullable(),
  teamLimitRetryAfterSeconds: z.number().int().min(0).nullable(),
  stuckUploads: z.boolean(),
  stallJobs: z.boolean(),
  assetUrlTtlMs: z.number().min(0),
  htmlDownloads: z.boolean(),
  holdGenerateAnswers: z.boolean(),
  followRateLimit: z
    .object({ requests: z.number().int().min(0), retryAfterSeconds: z.number().int().min(0) })
    .nullable(),
}).partial();

/** A job duration drawn from the configured distribution (Box–Muller for the normal in log space). */
export function durationDrawer(spec: JobDurations, random: () => number): () => number {
  if (spec.kind === 'fixed') return () => spec.ms;
  return () => {
    const u = Math.max(Number.EPSILON, random());
    const v = random();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return spec.medianMs * Math.exp(spec.sigma * normal);
  };
}

/** mulberry32: tiny, fast and good enough to make a fault sequence repeatable from a seed. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type RequestFault =
  | { kind: 'reset' }
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  | { kind: 'server-error'; status: 500 | 502 | 503 }
  | { kind: 'non-json' }
  | { kind: 'none' };

const SERVER_ERROR_STATUSES = [500, 502, 503] as const;

/**
 * Decides, per request, which fault (if any) hits it. Every request draws the same number of
 * random values whatever the rates are, so a seed yields the same sequence for the same traffic
 * even when a test changes the rates midway.
 */
export class FaultInjector {
  private current: Faults;
  private rateLimitLeft = 0;
  private followRateLimitLeft = 0;
  private readonly random: () => number;

  constructor(initial: Partial<Faults> | undefined, seed: number) {
    this.random = createRng(seed);
    this.current = { ...DEFAULT_FAULTS };
    this.set(initial ?? {});
  }

  get faults(): Readonly<Faults> {
    return this.current;
  }

  set(patch: Partial<Faults>): void {
    const parsed = faultsPatchSchema.safeParse(patch);
    if (!parsed.success) throw new TypeError(`invalid faults: ${z.prettifyError(parsed.error)}`);
    const next = { ...this.current };
    for (const [key, value] of Object.entries(parsed.data)) {
      if (value !== undefined) Object.assign(next, { [key]: value });
    }
    this.current = next;
    // A new rateLimit starts a fresh budget; repeating the same object restarts it too.
    if ('rateLimit' in patch) this.rateLimitLeft = this.current.rateLimit?.requests ?? 0;
    if ('followRateLimit' in patch) this.followRateLimitLeft = this.current.followRateLimit?.requests ?? 0;
  }

  /**
   * The fault for one request; `api` is false for the CDN and pre-signed part URLs; `following` is
   * true for the reads that follow a paid job (job polls, asset reads).
   */
  forRequest(api: boolean, following = false): RequestFault {
    const [resetDraw, errorDraw, statusDraw, htmlDraw] = [this.random(), this.random(), this.random(), this.random()];
    if (resetDraw < this.current.resetRate) return { kind: 'reset' };
    if (!api) return { kind: 'none' };
    if (following && this.current.followRateLimit && this.followRateLimitLeft > 0) {
      this.followRateLimitLeft--;
      return { kind: 'rate-limit', retryAfterSeconds: this.current.followRateLimit.retryAfterSeconds };
    }
    if (this.current.rateLimit && this.rateLimitLeft > 0) {
      this.rateLimitLeft--;
      return { kind: 'rate-limit', retryAfterSeconds: this.current.rateLimit.retryAfterSeconds };
    }
    if (errorDraw < this.current.serverErrorRate) {
      const status = SERVER_ERROR_STATUSES[Math.floor(statusDraw * SERVER_ERROR_STATUSES.length)] ?? 500;
      return { kind: 'server-error', status };
    }
    if (htmlDraw < this.current.nonJsonRate) return { kind: 'non-json' };
    return { kind: 'none' };
  }

  /** Drawn once per new job, so a job's fate is fixed when it is created. */
  jobFate(): 'fail' | 'never-finish' | 'stall' | 'normal' {
    const draw = this.random();
    if (this.current.neverFinishJobs) return 'never-finish';
    if (this.current.stallJobs) return 'stall';
    if (draw < this.current.failJobRate) return 'fail';
    return 'normal';
  }
}
