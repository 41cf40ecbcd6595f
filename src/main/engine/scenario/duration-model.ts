/**
 * What polling learns about each kind of job, and when to look at a job because of it.
 *
 * Real jobs of one model can take 3 s or 30 s, so one number (how long "a job" takes) cannot time
 * the looks: half the jobs would be seen late, the other half polled too early. Two things are
 * learned per kind instead:
 * - the distribution of durations: a log-normal fitted to the recent ones (durations of work whose
 *   size varies are skewed to the right; a log-normal is the usual model and needs two numbers);
 * - how the job's reported `progress` tracks its time: fraction of the duration elapsed ≈ a + b·p,
 *   fitted by least squares on looks of recent jobs whose end was bracketed tightly.
 *
 * The first look at a job lands at a low quantile of the duration distribution, so few jobs are
 * already done (those are seen late by at most that quantile) and most are running with some
 * progress. From a look at elapsed t with progress p the end is predicted as t / (a + b·p), and
 * the next look lands just after it: about two looks per job, each job noticed a small fraction of
 * its own duration after it ended. A job still at progress 0 is looked at again where a typical job
 * that long would show progress; without a usable progress fit the looks follow quantiles of the
 * remaining-time distribution (given that the job is still running at t). A look that finds a job
 * running past its predicted end is followed by short, growing steps.
 */
import { z } from 'zod';
import type { DurationMemory } from './types';

/** Recent durations and progress pairs kept per kind. */
const KEEP = 96;
/** Below this many samples the fit is made again after every job (KindModel.record). */
const REFIT_EVERY_JOB_BELOW = 16;
/**
 * The first look lands at one of these quantiles of the duration distribution: the one with the
 * least expected cost (delay as a share of the mean job, plus LOOK_COST per look). Wide
 * distributions pick a low one (look early, let progress tell the end); narrow ones a high one
 * (most jobs are done by then, and seen little after they ended).
 */
const FIRST_LOOK_QUANTILES = [0.12, 0.25, 0.4, 0.55, 0.7, 0.8, 0.88, 0.94] as const;
/** What one more look is worth, as a share of a job's mean duration spent waiting (next-look.ts prices a scout's looks with it too). */
export const LOOK_COST = 0.05;
/** Without progress: each look at this quantile of the remaining time, given the job still runs. */
const BLIND_HAZARD = 0.45;
const BLIND_MIN_GROWTH = 0.1;
/** A predicted end is looked at this much (relative, plus a few ms) after it. */
const END_MARGIN = 0.01;
const END_MARGIN_MS = 3;
/** Past a predicted end, steps of this share of the duration, growing each time. */
const OVERDUE_STEP = 0.02;
const OVERDUE_GROWTH = 1.5;
const MIN_STEP_MS = 4;
/** Every CALIBRATE_EVERY-th predicted job is looked at a little before its predicted end, so the fit keeps being checked. */
const CALIBRATE_EVERY = 10;
const CALIBRATE_EARLY = 0.04;
/** A job's end counts as known when bracketed within this share of its duration. */
const TIGHT_BRACKET = 0.1;
/**
 * Progress near the end is often held just short of 1 (the fake server caps it at 0.99, real
 * services round or pause there): looks past this say little about time and are not learned from.
 */
const MAX_LEARNED_PROGRESS = 0.97;
/** Two looks of one job whose progress differs this much tell where its progress line reaches 1. */
const MIN_PROGRESS_SPAN = 0.05;
/** The log-normal's spread before much is known (a weak prior on σ, worth PRIOR_WEIGHT samples). */
const PRIOR_SIGMA = 0.5;
const PRIOR_WEIGHT = 2;
const PRIOR_FADE = 8;
/** Progress is trusted for predictions once the fit rests on this many looks of at least two jobs and fits well. */
const MIN_PAIRS = 6;
const MAX_FIT_ERROR = 0.06;

/**
 * Timed durations and "ended before" bounds (a job already done at its first look) are kept apart,
 * each the most recent KEEP: a kind whose every job is now seen done at its one look leaves only
 * bounds, which cannot place a fit by themselves, so the timed jobs that can stay until newer timed
 * ones replace them. v1 (before 2026-12) kept numbers only, those jobs among them as guesses: still
 * read, as timed.
 */
