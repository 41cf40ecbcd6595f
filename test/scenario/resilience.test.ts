import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthError,
  BadResponseError,
  CanceledError,
  NetworkError,
  RateLimitError,
  ScenarioClient,
  ServerError,
} from '../../src/main/engine/scenario/index';
import { clientFor, FAST, harness, since, writePng, type Harness } from './helpers';

const VTRACER = 'model_visioncortex-vtracer';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** A port with nothing listening on it: connections are refused. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('credentials and reachability', () => {
  it('maps a wrong key pair to AuthError at once, and never shows the secret', async () => {
    h = await harness();
    const client = clientFor(h.fake, { apiSecret: 'hunter2-very-secret' });
    const probe = await client.probe().catch((e: unknown) => e);
    expect(probe).toBeInstanceOf(AuthError);
    expect(probe).toMatchObject({ kind: 'auth', status: 401 });
    const upload = await client
      .upload({ path: await writePng(h.dir), name: 'a.png', kind: 'png', route: 'image-asset' })
      .catch((e: unknown) => e);
    expect(upload).toBeInstanceOf(AuthError);
    expect(h.fake.counts['asset-get'] + h.fake.counts['asset-create']).toBe(2); // no retries
    for (const e of [probe, upload]) {
      expect(String((e as Error).message)).not.toContain('hunter2');
      expect(JSON.stringify(e)).not.toContain('hunter2');
      expect((e as Error).stack ?? '').not.toContain('hunter2');
    }
  });

  it('probe resolves when the API answers and accepts the credentials', async () => {
    h = await harness();
    await expect(clientFor(h.fake).probe()).resolves.toBeUndefined();
    expect(h.fake.counts['asset-get']).toBe(1);
  });

  it('probe and other calls fail with NetworkError saying why when nothing listens', async () => {
    h = await harness();
    const port = await deadPort();
    const client = new ScenarioClient({ ...FAST, baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'k', apiSecret: 'sssecret' });
    const err = await client.probe().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toMatch(/^Could not reach the Scenario API at 127\.0\.0\.1:\d+: connection refused \(ECONNREFUSED\)$/);
    const job = await client.getJob('job_x').catch((e: unknown) => e);
    expect(job).toBeInstanceOf(NetworkError);
    expect((job as Error).message).not.toContain('sssecret');
  });

  it('NetworkError names a DNS failure', async () => {
    h = await harness();
    const client = new ScenarioClient({ ...FAST, retries: 0, baseUrl: 'http://kiln-no-such-host.invalid/v1', apiKey: 'k', apiSecret: 's' });
    const err = await client.probe().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toMatch(/kiln-no-such-host\.invalid.*(DNS|ENOTFOUND|EAI_AGAIN)/);
  });
});

