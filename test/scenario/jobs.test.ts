import { afterEach, describe, expect, it } from 'vitest';
import { CanceledError, GoneError, JobFailedError, ValidationError, type JobSnapshot } from '../../src/main/engine/scenario/index';
import { clientFor, harness, since, writePng, type Harness } from './helpers';

const VTRACER = 'model_visioncortex-vtracer';

let h: Harness;
afterEach(async () => {
  await h.close();
});

async function startJob(hh: Harness, overrides: Parameters<typeof clientFor>[1] = {}) {
  const client = clientFor(hh.fake, overrides);
  const assetId = await client.upload({ path: await writePng(hh.dir), name: 'art.png', kind: 'png', route: 'image-asset' });
  const job = await client.generate(VTRACER, { presetName: 'poster', image: assetId });
  return { client, job };
}

describe('generate', () => {
  it('returns the jobId, status and cost', async () => {
    h = await harness();
    const { job } = await startJob(h);
    expect(job).toMatchObject({ status: 'queued', creativeUnitsCost: 1 });
    expect(job.jobId).toMatch(/^job_/);
    expect(h.fake.generates).toHaveLength(1);
  });

  it("fails with the server's 400 message and does not retry it", async () => {
    h = await harness();
    const client = clientFor(h.fake);
    const assetId = await client.upload({ path: await writePng(h.dir), name: 'art.png', kind: 'png', route: 'image-asset' });
    const err = await client.generate(VTRACER, { image: assetId, colorPrecision: 99 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toBe('"colorPrecision" must be a number from 1 to 8');
    expect((err as ValidationError).status).toBe(400);
    expect(h.fake.counts.generate).toBe(1);
  });
});

describe('waitForJob', () => {
  it('polls until success, reporting each poll, and returns the output assetIds', async () => {
    h = await harness({ jobDurationMs: 600 });
    const { client, job } = await startJob(h);
    const updates: JobSnapshot[] = [];
    const done = await client.waitForJob(job.jobId, { onUpdate: (s) => updates.push(s) });
    expect(done.status).toBe('success');
    expect(done.assetIds).toHaveLength(1);
    expect(updates.length).toBe(h.fake.counts['job-get']);
    expect(updates.map((u) => u.status)).toEqual(expect.arrayContaining(['queued', 'in-progress', 'success']));
    // Progress only ever rises.
    const progress = updates.map((u) => u.progress ?? 0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('backs off while nothing changes: intervals grow up to pollMaxMs', async () => {
    // A 100 s job sits in "queued" at progress 0 for its first 15 s: every poll sees the same thing.
    h = await harness({ jobDurationMs: 100_000 });
    const { client, job } = await startJob(h, { pollInitialMs: 20, pollFactor: 2, pollMaxMs: 320 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1_500);
    await expect(client.waitForJob(job.jobId, { signal: controller.signal })).rejects.toBeInstanceOf(CanceledError);
    // Polls at 0, 20, 60, 140, 300, 620, 940, 1260 ms: 8. A fixed 20 ms interval would make 75.
    const polls = h.fake.counts['job-get'];
    expect(polls).toBeGreaterThanOrEqual(6);
    expect(polls).toBeLessThanOrEqual(10);
  });

  it('goes back to the first interval whenever status or progress changes', async () => {
    // Progress rises continuously while in-progress, so polls stay at pollInitialMs there.
    h = await harness({ jobDurationMs: 1_000 });
    const { client, job } = await startJob(h, { pollInitialMs: 50, pollFactor: 3, pollMaxMs: 1_000 });
    await client.waitForJob(job.jobId);
    // Without the reset: polls at 0, 50, 200, 650, 1650 ms = 5. With it, ≈ 14 over 1 s at ≥ 50 ms apart.
    const polls = h.fake.counts['job-get'];
    expect(polls).toBeGreaterThanOrEqual(9);
    expect(polls).toBeLessThanOrEqual(1_000 / 50 + 3);
  });

  it("throws JobFailedError with the job's own reason when it fails", async () => {
    h = await harness({ jobDurationMs: 300, faults: { failJobRate: 1 } });
    const { client, job } = await startJob(h);
    const err = await client.waitForJob(job.jobId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err).toMatchObject({ kind: 'job-failed', status: 'failure', jobId: job.jobId });
    expect((err as JobFailedError).reason).toMatch(/model could not process this input/);
  });

  it('tries a cancel once: Scenario refuses generation jobs with 400, and the job runs on', async () => {
    h = await harness({ jobDurationMs: 200 });
    const { client, job } = await startJob(h);
    const err = await client.cancelJob(job.jobId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toBe('Cannot cancel this type of job');
    expect(h.fake.counts['job-cancel']).toBe(1);
    expect((await client.waitForJob(job.jobId)).status).toBe('success');
  });

  it('reads the failure reason from job.metadata.error', async () => {
    h = await harness({ jobDurationMs: 100, faults: { failJobRate: 1 } });
    const { client, job } = await startJob(h);
    const err = await client.waitForJob(job.jobId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err).toMatchObject({ kind: 'job-failed', status: 'failure', reason: expect.stringMatching(/^Inference failed/) });
  });

  it('stops at once when the caller aborts, even mid-sleep', async () => {
    h = await harness({ faults: { neverFinishJobs: true } });
    const { client, job } = await startJob(h, { pollInitialMs: 5_000, pollMaxMs: 5_000 });
    const controller = new AbortController();
    const waiting = client.waitForJob(job.jobId, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 100)); // first poll done, now sleeping 5 s
    const t = Date.now();
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CanceledError);
    expect(since(t)).toBeLessThan(100);
    expect(h.fake.counts['job-get']).toBe(1);
  });

  it('keeps one poll on the wire per job, however many wait on it', async () => {
    h = await harness({ jobDurationMs: 400, faults: { slowMs: 30 } });
    const { client, job } = await startJob(h);
    let inFlight = 0;
    let most = 0;
    h.fake.on('request', (route) => {
      if (route !== 'job-get') return;
      most = Math.max(most, ++inFlight);
      setTimeout(() => inFlight--, 30); // each poll is held 30 ms by slowMs
    });
    const [a, b] = await Promise.all([client.waitForJob(job.jobId), client.waitForJob(job.jobId)]);
    expect(a.status).toBe('success');
    expect(b.status).toBe('success');
    expect(most).toBe(1);
  });

  it('reports an unknown job as gone (a validation error) with the server message', async () => {
    h = await harness();
    const client = clientFor(h.fake);
    const err = await client.getJob('job_nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GoneError);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ status: 404, what: 'job', message: 'Scenario no longer knows job job_nope (job job_nope not found)' });
  });
});