const savedSchema = z.object({
  v: z.union([z.literal(1), z.literal(2)]),
  durations: z.array(z.number().positive().finite()).max(1000),
  endedBefore: z.array(z.number().positive().finite()).max(1000).default([]),
  progress: z.array(z.tuple([z.number().min(0).max(1), z.number().positive().finite()])).max(1000),
  jobs: z.number().int().nonnegative(),
});
type Saved = z.infer<typeof savedSchema>;

/** One job's looks, as the wait loop saw them (ms since it was submitted). */
export interface JobLooks {
  /** Looks that found it running, in order, with the progress they reported if any. */
  running: { atMs: number; progress?: number }[];
  /** The end the model first predicted from progress, if it did. */
  predictedMs?: number;
  /** Whether this job takes a calibration look before its predicted end. */
  calibrate: boolean;
}

export interface NextLook {
  /** When to look, in ms since the job was submitted. */
  atMs: number;
  /** The end predicted from progress, when the look aims just after it. */
  predictedMs?: number;
}

// ---------------------------------------------------------------- the normal distribution
/** Φ, by Abramowitz–Stegun 7.1.26 (error below 1.5e-7: far finer than any job's timing). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

// Acklam's coefficients, once: normalQuantile runs for every job that ends (cheapestFirstLook).
const ACKLAM_A = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239] as const;
const ACKLAM_B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572] as const;
const ACKLAM_C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
const ACKLAM_D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416] as const;

/** Φ⁻¹, by Acklam's rational approximation (relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
  const [a0, a1, a2, a3, a4, a5] = ACKLAM_A;
  const [b0, b1, b2, b3, b4] = ACKLAM_B;
  const [c0, c1, c2, c3, c4, c5] = ACKLAM_C;
  const [d0, d1, d2, d3] = ACKLAM_D;
  const low = 0.02425;
  if (q < low) {
    const r = Math.sqrt(-2 * Math.log(q));
    return (((((c0 * r + c1) * r + c2) * r + c3) * r + c4) * r + c5) / ((((d0 * r + d1) * r + d2) * r + d3) * r + 1);
  }
  if (q > 1 - low) {
    const r = Math.sqrt(-2 * Math.log(1 - q));
    return -(((((c0 * r + c1) * r + c2) * r + c3) * r + c4) * r + c5) / ((((d0 * r + d1) * r + d2) * r + d3) * r + 1);
  }
  const r = q - 0.5;
  const s = r * r;
  return ((((((a0 * s + a1) * s + a2) * s + a3) * s + a4) * s + a5) * r) / (((((b0 * s + b1) * s + b2) * s + b3) * s + b4) * s + 1);
}

/**
 * The standard normal quantiles cheapestFirstLook weighs, computed once: under a log-normal fit a
 * duration quantile is exp(μ + σ·z), so a refit after each job needs only the exponentials.
 */
const COST_GRID = 64;
const COST_GRID_Z = Array.from({ length: COST_GRID }, (_, i) => normalQuantile((i + 0.5) / COST_GRID));
const FIRST_LOOK_Z = FIRST_LOOK_QUANTILES.map((q) => normalQuantile(q));

// ---------------------------------------------------------------- one kind
export class KindModel {
  private mu = 0;
  private sigma = PRIOR_SIGMA;
  /** fraction of the duration elapsed ≈ a + b·progress, when trusted. */
  private fit: { a: number; b: number } | undefined;
  private firstLookQuantile: number = FIRST_LOOK_QUANTILES[0];
  /** Jobs recorded since the last fit. */
  private sinceFit = 0;
  /** Whether μ and σ come from a fit yet (the next fit starts from them). */
  private fitted = false;

  constructor(private readonly data: Saved) {
    this.refit();
  }

  get samples(): number {
    return this.data.durations.length + this.data.endedBefore.length;
  }

  toJSON(): Saved {
    return { ...this.data, v: 2 };
  }

  /** The q-quantile of the duration, in ms. */
  quantile(q: number): number {
    return Math.exp(this.mu + this.sigma * normalQuantile(q));
  }

