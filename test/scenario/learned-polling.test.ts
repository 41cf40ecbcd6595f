import { afterEach, describe, expect, it } from 'vitest';
import { durationMemory } from '../../src/main/engine/queue/duration-memory';
import { QueueStore } from '../../src/main/engine/queue/store';
import { DISCOVERY_MS, scoutFactor } from '../../src/main/engine/scenario/next-look';
import type { ScenarioClientOptions } from '../../src/main/engine/scenario/types';
import { clientFor, harness, writePng, type Harness } from './helpers';

const VTRACER = 'model_visioncortex-vtracer';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

/**
 * End to end (client, wait loop, fake server): how jobs.ts drives duration-model.ts. The model's
 * own figures (looks per job, lateness under log-normal times, growing steps past a predicted end)
 * are specified against simulated jobs in duration-model.test.ts, with no clock; speed is
 * `npm run bench`'s (sections 1, 3 and 7).
 *
 * The blind backoff's first look is 10 minutes away here, past any test's timeout: a job noticed
 * at all was noticed by learned timing (or its kind's scout), never by the backoff.
 */
const LEARNED_ONLY = { pollInitialMs: 600_000, pollMaxMs: 600_000, pollFactor: 1.5 };
/** The usual polling settings (first look 1 s, backoff ×1.5 to 10 s). */
const POLLING = { pollInitialMs: 1000, pollMaxMs: 10_000, pollFactor: 1.5 };

/** A fake Scenario whose jobs take `jobDurationMs`, a client for it, and one uploaded image. */
async function setUp(jobDurationMs: number, overrides: Partial<ScenarioClientOptions> = {}) {
  const hh = await harness({ jobDurationMs });
  h = hh;
  const client = clientFor(hh.fake, { ...LEARNED_ONLY, ...overrides });
  const assetId = await client.upload({ path: await writePng(hh.dir), name: 'art.png', kind: 'png', route: 'image-asset' });
  return { hh, client, assetId };
}

describe('polling timed by learned job durations', () => {
  it('needs about two polls per job once the kind is known', async () => {
    const { hh, client, assetId } = await setUp(200);
    const polls: number[] = [];
    let firstNoticedAfter = 0;
    for (let i = 0; i < 10; i++) {
      const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
      const submittedAt = Date.now();
      const before = hh.fake.counts['job-get'];
      await client.waitForJob(jobId, { durationKey: VTRACER, submittedAt });
      if (i === 0) firstNoticedAfter = Date.now() - submittedAt;
      polls.push(hh.fake.counts['job-get'] - before);
    }
    // The first job knows nothing: it is looked at 50 ms after it started, then each look about
    // 1.7 times later than the one before (it is alone: next-look.ts scoutFactor), so it is noticed
    // at most a step after it is done. How many looks fit in 200 ms depends on how busy the
    // machine is; that it is looked at more closely than the jobs after it does not.
    const later = polls.slice(4);
    const laterMean = later.reduce((a, b) => a + b, 0) / later.length;
    expect(polls[0]).toBeGreaterThan(laterMean);
    // Timed from when generate answered, a moment after the job started on the server.
    expect(firstNoticedAfter).toBeGreaterThanOrEqual(200 - 20);
    // Then: a first look while it runs, whose progress says when it will end, and a look just
    // after that — about two polls per job.
    expect(laterMean).toBeLessThanOrEqual(2.5);
  });
});

describe("a job's start, which its duration is timed from", () => {
  it('is when its generate was sent, not when the answer was read: an answer can wait behind other work', async () => {
    const { hh, client, assetId } = await setUp(200);
    let reachedServerAt = 0;
    hh.fake.on('request', (route) => {
      if (route === 'generate') reachedServerAt = Date.now();
    });
    hh.fake.setFaults({ slowMs: 150 });
    const { sentAt } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
    const answeredAt = Date.now();
    expect(sentAt).toBeLessThanOrEqual(reachedServerAt);
    expect(answeredAt - sentAt).toBeGreaterThanOrEqual(150);
  });
});

describe('job durations remembered by the queue store', () => {
  it('let the next run look at its first job on time instead of timing the kind again', async () => {
    const hh = await harness({ jobDurationMs: 200 });
    h = hh;
    const store = QueueStore.open(':memory:');
    try {
      const run = async () => {
        const client = clientFor(hh.fake, { ...LEARNED_ONLY, durationMemory: durationMemory(store) });
        const assetId = await client.upload({ path: await writePng(hh.dir), name: 'art.png', kind: 'png', route: 'image-asset' });
        const polls: number[] = [];
        // When the server saw the first look at this run's first job, in ms after its submission.
        let firstLookAfter = 0;
        let firstSubmittedAt: number | undefined;
        hh.fake.on('request', (route) => {
          if (route === 'job-get' && firstSubmittedAt !== undefined && !firstLookAfter) firstLookAfter = Date.now() - firstSubmittedAt;
        });
        for (let i = 0; i < 6; i++) {
          const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
          const submittedAt = Date.now();
          if (i === 0) firstSubmittedAt = submittedAt;
          const before = hh.fake.counts['job-get'];
          await client.waitForJob(jobId, { durationKey: VTRACER, submittedAt });
          polls.push(hh.fake.counts['job-get'] - before);
        }
        return { polls, firstLookAfter };
      };
      const first = await run();
      expect(first.polls[0]).toBeGreaterThanOrEqual(3); // timed by the scout: 50 ms, then steps 1.7 times longer
      expect(store.jobTimings().get(VTRACER)).toMatchObject({ v: 2, durations: expect.any(Array) });
      const second = await run(); // a new client, as after a restart
      expect(second.polls[0]).toBeLessThanOrEqual(3);
      // Planned from the remembered durations of ~200 ms jobs, not the scout's look at 50 ms.
      expect(second.firstLookAfter).toBeGreaterThanOrEqual(100);
    } finally {
      store.close();
    }
  });
});

