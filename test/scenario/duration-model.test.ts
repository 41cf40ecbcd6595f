import { describe, expect, it } from 'vitest';
import { DurationModels, KindModel, cheapestFirstLook, fitLogNormal, normalCdf, normalQuantile, scoutAim, type JobLooks } from '../../src/main/engine/scenario/duration-model';
import { SCOUT_FIRST_MS, scoutFactor } from '../../src/main/engine/scenario/next-look';
import { createRng, durationDrawer } from '../fake-scenario/faults';

// The polling plan of duration-model.ts, run against simulated jobs (no clock, no server): each
// job's time is drawn from a seeded distribution and it reports progress as the fake Scenario
// server does — none while queued or warming up (first 30 % of its time), then in step with time.

interface Simulated {
  looksPerJob: number;
  /** Mean time between a job's end and the look that saw it, over the mean job time. */
  delayShare: number;
  /** The worst of those delays, each over its own job's time. */
  worstShare: number;
}

function progressAt(t: number, d: number): number | undefined {
  if (t >= d) return undefined;
  return t < 0.3 * d ? 0 : Math.min(0.99, (t - 0.3 * d) / (0.7 * d));
}

/** Runs `jobs` jobs one after another through a model, as jobs.ts drives it. */
function simulate(models: DurationModels, key: string, draw: () => number, jobs: number): Simulated {
  let looks = 0;
  let delay = 0;
  let total = 0;
  let worst = 0;
  for (let i = 0; i < jobs; i++) {
    const d = draw();
    const model = models.get(key);
    const timed: JobLooks = { running: [], calibrate: model?.nextCalibrates() ?? false };
    let scoutAt = SCOUT_FIRST_MS;
    for (;;) {
      let at: number;
      if (model) {
        const plan = model.next(timed);
        if (plan.predictedMs !== undefined) timed.predictedMs = plan.predictedMs;
        at = plan.atMs;
      } else {
        at = scoutAt;
        scoutAt *= scoutFactor(1); // one job at a time: nobody waits for the scout
      }
      looks++;
      const p = progressAt(at, d);
      if (p === undefined) {
        models.record(key, timed, at);
        delay += at - d;
        worst = Math.max(worst, (at - d) / d);
        total += d;
        break;
      }
      timed.running.push({ atMs: at, progress: p });
    }
  }
  return { looksPerJob: looks / jobs, delayShare: delay / total, worstShare: worst };
}

describe('the normal distribution helpers', () => {
  it('invert each other to well under a millisecond on a second-long job', () => {
    for (const q of [0.001, 0.02, 0.1, 0.5, 0.77, 0.98, 0.999]) expect(normalCdf(normalQuantile(q))).toBeCloseTo(q, 6);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 8);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
  });
});

