// `kiln convert` against a fake Scenario that follows the revised API notes (issue 11): the upload
// flow, image routing by size, failure reasons, the team's ceiling, stage timeouts, project ids.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueueStore } from '../../src/main/engine/queue/store';
import { accountFingerprint } from '../../src/main/engine/scenario/client';
import { startFakeScenario, type FakeScenario, type FakeScenarioOptions } from '../fake-scenario/index';
import { writeGlb } from '../scenario/helpers';
import { runCli } from '../support/cli';
import { flatImage, tempDir } from '../support/files';

let server: FakeScenario | undefined;
let dir: { path: string; remove: () => Promise<void> };

beforeEach(async () => {
  dir = await tempDir('kiln-cli-api-');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await dir.remove();
});

async function serve(options: FakeScenarioOptions = {}): Promise<FakeScenario> {
  server = await startFakeScenario({ jobDurationMs: 200, uploadStepMs: 40, ...options });
  return server;
}

function common(fake: FakeScenario, out: string): string[] {
  return ['--out', out, '--api-url', fake.url, '--state', join(dir.path, 'state'), '--json'];
}

/** A PNG of noise, so it cannot compress: its base64 is well over 6 MB. */
async function bigPng(path: string): Promise<void> {
  const side = 1500;
  await writeFile(path, await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer());
}

describe('the upload flow', () => {
  it('converts a 3D model sent in parts of 5 MB or more, waiting until Scenario has imported it', async () => {
    const fake = await serve();
    const path = await writeGlb(dir.path, 1_000_000, 'big.glb'); // ≈ 11.5 MiB → 2 parts of 8 MiB and the rest
    const out = join(dir.path, 'lowpoly');
    const result = await runCli(['convert', path, '--model', 'tripo-retopology', ...common(fake, out)]);
    expect(result.code).toBe(0);
    expect(result.lines[0]).toMatchObject({ status: 'done', outputs: [join(out, 'big.glb')] });
    expect(fake.counts).toMatchObject({ 'upload-create': 1, 'upload-part': 2, 'upload-complete': 1 });
    expect(fake.counts['upload-get']).toBeGreaterThanOrEqual(1);
  });

  it('sends an image whose base64 is over 6 MB through the upload flow, and one under it to /assets', async () => {
    const fake = await serve();
    await bigPng(join(dir.path, 'big.png'));
    await writeFile(join(dir.path, 'small.png'), await flatImage('png'));
    const result = await runCli(['convert', dir.path, '--model', 'vtracer', ...common(fake, join(dir.path, 'svg'))]);
    expect(result.code).toBe(0);
    expect(result.lines.map((l) => l['status'])).toEqual(['done', 'done']);
    expect(fake.counts).toMatchObject({ 'asset-create': 1, 'upload-create': 1 });
  });

  it("fails an item whose upload Scenario rejects with Scenario's errorMessage", async () => {
    const fake = await serve();
    // A GLB whose binary chunk claims to run past the end of the file: Kiln's own quick checks
    // (header, JSON chunk) pass it, Scenario's validation does not.
    const path = await writeGlb(dir.path, 2_000, 'bad.glb');
    const bytes = await readFile(path);
    const binHeader = 20 + bytes.readUInt32LE(12);
    bytes.writeUInt32LE(bytes.length, binHeader);
    await writeFile(path, bytes);
    const result = await runCli(['convert', path, '--model', 'tripo-retopology', ...common(fake, join(dir.path, 'out'))]);
    expect(result.code).toBe(1);
    expect(result.lines[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Scenario could not import bad\.glb: Unsupported file: .*overruns the file/) });
    expect(fake.generates).toHaveLength(0);
  });
});

