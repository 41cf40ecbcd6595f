// The app service (the handler table behind the UI) against a fake Scenario that follows the
// revised API notes (issue 11), and Retry after a job or upload vanished (issue 15, point 1).
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CANCELED_MAY_BE_CHARGED } from '../../src/main/engine/queue/runner';
import { accountFingerprint } from '../../src/main/engine/scenario/client';
import type { WebApp } from '../../src/main/host/launch-web';
import { startFakeScenario, type FakeScenario, type FakeScenarioOptions } from '../fake-scenario/index';
import { writeGlb } from '../scenario/helpers';
import { flatImage, tempDir } from '../support/files';
import { joinState, startApp, waitFor } from '../support/web-app';

let server: FakeScenario;
let dir: { path: string; remove: () => Promise<void> };
let app: WebApp;

async function open(options: FakeScenarioOptions = {}): Promise<void> {
  server = await startFakeScenario({ jobDurationMs: 200, uploadStepMs: 40, ...options });
  app = await startApp(server, joinState(dir.path));
}

beforeEach(async () => {
  dir = await tempDir('kiln-service-api-');
});
afterEach(async () => {
  await app?.close();
  await server?.close();
  await dir.remove();
});

const call = (name: string, input: unknown) => app.service.handle(name, input);

async function makeQueue(overrides: Record<string, unknown> = {}): Promise<string> {
  const result = await call('queues.create', {
    name: 'Q', modelKey: 'vtracer', preset: 'poster', params: {}, outputDir: join(dir.path, 'out'),
    nameTemplate: '{name}.{ext}', collision: 'keep-both', engine: 'cloud', ...overrides,
  });
  if (!result.ok) throw new Error(result.error.message);
  return (result.value as { id: string }).id;
}

async function add(queueId: string, paths: string[]): Promise<string[]> {
  const added = (await call('items.addPaths', { queueId, paths })) as { ok: true; value: { added: Array<{ id: string }> } };
  return added.value.added.map((a) => a.id);
}

const item = (id: string) => app.service.store.get(id);

describe('uploads through the app', () => {
  it('converts a 3D model by the upload flow and an image over 6 MB by it too', async () => {
    await open();
    const models = await makeQueue({ name: 'Retopo', modelKey: 'tripo-retopology', preset: undefined });
    const images = await makeQueue();
    const glb = await writeGlb(dir.path, 20_000, 'chair.glb');
    const png = join(dir.path, 'noise.png');
    const side = 1500;
    await writeFile(png, await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer());
    const [a] = await add(models, [glb]);
    const [b] = await add(images, [png]);
    await waitFor(() => item(a!)?.state === 'done' && item(b!)?.state === 'done', 30_000, 'both done');
    expect(server.counts).toMatchObject({ 'asset-create': 0, 'upload-create': 2, 'upload-complete': 2 });
    expect((await readdir(join(dir.path, 'out'))).sort()).toEqual(['chair.glb', 'noise.svg']);
  });
});

describe('a job that fails on Scenario', () => {
  it("shows Scenario's reason (metadata.error) and is not generated again on its own", async () => {
    await open({ faults: { failJobRate: 1 } });
    const q = await makeQueue();
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const [id] = await add(q, [join(dir.path, 'a.png')]);
    await waitFor(() => item(id!)?.state === 'failed', 20_000, 'failed');
    expect(item(id!)?.error).toMatch(/^Scenario job job_\S+ failed: Inference failed: the model could not process this input/);
    await new Promise((r) => setTimeout(r, 500));
    expect(server.generates).toHaveLength(1);
  });
});

describe('cancel', () => {
  it('is local: the item reads that the job may still be charged, and its result is never downloaded or written', async () => {
    await open({ jobDurationMs: 800 });
    const q = await makeQueue();
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const [id] = await add(q, [join(dir.path, 'a.png')]);
    await waitFor(() => ['submitted', 'processing'].includes(item(id!)?.state ?? ''), 20_000, 'job running');
    expect(await call('items.cancel', { ids: [id] })).toMatchObject({ ok: true });
    expect(item(id!)).toMatchObject({ state: 'canceled', error: CANCELED_MAY_BE_CHARGED });
    // Scenario refused the cancel (400), as it does: one try, and the item is canceled all the same.
    await waitFor(() => server.counts['job-cancel'] === 1, 5_000, 'one cancel tried');
    // The job runs on at Scenario and succeeds; Kiln neither fetches nor writes its result.
    await new Promise((r) => setTimeout(r, 1200));
    expect(server.counts['asset-get']).toBe(0);
    expect(server.counts.download).toBe(0);
    expect(await readdir(join(dir.path, 'out')).catch(() => [])).toEqual([]);
    expect(item(id!)?.state).toBe('canceled');
  });
});

