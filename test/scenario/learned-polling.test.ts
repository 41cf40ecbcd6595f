import { afterEach, describe, expect, it } from 'vitest';
import { DurationEstimates } from '../../src/main/engine/scenario/duration-estimate';
import { durationMemory } from '../../src/main/engine/queue/duration-memory';
import { QueueStore } from '../../src/main/engine/queue/store';
import type { ScenarioClientOptions } from '../../src/main/engine/scenario/types';
import { clientFor, harness, writePng, type Harness } from './helpers';

const VTRACER = 'model_visioncortex-vtracer';

describe('duration estimates', () => {
  const settings = { down: 0.01, up: 0.04, catchUp: 0.5 };

  it('start from the last moment the first job was seen running (a sure lower bound)', () => {
    const d = new DurationEstimates(settings);
    expect(d.get('m')).toBeUndefined();
    d.record('m', { doneMs: 1000, lastRunningMs: 700 });
    expect(d.get('m')).toBe(700);
    // Nonsense is ignored.
    d.record('m', { doneMs: Number.NaN, firstLookDone: true });
    d.record('m', { doneMs: -5, firstLookDone: false });
    expect(d.get('m')).toBe(700);
  });

  it('without a bracket, start well below the time the job was seen done', () => {
    const d = new DurationEstimates(settings);
    d.record('m', { doneMs: 1000 });
    expect(d.get('m')).toBe(800);
  });

  it('step down a little when the first look found the job done, and up more when it did not', () => {
    const d = new DurationEstimates(settings);
    d.set('m', 1000);
    d.record('m', { doneMs: 1000, firstLookDone: true });
    expect(d.get('m')).toBeCloseTo(990);
    d.record('m', { doneMs: 1000, lastRunningMs: 990, firstLookDone: false });
    expect(d.get('m')).toBeCloseTo(990 * 1.04);
  });

  it('start from what an earlier run remembered, and write it down again only when it moved 1 %', () => {
    const saves: [string, number][] = [];
    const memory = { load: () => new Map([['m', 1000], ['nonsense', -3]]), save: (k: string, ms: number) => void saves.push([k, ms]) };
    const d = new DurationEstimates(settings, memory);
    expect(d.get('m')).toBe(1000);
    expect(d.get('nonsense')).toBeUndefined();
    d.record('m', { doneMs: 1000, firstLookDone: true }); // 990: moved 1 % from 1000, written
    d.record('m', { doneMs: 1000, firstLookDone: true }); // 980.1: just under 1 % from 990, not yet
    d.record('m', { doneMs: 1000, firstLookDone: true }); // 970.3: 2 % from 990, written
    expect(saves.map(([, ms]) => Math.round(ms))).toEqual([990, 970]);
    const quiet = new DurationEstimates({ ...settings, down: 0.002 }, memory);
    saves.length = 0;
    for (let i = 0; i < 5; i++) quiet.record('m', { doneMs: 1000, firstLookDone: true });
    expect(saves).toEqual([]); // five steps of 0.2 %: still just under 1 %, not yet worth a write
    quiet.record('m', { doneMs: 1000, firstLookDone: true });
    expect(saves).toHaveLength(1);
  });

  it('keep working when the memory cannot be read or written', () => {
    const d = new DurationEstimates(settings, {
      load: () => {
        throw new Error('database is locked');
      },
      save: () => {
        throw new Error('database is closed');
      },
    });
    d.record('m', { doneMs: 1000, lastRunningMs: 700 });
    expect(d.get('m')).toBe(700);
  });

  it('catch up quickly with a kind of job that became slower, but never jump more than half again', () => {
    const d = new DurationEstimates(settings);
    d.set('m', 1000);
    d.record('m', { doneMs: 1700, lastRunningMs: 1600, firstLookDone: false });
    expect(d.get('m')).toBe(1300);
    // One very slow job: the next ones must not all be looked at far too late.
    d.record('m', { doneMs: 9100, lastRunningMs: 9000, firstLookDone: false });
    expect(d.get('m')).toBe(1950);
  });

  it('settle where the chosen share of first looks finds the job done (up ÷ (up + down) = 80 %)', () => {
    const d = new DurationEstimates(settings);
    d.set('m', 500);
    // Durations spread evenly over 900…1100 ms: the estimate should settle near their 80th percentile.
    let done = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const duration = 900 + ((i * 7919) % 200);
      const estimate = d.get('m') ?? 0;
      const firstLookDone = duration <= estimate;
      if (i >= n / 2 && firstLookDone) done++;
      d.record('m', firstLookDone ? { doneMs: estimate, firstLookDone } : { doneMs: duration + 5, lastRunningMs: estimate, firstLookDone });
    }
    expect(d.get('m')).toBeGreaterThan(1030);
    expect(d.get('m')).toBeLessThan(1110);
    expect(done / (n / 2)).toBeGreaterThan(0.7);
    expect(done / (n / 2)).toBeLessThan(0.9);
  });
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

/** The usual polling settings (first look 1 s, backoff ×1.5 to 10 s). */
const POLLING = { pollInitialMs: 1000, pollMaxMs: 10_000, pollFactor: 1.5 };

/** A fake Scenario whose jobs take `jobDurationMs`, a client for it, and one uploaded image. */
async function setUp(jobDurationMs: number, overrides: Partial<ScenarioClientOptions> = {}) {
  const hh = await harness({ jobDurationMs });
  h = hh;
  const client = clientFor(hh.fake, { ...POLLING, ...overrides });
  const assetId = await client.upload({ path: await writePng(hh.dir), name: 'art.png', kind: 'png', route: 'image-asset' });
  return { hh, client, assetId };
}

describe('polling timed by learned job durations', () => {
  it('needs about one poll per job once the duration is known, and notices completion promptly', async () => {
    const { hh, client, assetId } = await setUp(400);
    const latencies: number[] = [];
    const polls: number[] = [];
    for (let i = 0; i < 12; i++) {
      const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
      const submittedAt = Date.now();
      const before = hh.fake.counts['job-get'];
      await client.waitForJob(jobId, { durationKey: VTRACER, submittedAt });
      latencies.push(Date.now() - submittedAt);
      polls.push(hh.fake.counts['job-get'] - before);
    }
    // The first job knows nothing: it is looked at 50 ms after it started, then each look about
    // 20 % later than the one before, so it is noticed at most a step after it is done.
    expect(polls[0]).toBeGreaterThanOrEqual(6);
    // Timed from when generate answered, a moment after the job started on the server.
    expect(latencies[0]).toBeGreaterThanOrEqual(400 - 20);
    expect(latencies[0]).toBeLessThan(400 * 1.2 + 60);
    // The estimate starts at the last moment the first job was seen running and climbs to the
    // duration within a few jobs. Once there: about one poll per job, and completion is noticed
    // much closer to the true 400 ms than a fixed schedule would notice it.
    const later = polls.slice(8);
    expect(later.reduce((a, b) => a + b, 0) / later.length).toBeLessThanOrEqual(2);
    for (const ms of latencies.slice(8)) expect(ms).toBeLessThan(700);
  });
});

describe('job durations remembered by the queue store', () => {
  it('let the next run look at its first job on time instead of timing the kind again', async () => {
    const hh = await harness({ jobDurationMs: 300 });
    h = hh;
    const store = QueueStore.open(':memory:');
    try {
      const run = async () => {
        const client = clientFor(hh.fake, { ...POLLING, durationMemory: durationMemory(store) });
        const assetId = await client.upload({ path: await writePng(hh.dir), name: 'art.png', kind: 'png', route: 'image-asset' });
        const polls: number[] = [];
        for (let i = 0; i < 6; i++) {
          const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
          const before = hh.fake.counts['job-get'];
          await client.waitForJob(jobId, { durationKey: VTRACER, submittedAt: Date.now() });
          polls.push(hh.fake.counts['job-get'] - before);
        }
        return polls;
      };
      const first = await run();
      expect(first[0]).toBeGreaterThanOrEqual(5); // timed by the scout
      expect(store.jobDurations().get(VTRACER)).toBeGreaterThan(250);
      const second = await run(); // a new client, as after a restart
      expect(second[0]).toBeLessThanOrEqual(3);
    } finally {
      store.close();
    }
  });
});

describe('the first jobs of a kind nobody has timed yet', () => {
  it('are timed by one of them, looked at ~20 % later each time, and the others wait for its answer', async () => {
    const { hh, client, assetId } = await setUp(300);
    const jobs = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
        return { jobId, submittedAt: Date.now() };
      }),
    );
    const noticedAfter = await Promise.all(
      jobs.map(async ({ jobId, submittedAt }) => {
        await client.waitForJob(jobId, { durationKey: 'a-new-kind', submittedAt });
        return Date.now() - submittedAt;
      }),
    );
    // The scout looks at 50 ms, 60 ms, 72 ms… (about 11 looks to reach 300 ms); the seven others
    // look once or twice when it has its answer, not on a blind schedule of their own.
    expect(hh.fake.counts['job-get']).toBeLessThanOrEqual(11 + 7 * 2 + 4);
    // Every job is noticed done within about one scout step (20 %) of its end, plus scheduling.
    for (const ms of noticedAfter) {
      expect(ms).toBeLessThan(300 * 1.2 + 60);
    }
  });

  it('hand the timing over to another job when the scout fails', async () => {
    const { hh, client, assetId } = await setUp(300);
    hh.fake.setFaults({ failJobRate: 1 });
    const doomed = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
    const doomedAt = Date.now();
    hh.fake.setFaults({ failJobRate: 0 });
    const others = await Promise.all(
      [1, 2, 3].map(async () => ({ ...(await client.generate(VTRACER, { presetName: 'poster', image: assetId })), submittedAt: Date.now() })),
    );
    // The failing job waits first, so it is the scout; the others wait for its answer.
    const failed = client.waitForJob(doomed.jobId, { durationKey: 'a-new-kind', submittedAt: doomedAt });
    const noticedAfter = others.map(async ({ jobId, submittedAt }) => {
      await client.waitForJob(jobId, { durationKey: 'a-new-kind', submittedAt });
      return Date.now() - submittedAt;
    });
    await expect(failed).rejects.toThrow(/failed/i);
    // It fails at 60 % of the job time; one of the others takes over and times the rest closely,
    // rather than all three falling back to the 1 s backoff.
    for (const ms of await Promise.all(noticedAfter)) expect(ms).toBeLessThan(300 * 1.2 + 60);
  });

  it('look closely for the first 3 s only, then on the usual backoff, even for a long job reporting progress', async () => {
    const { hh, client, assetId } = await setUp(9000);
    const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
    let atThreeSeconds = 0;
    // The last close look is planned before 3 s and may land up to 20 % later.
    const timer = setTimeout(() => (atThreeSeconds = hh.fake.counts['job-get']), 3700);
    await client.waitForJob(jobId, { durationKey: 'a-new-kind', submittedAt: Date.now() });
    clearTimeout(timer);
    // 50 ms × 1.2ⁿ up to 3 s is about 23 looks. Then the usual backoff: about one look a second
    // here, because the job's progress changes at every look, which restarts it at 1 s.
    expect(atThreeSeconds).toBeGreaterThanOrEqual(15);
    expect(atThreeSeconds).toBeLessThanOrEqual(25);
    expect(hh.fake.counts['job-get'] - atThreeSeconds).toBeLessThanOrEqual(7);
  }, 20_000);
});

describe('a job that runs far past its expected end', () => {
  it('is looked at often only just after the expected end, then on the usual backoff', async () => {
    const { hh, client, assetId } = await setUp(200);
    for (let i = 0; i < 4; i++) {
      const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
      await client.waitForJob(jobId, { durationKey: VTRACER, submittedAt: Date.now() });
    }
    hh.fake.setFaults({ neverFinishJobs: true });
    const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
    const before = hh.fake.counts['job-get'];
    const controller = new AbortController();
    const waited = client.waitForJob(jobId, { durationKey: VTRACER, submittedAt: Date.now(), signal: controller.signal });
    await new Promise((r) => setTimeout(r, 2500));
    controller.abort();
    await expect(waited).rejects.toThrow();
    // ~200 ms job: a few looks 5, 7.5, 11… ms apart until 300 ms, then the 1 s backoff —
    // not one every 5 ms (≈ 460).
    expect(hh.fake.counts['job-get'] - before).toBeLessThanOrEqual(15);
  });
});
