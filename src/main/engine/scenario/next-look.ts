/**
 * When to look at a running job next (GET /jobs/{id}): a pure decision over what the looks so far
 * saw, the duration model's answer and whether this job times its kind. Jobs.wait (jobs.ts) does
 * the looking, the sleeping and the learning; the timing of each look is decided here.
 */
import { LOOK_COST, type NextLook } from './duration-model';
import { nextPollWait } from './timing';

/**
 * The first job of a kind nobody has timed yet (the scout) is looked at SCOUT_FIRST_MS after it
 * was submitted, then each look scoutFactor(…) times later than the one before, for DISCOVERY_MS
 * at most; once its progress points to its end, a look lands just after that end if that comes
 * sooner (duration-model.ts scoutAim). So its end is seen soon after it comes, and each look's
 * progress is known against its duration (duration-model.ts learns from both); the other jobs of
 * that kind wait for its answer instead of polling blind.
 */
export const SCOUT_FIRST_MS = 50;
export const DISCOVERY_MS = 3000;

/** The factors a scout's looks may grow by: from 1.05 (many jobs waiting) to 2 (one job alone). */
const SCOUT_FACTORS = Array.from({ length: 96 }, (_, i) => 1.05 + i / 100);
const SCOUT_RANGE = Math.log(DISCOVERY_MS / SCOUT_FIRST_MS);
const scoutFactors = new Map<number, number>();

/**
 * How much later each look of a scout lands than the one before, when `jobs` jobs (the scout
 * included) wait for its answer. A look is priced as the duration model prices one (LOOK_COST, a
 * share of a job's time spent waiting) against the delay it saves each of those jobs: looks f times
 * apart see a job's end (f − 1) / ln f − 1 of its time late on average (the end anywhere in the
 * last step, evenly in log time), and take ln(DISCOVERY_MS / SCOUT_FIRST_MS) / ln f looks to cover
 * the scouting time. The factor of least total cost: about 1.7 for one job alone, 1.39 for three,
 * 1.23 for eight, 1.16 for sixteen. A fixed 1.1 had cost the first job of each kind about 40
 * looks in its first 3 s, even when nobody else waited for it (issue 13).
 */
export function scoutFactor(jobs: number): number {
  const n = Math.max(1, Math.round(jobs));
  let best = scoutFactors.get(n);
  if (best !== undefined) return best;
  let bestCost = Number.POSITIVE_INFINITY;
  best = SCOUT_FACTORS[0] as number;
  for (const f of SCOUT_FACTORS) {
    const cost = n * ((f - 1) / Math.log(f) - 1) + (LOOK_COST * SCOUT_RANGE) / Math.log(f);
    if (cost < bestCost) {
      bestCost = cost;
      best = f;
    }
  }
  scoutFactors.set(n, best);
  return best;
}

export interface LookLimits {
  /** The first look at a new job nothing times, and the back-off's first (and reset) wait. */
  pollInitialMs: number;
  /** The longest wait between two looks. */
  pollMaxMs: number;
  /** How much the back-off's wait grows after each look that saw no change. */
  pollFactor: number;
}

/** What the looks at one job so far leave for the next decision. */
export interface LookState {
  /** Looks sent so far. */
  looks: number;
  /** When the last look was sent (epoch ms); meaningless before the first. */
  lastLookAt: number;
  /** The back-off's wait after the last look: what follows it when nothing else times the job. */
  backoffMs: number;
  /** The back-off's wait after the next look, if that look sees no change. */
  nextBackoffMs: number;
  /** While scouting: the next look, in ms after the job was submitted. */
  scoutLookMs: number;
  /** What the last look saw, to tell whether the next one brings news. */
  seen?: { status: string; progress: number | undefined };
}

/** What else the decision depends on, as of now. */
export interface LookContext {
  now: number;
  /** When Scenario accepted the job; unknown for a job picked up again after a restart. */
  submittedAt: number | undefined;
  /** Whether the job has a kind (a duration key) whose durations are learned. */
  hasKind: boolean;
  /** The duration model's answer, when the kind has a model and the job's start is known. */
  plan: NextLook | undefined;
  /** When this job began scouting its kind, if it does. */
  scoutingSince: number | undefined;
  /** While scouting: just after the end its own progress points to, in ms after it was submitted (duration-model.ts scoutAim). */
  scoutAimMs?: number | undefined;
}

/** Before the first look. */
export function firstLookState(limits: LookLimits): LookState {
  return { looks: 0, lastLookAt: 0, backoffMs: 0, nextBackoffMs: limits.pollInitialMs, scoutLookMs: SCOUT_FIRST_MS };
}

/** How long from `context.now` until the next look (0: look now). */
export function nextLookDelay(state: LookState, context: LookContext, limits: LookLimits): number {
  return Math.max(0, nextLookAt(state, context, limits) - context.now);
}

function nextLookAt(state: LookState, { now, submittedAt, hasKind, plan, scoutingSince, scoutAimMs }: LookContext, limits: LookLimits): number {
  if (plan && submittedAt !== undefined) {
    // Never longer than the usual cap between looks: a slow job is still seen to move.
    return Math.min(submittedAt + plan.atMs, (state.looks === 0 ? now : state.lastLookAt) + limits.pollMaxMs);
  }
  if (scoutingSince !== undefined && submittedAt !== undefined && now - scoutingSince < DISCOVERY_MS) {
    return submittedAt + (scoutAimMs === undefined ? state.scoutLookMs : Math.min(state.scoutLookMs, scoutAimMs));
  }
  if (state.looks === 0) {
    // A job picked up again (start unknown) is looked at now; a new one waits for its kind's scout.
    return submittedAt === undefined || !hasKind ? now : submittedAt + limits.pollInitialMs;
  }
  return state.lastLookAt + state.backoffMs;
}

/** A look sent at `sentAt` found the job still running with `status` and `progress`. */
export interface RunningLook {
  sentAt: number;
  status: string;
  progress: number | undefined;
  submittedAt: number | undefined;
  /** When this job scouts its kind: how many jobs wait for its answer, itself included; 0 when it does not. */
  scoutingFor: number;
}

/**
 * The state after a look that found the job still running. The back-off grows while nothing
 * changes and starts again when status or progress does; a scout's next look lands scoutFactor
 * times later than this one (late or aimed early), for the jobs waiting on it as of now.
 */
export function afterLook(state: LookState, look: RunningLook, limits: LookLimits): LookState {
  const changed = !state.seen || state.seen.status !== look.status || state.seen.progress !== look.progress;
  const backoff = nextPollWait(state.nextBackoffMs, changed, limits.pollInitialMs, limits.pollMaxMs, limits.pollFactor);
  return {
    looks: state.looks + 1,
    lastLookAt: look.sentAt,
    backoffMs: backoff.waitMs,
    nextBackoffMs: backoff.nextMs,
    scoutLookMs:
      look.scoutingFor > 0
        ? Math.max(SCOUT_FIRST_MS, look.sentAt - (look.submittedAt ?? look.sentAt)) * scoutFactor(look.scoutingFor)
        : state.scoutLookMs,
    seen: { status: look.status, progress: look.progress },
  };
}
