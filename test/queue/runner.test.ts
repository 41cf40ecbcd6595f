/**
 * The queue runner (src/main/engine/queue/runner.ts) on its own: a fake ScenarioApi held in memory,
 * whose jobs end when the test says so, and an in-memory store. Each test runs in milliseconds; the
 * same behaviours through the CLI and the fake HTTP server are in test/reliability/*.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findModel } from '../../src/main/engine/models/registry';
import { enqueuePaths, type EnqueueTarget } from '../../src/main/engine/queue/enqueue';
import { CANCELED_MAY_BE_CHARGED, CHARGED_TWICE_WARNING, QueueRunner, type QueueRunnerOptions } from '../../src/main/engine/queue/runner';
import { isTempName } from '../../src/main/engine/output/writer';
import { QueueStore } from '../../src/main/engine/queue/store';
import type { ItemState, QueueItem } from '../../src/main/engine/queue/types';
import { CanceledError, DownloadError, JobFailedError, NetworkError, TeamLimitError, ValidationError } from '../../src/main/engine/scenario/errors';
import type {
  AssetInfo,
  DownloadRequest,
  DownloadResult,
  GenerateResult,
  JobSnapshot,
  ScenarioApi,
  UploadRequest,
  WaitOptions,
} from '../../src/main/engine/scenario/types';
import { flatImage, tempDir } from '../support/files';

interface Job {
  id: string;
  ended: boolean;
  settle: (outcome: 'success' | Error) => void;
  result: Promise<JobSnapshot>;
}

/**
 * Scenario as the runner sees it. Uploads and generates answer at once (or fail as told); a job
 * runs until the test ends it with `finish` or `fail`. With a team limit set, a generate beyond
 * it is refused as Scenario refuses it (a 429 with actionLimit) and the ceiling is then known.
 */
class FakeApi implements ScenarioApi {
  uploads: string[] = [];
  generated: string[] = [];
  polled: string[] = [];
  canceled: string[] = [];
  downloads: string[] = [];
  /** Where each download was written. */
  destPaths: string[] = [];
  refusals = 0;
  running = 0;
  maxRunning = 0;
  teamLimit: number | undefined;
  learnedCeiling: number | undefined;
  uploadError: Error | undefined;
  /** Upload errors used one per upload before `uploadError`. */
  uploadErrors: Error[] = [];
  /** While set, a generate creates its job but its answer waits until `answerGenerates`. */
  holdGenerates = false;
  private readonly heldAnswers: (() => void)[] = [];
  /** Download errors, used one per download until none is left. */
  downloadErrors: Error[] = [];
  /** Generate errors, used one per generate until none is left (no job is created). */
  generateErrors: Error[] = [];
  private readonly jobs = new Map<string, Job>();
  private nextJob = 1;

  upload(req: UploadRequest): Promise<string> {
    this.uploads.push(req.name);
    const once = this.uploadErrors.shift();
    if (once) return Promise.reject(once);
    if (this.uploadError) return Promise.reject(this.uploadError);
    return Promise.resolve(`asset-${req.name}`);
  }

  // The signal is not heeded: an answer already on its way when the item is canceled still arrives,
  // which is the window the runner's "canceled while the job was being created" branch is for.
  generate(): Promise<GenerateResult> {
    if (this.teamLimit !== undefined && this.running >= this.teamLimit) {
      this.refusals++;
      this.learnedCeiling = this.teamLimit;
      return Promise.reject(new TeamLimitError(this.teamLimit, undefined, 'team job limit reached'));
    }
    const error = this.generateErrors.shift();
    if (error) return Promise.reject(error);
    const id = `job-${this.nextJob++}`;
    this.generated.push(id);
    this.startJob(id);
    const answer: GenerateResult = { jobId: id, status: 'queued', sentAt: Date.now() };
    if (!this.holdGenerates) return Promise.resolve(answer);
    return new Promise((resolve) => this.heldAnswers.push(() => resolve(answer)));
  }

  answerGenerates(): void {
    this.holdGenerates = false;
    for (const answer of this.heldAnswers.splice(0)) answer();
  }