describe('the first jobs of a kind nobody has timed yet', () => {
  it('are timed by one of them, whose looks come closer together the more jobs wait for its answer', async () => {
    const { hh, client, assetId } = await setUp(300);
    const jobs = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
        return { jobId, submittedAt: Date.now() };
      }),
    );
    // Every job is noticed through the scout's answer: none has a blind backoff of its own here.
    const done = await Promise.all(jobs.map(({ jobId, submittedAt }) => client.waitForJob(jobId, { durationKey: 'a-new-kind', submittedAt })));
    expect(done.map((j) => j.status)).toEqual(Array(8).fill('success'));
    // With eight jobs waiting, the scout's looks are about 1.23 times apart (next-look.ts
    // scoutFactor): 50 ms, 62 ms, 76 ms… about 9 looks to reach 300 ms; the seven others look once
    // or twice when it has its answer.
    expect(hh.fake.counts['job-get']).toBeLessThanOrEqual(10 + 7 * 2 + 4);
  });

  it('are seen soon after they end, in few looks, even alone: the scout aims at the end its progress points to', async () => {
    const { hh, client, assetId } = await setUp(1000);
    const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
    const submittedAt = Date.now();
    await client.waitForJob(jobId, { durationKey: 'a-new-kind', submittedAt });
    const noticedAfter = Date.now() - submittedAt;
    // Alone, its looks are about 1.7 times apart: 50, 85, 144, 245, 417, 709 ms… The fake reports
    // progress from 30 % of the job's time: the looks at 417 and 709 ms point to its end at
    // 1,000 ms, and the next lands just after it, rather than at the next step (1,205 ms).
    expect(noticedAfter).toBeGreaterThanOrEqual(1000 - 20);
    expect(noticedAfter).toBeLessThan(1150);
    expect(hh.fake.counts['job-get']).toBeLessThanOrEqual(8);
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
    const noticed = Promise.all(others.map(({ jobId, submittedAt }) => client.waitForJob(jobId, { durationKey: 'a-new-kind', submittedAt })));
    await expect(failed).rejects.toThrow(/failed/i);
    // It fails at 60 % of the job time; one of the others takes over and times the rest, rather
    // than all three falling back to the blind backoff.
    expect((await noticed).map((j) => j.status)).toEqual(['success', 'success', 'success']);
  });

  it('look closely for the first 3 s only, then on the usual backoff, even for a long job reporting progress', async () => {
    const { hh, client, assetId } = await setUp(9000, POLLING);
    const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
    const submittedAt = Date.now();
    // When each look reached the server, in ms since the job was submitted; enough once two looks
    // have come after the close ones.
    const looks: number[] = [];
    const controller = new AbortController();
    hh.fake.on('request', (route, _method, path) => {
      if (route !== 'job-get' || !path.endsWith(jobId)) return;
      looks.push(Date.now() - submittedAt);
      if (looks.filter((t) => t > DISCOVERY_MS).length === 3) controller.abort();
    });
    await expect(client.waitForJob(jobId, { durationKey: 'a-new-kind', submittedAt, signal: controller.signal })).rejects.toThrow();
    const close = looks.filter((t) => t <= DISCOVERY_MS);
    // Alone, it is looked at about 1.7 times later each time (next-look.ts scoutFactor): 50, 85,
    // 144 … 2,049 ms is 8 looks in its first 3 s (a busy machine can only make them fewer).
    expect(close.length).toBeGreaterThanOrEqual(5);
    expect(close.length).toBeLessThanOrEqual(9);
    // The close look planned before 3 s lands at most a step later. Then the usual backoff: a
    // look a second here, because the job's progress changes at every look, which restarts it at
    // 1 s. (Timers never fire early; the tenth allows for a request that reached the server a
    // little after it was sent.)
    const after = looks.filter((t) => t > DISCOVERY_MS);
    expect(after).toHaveLength(3);
    expect(after[0]).toBeLessThanOrEqual(DISCOVERY_MS * scoutFactor(1) + 200);
    for (let i = 1; i < after.length; i++) expect((after[i] as number) - (after[i - 1] as number)).toBeGreaterThanOrEqual(POLLING.pollInitialMs * 0.9);
  });
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
    await new Promise((r) => setTimeout(r, 1500));
    controller.abort();
    await expect(waited).rejects.toThrow();
    // ~200 ms job whose progress creeps on: steps growing by half each time — not one every few ms (≈ 300).
    expect(hh.fake.counts['job-get'] - before).toBeLessThanOrEqual(25);
  });
});
