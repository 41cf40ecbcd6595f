/**
 * When Kiln looks at a running job next (src/main/engine/scenario/next-look.ts): a pure decision,
 * specified here without a server or a clock. Jobs.wait follows it; test/scenario/jobs.test.ts and
 * learned-polling.test.ts show the same behaviour against the fake server.
 */
import { describe, expect, it } from 'vitest';
import type { NextLook } from '../../src/main/engine/scenario/duration-model';
import {
  afterLook,
  DISCOVERY_MS,
  firstLookState,
  nextLookDelay,
  scoutFactor,
  SCOUT_FIRST_MS,
  type LookContext,
  type LookState,
} from '../../src/main/engine/scenario/next-look';

const LIMITS = { pollInitialMs: 1_000, pollMaxMs: 10_000, pollFactor: 1.5 };
/** When the job was submitted, in epoch ms (any fixed instant will do). */
const SUBMITTED = 1_000_000;

/** A job of a kind with no model yet, which another job is timing (so this one waits on the back-off). */
function context(now: number, more: Partial<LookContext> = {}): LookContext {
  return { now, submittedAt: SUBMITTED, hasKind: true, plan: undefined, scoutingSince: undefined, ...more };
}

/** A look sent at `sentAt` that found the job running; `scoutingFor`: the jobs waiting for this scout's answer, itself included (0: not a scout). */
function look(state: LookState, sentAt: number, progress: number | undefined, more: { status?: string; scoutingFor?: number } = {}): LookState {
  return afterLook(state, { sentAt, status: more.status ?? 'in-progress', progress, submittedAt: SUBMITTED, scoutingFor: more.scoutingFor ?? 0 }, LIMITS);
}

/** The waits between looks of a job whose looks all show `progresses`, each look taken when due. */
function waitsBetweenLooks(progresses: (number | undefined)[]): number[] {
  let state = firstLookState(LIMITS);
  let at = SUBMITTED + LIMITS.pollInitialMs;
  const waits: number[] = [];
  for (const progress of progresses) {
    state = look(state, at, progress);
    const wait = nextLookDelay(state, context(at), LIMITS);
    waits.push(wait);
    at += wait;
  }
  return waits;
}

describe('the first look at a job', () => {
  it('is at once for a job picked up again, whose start is unknown', () => {
    expect(nextLookDelay(firstLookState(LIMITS), context(SUBMITTED + 5_000, { submittedAt: undefined }), LIMITS)).toBe(0);
  });

  it('is at once for a job of no known kind, since nothing can be learned about its timing', () => {
    expect(nextLookDelay(firstLookState(LIMITS), context(SUBMITTED + 10, { hasKind: false }), LIMITS)).toBe(0);
  });

  it('is pollInitialMs after submission for a new job while another job times its kind', () => {
    const state = firstLookState(LIMITS);
    expect(nextLookDelay(state, context(SUBMITTED), LIMITS)).toBe(LIMITS.pollInitialMs);
    // Counted from the submission, not from when the wait began.
    expect(nextLookDelay(state, context(SUBMITTED + 400), LIMITS)).toBe(LIMITS.pollInitialMs - 400);
    expect(nextLookDelay(state, context(SUBMITTED + 5_000), LIMITS)).toBe(0);
  });
});

describe('looks on the back-off (no model, no scouting)', () => {
  it('come pollInitialMs after the first look, then pollFactor times later each time nothing changes, up to pollMaxMs', () => {
    expect(waitsBetweenLooks([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])).toEqual([1_000, 1_500, 2_250, 3_375, 5_062.5, 7_593.75, 10_000, 10_000]);
  });

  it('start again from pollInitialMs when the progress changes', () => {
    expect(waitsBetweenLooks([0.1, 0.1, 0.1, 0.4, 0.4])).toEqual([1_000, 1_500, 2_250, 1_000, 1_500]);
  });

  it('start again from pollInitialMs when the status changes, progress or not', () => {
    let state = firstLookState(LIMITS);
    state = look(state, SUBMITTED + 1_000, undefined, { status: 'queued' });
    state = look(state, SUBMITTED + 2_000, undefined, { status: 'queued' });
    expect(nextLookDelay(state, context(SUBMITTED + 2_000), LIMITS)).toBe(1_500);
    state = look(state, SUBMITTED + 3_500, undefined, { status: 'in-progress' });
    expect(nextLookDelay(state, context(SUBMITTED + 3_500), LIMITS)).toBe(1_000);
  });

  it('are counted from when the last look was sent, so a slow answer shortens the wait after it', () => {
    const state = look(look(firstLookState(LIMITS), SUBMITTED + 1_000, 0.1), SUBMITTED + 2_000, 0.1);
    // The wait after the second look is 1.5 s; its answer came 600 ms after it was sent.
    expect(nextLookDelay(state, context(SUBMITTED + 2_600), LIMITS)).toBe(900);
    expect(nextLookDelay(state, context(SUBMITTED + 9_000), LIMITS)).toBe(0);
  });
});