  /** A job Scenario runs (made by generate, or left by an earlier run of Kiln). */
  startJob(id: string): void {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    let settle!: Job['settle'];
    const result = new Promise<JobSnapshot>((resolve, reject) => {
      settle = (outcome) => {
        const job = this.jobs.get(id);
        if (!job || job.ended) return;
        // An ended job stays on Scenario: following it again gives its end at once.
        job.ended = true;
        this.running--;
        if (outcome === 'success') resolve({ jobId: id, status: 'success', progress: 1, assetIds: [`out-${id}`] });
        else reject(outcome);
      };
    });
    // The runner may stop following a job (cancel): its end is then seen by nobody.
    result.catch(() => undefined);
    this.jobs.set(id, { id, ended: false, settle, result });
  }

  get openJobs(): string[] {
    return [...this.jobs.values()].filter((j) => !j.ended).map((j) => j.id);
  }

  finish(id: string): void {
    this.jobs.get(id)?.settle('success');
  }

  fail(id: string, reason: string): void {
    this.jobs.get(id)?.settle(new JobFailedError(id, 'failure', reason));
  }

  getJob(jobId: string): Promise<JobSnapshot> {
    return Promise.resolve({ jobId, status: 'success', progress: 1, assetIds: [`out-${jobId}`] });
  }

  waitForJob(jobId: string, options: WaitOptions = {}): Promise<JobSnapshot> {
    this.polled.push(jobId);
    const job = this.jobs.get(jobId);
    if (!job) return Promise.reject(new Error(`the fake has no job ${jobId}`));
    options.onUpdate?.({ jobId, status: 'in-progress', progress: 0.5, assetIds: [] });
    return new Promise<JobSnapshot>((resolve, reject) => {
      const signal = options.signal;
      const onAbort = () => reject(new CanceledError());
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      job.result.then(resolve, reject);
    });
  }

  cancelJob(jobId: string): Promise<void> {
    this.canceled.push(jobId);
    return Promise.resolve();
  }

  getAsset(assetId: string): Promise<AssetInfo> {
    return Promise.resolve({ id: assetId, mimeType: 'image/svg+xml' });
  }

  async download(req: DownloadRequest): Promise<DownloadResult> {
    this.downloads.push(req.assetId);
    this.destPaths.push(req.destPath);
    const error = this.downloadErrors.shift();
    if (error) throw error;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg"><!-- ${req.assetId} --></svg>`;
    await writeFile(req.destPath, svg);
    return { bytes: svg.length, mimeType: 'image/svg+xml' };
  }

  /** Probes that fail before the API answers again. */
  probeFailures = 0;

  probe(): Promise<void> {
    if (this.probeFailures > 0) {
      this.probeFailures--;
      return Promise.reject(new NetworkError('connect ECONNREFUSED'));
    }
    return Promise.resolve();
  }

  jobCeiling(): number | undefined {
    return this.learnedCeiling;
  }
}

let dir: { path: string; remove: () => Promise<void> };
let store: QueueStore;
let api: FakeApi;
let runner: QueueRunner | undefined;
let out: string;
/** Every state each item was saved in, in order, repeats left out. */
let seen: Map<string, ItemState[]>;
/** What the runner said of the network, in order. */
let onlineSeen: boolean[];

beforeEach(async () => {
  dir = await tempDir('kiln-runner-');
  store = QueueStore.open(':memory:');
  api = new FakeApi();
  out = join(dir.path, 'out');
  seen = new Map();
  onlineSeen = [];
});

afterEach(async () => {
  await runner?.stop();
  runner = undefined;
  store.close();
  await dir.remove();
});

async function addImages(names: string[], queueId = 'q1'): Promise<QueueItem[]> {
  const src = join(dir.path, 'in');
  await mkdir(src, { recursive: true });
  // Each image of its own size, so no two share content.
  for (const [i, name] of names.entries()) await writeFile(join(src, name), await flatImage('png', 32 + i, 24));
  const target: EnqueueTarget = {
    queueId,
    model: findModel('vtracer')!,
    preset: 'poster',
    params: { presetName: 'poster' },
    output: { dir: out, template: '{name}.{ext}', collision: 'keep-both' },
    engine: 'cloud',
  };
  const { added } = await enqueuePaths(store, target, names.map((n) => join(src, n)));
  expect(added).toHaveLength(names.length);
  return added;
}

