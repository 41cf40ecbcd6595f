import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebApp } from '../../src/main/host/launch-web';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { flatImage, tempDir } from '../support/files';
import { openSocket, rawRequest } from '../support/raw-http';
import { sessionCookie, startApp, waitFor } from '../support/web-app';

/*
 * The web host serves the engine to a browser on 127.0.0.1. Another site open in the same browser
 * (or DNS rebinding) must not drive it or read files through it, and the file routes serve only an
 * item's own input and outputs.
 */

let server: FakeScenario;
let dir: { path: string; remove: () => Promise<void> };
let app: WebApp;
let queueId: string;
let doneItemId: string;
/** The session a browser gets from the printed address: these tests are about what it does not grant. */
let cookie: string;

/** A raw HTTP request with the session: unlike fetch, it may send any Host and Origin and an un-normalised path. */
const raw = (path: string, options: { method?: string; host?: string; origin?: string; body?: Buffer | string } = {}) => rawRequest(app.host.port, path, { cookie, ...options });
/** Opens /ws with the session and the given Origin (and Host); resolves 'open' or 'refused'. */
const socket = (origin: string, host?: string) => openSocket(app.host.port, { origin, host, cookie });

beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 150 });
  dir = await tempDir('kiln-webhost-');
  app = await startApp(server, join(dir.path, 'state'));
  cookie = await sessionCookie(app.host);
  const created = await app.service.handle('queues.create', {
    name: 'Web', modelKey: 'vtracer', params: {}, outputDir: join(dir.path, 'out'), nameTemplate: '{name}.{ext}', collision: 'keep-both', engine: 'cloud',
  });
  if (!created.ok) throw new Error(created.error.message);
  queueId = (created.value as { id: string }).id;
  await writeFile(join(dir.path, 'art.png'), await flatImage('png'));
  const added = await app.service.handle('items.addPaths', { queueId, paths: [join(dir.path, 'art.png')] });
  if (!added.ok) throw new Error(added.error.message);
  doneItemId = (added.value as { added: Array<{ id: string }> }).added[0]?.id ?? '';
  await waitFor(() => app.service.store.get(doneItemId)?.state === 'done', 30_000, 'the item to be converted');
}, 60_000);

afterAll(async () => {
  await app?.close();
  await server?.close();
  await dir?.remove();
});

describe('only the Kiln page on this host may talk to the web host', () => {
  it('a request from the page itself (right Host, own Origin) is served', async () => {
    const answer = await raw(`/files/${doneItemId}/output`, { origin: `http://127.0.0.1:${app.host.port}` });
    expect(answer.status).toBe(200);
  });
  it('a foreign Origin is refused with 403, on pages, files and uploads', async () => {
    for (const path of ['/', `/files/${doneItemId}/output`]) {
      expect((await raw(path, { origin: 'https://evil.example' })).status).toBe(403);
    }
    const upload = await raw(`/api/upload?queueId=${queueId}&batch=${randomUUID()}&path=x.png`, { method: 'POST', origin: 'https://evil.example', body: 'x' });
    expect(upload.status).toBe(403);
  });
  it('a foreign Host header (DNS rebinding) is refused with 403', async () => {
    expect((await raw(`/files/${doneItemId}/output`, { host: `evil.example:${app.host.port}` })).status).toBe(403);
    expect((await raw('/', { host: 'evil.example' })).status).toBe(403);
  });
  it('the WebSocket opens for the page\'s own origin and is destroyed for a foreign Origin or Host', async () => {
    expect(await socket(`http://127.0.0.1:${app.host.port}`)).toBe('open');
    expect(await socket('https://evil.example')).toBe('refused');
    expect(await socket('null')).toBe('refused');
    expect(await socket(`http://127.0.0.1:${app.host.port}`, `evil.example:${app.host.port}`)).toBe('refused');
  });
});

describe('file routes serve an item\'s own input and outputs, nothing else', () => {
  it('an unknown item, an unknown kind of file or an output index out of range → 404 or 400', async () => {
    expect((await raw('/files/no-such-item/input')).status).toBe(404);
    expect((await raw(`/files/${doneItemId}/output/1`)).status).toBe(404);
    expect((await raw(`/files/${doneItemId}/secrets`)).status).toBe(400);
  });
  it.each([
    '/files/../../etc/passwd',
    '/files/..%2F..%2F..%2Fetc%2Fpasswd/input',
    '/files/%2e%2e/%2e%2e/etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/../../../../etc/passwd',
  ])('%s is not served', async (path) => {
    const answer = await raw(path);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.body).not.toContain('root:');
  });
  it('a served SVG result is sandboxed by its Content-Security-Policy and never sniffed', async () => {
    const answer = await raw(`/files/${doneItemId}/output`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('image/svg+xml');
    expect(String(answer.headers['content-security-policy'])).toMatch(/(^|;\s*)sandbox(;|$)/);
    expect(String(answer.headers['content-security-policy'])).toMatch(/default-src 'none'/);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.body).toMatch(/<svg[\s>]/);
  });
});

describe('uploads land in the host\'s inbox, never elsewhere', () => {
  const inbox = () => join(dir.path, 'state', 'inbox');
  it.each(['../escape.png', '../../escape.png', 'a/../../escape.png', '..\\..\\escape.png', 'ok/..', '..'])('a relative path with ".." (%s) is refused with 400', async (path) => {
    const answer = await raw(`/api/upload?queueId=${queueId}&batch=${randomUUID()}&path=${encodeURIComponent(path)}`, { method: 'POST', body: 'bytes' });
    expect(answer.status).toBe(400);
    expect(existsSync(join(dir.path, 'state', 'escape.png'))).toBe(false);
    expect(existsSync(join(dir.path, 'escape.png'))).toBe(false);
  });
  it('an absolute path never writes at that absolute place: refused, or kept inside the inbox', async () => {
    const target = join(dir.path, 'absolute-target.png');
    const batch = randomUUID();
    const answer = await raw(`/api/upload?queueId=${queueId}&batch=${batch}&path=${encodeURIComponent(target)}`, { method: 'POST', body: 'bytes' });
    expect([200, 400]).toContain(answer.status);
    expect(existsSync(target)).toBe(false);
    if (answer.status === 200) expect(existsSync(join(inbox(), batch, target))).toBe(true);
  });
  it('a commit keeps the call\'s own error: a queue that is gone is not-found (404), not a generic failure', async () => {
    const answer = await raw('/api/upload/commit', { method: 'POST', body: JSON.stringify({ queueId: 'no-such-queue', batch: randomUUID() }) });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'not-found', message: 'no queue with id no-such-queue' } });
  });
  it('a batch that is not a UUID (a path) is refused', async () => {
    const answer = await raw(`/api/upload?queueId=${queueId}&batch=${encodeURIComponent('../../x')}&path=a.png`, { method: 'POST', body: 'bytes' });
    expect(answer.status).toBe(400);
    expect(await readdir(dir.path)).not.toContain('x');
  });
});
