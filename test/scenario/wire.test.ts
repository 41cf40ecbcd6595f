// Details the fake server cannot show: which headers went where, and answers it never gives
// (unknown statuses, other reason fields, an HTTP-date Retry-After, a short body). A small real
// HTTP server plays Scenario here; fetch itself is never replaced.
import { getEventListeners } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vtracer } from '../../src/main/engine/models/vtracer';
import { DownloadError, JobFailedError, NetworkError, ScenarioClient, TeamLimitError } from '../../src/main/engine/scenario/index';
import { parseRetryAfter } from '../../src/main/engine/scenario/failures';
import { nodeFetch, nodeGet, readAll } from '../../src/main/engine/scenario/node-get';
import { FAST } from './helpers';

type Route = (req: { method: string; path: string; query: URLSearchParams; headers: IncomingHttpHeaders; body: Buffer }) => {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the headers and this much of the body, then nothing more (the connection stays open). */
  stallAfter?: string;
};

let server: Server;
let base: string;
let seen: { method: string; path: string; query: URLSearchParams; headers: IncomingHttpHeaders }[];
let route: Route;
let dir: string;

beforeEach(async () => {
  seen = [];
  dir = await mkdtemp(join(tmpdir(), 'kiln-wire-'));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const info = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
      seen.push(info);
      const out = route({ ...info, body: Buffer.concat(chunks) });
      const body = out.body ?? '';
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json', ...out.headers });
      if (out.stallAfter !== undefined) res.write(out.stallAfter);
      else res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

const client = (extra = {}) => new ScenarioClient({ ...FAST, baseUrl: `${base}/v1/`, apiKey: 'k3y', apiSecret: 's3cret', ...extra });
const json = (v: unknown) => JSON.stringify(v);
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>';

describe('on the wire', () => {
  it('sends Basic auth and ?projectId= to the API only: never to part URLs or the CDN', async () => {
    route = ({ method, path }) => {
      if (method === 'POST' && path === '/v1/uploads') {
        return { body: json({ upload: { id: 'up1', status: 'pending', parts: [1].map((n) => ({ number: n, url: `${base}/parts/${n}?sig=x` })) } }) };
      }
      if (path.startsWith('/parts/')) return { body: '' };
      if (path === '/v1/uploads/up1/action') return { body: json({ upload: { id: 'up1', status: 'validating' } }) };
      if (path === '/v1/uploads/up1') return { body: json({ upload: { id: 'up1', status: 'imported', entityId: 'asset_in' } }) };
      if (path === '/v1/assets/asset_out') return { body: json({ asset: { id: 'asset_out', url: `/cdn/out.svg` } }) };
      if (path === '/cdn/out.svg') return { headers: { 'content-type': 'image/svg+xml' }, body: SVG };
      return { status: 404, body: json({ error: 'nope' }) };
    };
    const c = client({ projectId: 'proj 7' });
    const path = join(dir, 'm.obj');
    await writeFile(path, 'v 0 0 0\nv 1 0 0\n'); // 16 bytes → 1 part
    expect(await c.upload({ path, name: 'm.obj', kind: 'obj', route: 'multipart-upload' })).toBe('asset_in');
    await c.download({ assetId: 'asset_out', destPath: join(dir, 'o.svg'), expected: vtracer.output });

    const expected = `Basic ${Buffer.from('k3y:s3cret').toString('base64')}`;
    for (const r of seen) {
      if (r.path.startsWith('/v1/')) {
        expect(r.headers.authorization).toBe(expected);
        expect(r.query.get('projectId')).toBe('proj 7');
      } else {
        expect(r.headers.authorization).toBeUndefined();
        expect(r.query.get('projectId')).toBeNull();
      }
    }
    expect(seen.filter((r) => r.path.startsWith('/parts/'))).toHaveLength(1);
    expect(seen.some((r) => r.path === '/cdn/out.svg')).toBe(true);
  });

  it('keeps polling through statuses it does not know, and reads the reason from other fields', async () => {
    const statuses = ['queued', 'pending-review', 'thinking', 'failure'];
    let poll = 0;
    route = () => {
      const status = statuses[Math.min(poll++, statuses.length - 1)];
      return { body: json({ job: { jobId: 'job_1', status, metadata: { assetIds: [] }, error: { message: 'GPU on fire' } } }) };
    };
    const err = await client().waitForJob('job_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as JobFailedError).reason).toBe('GPU on fire');
    expect(poll).toBe(4);
  });

  it('reads the team ceiling from a 429 on generate and does not retry it; other 429s are retried after Retry-After', async () => {
    let generates = 0;
    route = ({ path }) => {
      if (path.startsWith('/v1/generate/')) {
        generates++;
        return { status: 429, body: json({ error: 'Too many jobs', details: { actionName: 'generate', actionLimit: 3 } }) };
      }
      return { status: 404, body: json({ error: 'nope' }) };
    };
    const saved: [string, number][] = [];
    const c = client({ teamLimitMemory: { load: () => undefined, save: (account: string, limit: number) => void saved.push([account, limit]) } });
    expect(c.jobCeiling()).toBeUndefined();
    const err = await c.generate('model_x', { image: 'asset_1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TeamLimitError);
    expect(err).toMatchObject({ actionLimit: 3, retryAfterMs: undefined });
    expect(generates).toBe(1);
    expect(c.jobCeiling()).toBe(3);
    // Kept per account as a fingerprint: never the key itself.
    expect(saved).toHaveLength(1);
    expect(saved[0]?.[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(saved[0]?.[0]).not.toContain('k3y');
    expect(saved[0]?.[1]).toBe(3);
    // The next client for the same account starts from it.
    const again = client({ teamLimitMemory: { load: (account: string) => (account === saved[0]?.[0] ? 3 : undefined), save: () => {} } });
    expect(again.jobCeiling()).toBe(3);
  });

  it('serves many calls on one run\'s signal without keeping a listener per call, and a stopped run sends nothing more', async () => {
    route = () => ({ body: json({ job: { jobId: 'job_1', status: 'in-progress', progress: 0.5, metadata: { assetIds: [] } } }) });
    const run = new AbortController();
    const api = client();
    for (let i = 0; i < 30; i++) await api.getJob('job_1', run.signal);
    // The request layer itself, given one signal for many calls (src/main/engine/scenario/node-get.ts).
    for (let i = 0; i < 10; i++) await (await nodeFetch(`${base}/v1/jobs/job_1`, { method: 'GET', headers: {}, signal: run.signal, deadline: { ms: 5000, error: () => new Error('late') } })).text();
    for (let i = 0; i < 10; i++) await readAll((await nodeGet(`${base}/cdn/a.svg`, run.signal)).body);
    expect(seen).toHaveLength(50);
    // The app's run lives for hours: a listener left per call would grow without end.
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
    run.abort();
    await expect(api.getJob('job_1', run.signal)).rejects.toThrow();
    await expect(nodeGet(`${base}/cdn/a.svg`, run.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(50);
  });

  it('ends an API call whose answer stops half-way at its deadline, as a timeout, and retries a read', async () => {
    route = () => ({ stallAfter: '{"job": {"jobId": "job_1", ' });
    const run = new AbortController();
    const started = Date.now();
    const err = await client({ requestTimeoutMs: 200, retries: 3, networkRetries: 1 })
      .getJob('job_1', run.signal)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toMatch(/no answer within 200 ms \(timed out\)/);
    // A read is safe to repeat: one retry (networkRetries), each attempt cut at its own deadline.
    expect(seen).toHaveLength(2);
    // Two deadlines of 200 ms waited out; a timer counts from the event loop's cached clock, which
    // can run a millisecond or so behind Date.now().
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });

  it('reads an answer whole, and refuses one cut off half-way, destroyed while read or before', async () => {
    route = ({ path }) => (path === '/cut' ? { stallAfter: '<svg' } : { headers: { 'content-type': 'image/svg+xml' }, body: SVG });
    const signal = new AbortController().signal;
    expect((await readAll((await nodeGet(`${base}/whole`, signal)).body)).toString()).toBe(SVG);
    const cut = readAll((await nodeGet(`${base}/cut`, signal)).body);
    await new Promise((r) => setTimeout(r, 50));
    server.closeAllConnections();
    await expect(cut).rejects.toMatchObject({ code: 'ECONNRESET' });
    const whileRead = await nodeGet(`${base}/cut`, signal);
    const reading = readAll(whileRead.body);
    whileRead.body.destroy();
    await expect(reading).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    const before = await nodeGet(`${base}/cut`, signal);
    before.body.destroy();
    await new Promise((r) => setImmediate(r)); // its 'close' has been and gone
    await expect(readAll(before.body)).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('calls an API at the root of its host as under a path', async () => {
    route = () => ({ body: json({ job: { jobId: 'job_1', status: 'success', progress: 1, metadata: { assetIds: ['asset_1'] } } }) });
    await client({ baseUrl: base }).getJob('job 1');
    await client({ baseUrl: `${base}/v1`, projectId: 'p/1' }).getJob('job_1');
    expect(seen.map((r) => [r.path, r.query.toString()])).toEqual([
      ['/jobs/job%201', ''],
      ['/v1/jobs/job_1', 'projectId=p%2F1'],
    ]);
  });

  it('honours an HTTP-date Retry-After', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('rejects a download shorter than its promised size', async () => {
    route = ({ path }) => {
      if (path === '/v1/assets/asset_out') return { body: json({ asset: { id: 'asset_out', url: `${base}/cdn/x`, size: 5000 } }) };
      return { headers: { 'content-type': 'image/svg+xml' }, body: SVG };
    };
    const err = await client()
      .download({ assetId: 'asset_out', destPath: join(dir, 'x.svg'), expected: vtracer.output })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toBe(`The downloaded SVG for asset asset_out is incomplete: ${SVG.length} of 5000 bytes`);
  });

  it('says which field is wrong when a body has the wrong shape', async () => {
    route = () => ({ body: json({ job: { status: 'queued' } }) });
    await expect(client().getJob('job_1')).rejects.toMatchObject({
      kind: 'bad-response',
      message: expect.stringMatching(/^Scenario answered GET \/jobs\/\{jobId\} with an unexpected shape \(job\.jobId: /),
    });
  });
});