describe('a kind of job learned as a distribution', () => {
  it('fits a log-normal to the durations it saw (median and spread)', () => {
    const draw = durationDrawer({ kind: 'log-normal', medianMs: 800, sigma: 0.6 }, createRng(11));
    const model = new KindModel({ v: 1, durations: Array.from({ length: 96 }, draw), endedBefore: [], progress: [], jobs: 0 });
    expect(model.quantile(0.5)).toBeGreaterThan(800 * 0.85);
    expect(model.quantile(0.5)).toBeLessThan(800 * 1.15);
    const spread = Math.log(model.quantile(0.8413) / model.quantile(0.5));
    expect(spread).toBeGreaterThan(0.5);
    expect(spread).toBeLessThan(0.7);
    // The remaining time of a job still running at t: never before t, later the later t is.
    expect(model.conditionalQuantile(0.5, 2000)).toBeGreaterThan(2000);
    expect(model.conditionalQuantile(0.5, 2000)).toBeGreaterThan(model.conditionalQuantile(0.5, 1000));
  });

  it('predicts a job\'s end from one look at its progress, once progress has been seen to track time', () => {
    // Three jobs whose ends were bracketed tightly, each with looks along share = 0.3 + 0.7·p.
    const looks = (d: number): JobLooks => ({ running: [0.4, 0.6, 0.8, 0.99].map((s) => ({ atMs: s * d, progress: (s - 0.3) / 0.7 })), calibrate: false });
    const model = new KindModel({ v: 1, durations: [], endedBefore: [], progress: [], jobs: 0 });
    expect(model.predictEnd(500, 0.5)).toBeUndefined();
    for (const d of [500, 900, 1400]) model.record(looks(d), d * 1.005);
    expect(model.predictEnd(650, 0.5)).toBeGreaterThan(1000 * 0.98);
    expect(model.predictEnd(650, 0.5)).toBeLessThan(1000 * 1.02);
    // The next look lands just after the predicted end.
    const next = model.next({ running: [{ atMs: 650, progress: 0.5 }], calibrate: false });
    expect(next.atMs).toBeGreaterThan(1000);
    expect(next.atMs).toBeLessThan(1040);
    // A job at progress 0 runs at least t / 0.3: it is looked at later, not just after t.
    expect(model.next({ running: [{ atMs: 300, progress: 0 }], calibrate: false }).atMs).toBeGreaterThan(450);
  });

  it('follows a job stuck past its predicted end with growing steps: a few looks, not one every few ms', () => {
    const model = new KindModel({ v: 1, durations: [1000, 1100, 900], endedBefore: [], progress: [0.1, 0.3, 0.5, 0.7, 0.9, 0.95].map((p) => [p, 0.3 + 0.7 * p] as [number, number]), jobs: 0 });
    const timed: JobLooks = { running: [{ atMs: 300, progress: 0.01 }], calibrate: false };
    let looks = 0;
    for (;;) {
      const plan = model.next(timed);
      if (plan.predictedMs !== undefined) timed.predictedMs = plan.predictedMs;
      if (plan.atMs > 60_000) break;
      looks++;
      timed.running.push({ atMs: plan.atMs, progress: 0.99 });
    }
    expect(looks).toBeLessThan(30);
  });
});

describe('jobs already done at their first look (they ended before it, no more is known)', () => {
  const timed = (n: number, ms: number, spread: number) => Array.from({ length: n }, (_, i) => ms * (1 + (spread * ((i % 5) - 2)) / 2));

  it('say nearly nothing when they ended long before that look', () => {
    // The first wave of a batch: one scout timed at 200 ms, the jobs that waited for its answer
    // all done by their first look, 260–300 ms after they were sent, then the next jobs timed.
    const late = Array.from({ length: 15 }, (_, i) => 260 + 3 * i);
    const withBounds = fitLogNormal(timed(17, 200, 0.01), late);
    const alone = fitLogNormal(timed(17, 200, 0.01), []);
    expect(Math.exp(withBounds!.mu)).toBeCloseTo(Math.exp(alone!.mu), 0);
    expect(withBounds!.sigma).toBeLessThan(alone!.sigma * 1.5);
    expect(withBounds!.sigma).toBeLessThan(0.1);
  });

  it('pull the fit toward them when they end sooner than most of the kind would', () => {
    // A kind whose first job was slow (a model warming up at Scenario), then jobs all done at a
    // first look aimed where the slow one would still be running.
    const fitted = fitLogNormal([1000], Array.from({ length: 20 }, () => 400));
    expect(Math.exp(fitted!.mu)).toBeLessThan(500);
  });

  it('are taken at 80 % of their bound while no job of the kind is timed', () => {
    expect(Math.exp(fitLogNormal([], [100])!.mu)).toBeCloseTo(80, 5);
    expect(fitLogNormal([], [])).toBeUndefined();
  });

  it('stop a narrow kind looking twice at each job once the first wave is past', () => {
    const model = new KindModel({ v: 2, durations: [], endedBefore: [], progress: [], jobs: 0 });
    // The scout, timed by its progress.
    model.record({ running: [{ atMs: 100, progress: 0.2 }, { atMs: 160, progress: 0.6 }], calibrate: false }, 215);
    // Fifteen jobs done at their first look, well after their end.
    for (let i = 0; i < 15; i++) model.record({ running: [], calibrate: false }, 260 + 3 * i);
    // Forty more timed by their progress, 196–204 ms (progress as the fake server reports it).
    for (let i = 1; i <= 40; i++) {
      const d = 196 + ((i * 7) % 9);
      const at = (t: number) => ({ atMs: t, progress: (t - 0.3 * d) / (0.7 * d) });
      model.record({ running: [at(100), at(150)], calibrate: false }, d + 15);
    }
    // The first look now comes where nearly every job is done: one look each. Recorded at their
    // conditional medians (before), the fifteen kept it near 177 ms, two looks each, past 80 jobs.
    const first = model.next({ running: [], calibrate: false }).atMs;
    expect(first).toBeGreaterThan(200);
    expect(first).toBeLessThan(230);
  });
});