describe("the team's ceiling", () => {
  it('lowers the running jobs to it at once, keeps it for the key, tells the window, and finishes the batch with a handful of refusals', async () => {
    await open({ faults: { teamJobLimit: 2 } });
    await call('settings.update', { concurrency: 6 });
    expect(await call('host.info', {})).toMatchObject({ ok: true, value: { jobCeiling: undefined } });
    const told: unknown[] = [];
    app.service.on('event', (name, payload) => name === 'team.limit' && told.push(payload));
    const q = await makeQueue();
    const files: string[] = [];
    for (let i = 0; i < 10; i++) {
      files.push(join(dir.path, `a${i}.png`));
      await writeFile(files[i]!, await flatImage('png', 40 + i, 30));
    }
    const ids = await add(q, files);
    await waitFor(() => ids.every((id) => item(id)?.state === 'done'), 30_000, 'all done');
    expect(server.teamLimitRefusals).toBeGreaterThan(0);
    expect(server.teamLimitRefusals).toBeLessThanOrEqual(5);
    expect(ids.every((id) => item(id)?.attempts === 0)).toBe(true);
    expect(app.service.store.teamLimit(accountFingerprint(server.url, 'test-key'))).toBe(2);
    // The window's banner: the event when it is learned, host.info when the window opens, after a restart too.
    expect(told[0]).toEqual({ limit: 2 });
    expect(await call('host.info', {})).toMatchObject({ ok: true, value: { jobCeiling: 2 } });
    await app.close();
    app = await startApp(server, joinState(dir.path));
    expect(await call('host.info', {})).toMatchObject({ ok: true, value: { jobCeiling: 2 } });
  });
});

describe("the team's ceiling with a Retry-After", () => {
  it('waits at least that long before submitting the refused item again, even when a job ends sooner', async () => {
    await open({ jobDurationMs: 100, faults: { teamJobLimit: 1, teamLimitRetryAfterSeconds: 1 } });
    await call('settings.update', { concurrency: 2 });
    const generates: number[] = [];
    server.on('request', (route) => route === 'generate' && generates.push(Date.now()));
    const q = await makeQueue();
    const files = [join(dir.path, 'a.png'), join(dir.path, 'b.png')];
    await writeFile(files[0]!, await flatImage('png'));
    await writeFile(files[1]!, await flatImage('png', 80, 40));
    const ids = await add(q, files);
    await waitFor(() => ids.every((id) => item(id)?.state === 'done'), 20_000, 'both done');
    expect(server.teamLimitRefusals).toBe(1);
    expect(generates).toHaveLength(3);
    // The refused generate (second) and its retry (third): Retry-After 1 s, though the first job took 100 ms.
    expect(generates[2]! - generates[1]!).toBeGreaterThanOrEqual(950);
  });
});

describe('project id', () => {
  it('is sent as ?projectId= on every API call once set in Settings', async () => {
    await open();
    const set = await call('settings.update', { projectId: 'proj_app' });
    expect(set).toMatchObject({ ok: true, value: { projectId: 'proj_app' } });
    const projects: Array<string | null> = [];
    server.on('request', (_route, _method, path, query) => path.startsWith('/v1/') && projects.push(query.get('projectId')));
    const q = await makeQueue();
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const [id] = await add(q, [join(dir.path, 'a.png')]);
    await waitFor(() => item(id!)?.state === 'done', 20_000, 'done');
    expect(projects.length).toBeGreaterThanOrEqual(4);
    expect(projects.every((p) => p === 'proj_app')).toBe(true);
  });
});

describe('Retry after a job or upload vanished on the server (issue 15)', () => {
  it('starts the item afresh when its job is gone', async () => {
    await open({ jobDurationMs: 600 });
    const q = await makeQueue();
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const [id] = await add(q, [join(dir.path, 'a.png')]);
    await waitFor(() => item(id!)?.jobId, 20_000, 'job submitted');
    const lost = item(id!)!.jobId!;
    server.forget(lost);
    await waitFor(() => item(id!)?.state === 'failed', 20_000, 'failed');
    expect(item(id!)?.error).toMatch(/no longer knows job/);
    expect(item(id!)?.jobId).toBeUndefined();
    await call('items.retry', { ids: [id] });
    await waitFor(() => item(id!)?.state === 'done', 20_000, 'done after retry');
    expect(item(id!)?.jobId).not.toBe(lost);
    expect(server.generates).toHaveLength(2);
  });

  it('starts afresh at once when Retry picks up a finished job whose job and result have since vanished', async () => {
    await open({ jobDurationMs: 150 });
    const q = await makeQueue();
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    server.setFaults({ htmlDownloads: true });
    const [id] = await add(q, [join(dir.path, 'a.png')]);
    await waitFor(() => item(id!)?.state === 'failed', 20_000, 'download failed');
    const kept = item(id!)!.jobId!;
    expect(kept).toMatch(/^job_/);
    server.setFaults({ htmlDownloads: false });
    server.forget(kept);
    for (const g of server.generates) if (g.jobId === kept) server.forget(g.jobId);
    await call('items.retry', { ids: [id] });
    await waitFor(() => item(id!)?.state === 'done', 20_000, 'done after one retry');
    expect(server.generates).toHaveLength(2);
  });

  it('uploads again when Retry finds the uploaded input gone', async () => {
    await open({ jobDurationMs: 150, faults: { failJobRate: 1 } });
    const q = await makeQueue();
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const [id] = await add(q, [join(dir.path, 'a.png')]);
    await waitFor(() => item(id!)?.state === 'failed', 20_000, 'job failed');
    // A retry of a failed job reuses the uploaded input… which Scenario no longer has.
    const input = item(id!)!.assetId!;
    expect(input).toMatch(/^asset_/);
    server.forget(input);
    server.setFaults({ failJobRate: 0 });
    await call('items.retry', { ids: [id] });
    await waitFor(() => item(id!)?.state === 'done', 20_000, 'done after one retry');
    expect(item(id!)?.assetId).not.toBe(input);
    expect(server.counts['asset-create']).toBe(2);
    expect(server.generates).toHaveLength(2);
  });
});
