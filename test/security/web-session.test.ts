import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebApp } from '../../src/main/host/launch-web';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { tempDir } from '../support/files';
import { openSocket, rawRequest } from '../support/raw-http';
import { sessionCookie, startApp } from '../support/web-app';

/*
 * Issue 14.2: the web host trusts no local process by default. Every request must carry the
 * launch's secret session (the token printed in the address `npm start` opens, exchanged for an
 * HttpOnly SameSite=Strict cookie); a raw local client that simply omits Origin gets nothing.
 * And the key pair is never sent to an API address the artist has not confirmed.
 */

let server: FakeScenario;
let dir: { path: string; remove: () => Promise<void> };
let app: WebApp;
let queueId: string;

/** A raw local client: no Origin, and only the headers given. */
const raw = (path: string, options: { method?: string; cookie?: string; body?: string } = {}) => rawRequest(app.host.port, path, options);
const socket = (cookie?: string) => openSocket(app.host.port, { cookie });

beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 150 });
  dir = await tempDir('kiln-session-');
  app = await startApp(server, join(dir.path, 'state'));
  const created = await app.service.handle('queues.create', {
    name: 'Web', modelKey: 'vtracer', params: {}, outputDir: join(dir.path, 'out'), nameTemplate: '{name}.{ext}', collision: 'keep-both', engine: 'cloud',
  });
  if (!created.ok) throw new Error(created.error.message);
  queueId = (created.value as { id: string }).id;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await server?.close();
  await dir?.remove();
});

describe('a local client without the session is refused everywhere', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/index.html'],
    ['HEAD', '/'],
    ['GET', '/files/anything/input'],
    ['POST', '/api/upload/commit'],
    ['POST', '/api/upload'],
  ])('%s %s → 401', async (method, path) => {
    const target = path === '/api/upload' ? `${path}?queueId=${queueId}&batch=${randomUUID()}&path=x.png` : path;
    const answer = await raw(target, { method, body: method === 'POST' ? '{}' : undefined });
    expect(answer.status).toBe(401);
  });

  it('the WebSocket upgrade is refused', async () => {
    expect(await socket()).toBe('refused');
    expect(await socket('kiln-session=forged')).toBe('refused');
  });

  it('a wrong token or a forged cookie is refused as well', async () => {
    expect((await raw('/?token=not-the-token')).status).toBe(401);
    expect((await raw('/', { cookie: `kiln-session-${app.host.port}=not-the-token` })).status).toBe(401);
  });
});

describe('the address npm start opens gives the browser its session', () => {
  it('the printed URL carries a long random token, and opening it sets an HttpOnly SameSite=Strict cookie and cleans the URL', async () => {
    const url = new URL(app.host.url);
    const token = url.searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThanOrEqual(32);
    const answer = await raw(`${url.pathname}${url.search}`);
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/');
    const setCookie = String(answer.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toContain(token);
  });

  it('with the cookie, pages, files and the WebSocket are served', async () => {
    const cookie = await sessionCookie(app.host);
    // 404 rather than 200 when the renderer has not been built in this checkout: past the session check either way.
    expect([200, 404]).toContain((await raw('/', { cookie })).status);
    expect((await raw('/files/no-such-item/input', { cookie })).status).toBe(404);
    expect(await socket(cookie)).toBe('open');
  });
});

describe('the key pair goes only to the API address it was confirmed for', () => {
  let trap: Server;
  let trapUrl: string;
  const seen: string[] = [];
  beforeAll(async () => {
    trap = createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', () => r()));
    trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => trap.close(() => r())));

  it('after settings.update points the API elsewhere, credentials.test sends nothing there and the key must be entered again', async () => {
    const updated = await app.service.handle('settings.update', { apiUrl: trapUrl });
    expect(updated.ok).toBe(true);
    const tested = await app.service.handle('credentials.test', {});
    expect(tested.ok && (tested.value as { ok: boolean }).ok).toBe(false);
    expect(seen.filter((a) => a !== '')).toEqual([]);
    const info = await app.service.handle('host.info', {});
    expect(info.ok && (info.value as { hasCredentials: boolean }).hasCredentials).toBe(false);
  });
});