describe("a scout's aim (the first job of a kind nothing has timed yet)", () => {
  it('is just after the end its own progress line points to, once two looks say enough', () => {
    // A 1,000 ms job: no progress for its first 300 ms, then in step with time.
    expect(scoutAim([{ atMs: 245, progress: 0 }])).toBeUndefined();
    expect(scoutAim([{ atMs: 245, progress: 0 }, { atMs: 417, progress: 0.167 }])).toBeUndefined(); // one look with progress
    const aim = scoutAim([{ atMs: 417, progress: 0.167 }, { atMs: 709, progress: 0.584 }]);
    expect(aim).toBeGreaterThan(1000);
    expect(aim).toBeLessThan(1000 * 1.02);
  });

  it('says nothing on progress that barely moved, near its cap, or once the end it pointed to has passed', () => {
    expect(scoutAim([{ atMs: 400, progress: 0.2 }, { atMs: 420, progress: 0.22 }])).toBeUndefined();
    expect(scoutAim([{ atMs: 400, progress: 0.2 }, { atMs: 900, progress: 0.99 }, { atMs: 950, progress: 0.99 }])).toBeUndefined();
    expect(scoutAim([{ atMs: 400, progress: 0.2 }, { atMs: 600, progress: 0.6 }, { atMs: 1100, progress: 0.99 }])).toBeUndefined();
  });
});

describe('the first look', () => {
  /** The cost model as its comment states it, weighing each candidate against each duration. */
  function weighEach(mu: number, sigma: number, fit: { a: number } | undefined): number {
    const candidates = [0.12, 0.25, 0.4, 0.55, 0.7, 0.8, 0.88, 0.94];
    const durations = Array.from({ length: 64 }, (_, i) => Math.exp(mu + sigma * normalQuantile((i + 0.5) / 64)));
    const mean = durations.reduce((x, y) => x + y, 0) / durations.length;
    let best = candidates[0] as number;
    let bestCost = Infinity;
    for (const q of candidates) {
      const t1 = Math.exp(mu + sigma * normalQuantile(q));
      let delay = 0;
      let looks = 0;
      for (const d of durations) {
        if (d <= t1) {
          delay += t1 - d; // seen late by one look
          looks += 1;
        } else if (fit) {
          delay += 0.01 * d + 3; // a look just past the predicted end
          looks += fit.a > 0 && t1 < fit.a * d ? 3 : 2;
        } else {
          delay += 0.2 * d; // blind looks
          looks += 3;
        }
      }
      const cost = delay / durations.length / mean + (0.05 * looks) / durations.length;
      if (cost < bestCost) {
        bestCost = cost;
        best = q;
      }
    }
    return best;
  }

  it('is the candidate of least expected cost: late sight of jobs already done against looks at those still running', () => {
    for (const mu of [Math.log(40), Math.log(800), Math.log(60_000)]) {
      for (const sigma of [0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 1, 1.5]) {
        for (const fit of [undefined, { a: 0 }, { a: 0.3 }, { a: 0.7 }, { a: 1.1 }]) {
          expect(cheapestFirstLook(mu, sigma, fit), `μ ${mu.toFixed(2)} σ ${sigma} a ${fit?.a}`).toBe(weighEach(mu, sigma, fit));
        }
      }
    }
  });

  it('comes early for a wide kind whose progress tells the end, late for a narrow one', () => {
    expect(cheapestFirstLook(Math.log(800), 0.6, { a: 0.3 })).toBeLessThanOrEqual(0.25);
    expect(cheapestFirstLook(Math.log(800), 0.02, { a: 0.3 })).toBeGreaterThanOrEqual(0.8);
  });
});