describe('failures and timeouts', () => {
  it("gives a failed job's reason from metadata.error and never generates it again", async () => {
    const fake = await serve({ faults: { failJobRate: 1 } });
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const result = await runCli(['convert', join(dir.path, 'a.png'), '--model', 'vtracer', ...common(fake, join(dir.path, 'svg'))]);
    expect(result.code).toBe(1);
    expect(result.lines[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Scenario job job_\S+ failed: Inference failed: the model could not process this input/) });
    expect(fake.generates).toHaveLength(1);
  });

  it('fails an upload Scenario never imports, naming the stage and the wait', async () => {
    const fake = await serve({ faults: { stuckUploads: true } });
    const path = await writeGlb(dir.path, 1_000, 'm.glb');
    const result = await runCli(['convert', path, '--model', 'tripo-retopology', '--upload-timeout', '0.01', ...common(fake, join(dir.path, 'out'))]);
    expect(result.code).toBe(1);
    expect(result.lines[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Uploading: Scenario had not finished importing m\.glb after \d+ ms \(still "validating"\)/) });
  });

  it('fails a job that stops making progress, naming the stage and the wait, and one that takes too long', async () => {
    const fake = await serve({ faults: { stallJobs: true } });
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const stalled = await runCli(['convert', join(dir.path, 'a.png'), '--model', 'vtracer', '--stall-timeout', '0.01', ...common(fake, join(dir.path, 'svg'))]);
    expect(stalled.code).toBe(1);
    expect(stalled.lines[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Processing: Scenario's job job_\S+ showed no progress for [\d.]+ (ms|s) \(last seen "in-progress" at 40 %\), so Kiln stopped following it/) });

    fake.setFaults({ stallJobs: false, neverFinishJobs: true });
    await writeFile(join(dir.path, 'b.png'), await flatImage('png', 80, 40));
    const slow = await runCli(['convert', join(dir.path, 'b.png'), '--model', 'vtracer', '--job-timeout', '0.01', ...common(fake, join(dir.path, 'svg'))]);
    expect(slow.code).toBe(1);
    expect(slow.lines[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Processing: Scenario's job job_\S+ had no result after [\d.]+ (ms|s)/) });
  });
});

describe("the team's ceiling", () => {
  it('keeps at most that many jobs running after one 429, remembers it for the key, and finishes every item', async () => {
    const fake = await serve({ faults: { teamJobLimit: 2 } });
    const src = join(dir.path, 'art');
    await mkdir(src);
    for (let i = 0; i < 10; i++) await writeFile(join(src, `a${i}.png`), await flatImage('png', 40 + i, 30));
    const args = ['convert', src, '--model', 'vtracer', '--concurrency', '6', ...common(fake, join(dir.path, 'svg'))];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    expect(first.lines.every((l) => l['status'] === 'done')).toBe(true);
    expect(fake.teamLimitRefusals).toBeGreaterThan(0);
    expect(fake.teamLimitRefusals).toBeLessThanOrEqual(5);
    expect(fake.generates).toHaveLength(10);
    // Kept in the store for this key (as a fingerprint), so the next run starts within it.
    const store = QueueStore.open(join(dir.path, 'state'));
    try {
      expect(store.teamLimit(accountFingerprint(fake.url, 'test-key'))).toBe(2);
    } finally {
      store.close();
    }
    fake.resetCounts();
    for (let i = 0; i < 6; i++) await writeFile(join(src, `b${i}.png`), await flatImage('png', 60 + i, 30));
    const second = await runCli(args);
    expect(second.code).toBe(0);
    expect(fake.teamLimitRefusals).toBe(0);
  });
});

describe('project id and parameters', () => {
  it('sends --project-id (or SCENARIO_PROJECT_ID) as ?projectId= on every API call', async () => {
    const fake = await serve();
    const seen: Array<{ api: boolean; project: string | null }> = [];
    fake.on('request', (route, _method, path, query) => seen.push({ api: path.startsWith('/v1/'), project: query.get('projectId') }));
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const flag = await runCli(['convert', join(dir.path, 'a.png'), '--model', 'vtracer', '--project-id', 'proj_42', ...common(fake, join(dir.path, 'svg'))]);
    expect(flag.code).toBe(0);
    const api = seen.filter((s) => s.api);
    expect(api.length).toBeGreaterThanOrEqual(4);
    expect(api.every((s) => s.project === 'proj_42')).toBe(true);
    expect(seen.filter((s) => !s.api).every((s) => s.project === null)).toBe(true);

    seen.length = 0;
    await writeFile(join(dir.path, 'b.png'), await flatImage('png', 70, 50));
    const env = await runCli(['convert', join(dir.path, 'b.png'), '--model', 'vtracer', ...common(fake, join(dir.path, 'svg'))], { SCENARIO_PROJECT_ID: 'proj_env' });
    expect(env.code).toBe(0);
    expect(seen.filter((s) => s.api).every((s) => s.project === 'proj_env')).toBe(true);
  });

  it('takes VTracer filterSpeckle from 0 to 128, as Scenario does', async () => {
    const fake = await serve();
    await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
    const over = await runCli(['convert', join(dir.path, 'a.png'), '--model', 'vtracer', '--preset', 'custom', '--param', 'filterSpeckle=129', ...common(fake, join(dir.path, 'svg'))]);
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(/filterSpeckle must be a whole number from 0 to 128/);
    const max = await runCli(['convert', join(dir.path, 'a.png'), '--model', 'vtracer', '--preset', 'custom', '--param', 'filterSpeckle=128', ...common(fake, join(dir.path, 'svg'))]);
    expect(max.code).toBe(0);
    expect(fake.generates.at(-1)?.body).toMatchObject({ presetName: 'custom', filterSpeckle: 128 });
    expect(await readdir(join(dir.path, 'svg'))).toEqual(['a.svg']);
  });
});
