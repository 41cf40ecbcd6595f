import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NodeIO } from '@gltf-transform/core';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startFakeScenario, type FakeScenario, type FakeScenarioOptions } from './index';
import { collect, syntheticAsset } from './outputs';
import { FakeState } from './state';

// Behaviour specification of the fake Scenario API, exercised over real HTTP.

const samples = fileURLToPath(new URL('../../samples/', import.meta.url));
const PNG = readFileSync(`${samples}images/badge.png`);
const JPEG = readFileSync(`${samples}images/mountains.jpg`);
const GLB = readFileSync(`${samples}models/torus-knot.glb`);
const AUTH = `Basic ${Buffer.from('test-key:test-secret').toString('base64')}`;
const VTRACER = 'model_visioncortex-vtracer';
const TRIPO = 'model_tripo-retopology';

const running: FakeScenario[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
});

async function start(options: FakeScenarioOptions = {}): Promise<FakeScenario> {
  const fake = await startFakeScenario({ jobDurationMs: 300, ...options });
  running.push(fake);
  return fake;
}

// The response shapes the references promise; a field the server leaves out reads as undefined
// and fails the assertion that looks at it.
interface AssetJson { id: string; url: string; mimeType: string; name?: string; size?: number }
interface UploadJson { id: string; status: string; entityId?: string; errorMessage?: string; jobId?: string; parts: { number: number; url: string; expires: string }[] }
interface JobJson { jobId: string; status: string; progress: number; metadata: { assetIds: string[]; error?: string } }
interface ErrorDetails { actionName: string; actionLimit: number }
interface ApiJson { error: string; details: ErrorDetails; asset: AssetJson; upload: UploadJson; job: JobJson; creativeUnitsCost: number }

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body; empty when it was not JSON (check `text` for that). */
  json: ApiJson;
}

async function call(fake: FakeScenario, method: string, path: string, body?: unknown, auth: string | null = AUTH): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (auth) headers['Authorization'] = auth;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = {};
  try {
    json = JSON.parse(text);
  } catch {
    // Leave it empty: tests about non-JSON bodies look at `text`.
  }
  return { status: res.status, headers: res.headers, text, json: json as ApiJson };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function uploadImage(fake: FakeScenario, bytes = PNG, mime = 'image/png', name = 'badge.png'): Promise<string> {
  const r = await call(fake, 'POST', '/assets', { image: `data:${mime};base64,${bytes.toString('base64')}`, name });
  expect(r.status).toBe(200);
  return r.json.asset.id;
}

const MB5 = 5 * 1024 * 1024;

async function startUpload(fake: FakeScenario, bytes: Buffer, parts: number, fileName = 'model.glb', kind = '3d', contentType = 'model/gltf-binary') {
  const r = await call(fake, 'POST', '/uploads', { fileName, contentType, fileSize: bytes.length, kind, parts });
  expect(r.status).toBe(200);
  const upload = r.json.upload;
  // Every part but the last 5 MB, as Scenario asks; the last takes the rest.
  for (const part of upload.parts) {
    const end = part.number === parts ? bytes.length : part.number * MB5;
    const put = await fetch(part.url, { method: 'PUT', body: new Uint8Array(bytes.subarray((part.number - 1) * MB5, end)) });
    expect(put.status).toBe(200);
  }
  return upload;
}

async function finishUpload(fake: FakeScenario, id: string): Promise<UploadJson[]> {
  const done = await call(fake, 'POST', `/uploads/${id}/action`, { action: 'complete' });
  expect(done.status).toBe(200);
  const seen = [done.json.upload];
  while (!['imported', 'failed'].includes(seen.at(-1)?.status ?? '')) {
    await sleep(20);
    seen.push((await call(fake, 'GET', `/uploads/${id}`)).json.upload);
  }
  return seen;
}

async function uploadModel(fake: FakeScenario, bytes = GLB, parts = 1): Promise<string> {
  const upload = await startUpload(fake, bytes, parts);
  const last = (await finishUpload(fake, upload.id)).at(-1);
  expect(last?.status).toBe('imported');
  expect(last?.entityId).toMatch(/^asset_/);
  return last?.entityId ?? '';
}

async function waitForJob(fake: FakeScenario, jobId: string) {
  for (;;) {
    const job = (await call(fake, 'GET', `/jobs/${jobId}`)).json.job;
    if (['success', 'failure', 'canceled'].includes(job.status)) return job;
    await sleep(40);
  }
}

async function runJob(fake: FakeScenario, modelId: string, body: Record<string, unknown>) {
  const r = await call(fake, 'POST', `/generate/custom/${modelId}`, body);
  expect(r.status).toBe(200);
  return waitForJob(fake, r.json.job.jobId);
}

