import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryCredentialStore, type CredentialStore } from '../../src/main/host/credentials';
import { launchWebApp, type WebApp } from '../../src/main/host/launch-web';
import type { FakeScenario } from '../fake-scenario/index';

export const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));

/** The app's engine and web host on a temp state folder, pointed at the fake Scenario server. */
export function startApp(server: FakeScenario, stateDir: string, credentials?: CredentialStore, rendererDir = RENDERER_DIR): Promise<WebApp> {
  return launchWebApp({
    stateDir,
    rendererDir,
    port: 0,
    version: 'test',
    credentials: credentials ?? new MemoryCredentialStore({ apiKey: 'test-key', apiSecret: 'test-secret' }),
    apiUrl: server.url,
    probeInitialMs: 100,
  });
}

export function waitFor<T>(check: () => T | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const value = check();
      if (value) return resolve(value);
      if (Date.now() - start > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

export const joinState = (dir: string) => join(dir, 'state');

/**
 * The session cookie a browser gets by opening the address `npm start` prints (host.url carries
 * the launch's token; the host answers with a cookie and a redirect to the clean URL).
 */
export async function sessionCookie(host: { url: string }): Promise<string> {
  const res = await fetch(host.url, { redirect: 'manual' });
  const setCookie = res.headers.get('set-cookie');
  if (res.status !== 303 || !setCookie) throw new Error(`opening ${host.url} gave ${res.status} without a session cookie`);
  return setCookie.split(';')[0] as string;
}