describe('polling planned from the learned distribution', () => {
  it('under log-normal job times (σ 0.6) notices jobs a small fraction of their time after they end, in at most 2.5 looks each', () => {
    const draw = durationDrawer({ kind: 'log-normal', medianMs: 800, sigma: 0.6 }, createRng(5));
    const models = new DurationModels();
    simulate(models, 'm', draw, 30); // learning
    const steady = simulate(models, 'm', draw, 400);
    expect(steady.looksPerJob).toBeLessThanOrEqual(2.5);
    expect(steady.delayShare).toBeLessThan(0.05);
  });

  it('does as well for fixed job times', () => {
    const models = new DurationModels();
    simulate(models, 'm', () => 400, 20);
    const steady = simulate(models, 'm', () => 400, 100);
    expect(steady.looksPerJob).toBeLessThanOrEqual(2.2);
    expect(steady.delayShare).toBeLessThan(0.05);
  });

  it('without progress to go by, still bounds looks and delay by quantiles of the remaining time', () => {
    const draw = durationDrawer({ kind: 'log-normal', medianMs: 800, sigma: 0.6 }, createRng(8));
    const models = new DurationModels();
    const blind = (n: number) => {
      let looks = 0;
      let delay = 0;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const d = draw();
        const timed: JobLooks = { running: [], calibrate: false };
        const model = models.get('m');
        let at = 50;
        for (;;) {
          if (model) at = model.next(timed).atMs;
          looks++;
          if (at >= d) {
            models.record('m', timed, at);
            delay += at - d;
            total += d;
            break;
          }
          timed.running.push({ atMs: at });
          if (!model) at *= 1.1;
        }
      }
      return { looksPerJob: looks / n, delayShare: delay / total };
    };
    blind(30);
    const steady = blind(300);
    expect(steady.looksPerJob).toBeLessThanOrEqual(3.5);
    expect(steady.delayShare).toBeLessThan(0.35);
  });
});

describe('what was learned, kept between runs', () => {
  it('is written down every few jobs, read back by the next run, and damaged records are ignored', () => {
    const saved = new Map<string, unknown>([['broken', { v: 9 }]]);
    const memory = { load: () => saved, save: (kind: string, value: unknown) => void saved.set(kind, JSON.parse(JSON.stringify(value))) };
    const models = new DurationModels(memory);
    expect(models.get('broken')).toBeUndefined();
    // A record an earlier Kiln wrote (v1: timed durations only) is still read.
    expect(new DurationModels({ load: () => new Map([['v1', { v: 1, durations: [300, 310], progress: [], jobs: 2 }]]), save: () => {} }).get('v1')?.quantile(0.5)).toBeCloseTo(305, -1);
    simulate(models, 'm', () => 300, 9);
    expect(saved.get('m')).toMatchObject({ v: 2 });
    const again = new DurationModels(memory);
    expect(again.get('m')?.quantile(0.5)).toBeGreaterThan(250);
    expect(again.get('m')?.quantile(0.5)).toBeLessThan(350);
  });

  it('keeps working when the memory cannot be read or written', () => {
    const models = new DurationModels({
      load: () => {
        throw new Error('database is locked');
      },
      save: () => {
        throw new Error('database is closed');
      },
    });
    const result = simulate(models, 'm', () => 300, 10);
    expect(result.looksPerJob).toBeGreaterThan(1);
    expect(models.get('m')).toBeDefined();
  });
});
