import { afterEach, describe, expect, it } from 'vitest';
import { durationMemory } from '../../src/main/engine/queue/duration-memory';
import { QueueStore } from '../../src/main/engine/queue/store';
import type { ScenarioClientOptions } from '../../src/main/engine/scenario/types';
import { clientFor, harness, writePng, type Harness } from './helpers';

const VTRACER = 'model_visioncortex-vtracer';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

/** The usual polling settings (first look 1 s, backoff ×1.5 to 10 s). */
const POLLING = { pollInitialMs: 1000, pollMaxMs: 10_000, pollFactor: 1.5 };
/**
 * The blind backoff's first look is at POLLING.pollInitialMs (1 s): a job noticed before this was
 * found by the learned timing, not by the backoff. How close to its end it is noticed is a figure
 * for `npm run bench` (sections 1, 3 and 7); here the margin leaves room for a busy machine (CI runs
 * test files in parallel on 2 cores, and a Chromium test beside this one stalls timers by 100+ ms).
 */
const BEFORE_BLIND_BACKOFF_MS = 900;

/** A fake Scenario whose jobs take `jobDurationMs`, a client for it, and one uploaded image. */
async function setUp(jobDurationMs: number, overrides: Partial<ScenarioClientOptions> = {}) {
  const hh = await harness({ jobDurationMs });
  h = hh;
  const client = clientFor(hh.fake, { ...POLLING, ...overrides });
  const assetId = await client.upload({ path: await writePng(hh.dir), name: 'art.png', kind: 'png', route: 'image-asset' });
  return { hh, client, assetId };
}

describe('polling timed by learned job durations', () => {
  it('needs about two polls per job once the kind is known, and notices completion promptly', async () => {
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
    // 10 % later than the one before, so it is noticed at most a step after it is done. How many
    // looks fit in 400 ms depends on how busy the machine is; that it is looked at more closely
    // than the jobs after it does not.
    const later = polls.slice(4);
    const laterMean = later.reduce((a, b) => a + b, 0) / later.length;
    expect(polls[0]).toBeGreaterThan(laterMean);
    // Timed from when generate answered, a moment after the job started on the server.
    expect(latencies[0]).toBeGreaterThanOrEqual(400 - 20);
    expect(latencies[0]).toBeLessThan(BEFORE_BLIND_BACKOFF_MS);
    // Then: a first look while it runs, whose progress says when it will end, and a look just
    // after that — about two polls per job, completion noticed by timing, not by the blind backoff.
    expect(laterMean).toBeLessThanOrEqual(2.5);
    for (const ms of latencies.slice(4)) expect(ms).toBeLessThan(BEFORE_BLIND_BACKOFF_MS);
  });
});

describe('log-normal job times', () => {
  it('are each noticed a small fraction of their own time after they end, in a few polls', async () => {
    const hh = await harness({ jobDurations: { kind: 'log-normal', medianMs: 250, sigma: 0.6 }, seed: 4 });
    h = hh;
    const client = clientFor(hh.fake, POLLING);
    const assetId = await client.upload({ path: await writePng(hh.dir), name: 'art.png', kind: 'png', route: 'image-asset' });
    let late = 0;
    let ran = 0;
    const before = hh.fake.counts['job-get'];
    for (let i = 0; i < 24; i++) {
      const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
      const submittedAt = Date.now();
      await client.waitForJob(jobId, { durationKey: VTRACER, submittedAt });
      const job = hh.fake.generates.find((g) => g.jobId === jobId);
      if (i >= 6 && job) {
        late += Date.now() - submittedAt - job.durationMs;
        ran += job.durationMs;
      }
    }
    // A blind schedule would be 20 % late or more at this spread; a few ms of scheduling per job aside, this is well under.
    expect(late / ran).toBeLessThan(0.15);
    expect((hh.fake.counts['job-get'] - before) / 24).toBeLessThan(3.5);
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
      expect(first[0]).toBeGreaterThanOrEqual(8); // timed by the scout
      expect(store.jobTimings().get(VTRACER)).toMatchObject({ v: 1, durations: expect.any(Array) });
      const second = await run(); // a new client, as after a restart
      expect(second[0]).toBeLessThanOrEqual(3);
    } finally {
      store.close();
    }
  });
});

describe('the first jobs of a kind nobody has timed yet', () => {
  it('are timed by one of them, looked at ~10 % later each time, and the others wait for its answer', async () => {
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
    // The scout looks at 50 ms, 55 ms, 60.5 ms… (about 19 looks to reach 300 ms); the seven others
    // look once or twice when it has its answer, not on a blind schedule of their own.
    expect(hh.fake.counts['job-get']).toBeLessThanOrEqual(19 + 7 * 2 + 4);
    // Every job is noticed through the scout's answer, not by a blind backoff of its own.
    for (const ms of noticedAfter) {
      expect(ms).toBeLessThan(BEFORE_BLIND_BACKOFF_MS);
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
    for (const ms of await Promise.all(noticedAfter)) expect(ms).toBeLessThan(BEFORE_BLIND_BACKOFF_MS);
  });

  it('look closely for the first 3 s only, then on the usual backoff, even for a long job reporting progress', async () => {
    const { hh, client, assetId } = await setUp(9000);
    const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
    let atThreeSeconds = 0;
    // The last close look is planned before 3 s and may land up to 10 % later.
    const timer = setTimeout(() => (atThreeSeconds = hh.fake.counts['job-get']), 3700);
    await client.waitForJob(jobId, { durationKey: 'a-new-kind', submittedAt: Date.now() });
    clearTimeout(timer);
    // 50 ms × 1.1ⁿ up to 3 s is about 43 looks. Then the usual backoff: about one look a second
    // here, because the job's progress changes at every look, which restarts it at 1 s.
    expect(atThreeSeconds).toBeGreaterThanOrEqual(30);
    expect(atThreeSeconds).toBeLessThanOrEqual(46);
    expect(hh.fake.counts['job-get'] - atThreeSeconds).toBeLessThanOrEqual(7);
  }, 20_000);
});

describe('a job that runs far past its expected end', () => {
  it('is looked at in growing steps past its predicted end, not every few ms', async () => {
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
    // ~200 ms job whose progress creeps on: steps growing by half each time — not one every few ms (≈ 500).
    expect(hh.fake.counts['job-get'] - before).toBeLessThanOrEqual(25);
  });
});