describe('auth', () => {
  it('refuses missing or wrong Basic credentials with 401 {error} and accepts the right ones', async () => {
    const fake = await start({ apiKey: 'k', apiSecret: 's' });
    const missing = await call(fake, 'GET', '/jobs/job_x', undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.json.error).toMatch(/unauthorized/i);
    const wrong = await call(fake, 'GET', '/jobs/job_x', undefined, `Basic ${Buffer.from('k:nope').toString('base64')}`);
    expect(wrong.status).toBe(401);
    const right = await call(fake, 'GET', '/jobs/job_x', undefined, `Basic ${Buffer.from('k:s').toString('base64')}`);
    expect(right.status).toBe(404);
    expect(right.json.error).toContain('job_x');
  });
});

describe('image assets', () => {
  it('refuses an image whose base64 text is over 6 MB: that takes the upload flow', async () => {
    const fake = await start();
    const image = `data:image/png;base64,${Buffer.alloc(4_500_001).toString('base64')}`;
    expect(image.length).toBeGreaterThan(6_000_000);
    const r = await call(fake, 'POST', '/assets', { image, name: 'huge.png' });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/6 MB|limit/);
  });

  it('stores a PNG or JPEG data URL and answers {asset:{id, mimeType, name}}', async () => {
    const fake = await start();
    const r = await call(fake, 'POST', '/assets', { image: `data:image/jpeg;base64,${JPEG.toString('base64')}`, name: 'mountains.jpg' });
    expect(r.status).toBe(200);
    expect(r.json.asset).toMatchObject({ mimeType: 'image/jpeg', name: 'mountains.jpg', size: JPEG.length });
    expect(r.json.asset.id).toMatch(/^asset_/);
  });

  it('rejects what is not a real PNG/JPEG/WEBP data URL with a specific 400', async () => {
    const fake = await start({ maxUploadBytes: 6000 }); // between the JPEG (4,662 B) and the PNG (6,954 B)
    const post = (body: unknown) => call(fake, 'POST', '/assets', body);
    expect((await post({ image: 'https://example.com/a.png', name: 'a' })).json.error).toMatch(/data URL/);
    expect((await post({ image: 'data:image/png;base64,@@@@', name: 'a' })).json.error).toMatch(/base64/);
    const text = await post({ image: `data:image/png;base64,${Buffer.from('hello world!').toString('base64')}`, name: 'a' });
    expect(text.status).toBe(400);
    expect(text.json.error).toMatch(/not PNG, JPEG or WEBP/);
    const lying = await post({ image: `data:image/png;base64,${JPEG.toString('base64')}`, name: 'a' });
    expect(lying.json.error).toMatch(/declares image\/png but the bytes are JPEG/);
    const big = await post({ image: `data:image/png;base64,${PNG.toString('base64')}`, name: 'a' });
    expect(big.status).toBe(400);
    expect(big.json.error).toBe('image is 6954 bytes; uploads are limited to 6000 bytes');
    const bad = await call(fake, 'POST', '/assets', '{not json');
    expect(bad).toMatchObject({ status: 400, json: { error: 'request body is not valid JSON' } });
  });
});