describe('looks the duration model plans', () => {
  const plan = (atMs: number): NextLook => ({ atMs });

  it('are when the model says, counted from the submission', () => {
    const state = look(firstLookState(LIMITS), SUBMITTED + 800, 0.2);
    expect(nextLookDelay(state, context(SUBMITTED + 850, { plan: plan(3_000) }), LIMITS)).toBe(2_150);
  });

  it('take the place of the back-off', () => {
    // The back-off alone would look pollInitialMs after this look, at 1.8 s.
    const state = look(firstLookState(LIMITS), SUBMITTED + 800, 0.2);
    expect(nextLookDelay(state, context(SUBMITTED + 800, { plan: plan(1_200) }), LIMITS)).toBe(400);
  });

  it('are never more than pollMaxMs after the last look, so a slow job is still seen to move', () => {
    const state = look(firstLookState(LIMITS), SUBMITTED + 2_000, 0.01);
    expect(nextLookDelay(state, context(SUBMITTED + 2_100, { plan: plan(60_000) }), LIMITS)).toBe(2_000 + LIMITS.pollMaxMs - 2_100);
  });

  it('are at most pollMaxMs away for the first look too, counted from now', () => {
    expect(nextLookDelay(firstLookState(LIMITS), context(SUBMITTED + 50, { plan: plan(60_000) }), LIMITS)).toBe(LIMITS.pollMaxMs);
  });

  it('are taken at once when the planned moment has passed', () => {
    const state = look(firstLookState(LIMITS), SUBMITTED + 800, 0.5);
    expect(nextLookDelay(state, context(SUBMITTED + 2_000, { plan: plan(1_500) }), LIMITS)).toBe(0);
  });
});

describe('the looks of a scout (the job that times a kind nobody has timed yet)', () => {
  /** When a scout's looks land (ms after its submission) over `untilMs`, each taken when due, with `jobs` jobs waiting for it. */
  function scoutLooks(jobs: number, untilMs: number): number[] {
    let state = firstLookState(LIMITS);
    let at = SUBMITTED;
    const lookedAt: number[] = [];
    for (;;) {
      at += nextLookDelay(state, context(at, { scoutingSince: SUBMITTED }), LIMITS);
      if (at - SUBMITTED > untilMs) return lookedAt;
      lookedAt.push(at - SUBMITTED);
      state = look(state, at, undefined, { scoutingFor: jobs });
    }
  }

  it('begin SCOUT_FIRST_MS after the submission, each later one scoutFactor times later than the one before', () => {
    for (const jobs of [1, 3, 16]) {
      const lookedAt = scoutLooks(jobs, 1_000);
      expect(lookedAt[0]).toBe(SCOUT_FIRST_MS);
      for (let i = 1; i < lookedAt.length; i++) expect(lookedAt[i]).toBeCloseTo(lookedAt[i - 1]! * scoutFactor(jobs), 6);
    }
  });

  it('come closer together the more jobs wait for the answer: a look is worth the delay it saves each of them', () => {
    const factors = [1, 2, 3, 4, 8, 16, 32, 64, 1_000].map(scoutFactor);
    for (let i = 1; i < factors.length; i++) expect(factors[i]).toBeLessThanOrEqual(factors[i - 1]!);
    expect(scoutFactor(1)).toBeGreaterThan(1.6);
    expect(scoutFactor(1)).toBeLessThan(1.8);
    expect(scoutFactor(16)).toBeGreaterThan(1.12);
    expect(scoutFactor(16)).toBeLessThan(1.2);
    expect(scoutFactor(1_000)).toBe(1.05);
    expect(scoutFactor(0)).toBe(scoutFactor(1));
    // A job alone is looked at 8 times in its 3 s of scouting, not about 43 times (at 1.1 apart).
    expect(scoutLooks(1, DISCOVERY_MS)).toHaveLength(8);
    expect(scoutLooks(16, DISCOVERY_MS).length).toBeGreaterThan(24);
  });

  it('keep the bracket around the end as close when a look was sent late: the next is scoutFactor after the late one', () => {
    const state = look(firstLookState(LIMITS), SUBMITTED + 400, 0.1, { scoutingFor: 4 });
    expect(nextLookDelay(state, context(SUBMITTED + 400, { scoutingSince: SUBMITTED }), LIMITS)).toBeCloseTo(400 * scoutFactor(4) - 400, 6);
  });

  it("land just after the end the scout's own progress points to, when that comes before the next step", () => {
    const state = look(firstLookState(LIMITS), SUBMITTED + 700, 0.58, { scoutingFor: 1 });
    const step = 700 * scoutFactor(1);
    expect(nextLookDelay(state, context(SUBMITTED + 700, { scoutingSince: SUBMITTED, scoutAimMs: 1_010 }), LIMITS)).toBe(1_010 - 700);
    expect(nextLookDelay(state, context(SUBMITTED + 700, { scoutingSince: SUBMITTED, scoutAimMs: step + 500 }), LIMITS)).toBeCloseTo(step - 700, 6);
    // A look aimed early that found the job still running: the next step counts from that look.
    const after = look(state, SUBMITTED + 1_010, 0.97, { scoutingFor: 1 });
    expect(nextLookDelay(after, context(SUBMITTED + 1_010, { scoutingSince: SUBMITTED }), LIMITS)).toBeCloseTo(1_010 * scoutFactor(1) - 1_010, 6);
  });

  it('end after DISCOVERY_MS of scouting: the job goes on on the back-off', () => {
    const state = look(firstLookState(LIMITS), SUBMITTED + 2_900, 0.3, { scoutingFor: 16 });
    const since = SUBMITTED;
    expect(nextLookDelay(state, context(SUBMITTED + 2_950, { scoutingSince: since }), LIMITS)).toBeCloseTo(2_900 * scoutFactor(16) - 2_950, 6);
    expect(nextLookDelay(state, context(since + DISCOVERY_MS, { scoutingSince: since }), LIMITS)).toBe(2_900 + LIMITS.pollInitialMs - DISCOVERY_MS);
  });
});
