import { afterEach, describe, expect, it } from 'vitest';
import { DurationEstimates } from '../../src/main/engine/scenario/duration-estimate';
import { clientFor, harness, writePng, type Harness } from './helpers';

const VTRACER = 'model_visioncortex-vtracer';

describe('duration estimates', () => {
  it('shade a job seen done after a long wait, trust one found by a short overdue poll, and average', () => {
    const d = new DurationEstimates(0.5, 0.8, 0.9);
    expect(d.get('m')).toBeUndefined();
    d.record('m', 1000, true);
    expect(d.get('m')).toBe(800);
    d.record('m', 600, false);
    expect(d.get('m')).toBe(700);
    d.record('m', Number.NaN, false);
    expect(d.get('m')).toBe(700);
    // Anchored by a precise observation, late ones are shaded only slightly.
    d.record('m', 1000, true);
    expect(d.get('m')).toBe(800);
  });
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

describe('polling timed by learned job durations', () => {
  it('needs about one poll per job once the duration is known, and notices completion promptly', async () => {
    const hh = await harness({ jobDurationMs: 400 });
    h = hh;
    const client = clientFor(hh.fake, { pollInitialMs: 1000, pollMaxMs: 10_000, pollFactor: 1.5 });
    const assetId = await client.upload({ path: await writePng(hh.dir), name: 'art.png', kind: 'png', route: 'image-asset' });
    const latencies: number[] = [];
    const polls: number[] = [];
    for (let i = 0; i < 8; i++) {
      const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
      const submittedAt = Date.now();
      const before = hh.fake.counts['job-get'];
      await client.waitForJob(jobId, { durationKey: VTRACER, submittedAt });
      latencies.push(Date.now() - submittedAt);
      polls.push(hh.fake.counts['job-get'] - before);
    }
    // The first job knows nothing: an immediate poll, then a backoff that starts at a quarter of
    // the usual first interval (250 ms) and grows.
    expect(polls[0]).toBeGreaterThanOrEqual(2);
    expect(latencies[0]).toBeGreaterThanOrEqual(400);
    expect(latencies[0]).toBeLessThan(1000);
    // Later ones: far fewer polls than a fixed schedule and much closer to the true 400 ms.
    const later = polls.slice(4);
    expect(later.reduce((a, b) => a + b, 0) / later.length).toBeLessThanOrEqual(2);
    for (const ms of latencies.slice(4)) expect(ms).toBeLessThan(700);
  });
});

describe('the quicker first look at an unknown kind of job', () => {
  it('lasts only a few seconds, even for a long job reporting progress on every poll', async () => {
    const hh = await harness({ jobDurationMs: 9000 });
    h = hh;
    const client = clientFor(hh.fake, { pollInitialMs: 1000, pollMaxMs: 10_000, pollFactor: 1.5 });
    const assetId = await client.upload({ path: await writePng(hh.dir), name: 'art.png', kind: 'png', route: 'image-asset' });
    const { jobId } = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
    await client.waitForJob(jobId, { durationKey: 'a-new-kind', submittedAt: Date.now() });
    // About 12 looks in the first 3 s, then about one a second: far from one every 250 ms (36).
    expect(hh.fake.counts['job-get']).toBeLessThanOrEqual(22);
    expect(hh.fake.counts['job-get']).toBeGreaterThanOrEqual(9);
  }, 20_000);
});