  cdf(ms: number): number {
    return ms <= 0 ? 0 : normalCdf((Math.log(ms) - this.mu) / this.sigma);
  }

  /** The q-quantile of the duration of a job known to run longer than `lowerMs`. */
  conditionalQuantile(q: number, lowerMs: number): number {
    const f = this.cdf(lowerMs);
    return Math.max(lowerMs, this.quantile(f + q * (1 - f)));
  }

  /** Whether the next predicted job takes a calibration look (every CALIBRATE_EVERY-th job). */
  nextCalibrates(): boolean {
    return this.data.jobs % CALIBRATE_EVERY === CALIBRATE_EVERY - 1;
  }

  /** The end of a job that reported `progress` at `atMs`, if progress can be trusted. */
  predictEnd(atMs: number, progress: number | undefined): number | undefined {
    if (!this.fit || progress === undefined || !(progress > 0 && progress < 1)) return undefined;
    const share = this.fit.a + this.fit.b * progress;
    return share > 0.02 && share <= 1.2 ? atMs / share : undefined;
  }

  next(looks: JobLooks): NextLook {
    const last = looks.running.at(-1);
    if (!last) return { atMs: this.quantile(this.firstLookQuantile) };
    const t = last.atMs;
    const first = looks.predictedMs;
    // Looks that found it running at or past the first predicted end (a calibration look included):
    // from then on, steps of a share of the duration that grow, so a stuck job costs few looks.
    const misses = first === undefined ? 0 : looks.running.filter((l) => l.atMs >= first * (1 - CALIBRATE_EARLY) - 1).length;
    const floor = t + (misses > 0 && first !== undefined ? Math.max(MIN_STEP_MS, first * OVERDUE_STEP * OVERDUE_GROWTH ** (misses - 1)) : MIN_STEP_MS);
    const predicted = this.predictEnd(t, last.progress);
    if (predicted !== undefined) {
      const target = looks.calibrate && first === undefined ? predicted * (1 - CALIBRATE_EARLY) : predicted * (1 + END_MARGIN) + END_MARGIN_MS;
      return { atMs: Math.max(floor, target), predictedMs: first ?? predicted };
    }
    if (misses > 0) return { atMs: floor };
    if (this.fit && last.progress === 0) {
      // Not started: it runs at least t / a. Look where a typical job that long shows progress.
      const lower = this.fit.a > 0.05 ? t / this.fit.a : t;
      const typical = this.conditionalQuantile(0.5, lower);
      const share = Math.min(0.9, this.fit.a + 0.25 * (1 - this.fit.a));
      return { atMs: Math.max(floor, t * 1.2, typical * share) };
    }
    // No usable progress: quantiles of the remaining time, given it still runs at t — and, for a
    // job already past nearly all of its kind, steps that grow with its age (a narrow fit would
    // otherwise put every look a few ms after the last).
    return { atMs: Math.max(floor, t * (1 + BLIND_MIN_GROWTH), this.conditionalQuantile(BLIND_HAZARD, t)) };
  }

  /** Learns from a job seen done at `doneMs` after the looks in `looks`. */
  record(looks: JobLooks, doneMs: number): void {
    const lastRunning = looks.running.at(-1)?.atMs;
    let known = false;
    const extrapolated = extrapolate(looks.running);
    let duration: number;
    if (extrapolated !== undefined && extrapolated > (lastRunning ?? 0) && extrapolated <= doneMs) {
      // Its own progress, carried on in a straight line to 1: where in the bracket it ended.
      duration = extrapolated;
      known = true;
    } else if (looks.predictedMs !== undefined && looks.predictedMs <= doneMs && looks.predictedMs > (lastRunning ?? 0)) {
      // Seen done by the look aimed just after the predicted end: the prediction is the best guess
      // (the end is not in the middle of such a bracket), but nothing new to learn progress from.
      duration = looks.predictedMs;
    } else if (lastRunning !== undefined && doneMs - lastRunning <= TIGHT_BRACKET * doneMs) {
      duration = (lastRunning + doneMs) / 2;
      known = true;
    } else if (lastRunning !== undefined) {
      // Seen running, then done much later: the middle of the bracket (in log time). Fitted as a
      // bracket instead, such jobs could never narrow the spread of a kind whose progress is not
      // trusted yet (its second looks are blind, so these brackets are all it gets), and that kind
      // kept looking twice at each job.
      duration = Math.sqrt(lastRunning * doneMs);
    } else {
      // Done at its first look: it ended before doneMs, and nothing more is known. Kept as that
      // bound, for the fit to weigh as one (fitLogNormal).
      if (!(Number.isFinite(doneMs) && doneMs > 0)) return;
      push(this.data.endedBefore, doneMs);
      this.learned(looks);
      return;
    }
    if (!(duration > 0 && Number.isFinite(duration))) return;
    push(this.data.durations, duration);
    if (known) {
      for (const look of looks.running) {
        if (usable(look.progress)) push(this.data.progress, [look.progress, look.atMs / duration]);
      }
    }
    this.learned(looks);
  }