describe('retries', () => {
  it('rides out 5xx answers and connection resets with backoff', async () => {
    h = await harness({ seed: 3 });
    const client = clientFor(h.fake, { retries: 8 });
    const assetId = await client.upload({ path: await writePng(h.dir), name: 'a.png', kind: 'png', route: 'image-asset' });
    h.fake.setFaults({ serverErrorRate: 0.3, resetRate: 0.3 });
    h.fake.resetCounts();
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push((await client.generate(VTRACER, { image: assetId })).jobId);
    for (const id of ids) expect((await client.getJob(id)).jobId).toBe(id);
    const requests = h.fake.counts.generate + h.fake.counts['job-get'];
    expect(requests).toBeGreaterThan(12); // some were faulted and sent again
    expect(h.fake.generates.length).toBe(6); // faults hit before any state change: no double job
  });

  it('gives up with ServerError after the retries', async () => {
    h = await harness({ faults: { serverErrorRate: 1 } });
    const client = clientFor(h.fake, { retries: 3 });
    const err = await client.getJob('job_x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as Error).message).toMatch(/^Scenario server error \(HTTP 50[023]\): Injected server error/);
    expect(h.fake.counts['job-get']).toBe(4);
  });

  it('does not resend a generate that timed out (the job may exist), but does resend reads', async () => {
    h = await harness();
    const client = clientFor(h.fake, { requestTimeoutMs: 150, retries: 2 });
    const assetId = await client.upload({ path: await writePng(h.dir), name: 'a.png', kind: 'png', route: 'image-asset' });
    h.fake.setFaults({ slowMs: 400 });
    const gen = await client.generate(VTRACER, { image: assetId }).catch((e: unknown) => e);
    expect(gen).toBeInstanceOf(NetworkError);
    expect((gen as Error).message).toMatch(/timed out/);
    expect(h.fake.counts.generate).toBe(1);
    const read = await client.getAsset(assetId).catch((e: unknown) => e);
    expect(read).toBeInstanceOf(NetworkError);
    expect(h.fake.counts['asset-get']).toBe(3);
  });

  it('surfaces a body that is not JSON as BadResponseError after retrying', async () => {
    h = await harness({ faults: { nonJsonRate: 1 } });
    const client = clientFor(h.fake, { retries: 2 });
    const err = await client.getJob('job_x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadResponseError);
    expect((err as Error).message).toMatch(/^Scenario answered GET \/jobs\/\{jobId\} with something that is not JSON \(HTTP 200, text\/html/);
    expect(h.fake.counts['job-get']).toBe(3);
  });

  it('recovers from an occasional non-JSON answer', async () => {
    h = await harness({ seed: 11 });
    const client = clientFor(h.fake, { retries: 8 });
    const assetId = await client.upload({ path: await writePng(h.dir), name: 'a.png', kind: 'png', route: 'image-asset' });
    h.fake.setFaults({ nonJsonRate: 0.4 });
    for (let i = 0; i < 5; i++) await expect(client.getAsset(assetId)).resolves.toMatchObject({ id: assetId });
  });
});

describe('rate limiting', () => {
  it('a 429 pauses the whole client until Retry-After, not only the request that got it', async () => {
    h = await harness();
    const client = clientFor(h.fake);
    const assetId = await client.upload({ path: await writePng(h.dir), name: 'a.png', kind: 'png', route: 'image-asset' });
    const arrivals: { route: string; at: number }[] = [];
    h.fake.on('request', (route) => arrivals.push({ route, at: Date.now() }));
    h.fake.setFaults({ rateLimit: { requests: 1, retryAfterSeconds: 1 } });

    const t0 = Date.now();
    const first = client.getAsset(assetId); // gets the 429
    await new Promise((r) => setTimeout(r, 100));
    // Other items' requests, started after the 429, must wait for the gate though they never got one.
    const others = Promise.all([client.generate(VTRACER, { image: assetId }), client.probe(), client.getAsset(assetId)]);
    const [asset] = await Promise.all([first, others]);
    expect(asset.id).toBe(assetId);

    expect(arrivals[0]?.at).toBeLessThan(t0 + 100);
    const later = arrivals.slice(1);
    expect(later).toHaveLength(4); // the retry of the first + the three others, each sent once
    for (const a of later) expect(a.at - t0).toBeGreaterThanOrEqual(950);
    expect(since(t0)).toBeLessThan(3_000);
  });

  it('concurrent requests hit by a 429 storm all wait and then succeed', async () => {
    h = await harness();
    const client = clientFor(h.fake);
    const assetId = await client.upload({ path: await writePng(h.dir), name: 'a.png', kind: 'png', route: 'image-asset' });
    h.fake.setFaults({ rateLimit: { requests: 5, retryAfterSeconds: 1 } });
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: 5 }, () => client.getAsset(assetId)));
    expect(results.every((r) => r.id === assetId)).toBe(true);
    expect(since(t0)).toBeGreaterThanOrEqual(950);
    expect(h.fake.counts['asset-get']).toBe(10);
  });

  it('gives up with RateLimitError when the limit does not lift', async () => {
    h = await harness({ faults: { rateLimit: { requests: 100, retryAfterSeconds: 0 } } });
    const client = clientFor(h.fake, { retries: 2 });
    const err = await client.getJob('job_x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ kind: 'rate-limit', status: 429 });
    expect(h.fake.counts['job-get']).toBe(3);
  });
});

describe('abort', () => {
  it('a caller abort ends a call in a retry backoff at once with CanceledError, and is not retried', async () => {
    h = await harness({ faults: { serverErrorRate: 1 } });
    const client = clientFor(h.fake, { retryBaseMs: 5_000, retryMaxMs: 5_000, retries: 5 });
    const controller = new AbortController();
    const call = client.getJob('job_x', controller.signal);
    await new Promise((r) => setTimeout(r, 100));
    const t = Date.now();
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(CanceledError);
    expect(since(t)).toBeLessThan(100);
    expect(h.fake.counts['job-get']).toBe(1);
  });

  it('a caller abort ends a request in flight', async () => {
    h = await harness({ faults: { slowMs: 2_000 } });
    const client = clientFor(h.fake);
    const err = await client.getJob('job_x', AbortSignal.timeout(100)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CanceledError);
  });

  it('one abort ends every call in flight under that signal at once; a call under another signal goes on', async () => {
    h = await harness({ faults: { slowMs: 1_000 } });
    const client = clientFor(h.fake);
    const controller = new AbortController();
    const doomed = Array.from({ length: 3 }, () => client.getJob('job_x', controller.signal).catch((e: unknown) => e));
    const other = client.getJob('job_y', new AbortController().signal).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const t = Date.now();
    controller.abort();
    for (const err of await Promise.all(doomed)) expect(err).toBeInstanceOf(CanceledError);
    expect(since(t)).toBeLessThan(300);
    const answered = await other;
    expect(answered).not.toBeInstanceOf(CanceledError);
    expect(answered).not.toBeInstanceOf(NetworkError);
  });

  it('an abort after its call was answered harms nothing: the connection serves the next call', async () => {
    h = await harness();
    const client = clientFor(h.fake);
    const assetId = await client.upload({ path: await writePng(h.dir), name: 'a.png', kind: 'png', route: 'image-asset' });
    const controller = new AbortController();
    await client.getAsset(assetId, controller.signal);
    controller.abort();
    await expect(client.getAsset(assetId)).resolves.toMatchObject({ id: assetId });
  });

  it('an already aborted signal sends nothing', async () => {
    h = await harness();
    const client = clientFor(h.fake);
    const controller = new AbortController();
    controller.abort('paused');
    await expect(client.getJob('job_x', controller.signal)).rejects.toMatchObject({ kind: 'canceled', message: 'paused' });
    expect(h.fake.counts['job-get']).toBe(0);
  });
});