async function startRunner(concurrency = 4, options: Partial<QueueRunnerOptions> = {}, beforeStart?: (r: QueueRunner) => void): Promise<QueueRunner> {
  const r = new QueueRunner({ store, api, concurrency, ...options });
  beforeStart?.(r);
  r.on('item', (item) => {
    const states = seen.get(item.id) ?? [];
    if (states.at(-1) !== item.state) states.push(item.state);
    seen.set(item.id, states);
  });
  r.on('connectivity', ({ online }) => onlineSeen.push(online));
  runner = r;
  await r.start();
  return r;
}

function item(id: string): QueueItem {
  const found = store.get(id);
  if (!found) throw new Error(`no item ${id}`);
  return found;
}

/** Waits (polling every few ms) until `what` gives something truthy, and returns it. */
async function until<T>(what: () => T | undefined | false, waitingFor = 'a condition'): Promise<T> {
  return vi.waitFor(() => {
    const value = what();
    if (value === undefined || value === false) throw new Error(`still waiting for ${waitingFor}`);
    return value;
  }, { timeout: 5_000, interval: 2 });
}

/** Waits for an item to reach `state`; one that fails on the way says why at once. */
const stateOf = (id: string, state: ItemState) =>
  until(() => {
    const now = item(id);
    if (now.state === 'failed' && state !== 'failed') throw new Error(`item failed: ${now.error}`);
    return now.state === state;
  }, `${id} to be ${state} (it is ${item(id).state})`);

/** Items whose job has not ended yet (or not started). */
const jobsToCome = (items: QueueItem[]) => items.filter((i) => !['downloading', 'done'].includes(item(i.id).state)).length;

/** The job Scenario runs for an item, once the item has one. */
const jobOf = (id: string) =>
  until(() => {
    const now = item(id);
    if (now.state === 'failed') throw new Error(`item failed: ${now.error}`);
    return now.jobId;
  }, `${id} to have a job`);