describe('upload flow', () => {
  it('gives pre-signed part URLs with an expiry and an upload jobId; completion validates, then imports with entityId', async () => {
    const fake = await start({ uploadStepMs: 60 });
    const upload = await startUpload(fake, GLB, 1);
    expect(upload).toMatchObject({ status: 'pending', jobId: expect.stringMatching(/^job_/) });
    expect(upload.parts[0]?.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${fake.port}/upload-parts/.+\\?sig=`));
    expect(Date.parse(upload.parts[0]?.expires ?? '')).toBeGreaterThan(Date.now());
    expect((await call(fake, 'GET', `/uploads/${upload.id}`)).json.upload.status).toBe('pending');
    const seen = await finishUpload(fake, upload.id);
    expect([...new Set(seen.map((u) => u.status))]).toEqual(['validating', 'validated', 'imported']);
    expect(seen.filter((u) => u.status !== 'imported').every((u) => u.entityId === undefined)).toBe(true);
    const asset = (await call(fake, 'GET', `/assets/${seen.at(-1)?.entityId}`)).json.asset;
    expect(asset).toMatchObject({ mimeType: 'model/gltf-binary' });
  });

  it('ignores an Authorization header on part URLs but refuses a bad signature with 403', async () => {
    const fake = await start();
    const created = await call(fake, 'POST', '/uploads', { fileName: 'a.glb', contentType: 'model/gltf-binary', fileSize: GLB.length, kind: '3d', parts: 1 });
    const url = created.json.upload.parts[0]?.url ?? '';
    const forged = await fetch(url.replace(/sig=.*/, 'sig=forged'), { method: 'PUT', body: GLB });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('<Error>');
    expect((await fetch(url, { method: 'PUT', body: GLB, headers: { Authorization: AUTH } })).status).toBe(200);
  });

  it('refuses parts under 5 MB except the last, part counts that cannot meet that, and more than 10,000 parts', async () => {
    const fake = await start();
    const big = collect(syntheticAsset('glb', 6 * 1024 * 1024));
    const tooMany = await call(fake, 'POST', '/uploads', { fileName: 'b.glb', contentType: 'model/gltf-binary', fileSize: big.length, kind: '3d', parts: 3 });
    expect(tooMany).toMatchObject({ status: 400, json: { error: expect.stringMatching(/at least 5 MB/) } });
    const over = await call(fake, 'POST', '/uploads', { fileName: 'b.glb', contentType: 'model/gltf-binary', fileSize: 10_001 * MB5, kind: '3d', parts: 10_001 });
    expect(over.status).toBe(400);

    const created = (await call(fake, 'POST', '/uploads', { fileName: 'b.glb', contentType: 'model/gltf-binary', fileSize: big.length, kind: '3d', parts: 2 })).json.upload;
    const small = await fetch(created.parts[0]?.url ?? '', { method: 'PUT', body: new Uint8Array(big.subarray(0, MB5 - 1)) });
    expect(small.status).toBe(400);
    expect(await small.text()).toContain('EntityTooSmall');
    expect((await fetch(created.parts[0]?.url ?? '', { method: 'PUT', body: new Uint8Array(big.subarray(0, MB5)) })).status).toBe(200);
    expect((await fetch(created.parts[1]?.url ?? '', { method: 'PUT', body: new Uint8Array(big.subarray(MB5)) })).status).toBe(200);
    expect((await finishUpload(fake, created.id)).at(-1)?.status).toBe('imported');
  });

  it('fails a file that is not what its kind says after validating, with errorMessage', async () => {
    const fake = await start({ uploadStepMs: 20 });
    const junk = Buffer.from('definitely not a model\u0000\u0001');
    const upload = await startUpload(fake, junk, 1);
    const seen = await finishUpload(fake, upload.id);
    expect(seen[0]?.status).toBe('validating');
    expect(seen.at(-1)).toMatchObject({ status: 'failed', errorMessage: expect.stringMatching(/^Unsupported file: .*not a GLB, glTF, OBJ or FBX/) });

    const corrupt = Buffer.from(GLB);
    corrupt.writeUInt32LE(GLB.length + 100, 8);
    const c = await startUpload(fake, corrupt, 1);
    expect((await finishUpload(fake, c.id)).at(-1)?.errorMessage).toMatch(/GLB header declares \d+ bytes but the file has \d+ bytes/);
  });

  it('refuses completion with a clear 400 when parts are missing or do not add up to fileSize', async () => {
    const fake = await start({ maxUploadBytes: 1024 * 1024 });
    const c = await call(fake, 'POST', '/uploads', { fileName: 'c.glb', contentType: 'model/gltf-binary', fileSize: GLB.length + 1, kind: '3d', parts: 1 });
    await fetch(c.json.upload.parts[0]?.url ?? '', { method: 'PUT', body: GLB });
    expect((await call(fake, 'POST', `/uploads/${c.json.upload.id}/action`, { action: 'complete' })).json.error).toMatch(/add up to \d+ bytes but fileSize/);

    const d = await call(fake, 'POST', '/uploads', { fileName: 'd.glb', contentType: 'model/gltf-binary', fileSize: GLB.length, kind: '3d', parts: 1 });
    expect((await call(fake, 'POST', `/uploads/${d.json.upload.id}/action`, { action: 'complete' })).json.error).toMatch(/missing part 1 of 1/);

    const tooBig = await call(fake, 'POST', '/uploads', { fileName: 'e.glb', contentType: 'model/gltf-binary', fileSize: 2 * 1024 * 1024, kind: '3d', parts: 1 });
    expect(tooBig.status).toBe(400);
    expect(tooBig.json.error).toMatch(/limited to/);
    const wrongType = await call(fake, 'POST', '/uploads', { fileName: 'e.glb', contentType: 'model/gltf-binary', fileSize: 10, kind: 'image', parts: 1 });
    expect(wrongType.json.error).toMatch(/does not fit kind "image"/);
    const unknownKind = await call(fake, 'POST', '/uploads', { fileName: 'e.glb', contentType: 'model/gltf-binary', fileSize: 10, kind: 'mesh', parts: 1 });
    expect(unknownKind.json.error).toMatch(/"kind" must be one of "3d", "asset"/);
  });

  it('imports an image sent with kind "image", usable as VTracer input', async () => {
    const fake = await start({ uploadStepMs: 20, jobDurationMs: 50 });
    const upload = await startUpload(fake, PNG, 1, 'badge.png', 'image', 'image/png');
    const image = (await finishUpload(fake, upload.id)).at(-1)?.entityId;
    expect(image).toMatch(/^asset_/);
    expect((await runJob(fake, VTRACER, { image })).status).toBe('success');
  });

  it('keeps uploads validating forever with stuckUploads', async () => {
    const fake = await start({ uploadStepMs: 10, faults: { stuckUploads: true } });
    const upload = await startUpload(fake, GLB, 1);
    await call(fake, 'POST', `/uploads/${upload.id}/action`, { action: 'complete' });
    await sleep(60);
    expect((await call(fake, 'GET', `/uploads/${upload.id}`)).json.upload.status).toBe('validating');
  });
});

describe('generate', () => {
  it('accepts VTracer with the image as `image` and answers {job:{jobId, status:"queued"}, creativeUnitsCost}', async () => {
    const fake = await start();
    const image = await uploadImage(fake);
    // The reference's own example: a preset plus custom parameters, which the preset ignores.
    const body = { image, presetName: 'poster', colorMode: 'color', colorPrecision: 6, layerDifference: 16, hierarchical: 'stacked', mode: 'spline', filterSpeckle: 4, cornerThreshold: 60, lengthThreshold: 4, spliceThreshold: 45 };
    const r = await call(fake, 'POST', `/generate/custom/${VTRACER}`, body);
    expect(r.status).toBe(200);
    expect(r.json.job).toMatchObject({ status: 'queued' });
    expect(r.json.job.jobId).toMatch(/^job_/);
    expect(typeof r.json.creativeUnitsCost).toBe('number');
    expect(fake.generates).toEqual([{ jobId: r.json.job.jobId, modelId: VTRACER, body, inputName: 'badge.png', at: expect.any(Number), durationMs: 300 }]);
  });

  it('rejects bad VTracer parameters with a 400 naming the parameter', async () => {
    const fake = await start();
    const image = await uploadImage(fake);
    const model = await uploadModel(fake);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ image, colorPrecision: 9 }, /"colorPrecision" must be a number from 1 to 8/],
      [{ image, colorPrecision: '6' }, /"colorPrecision" must be a number/],
      [{ image, layerDifference: 256 }, /"layerDifference" must be a number from 0 to 255/],
      [{ image, lengthThreshold: 3 }, /"lengthThreshold" must be a number from 3.5 to 10/],
      [{ image, cornerThreshold: 181 }, /"cornerThreshold"/],
      [{ image, spliceThreshold: -1 }, /"spliceThreshold"/],
      [{ image, filterSpeckle: -1 }, /"filterSpeckle" must be a number from 0 to 128/],
      [{ image, filterSpeckle: 129 }, /"filterSpeckle" must be a number from 0 to 128/],
      [{ image, mode: 'curvy' }, /"mode" must be one of "spline", "polygon", "pixel", "none"/],
      [{ image, colorMode: 'rgb' }, /"colorMode"/],
      [{ image, hierarchical: 'flat' }, /"hierarchical"/],
      [{ image, presetName: 3 }, /"presetName" must be a string/],
      [{ image, colour: 'red' }, /unknown parameter "colour" for model_visioncortex-vtracer/],
      [{}, /missing required parameter "image"/],
      [{ image: 'asset_nope' }, /asset asset_nope not found/],
      [{ image: model }, /needs a PNG, JPEG or WEBP image/],
    ];
    for (const [body, message] of cases) {
      const r = await call(fake, 'POST', `/generate/custom/${VTRACER}`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error, JSON.stringify(body)).toMatch(message);
    }
    expect(fake.generates).toHaveLength(0);
  });

  it('accepts Tripo with `model` (a 3D asset) and rejects bad parameters with a specific 400', async () => {
    const fake = await start();
    const image = await uploadImage(fake);
    const model = await uploadModel(fake);
    expect((await call(fake, 'POST', `/generate/custom/${TRIPO}`, { model, faceLimit: 1000, quad: false, bake: true })).status).toBe(200);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /missing required parameter "model"/],
      [{ model: image }, /needs a 3D model/],
      [{ model, quad: 'yes' }, /"quad" must be a boolean/],
      [{ model, bake: 1 }, /"bake" must be a boolean/],
      [{ model, faceLimit: 'many' }, /"faceLimit" must be a number/],
      [{ model, faceLimit: 0 }, /"faceLimit" must be a positive number/],
      [{ model, image }, /unknown parameter "image" for model_tripo-retopology/],
    ];
    for (const [body, message] of cases) {
      const r = await call(fake, 'POST', `/generate/custom/${TRIPO}`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error, JSON.stringify(body)).toMatch(message);
    }
    const unknown = await call(fake, 'POST', '/generate/custom/model_nope', { model });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatch(/model_nope/);
  });
});

describe('jobs', () => {
  it('moves queued → warming-up → in-progress (progress rising) → success over jobDurationMs', async () => {
    const fake = await start({ jobDurationMs: 600 });
    const image = await uploadImage(fake);
    const started = Date.now();
    const r = await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image });
    const jobId = r.json.job.jobId;
    expect(fake.jobsAwaitingFirstPoll()).toBe(1);
    const seen: { status: string; progress: number; assets: number }[] = [];
    for (;;) {
      const job = (await call(fake, 'GET', `/jobs/${jobId}`)).json.job;
      seen.push({ status: job.status, progress: job.progress, assets: job.metadata.assetIds.length });
      if (job.status === 'success') break;
      await sleep(25);
    }
    expect(fake.jobsAwaitingFirstPoll()).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
    const order = [...new Set(seen.map((s) => s.status))];
    expect(order).toEqual(['queued', 'warming-up', 'in-progress', 'success']);
    const progress = seen.map((s) => s.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(seen.filter((s) => s.status === 'in-progress').some((s) => s.progress > 0 && s.progress < 1)).toBe(true);
    expect(seen.filter((s) => s.status !== 'success').every((s) => s.assets === 0)).toBe(true);
    expect(seen.at(-1)).toEqual({ status: 'success', progress: 1, assets: 1 });
  });

  it('refuses to cancel a generation job with 400 "Cannot cancel this type of job"; the job runs on to success', async () => {
    const fake = await start({ jobDurationMs: 200 });
    const image = await uploadImage(fake);
    const jobId = (await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image })).json.job.jobId;
    const refused = await call(fake, 'POST', `/jobs/${jobId}/action`, { action: 'cancel' });
    expect(refused).toMatchObject({ status: 400, json: { error: 'Cannot cancel this type of job' } });
    expect((await waitForJob(fake, jobId)).status).toBe('success');
    expect((await call(fake, 'POST', `/jobs/${jobId}/action`, { action: 'pause' })).status).toBe(400);
    expect((await call(fake, 'POST', '/jobs/job_nope/action', { action: 'cancel' })).status).toBe(404);
  });

  it('answers 429 with details.actionLimit and no Retry-After past the team\'s ceiling, and accepts again once a job ends', async () => {
    const fake = await start({ jobDurationMs: 150, faults: { teamJobLimit: 2 } });
    const image = await uploadImage(fake);
    const first = await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image });
    await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image });
    const refused = await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image });
    expect(refused.status).toBe(429);
    expect(refused.json.details).toEqual({ actionName: 'generate', actionLimit: 2 });
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(fake.teamLimitRefusals).toBe(1);
    await waitForJob(fake, first.json.job.jobId);
    expect((await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image })).status).toBe(200);
    expect(fake.generates).toHaveLength(3);
  });

  it('draws job times from a seeded log-normal distribution when asked', async () => {
    const durations = async (seed: number) => {
      const fake = await start({ seed, jobDurations: { kind: 'log-normal', medianMs: 800, sigma: 0.6 } });
      const image = await uploadImage(fake);
      for (let i = 0; i < 40; i++) await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image });
      return fake.generates.map((g) => g.durationMs);
    };
    const a = await durations(3);
    expect(await durations(3)).toEqual(a);
    expect(new Set(a).size).toBe(40);
    const sorted = [...a].sort((x, y) => x - y);
    expect(sorted[20]).toBeGreaterThan(500);
    expect(sorted[20]).toBeLessThan(1300);
    expect((sorted[38] ?? 0) / (sorted[1] ?? 1)).toBeGreaterThan(2);
  });

  it('forgets a job or asset on request, as if Scenario had lost it', async () => {
    const fake = await start({ jobDurationMs: 50 });
    const image = await uploadImage(fake);
    const jobId = (await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image })).json.job.jobId;
    expect(fake.forget(jobId)).toBe(true);
    expect((await call(fake, 'GET', `/jobs/${jobId}`)).status).toBe(404);
    expect(fake.forget(image)).toBe(true);
    expect((await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image })).json.error).toMatch(/not found/);
  });

  it('takes ?projectId= on every API route and reports the query with each request', async () => {
    const fake = await start();
    const queries: string[] = [];
    fake.on('request', (_route, _method, _path, query) => queries.push(query.get('projectId') ?? ''));
    const r = await call(fake, 'POST', '/assets?projectId=proj_1', { image: `data:image/png;base64,${PNG.toString('base64')}`, name: 'b.png' });
    expect(r.status).toBe(200);
    expect(queries).toEqual(['proj_1']);
  });
});

describe('outputs', () => {
  it('VTracer makes a valid SVG traced from the input, in its size, with only its colours', async () => {
    const fake = await start({ jobDurationMs: 0 });
    const job = await runJob(fake, VTRACER, { image: await uploadImage(fake) });
    const asset = (await call(fake, 'GET', `/assets/${job.metadata.assetIds[0]}`)).json.asset;
    expect(asset).toMatchObject({ mimeType: 'image/svg+xml' });
    const res = await fetch(asset.url);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    const svg = await res.text();
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(svg));
    expect(asset.size).toBe(Buffer.byteLength(svg));
    const meta = await sharp(PNG).metadata();
    expect(svg).toContain(`viewBox="0 0 ${meta.width} ${meta.height}"`);
    const { data } = await sharp(PNG).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const palette = new Set<string>();
    for (let i = 0; i < data.length; i += 4) palette.add(`#${data.subarray(i, i + 3).toString('hex')}`);
    const fills = [...svg.matchAll(/fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(new Set(fills).size).toBeGreaterThan(1);
    for (const fill of fills) expect(palette.has(fill ?? '')).toBe(true);
    // Rendering it proves it is well-formed SVG.
    const rendered = await sharp(Buffer.from(svg)).png().toBuffer();
    expect(rendered.length).toBeGreaterThan(0);
  });

  it('Tripo makes a valid GLB with close to, but never over, faceLimit triangles', async () => {
    const fake = await start({ jobDurationMs: 0 });
    const job = await runJob(fake, TRIPO, { model: await uploadModel(fake), faceLimit: 500, bake: false });
    const asset = (await call(fake, 'GET', `/assets/${job.metadata.assetIds[0]}`)).json.asset;
    const res = await fetch(asset.url);
    expect(res.headers.get('content-type')).toBe('model/gltf-binary');
    const doc = await new NodeIO().readBinary(new Uint8Array(await res.arrayBuffer()));
    const triangles = doc.getRoot().listMeshes().flatMap((m) => m.listPrimitives()).reduce((n, p) => n + (p.getIndices()?.getCount() ?? 0) / 3, 0);
    expect(triangles).toBeGreaterThan(400);
    expect(triangles).toBeLessThanOrEqual(500);
  });

  it('a failed or unfinished job exposes no assets; unknown assets are 404', async () => {
    const fake = await start();
    expect((await call(fake, 'GET', '/assets/asset_nope')).status).toBe(404);
  });
});

describe('temporary asset URLs', () => {
  it('need no Authorization, expire after assetUrlTtlMs with 403, and a fresh lookup gives a working URL', async () => {
    const fake = await start({ jobDurationMs: 0, faults: { assetUrlTtlMs: 300 } });
    const image = await uploadImage(fake);
    const first = (await call(fake, 'GET', `/assets/${image}`)).json.asset.url;
    expect(first).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${fake.port}/cdn/${image}\\?expires=\\d+&sig=`));
    expect((await fetch(first)).status).toBe(200);
    const forged = await fetch(first.replace(/sig=.*/, 'sig=abc'));
    expect(forged.status).toBe(403);
    await sleep(350);
    const expired = await fetch(first);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/expired/);
    const fresh = (await call(fake, 'GET', `/assets/${image}`)).json.asset.url;
    const ok = await fetch(fresh);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(PNG)).toBe(true);
  });
});

describe('synthetic assets', () => {
  it('streams a large synthetic SVG of exactly the requested size, and ranges of it', async () => {
    const fake = await start();
    const bytes = 48 * 1024 * 1024;
    const id = fake.addSyntheticAsset({ bytes, kind: 'svg' });
    const asset = (await call(fake, 'GET', `/assets/${id}`)).json.asset;
    expect(asset).toMatchObject({ size: bytes, mimeType: 'image/svg+xml' });
    const res = await fetch(asset.url);
    expect(Number(res.headers.get('content-length'))).toBe(bytes);
    let received = 0;
    let head = '';
    let tail = Buffer.alloc(0);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (head.length < 64) head += Buffer.from(chunk).toString('utf8');
      tail = Buffer.concat([tail, chunk]).subarray(-32);
      received += chunk.length;
    }
    expect(received).toBe(bytes);
    expect(head.startsWith('<?xml')).toBe(true);
    expect(tail.toString()).toMatch(/-->\n<\/svg>\n$/);
    const part = await fetch(asset.url, { headers: { Range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
  });

  it('declares a 1 GiB GLB without allocating it; its header length matches', async () => {
    const fake = await start();
    const bytes = 1024 * 1024 * 1024;
    const id = fake.addSyntheticAsset({ bytes, kind: 'glb' });
    const url = (await call(fake, 'GET', `/assets/${id}`)).json.asset.url;
    const head = await fetch(url, { method: 'HEAD' });
    expect(Number(head.headers.get('content-length'))).toBe(bytes);
    const start12 = Buffer.from(await (await fetch(url, { headers: { Range: 'bytes=0-11' } })).arrayBuffer());
    expect(start12.toString('latin1', 0, 4)).toBe('glTF');
    expect(start12.readUInt32LE(8)).toBe(bytes);
    // A small one parses as a real GLB.
    const doc = await new NodeIO().readBinary(new Uint8Array(collect(syntheticAsset('glb', 64 * 1024))));
    expect(doc.getRoot().listMeshes()).toHaveLength(1);
  });
});

describe('faults', () => {
  it('serverErrorRate answers API requests 500/502/503 with JSON {error}, never the CDN', async () => {
    const fake = await start();
    const image = await uploadImage(fake);
    const url = (await call(fake, 'GET', `/assets/${image}`)).json.asset.url;
    fake.setFaults({ serverErrorRate: 1 });
    const r = await call(fake, 'GET', `/assets/${image}`);
    expect([500, 502, 503]).toContain(r.status);
    expect(r.json.error).toEqual(expect.any(String));
    expect((await fetch(url)).status).toBe(200);
    const gen = await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image });
    expect(gen.status).toBeGreaterThanOrEqual(500);
    expect(fake.generates).toHaveLength(0);
  });

  it('resetRate destroys the socket before any answer or state change', async () => {
    const fake = await start({ faults: { resetRate: 1 } });
    await expect(fetch(`${fake.url}/generate/custom/${VTRACER}`, { method: 'POST', headers: { Authorization: AUTH }, body: '{}' })).rejects.toThrow();
    expect(fake.counts.generate).toBe(1);
    expect(fake.generates).toHaveLength(0);
  });

  it('rateLimit answers the next N API requests 429 with Retry-After, then lets them through', async () => {
    const fake = await start({ faults: { rateLimit: { requests: 2, retryAfterSeconds: 3 } } });
    for (let i = 0; i < 2; i++) {
      const r = await call(fake, 'GET', '/jobs/job_x');
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('3');
      expect(r.json.error).toEqual(expect.any(String));
    }
    expect((await call(fake, 'GET', '/jobs/job_x')).status).toBe(404);
  });

  it('slowMs delays every request', async () => {
    const fake = await start({ faults: { slowMs: 200 } });
    const t = Date.now();
    await call(fake, 'GET', '/jobs/job_x');
    expect(Date.now() - t).toBeGreaterThanOrEqual(190);
  });

  it('failJobRate ends new jobs in "failure" with metadata.error', async () => {
    const fake = await start({ jobDurationMs: 100, faults: { failJobRate: 1 } });
    const job = await runJob(fake, VTRACER, { image: await uploadImage(fake) });
    expect(job.status).toBe('failure');
    expect(job.metadata.error).toMatch(/failed/i);
    expect(job.metadata.assetIds).toEqual([]);
  });

  it('stallJobs stops new jobs in-progress at 40 % for good', async () => {
    const fake = await start({ jobDurationMs: 60, faults: { stallJobs: true } });
    const image = await uploadImage(fake);
    const jobId = (await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image })).json.job.jobId;
    await sleep(150);
    const first = (await call(fake, 'GET', `/jobs/${jobId}`)).json.job;
    await sleep(60);
    const later = (await call(fake, 'GET', `/jobs/${jobId}`)).json.job;
    expect(first).toMatchObject({ status: 'in-progress', progress: 0.4 });
    expect(later).toMatchObject({ status: 'in-progress', progress: 0.4 });
  });

  it('neverFinishJobs leaves new jobs in-progress forever, progress below 1', async () => {
    const fake = await start({ jobDurationMs: 100, faults: { neverFinishJobs: true } });
    const image = await uploadImage(fake);
    const jobId = (await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image })).json.job.jobId;
    await sleep(350);
    const job = (await call(fake, 'GET', `/jobs/${jobId}`)).json.job;
    expect(job.status).toBe('in-progress');
    expect(job.progress).toBeLessThan(1);
  });

  it('nonJsonRate answers 200 with an HTML body, and changes nothing', async () => {
    const fake = await start({ faults: { nonJsonRate: 1 } });
    const r = await call(fake, 'POST', `/generate/custom/${VTRACER}`, {});
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    expect(() => JSON.parse(r.text)).toThrow();
    expect(fake.generates).toHaveLength(0);
  });

  it('htmlDownloads makes the CDN answer 200 text/html', async () => {
    const fake = await start();
    const image = await uploadImage(fake);
    const url = (await call(fake, 'GET', `/assets/${image}`)).json.asset.url;
    fake.setFaults({ htmlDownloads: true });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('a seed makes the fault sequence repeatable', async () => {
    const statuses = async () => {
      const fake = await start({ seed: 42, faults: { serverErrorRate: 0.5 } });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await call(fake, 'GET', '/jobs/job_x')).status);
      return out;
    };
    const a = await statuses();
    expect(a.some((s) => s === 404) && a.some((s) => s >= 500)).toBe(true);
    expect(await statuses()).toEqual(a);
  });
});

describe('server lifecycle', () => {
  it('stop() drops connections at once; start() listens on the same port with all state intact', async () => {
    const fake = await start({ jobDurationMs: 200 });
    const image = await uploadImage(fake);
    const jobId = (await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image })).json.job.jobId;
    const big = fake.addSyntheticAsset({ bytes: 256 * 1024 * 1024, kind: 'svg' });
    const url = (await call(fake, 'GET', `/assets/${big}`)).json.asset.url;
    const download = await fetch(url);
    const reader = (download.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const port = fake.port;

    await fake.stop();
    await expect((async () => { for (;;) if ((await reader.read()).done) break; })()).rejects.toThrow();
    await expect(fetch(`${fake.url}/jobs/${jobId}`, { headers: { Authorization: AUTH } })).rejects.toThrow();

    await fake.start();
    expect(fake.port).toBe(port);
    const job = await waitForJob(fake, jobId);
    expect(job.status).toBe('success');
  });

  it('counts requests per route, emits "request" events and resets counts', async () => {
    const fake = await start();
    const events: string[] = [];
    fake.on('request', (route, method, path) => events.push(`${route} ${method} ${path}`));
    await call(fake, 'GET', '/jobs/job_a');
    await call(fake, 'GET', '/nothing-here');
    expect(events).toEqual(['job-get GET /v1/jobs/job_a', 'unknown GET /v1/nothing-here']);
    expect(fake.counts).toMatchObject({ 'job-get': 1, unknown: 1, generate: 0 });
    fake.resetCounts();
    expect(fake.counts['job-get']).toBe(0);
  });

  it('holdRequests (a test control) keeps picked requests unacted on until released; dropHeld closes them unanswered', async () => {
    const fake = await start();
    const image = await uploadImage(fake);
    const untilHeld = async (n: number) => {
      while (fake.heldRequests('generate') !== n) await sleep(5);
    };
    fake.holdRequests((r) => r.route === 'generate');

    const released = call(fake, 'POST', `/generate/custom/${VTRACER}`, { image });
    await untilHeld(1);
    expect(fake.counts.generate).toBe(1);
    expect(fake.handlingRequests('generate')).toBe(0);
    expect(fake.generates).toHaveLength(0);
    fake.holdRequests(undefined);
    expect((await released).status).toBe(200);
    expect(fake.generates).toHaveLength(1);

    fake.holdRequests((r) => r.route === 'generate');
    const dropped = call(fake, 'POST', `/generate/custom/${VTRACER}`, { image });
    await untilHeld(1);
    expect(fake.dropHeld()).toBe(1);
    await expect(dropped).rejects.toThrow();
    fake.holdRequests(undefined);
    expect(fake.generates).toHaveLength(1);
  });

  it('tells a hold rule which job poll is the first for its job', async () => {
    const fake = await start();
    const image = await uploadImage(fake);
    const jobId = (await call(fake, 'POST', `/generate/custom/${VTRACER}`, { image })).json.job.jobId;
    fake.holdRequests((r) => r.route === 'job-get' && !r.firstPoll);
    expect((await call(fake, 'GET', `/jobs/${jobId}`)).status).toBe(200);
    const second = call(fake, 'GET', `/jobs/${jobId}`);
    while (fake.heldRequests('job-get') !== 1) await sleep(5);
    fake.holdRequests(undefined);
    expect((await second).status).toBe(200);
    expect(fake.heldRequests('job-get')).toBe(0);
  });
});

describe('outputs, as Scenario makes them', () => {
  it('are made while the job runs, so the look that first sees it done has nothing left to do', async () => {
    // The job's clock is a fake one: 1.6 s of it pass at once, and exactly.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const state = new FakeState(() => 2000, 100);
      const input = state.addAsset({ name: 'logo.png', mimeType: 'image/png', kind: 'image', source: { type: 'bytes', bytes: PNG } });
      const job = state.createJob({ modelId: 'model_visioncortex-vtracer', body: {}, input, fate: 'normal' });
      const output = state.assets.get(job.outputAssetIds[0] ?? '');
      // Not in the job's first moments (the polls that see it queued stay quick)…
      expect(output?.bytes).toBeUndefined();
      // …but from half way, well before its 2 s are up.
      vi.advanceTimersByTime(1600);
      expect(state.viewJob(job, Date.now()).status).not.toBe('success');
      expect(output?.bytes).toBeDefined();
      vi.useRealTimers();
      expect((await output?.bytes)?.toString('utf8')).toContain('<svg');
    } finally {
      vi.useRealTimers();
    }
  });

  it('trace the same picture once, however many times it is uploaded', async () => {
    const state = new FakeState(() => 0, 100);
    const outputs = [1, 2].map(() => {
      const input = state.addAsset({ name: 'logo.png', mimeType: 'image/png', kind: 'image', source: { type: 'bytes', bytes: Buffer.from(PNG) } });
      const job = state.createJob({ modelId: 'model_visioncortex-vtracer', body: {}, input, fate: 'normal' });
      return state.assets.get(job.outputAssetIds[0] ?? '');
    });
    await new Promise((r) => setTimeout(r, 20)); // a 0 ms job's output is started at once
    const traces = outputs.map((o) => o?.bytes);
    expect(traces[0]).toBeDefined();
    expect(await traces[1]).toBe(await traces[0]);
  });
});