  /** Counts a recorded job, and fits again when enough is new. */
  private learned(looks: JobLooks): void {
    if (looks.predictedMs !== undefined) this.data.jobs++;
    // Each of the first jobs moves the fit; past them, one more job among dozens barely does, so
    // the fit is made again once a tenth of the kept samples are new (issue 13.3: refitting after
    // every job of a long batch was measurable CPU).
    this.sinceFit++;
    if (this.samples < REFIT_EVERY_JOB_BELOW || this.sinceFit >= Math.ceil(this.samples / 10)) this.refit();
  }

  private refit(): void {
    this.sinceFit = 0;
    const fitted = fitLogNormal(this.data.durations, this.data.endedBefore, this.fitted ? { mu: this.mu, sigma: this.sigma } : undefined);
    if (fitted) {
      this.mu = fitted.mu;
      this.sigma = fitted.sigma;
      this.fitted = true;
    }
    this.fit = fitProgress(this.data.progress);
    this.firstLookQuantile = cheapestFirstLook(this.mu, this.sigma, this.fit);
  }
}

/** EM steps at most per refit; each refit starts from the last fit, so a slow one goes on next time. */
const EM_STEPS = 24;
const EM_TOLERANCE = 1e-4;
/** A bound this improbable under the fit is taken as the duration itself (the tail's own limit). */
const MIN_BOUND_PROBABILITY = 1e-6;

/**
 * The log-normal (μ, σ) of most weight for timed durations and "ended before" bounds, with the weak
 * prior on σ. A bound is a censored sample. Counted as a point (before this, at its conditional median
 * under the fit of the moment) it put spread into the fit that the jobs never had: the first jobs of
 * a batch, done long before the look their scout's answer allowed, were each recorded about a
 * quarter short, and kept a narrow kind looking twice at each job for its first ~150 jobs
 * (docs/performance.md, "Where Kiln's own share goes now"). Expectation–maximisation instead: each
 * bound stands for the first two moments of the fit truncated below it, and the fit is made again
 * from those until it settles. A bound far above the fit (a job done long before it was looked at)
 * then says almost nothing, and one that cuts into the fit (a job done sooner than most of its kind)
 * pulls the fit toward it. Undefined when there is nothing to fit.
 */
export function fitLogNormal(
  timed: readonly number[],
  endedBefore: readonly number[],
  start?: { mu: number; sigma: number },
): { mu: number; sigma: number } | undefined {
  const known = timed.length;
  const n = known + endedBefore.length;
  if (n === 0) return undefined;
  // With nothing timed there is no scale to fit bounds against: each is taken at 80 % of itself
  // until a job is timed (the scout's first look, next-look.ts SCOUT_FIRST_MS, makes this rare).
  const points = known > 0 ? timed : endedBefore.map((before) => 0.8 * before);
  let sumPoints = 0;
  let sumSqPoints = 0;
  for (const d of points) {
    const x = Math.log(d);
    sumPoints += x;
    sumSqPoints += x * x;
  }
  // The prior fades as samples come: it steadies the first few jobs, not a narrow kind's hundredth.
  const prior = (PRIOR_WEIGHT * PRIOR_FADE) / (PRIOR_FADE + n);
  const sigmaOf = (sumSq: number, mean: number) =>
    Math.max(0.01, Math.sqrt((Math.max(0, sumSq - n * mean * mean) + prior * PRIOR_SIGMA ** 2) / (n - 1 + prior)));
  if (known === 0 || known === n) {
    const mean = sumPoints / n;
    return { mu: mean, sigma: sigmaOf(sumSqPoints, mean) };
  }
  let mu = start?.mu ?? sumPoints / known;
  let sigma = start?.sigma ?? PRIOR_SIGMA;
  for (let step = 0; step < EM_STEPS; step++) {
    let sum = sumPoints;
    let sumSq = sumSqPoints;
    for (const before of endedBefore) {
      const [m1, m2] = momentsBelow(mu, sigma, Math.log(before));
      sum += m1;
      sumSq += m2;
    }
    const nextMu = sum / n;
    const nextSigma = sigmaOf(sumSq, nextMu);
    const settled = Math.abs(nextMu - mu) < EM_TOLERANCE && Math.abs(nextSigma - sigma) < EM_TOLERANCE;
    mu = nextMu;
    sigma = nextSigma;
    if (settled) break;
  }
  return { mu, sigma };
}