describe('QueueRunner', () => {
  it('takes an item through upload, job and download to done, and writes its result', async () => {
    const [a] = await addImages(['chair.png']);
    await startRunner();
    const job = await jobOf(a!.id);
    await stateOf(a!.id, 'processing');
    api.finish(job);
    await stateOf(a!.id, 'done');

    expect(seen.get(a!.id)).toEqual(['uploading', 'submitted', 'processing', 'downloading', 'done']);
    const done = item(a!.id);
    expect(done.outputs).toEqual([join(out, 'chair.svg')]);
    expect(done.downloadedAssetIds).toEqual([`out-${job}`]);
    expect(done.engine).toBe('cloud');
    expect(done.error).toBeUndefined();
    expect(await readdir(out)).toEqual(['chair.svg']);
    expect(api.uploads).toEqual(['chair.png']);
    expect(api.generated).toEqual([job]);
  });

  it('downloads into the file it made in the output folder before the upload, and makes no other', async () => {
    const [a] = await addImages(['chair.png']);
    await startRunner();
    const job = await jobOf(a!.id);
    // The room check made the item's temp; it waits, empty, for the result.
    const reserved = (await readdir(out)).filter((name) => isTempName(name, a!.id));
    expect(reserved).toHaveLength(1);
    api.finish(job);
    await stateOf(a!.id, 'done');
    expect(api.destPaths).toEqual([join(out, reserved[0]!)]);
    expect(await readdir(out)).toEqual(['chair.svg']);
  });

  it('a stop while a job runs leaves nothing in the output folder, and the next start follows the job to its result', async () => {
    const [a] = await addImages(['chair.png']);
    const r = await startRunner();
    const job = await jobOf(a!.id);
    await stateOf(a!.id, 'processing');
    await r.stop();
    expect(await readdir(out)).toEqual([]);
    await startRunner();
    await until(() => api.polled.filter((id) => id === job).length === 2, 'the job to be followed again');
    api.finish(job);
    await stateOf(a!.id, 'done');
    expect(api.generated).toEqual([job]);
    expect(await readdir(out)).toEqual(['chair.svg']);
  });

  it('starts nothing new in a paused queue while work in flight finishes, and goes on when resumed', async () => {
    const [a, b, c] = await addImages(['a.png', 'b.png', 'c.png']);
    const r = await startRunner(1);
    // One job slot: whichever of the first two uploads first takes it (transfers overlap, so it
    // need not be the first in line); the other waits for the slot and the third waits in line.
    await until(() => api.generated.length === 1 && api.uploads.length === 2, 'one job and two uploads');
    const [first, second] = [a!, b!].sort((x, y) => (item(x.id).jobId ? 0 : 1) - (item(y.id).jobId ? 0 : 1));
    expect(item(second!.id).state).toBe('uploading');
    r.pause('q1');
    expect(r.isPaused('q1')).toBe(true);
    api.finish(item(first!.id).jobId!);
    await stateOf(first!.id, 'done');
    const jobB = await jobOf(second!.id);
    api.finish(jobB);
    await stateOf(second!.id, 'done');
    // Nothing the runner could do is left but the paused item.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(item(c!.id).state).toBe('queued');
    expect([...api.uploads].sort()).toEqual(['a.png', 'b.png']);

    r.resume('q1');
    const jobC = await jobOf(c!.id);
    api.finish(jobC);
    await stateOf(c!.id, 'done');
    expect(await readdir(out)).toEqual(['a.svg', 'b.svg', 'c.svg']);
  });

  it('cancels an item whose job runs, says it may still be charged, and never writes its result', async () => {
    const [a] = await addImages(['chair.png']);
    const r = await startRunner();
    const job = await jobOf(a!.id);
    await stateOf(a!.id, 'processing');
    await r.cancel(a!.id);

    const canceled = item(a!.id);
    expect(canceled.state).toBe('canceled');
    expect(canceled.error).toBe(CANCELED_MAY_BE_CHARGED);
    expect(canceled.jobId).toBeUndefined();
    expect(api.canceled).toEqual([job]);

    // Scenario runs the job on (cancel is best effort) and it succeeds: nothing follows it any more.
    api.finish(job);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(item(a!.id).state).toBe('canceled');
    expect(api.downloads).toEqual([]);
    expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
  });

  it('cancels a queued item without the charge warning, since no job existed', async () => {
    const [a] = await addImages(['chair.png']);
    // Not started: nothing is in flight.
    runner = new QueueRunner({ store, api });
    await runner.cancel(a!.id);
    expect(item(a!.id).state).toBe('canceled');
    expect(item(a!.id).error).toBeUndefined();
    expect(api.canceled).toEqual([]);
  });

  it('fails an item whose job failed, forgets the job, and generates again on retry', async () => {
    const [a] = await addImages(['chair.png']);
    const r = await startRunner();
    const first = await jobOf(a!.id);
    api.fail(first, 'the model could not trace this image');
    await stateOf(a!.id, 'failed');
    const failed = item(a!.id);
    expect(failed.error).toBe(`Scenario job ${first} failed: the model could not trace this image`);
    expect(failed.jobId).toBeUndefined();
    // The upload is kept: a retry pays for a new job, not a new upload.
    expect(failed.assetId).toBe('asset-chair.png');

    r.retry(a!.id);
    const second = await jobOf(a!.id);
    expect(second).not.toBe(first);
    api.finish(second);
    await stateOf(a!.id, 'done');
    expect(api.generated).toEqual([first, second]);
    expect(api.uploads).toEqual(['chair.png']);
    expect(item(a!.id).attempts).toBe(1);
    expect(await readdir(out)).toEqual(['chair.svg']);
  });

  it('records the kind of failure from the error, whatever its words, and a retry clears it with the error', async () => {
    const [a, b] = await addImages(['chair.png', 'lamp.png']);
    // lamp.png is moved away before the runner looks at it.
    const lamp = b!.inputPath;
    const moved = `${lamp}.moved`;
    await rename(lamp, moved);
    const r = await startRunner();
    const first = await jobOf(a!.id);
    // Words that read like a network or disk failure: the kind still comes from the JobFailedError.
    api.fail(first, 'network share is full (ECONNREFUSED)');
    await stateOf(a!.id, 'failed');
    expect(item(a!.id)).toMatchObject({ error: `Scenario job ${first} failed: network share is full (ECONNREFUSED)`, failureKind: 'job-failed' });
    await stateOf(b!.id, 'failed');
    expect(item(b!.id).failureKind).toBe('input-missing');

    r.retry(a!.id);
    expect(item(a!.id).error).toBeUndefined();
    expect(item(a!.id).failureKind).toBeUndefined();
    api.finish(await jobOf(a!.id));
    await stateOf(a!.id, 'done');
    expect(item(a!.id).failureKind).toBeUndefined();

    await rename(moved, lamp);
    r.retry(b!.id);
    expect(item(b!.id).failureKind).toBeUndefined();
    api.finish(await jobOf(b!.id));
    await stateOf(b!.id, 'done');
    expect(item(b!.id)).not.toHaveProperty('failureKind');
  });

  it('after a restart, polls a job an item was left following and never generates it again', async () => {
    const [a] = await addImages(['chair.png']);
    // What a run killed while following its job leaves behind.
    store.transition(a!.id, 'uploading', { assetId: 'asset-chair.png' });
    store.transition(a!.id, 'submitted', { jobId: 'job-left', progress: 0 });
    api.startJob('job-left');

    await startRunner();
    await until(() => api.polled.includes('job-left'));
    api.finish('job-left');
    await stateOf(a!.id, 'done');
    expect(api.generated).toEqual([]);
    expect(api.uploads).toEqual([]);
    expect(item(a!.id).outputs).toEqual([join(out, 'chair.svg')]);
    expect(item(a!.id).warnings).toBeUndefined();
  });

  it('after a restart, generates again an item whose generate was sent but never answered, and warns of a double charge', async () => {
    const [a] = await addImages(['chair.png']);
    // Killed after "generate sent" was written, before the job id came back.
    store.transition(a!.id, 'uploading', { assetId: 'asset-chair.png', generateSentAt: Date.now() - 1_000 });

    await startRunner();
    const job = await jobOf(a!.id);
    api.finish(job);
    await stateOf(a!.id, 'done');
    expect(api.generated).toEqual([job]);
    // The stored upload is reused.
    expect(api.uploads).toEqual([]);
    expect(item(a!.id).warnings).toEqual([CHARGED_TWICE_WARNING]);
    expect(seen.get(a!.id)?.[0]).toBe('queued');
  });

  it('never runs more jobs at once than its concurrency', async () => {
    const items = await addImages(['a.png', 'b.png', 'c.png', 'd.png', 'e.png']);
    await startRunner(2);
    // End the jobs only once as many run as the runner may start, until every item is done.
    await until(() => {
      if (api.openJobs.length >= Math.min(2, jobsToCome(items))) for (const job of api.openJobs) api.finish(job);
      return items.every((i) => item(i.id).state === 'done');
    });
    expect(api.maxRunning).toBe(2);
    expect(api.generated).toHaveLength(5);
  });

  it('keeps to a team ceiling Scenario names, and puts a refused item back in line instead of failing it', async () => {
    api.teamLimit = 1;
    const items = await addImages(['a.png', 'b.png', 'c.png', 'd.png']);
    const r = await startRunner(3);
    const limits: number[] = [];
    r.on('team-limit', (limit) => limits.push(limit));
    // The first job runs on until Scenario has refused another, then jobs end as they come.
    await until(() => {
      if (api.refusals > 0 || jobsToCome(items) <= 1) for (const job of api.openJobs) api.finish(job);
      return items.every((i) => item(i.id).state === 'done');
    });
    expect(api.maxRunning).toBe(1);
    expect(api.generated).toHaveLength(4);
    // Refusals come only before the ceiling is learned: at most one per other slot.
    expect(api.refusals).toBeGreaterThan(0);
    expect(api.refusals).toBeLessThanOrEqual(2);
    expect(new Set(limits)).toEqual(new Set([1]));
    for (const i of items) {
      expect(seen.get(i.id)).not.toContain('failed');
      expect(item(i.id).warnings).toBeUndefined();
    }
  });

  it('fails an item whose upload is refused, with the reason, and goes on with the rest', async () => {
    api.uploadError = new ValidationError('Scenario refused the image: unsupported color profile', 400);
    const [a] = await addImages(['chair.png']);
    await startRunner();
    await stateOf(a!.id, 'failed');
    expect(item(a!.id).error).toBe('Scenario refused the image: unsupported color profile');
    // A 400 says what it is only in the server's words: no kind, the words are guessed from them.
    expect(item(a!.id).failureKind).toBeUndefined();
    expect(api.generated).toEqual([]);

    api.uploadError = undefined;
    const [b] = await addImages(['table.png']);
    runner!.poke();
    const job = await jobOf(b!.id);
    api.finish(job);
    await stateOf(b!.id, 'done');
  });

  it('fails an item whose download fails, keeps its job, and only downloads again on retry', async () => {
    api.downloadErrors = [new DownloadError('the result was empty (0 bytes)')];
    const [a] = await addImages(['chair.png']);
    const r = await startRunner();
    const job = await jobOf(a!.id);
    api.finish(job);
    await stateOf(a!.id, 'failed');
    const failed = item(a!.id);
    expect(failed.error).toBe('the result was empty (0 bytes)');
    // Scenario's result, not the artist's file, whatever "empty (0 bytes)" reads like.
    expect(failed.failureKind).toBe('server');
    expect(failed.jobId).toBe(job);
    expect(failed.outputs).toEqual([]);
    // No half-written temporary file is left next to the results.
    await until(() => !existsSync(out) || readdirSync(out).length === 0);

    // Scenario keeps the finished job: the retry follows it again and downloads.
    r.retry(a!.id);
    await stateOf(a!.id, 'done');
    expect(api.generated).toEqual([job]);
    expect(api.downloads).toEqual([`out-${job}`, `out-${job}`]);
    expect(await readdir(out)).toEqual(['chair.svg']);
  });

  it('cancels an item whose generate is on the wire with the charge warning, and cancels the job once its id arrives', async () => {
    api.holdGenerates = true;
    const [a] = await addImages(['chair.png']);
    const r = await startRunner();
    await until(() => api.generated.length === 1, 'the generate to be sent');
    const canceling = r.cancel(a!.id);
    // The item reads canceled at once, not when Scenario answers.
    await stateOf(a!.id, 'canceled');
    expect(item(a!.id).error).toBe(CANCELED_MAY_BE_CHARGED);
    api.answerGenerates();
    await canceling;
    const [job] = api.generated;
    await until(() => api.canceled.includes(job!), 'the job to be canceled on Scenario');
    api.finish(job!);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(item(a!.id).state).toBe('canceled');
    expect(api.polled).toEqual([]);
    expect(api.downloads).toEqual([]);
  });

  it('fails an item whose job has no result within the job timeout, stops following it, and asks Scenario to cancel it', async () => {
    const [a] = await addImages(['chair.png']);
    await startRunner(4, { jobTimeoutMs: 30 });
    const job = await jobOf(a!.id);
    await stateOf(a!.id, 'failed');
    const failed = item(a!.id);
    expect(failed.error).toMatch(new RegExp(`^Processing: Scenario's job ${job} had no result after .*, so Kiln stopped following it; it may still be charged$`));
    expect(failed.failureKind).toBe('timeout');
    // A retry generates again rather than follow a job that may never end.
    expect(failed.jobId).toBeUndefined();
    await until(() => api.canceled.includes(job), 'the job to be canceled on Scenario');
  });

  it('parks an item whose upload met a network blip and resumes it at once when Scenario still answers, never saying offline', async () => {
    api.uploadErrors = [new NetworkError('socket hang up')];
    const [a] = await addImages(['chair.png']);
    await startRunner(4, { probeInitialMs: 5, probeMaxMs: 5 });
    const job = await jobOf(a!.id);
    api.finish(job);
    await stateOf(a!.id, 'done');
    expect(seen.get(a!.id)).toEqual(['uploading', 'waiting-for-network', 'queued', 'uploading', 'submitted', 'processing', 'downloading', 'done']);
    expect(onlineSeen).toEqual([true]);
    // Network trouble is not the item's fault: no failure, nothing left to say.
    expect(item(a!.id).error).toBeUndefined();
    expect(api.uploads).toEqual(['chair.png', 'chair.png']);
  });

  it('says offline when Scenario cannot be reached, and resumes the waiting item when it answers again', async () => {
    api.uploadErrors = [new NetworkError('getaddrinfo ENOTFOUND api.cloud.scenario.com')];
    // The confirming probes fail, and the first probe of the outage too.
    api.probeFailures = 3;
    const [a] = await addImages(['chair.png']);
    await startRunner(4, { probeInitialMs: 5, probeMaxMs: 5 });
    await until(() => onlineSeen.includes(false), 'offline to be announced');
    expect(item(a!.id).state).toBe('waiting-for-network');
    expect(item(a!.id).error).toBe('getaddrinfo ENOTFOUND api.cloud.scenario.com');
    const job = await jobOf(a!.id);
    api.finish(job);
    await stateOf(a!.id, 'done');
    expect(onlineSeen).toEqual([false, true]);
    expect(item(a!.id).error).toBeUndefined();
    expect(api.probeFailures).toBe(0);
  });

  it('gives the job slot back once whatever phase an item fails in: the items after it still run one at a time', async () => {
    api.generateErrors = [new ValidationError('Scenario refused the parameters', 400)];
    api.downloadErrors = [new DownloadError('the result was empty (0 bytes)')];
    const items = await addImages(['a.png', 'b.png', 'c.png', 'd.png', 'e.png', 'f.png']);
    await startRunner(1);
    const uploaded = (i: QueueItem) => api.uploads.includes(i.inputPath.split(/[\\/]/).at(-1)!);
    let jobFailed = false;
    // A job ends only once the other item started beside it has uploaded and waits for the slot, so
    // a slot given back twice would let two jobs run at once.
    await until(() => {
      const open = api.openJobs;
      const before = items.filter((i) => ['queued', 'uploading', 'submitted', 'processing'].includes(item(i.id).state));
      const waiting = before.filter((i) => item(i.id).state === 'uploading' && uploaded(i));
      if (open.length > 0 && (waiting.length > 0 || before.length <= 1)) {
        for (const job of open) {
          if (jobFailed) api.finish(job);
          else api.fail(job, 'the model could not trace this image');
          jobFailed = true;
        }
      }
      return items.every((i) => ['done', 'failed'].includes(item(i.id).state));
    }, 'every item to end');

    expect(api.maxRunning).toBe(1);
    const errors = items.map((i) => item(i.id).error).filter((e) => e !== undefined).sort();
    // The refused generate created no job, so the first job is the one that failed.
    expect(errors).toEqual(['Scenario job job-1 failed: the model could not trace this image', 'Scenario refused the parameters', 'the result was empty (0 bytes)']);
    expect(items.filter((i) => item(i.id).state === 'done')).toHaveLength(3);
  });

  it.each([
    {
      left: 'uploading, its input uploaded, no generate sent',
      leave: (id: string) => store.transition(id, 'uploading', { assetId: 'asset-chair.png' }),
      expected: { uploads: [], generated: 1, polled: 1, states: ['queued', 'uploading', 'submitted', 'processing', 'downloading', 'done'] },
    },
    {
      left: 'processing',
      leave: (id: string) => {
        store.transition(id, 'uploading', { assetId: 'asset-chair.png' });
        store.transition(id, 'submitted', { jobId: 'job-left', progress: 0 });
        store.transition(id, 'processing', { progress: 0.3 });
        api.startJob('job-left');
      },
      expected: { uploads: [], generated: 0, polled: 1, states: ['processing', 'downloading', 'done'] },
    },
    {
      left: 'downloading',
      leave: (id: string) => {
        store.transition(id, 'uploading', { assetId: 'asset-chair.png' });
        store.transition(id, 'submitted', { jobId: 'job-left', progress: 0 });
        store.transition(id, 'downloading', { progress: 1 });
      },
      expected: { uploads: [], generated: 0, polled: 0, states: ['downloading', 'done'] },
    },
  ])('after a restart, picks up an item left $left at the phase its state names', async ({ leave, expected }) => {
    const [a] = await addImages(['chair.png']);
    leave(a!.id);
    await startRunner();
    await until(() => {
      for (const job of api.openJobs) api.finish(job);
      return item(a!.id).state === 'done';
    }, 'the item to be done');
    expect(api.uploads).toEqual(expected.uploads);
    expect(api.generated).toHaveLength(expected.generated);
    expect(api.polled).toHaveLength(expected.polled);
    expect(api.downloads).toHaveLength(1);
    expect(seen.get(a!.id)).toEqual(expected.states);
    expect(item(a!.id).outputs).toEqual([join(out, 'chair.svg')]);
  });
});

describe('two Kiln processes on one queue database (queue/lease.ts)', () => {
  const openOthers: QueueStore[] = [];
  afterEach(() => {
    for (const s of openOthers.splice(0)) s.close();
  });

  /** Moves this runner's store onto a database file and opens the other process's on the same file. */
  function otherProcessStore(owner = 'workstation/202/there'): QueueStore {
    store.close();
    store = QueueStore.open(join(dir.path, 'state'), { owner: 'workstation/101/here' });
    const other = QueueStore.open(join(dir.path, 'state'), { owner });
    openOthers.push(other);
    return other;
  }

  it('an item the other process takes between this runner picking it and moving it is left to it: not failed, no crash', async () => {
    const other = otherProcessStore();
    const items = await addImages(['a.png', 'b.png', 'c.png']);
    // The race, made certain: each time this runner reads the line, the other process claims the
    // first item just after the read, as a second `kiln convert` on the same folder may.
    const read = store.nextRunnable.bind(store);
    let takenByOther: string | undefined;
    vi.spyOn(store, 'nextRunnable').mockImplementation((...args) => {
      const rows = read(...args);
      if (!takenByOther && rows[0]) {
        takenByOther = rows[0].id;
        other.transition(rows[0].id, 'uploading');
      }
      return rows;
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (error: unknown) => unhandled.push(error);
    process.on('unhandledRejection', onUnhandled);
    try {
      let held!: Promise<unknown>;
      await startRunner(2, { heartbeatMs: 20 }, (r) => (held = new Promise((resolve) => r.on('held-elsewhere', resolve))));
      const mine = items.filter((i) => i.id !== takenByOther);
      await until(() => {
        for (const job of api.openJobs) api.finish(job);
        return mine.every((i) => item(i.id).state === 'done');
      }, 'the other items to be done');
      await held;
      // Still the other process's, as it left it; this runner neither failed it nor generated it.
      expect(item(takenByOther!).state).toBe('uploading');
      expect(item(takenByOther!).error).toBeUndefined();
      expect(seen.get(takenByOther!) ?? []).not.toContain('failed');
      expect(api.generated).toHaveLength(2);

      // The other process stops: its item is picked up here and converted once.
      other.releaseLeases();
      await until(() => {
        for (const job of api.openJobs) api.finish(job);
        return item(takenByOther!).state === 'done';
      }, 'the item the other process let go to be done');
      expect(api.generated).toHaveLength(3);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it("items of a process that dies while this runner waits on them are taken over at the next heartbeat, not when the lease runs out", async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const other = otherProcessStore(`${hostname()}/${child.pid}/there`);
      const [a] = await addImages(['held.png']);
      other.transition(a!.id, 'uploading'); // a 30 s lease (DEFAULT_LEASE_MS)
      let held!: Promise<unknown>;
      await startRunner(2, { heartbeatMs: 20 }, (r) => (held = new Promise((resolve) => r.on('held-elsewhere', resolve))));
      await held;
      expect(item(a!.id).state).toBe('uploading');

      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      const started = Date.now();
      await until(() => {
        for (const job of api.openJobs) api.finish(job);
        return item(a!.id).state === 'done';
      }, 'the dead process\'s item to be done');
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(api.generated).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