/** E[x] and E[x²] of N(μ, σ²) truncated to x < hi. */
function momentsBelow(mu: number, sigma: number, hi: number): [number, number] {
  const beta = (hi - mu) / sigma;
  const mass = normalCdf(beta);
  if (!(mass > MIN_BOUND_PROBABILITY)) return [hi, hi * hi];
  const lambda = normalPdf(beta) / mass;
  const mean = mu - sigma * lambda;
  const variance = sigma * sigma * Math.max(0, 1 - beta * lambda - lambda * lambda);
  return [mean, variance + mean * mean];
}

function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/**
 * The first look with the least expected cost under a log-normal (μ, σ), weighed on a grid of its
 * quantiles: jobs already done are seen (t1 − T) late after one look; the others take about one
 * more look aimed just past their end when progress can be trusted (`fit`; two more if not started
 * yet at t1, t1 < a·T), or a few blind looks, about a fifth of their time late, when it cannot.
 *
 * The grid's durations ascend, and so do the candidate looks: the jobs done by a look are a prefix
 * of the grid and those not started a suffix, so one pass with running sums weighs all candidates
 * (weighing each against each duration ran often enough, after every early job, for V8 to compile
 * it twice in a 300-item batch: 16 ms of TurboFan on a 2-core machine, issue 13.3).
 */
export function cheapestFirstLook(mu: number, sigma: number, fit: { a: number } | undefined): number {
  const grid = COST_GRID;
  const durations = COST_GRID_Z.map((z) => Math.exp(mu + sigma * z));
  // below[k]: the sum of the k shortest durations.
  const below = new Float64Array(grid + 1);
  for (let k = 0; k < grid; k++) below[k + 1] = (below[k] as number) + (durations[k] as number);
  const total = below[grid] as number;
  const mean = total / grid;
  const a = fit?.a ?? 0;
  let done = 0;
  let started = 0;
  let best: number = FIRST_LOOK_QUANTILES[0];
  let bestCost = Number.POSITIVE_INFINITY;
  for (const [i, q] of FIRST_LOOK_QUANTILES.entries()) {
    const t1 = Math.exp(mu + sigma * (FIRST_LOOK_Z[i] as number));
    while (done < grid && (durations[done] as number) <= t1) done++;
    const running = grid - done;
    const runningTime = total - (below[done] as number);
    let delay = done * t1 - (below[done] as number);
    let looks = done;
    if (fit) {
      // Not started at t1 (t1 < a·T): the durations past t1 / a.
      if (a > 0) while (started < grid && (durations[started] as number) * a <= t1) started++;
      const notStarted = a > 0 ? grid - Math.max(started, done) : 0;
      delay += END_MARGIN * runningTime + END_MARGIN_MS * running;
      looks += 2 * running + notStarted;
    } else {
      delay += 0.2 * runningTime;
      looks += 3 * running;
    }
    const cost = delay / grid / mean + (LOOK_COST * looks) / grid;
    if (cost < bestCost) {
      bestCost = cost;
      best = q;
    }
  }
  return best;
}

/**
 * Where the scout of a kind nothing has timed yet (jobs.ts) should look next by its own progress:
 * just after the end its progress line points to, as the model aims its looks; undefined while its
 * progress cannot say, or once that end has passed without the job ending (next-look.ts then
 * steps on from the last look).
 */
export function scoutAim(running: readonly { atMs: number; progress?: number }[]): number | undefined {
  const end = extrapolate(running);
  const last = running.at(-1)?.atMs;
  if (end === undefined || last === undefined || end <= last) return undefined;
  return Math.max(last + MIN_STEP_MS, end * (1 + END_MARGIN) + END_MARGIN_MS);
}

/**
 * Where a job's progress reaches 1 on the line through its first and last looks with progress,
 * when they are far enough apart to say; undefined otherwise.
 */
function extrapolate(running: readonly { atMs: number; progress?: number }[]): number | undefined {
  const withProgress = running.filter((l): l is { atMs: number; progress: number } => usable(l.progress));
  const first = withProgress[0];
  const last = withProgress.at(-1);
  if (!first || !last || last.progress - first.progress < MIN_PROGRESS_SPAN) return undefined;
  return last.atMs + ((1 - last.progress) * (last.atMs - first.atMs)) / (last.progress - first.progress);
}

function usable(progress: number | undefined): progress is number {
  return progress !== undefined && progress > 0 && progress <= MAX_LEARNED_PROGRESS;
}

function push<T>(list: T[], value: T): void {
  list.push(value);
  if (list.length > KEEP) list.splice(0, list.length - KEEP);
}

/** Least squares of share ≈ a + b·p; undefined unless enough, spread out and close to the line. */
function fitProgress(pairs: readonly (readonly [number, number])[]): { a: number; b: number } | undefined {
  const n = pairs.length;
  if (n < MIN_PAIRS) return undefined;
  let sp = 0;
  let sf = 0;
  for (const [p, f] of pairs) {
    sp += p;
    sf += f;
  }
  const mp = sp / n;
  const mf = sf / n;
  let spp = 0;
  let spf = 0;
  for (const [p, f] of pairs) {
    spp += (p - mp) ** 2;
    spf += (p - mp) * (f - mf);
  }
  if (spp / n < 0.005) return undefined;
  const b = spf / spp;
  const a = mf - b * mp;
  if (!(b > 0)) return undefined;
  let err = 0;
  for (const [p, f] of pairs) err += ((a + b * p) / f - 1) ** 2;
  return Math.sqrt(err / n) <= MAX_FIT_ERROR ? { a, b } : undefined;
}

// ---------------------------------------------------------------- all kinds
/** Writes a kind down after this many new jobs, so a restart or the next run starts from it. */
const SAVE_EVERY = 4;

export class DurationModels {
  private readonly models = new Map<string, KindModel>();
  private readonly unsaved = new Map<string, number>();

  constructor(private readonly memory?: DurationMemory) {
    let remembered: ReadonlyMap<string, unknown> = new Map();
    try {
      remembered = memory?.load() ?? remembered;
    } catch {
      // Nothing remembered is the same as a first run: the kinds are timed again.
    }
    for (const [key, value] of remembered) {
      const parsed = savedSchema.safeParse(value);
      if (parsed.success && parsed.data.durations.length + parsed.data.endedBefore.length > 0) this.models.set(key, new KindModel(parsed.data));
    }
  }

  /** The model of a kind, once at least one of its jobs was timed. */
  get(key: string): KindModel | undefined {
    return this.models.get(key);
  }

  record(key: string, looks: JobLooks, doneMs: number): void {
    if (!(doneMs > 0 && Number.isFinite(doneMs))) return;
    let model = this.models.get(key);
    if (!model) {
      model = new KindModel({ v: 2, durations: [], endedBefore: [], progress: [], jobs: 0 });
      this.models.set(key, model);
    }
    model.record(looks, doneMs);
    const pending = (this.unsaved.get(key) ?? 0) + 1;
    if (!this.memory || (pending < SAVE_EVERY && model.samples > 1)) {
      this.unsaved.set(key, pending);
      return;
    }
    this.unsaved.set(key, 0);
    try {
      this.memory.save(key, model.toJSON());
    } catch {
      // Remembering is an optimisation: a store that cannot write must never fail a job.
    }
  }
}
