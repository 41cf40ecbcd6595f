import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYCHAIN_SERVICE, KeychainCredentialStore } from '../../src/main/host/credentials';
import { runCli } from '../support/cli';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { flatImage, tempDir } from '../support/files';
import { startApp, waitFor } from '../support/web-app';

// These run against a real Secret Service (gnome-keyring in a D-Bus session, as scripts/test.sh
// starts it). Outside such a session there is no keychain to test; CI always has one.
const hasSecretService = Boolean(process.env['DBUS_SESSION_BUS_ADDRESS']);

describe('the test environment', () => {
  it('has a Secret Service in CI (scripts/test.sh starts one), so the keychain tests below really run there', () => {
    expect(hasSecretService || !process.env['CI']).toBe(true);
  });
});

describe.runIf(hasSecretService)('the OS keychain (real Secret Service)', () => {
  const service = `Kiln test ${randomUUID()}`;
  const keychain = new KeychainCredentialStore(service);

  afterAll(async () => {
    await keychain.clear();
  });

  it('stores, reads back, replaces and deletes the key pair', async () => {
    expect(await keychain.get()).toBeUndefined();
    await keychain.set({ apiKey: 'key-one', apiSecret: 'secret-one' });
    expect(await keychain.get()).toEqual({ apiKey: 'key-one', apiSecret: 'secret-one' });
    await keychain.set({ apiKey: 'key-two', apiSecret: 'secret-two' });
    expect(await keychain.get()).toEqual({ apiKey: 'key-two', apiSecret: 'secret-two' });
    await keychain.clear();
    expect(await keychain.get()).toBeUndefined();
  });

  it('kiln convert reads the key pair the app saved in the keychain when the environment has none', async () => {
    const server = await startFakeScenario({ jobDurationMs: 50, apiKey: 'saved-key', apiSecret: 'saved-secret' });
    const dir = await tempDir('kiln-cli-keychain-');
    const appKeychain = new KeychainCredentialStore(KEYCHAIN_SERVICE);
    try {
      await appKeychain.set({ apiKey: 'saved-key', apiSecret: 'saved-secret' });
      await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
      const result = await runCli(
        ['convert', join(dir.path, 'a.png'), '--model', 'vtracer', '--out', join(dir.path, 'svg'), '--api-url', server.url, '--state', join(dir.path, 'state'), '--json'],
        { SCENARIO_SDK_API_KEY: '', SCENARIO_SDK_API_SECRET: '' },
      );
      // With --json, stdout holds only JSON lines and the batch's summary goes to stderr, alone.
      expect(result.stderr).toMatch(/^kiln: 1 done · 0 failed · 0 skipped · [\d.]+ s · results in .+\n$/);
      expect(result.code).toBe(0);
      expect(result.lines[0]).toMatchObject({ status: 'done' });
    } finally {
      await appKeychain.clear();
      await server.close();
      await dir.remove();
    }
  });

  describe('a batch run with a known secret', () => {
    let server: FakeScenario;
    const secret = `s3cr3t-${randomUUID()}`;
    beforeAll(async () => {
      server = await startFakeScenario({ jobDurationMs: 150, apiKey: 'known-key', apiSecret: secret });
    });
    afterAll(async () => {
      await server.close();
    });

    it('never writes the secret to any file, log line or event sent to the renderer', async () => {
      const dir = await tempDir('kiln-secret-');
      const store = new KeychainCredentialStore(`Kiln secret scan ${randomUUID()}`);
      const app = await startApp(server, join(dir.path, 'state'), store);
      const sent: string[] = [];
      app.service.on('event', (name, payload) => sent.push(JSON.stringify([name, payload])));
      const logged: string[] = [];
      const originals = { log: console.log, warn: console.warn, error: console.error };
      for (const level of ['log', 'warn', 'error'] as const) console[level] = (...args: unknown[]) => logged.push(args.map(String).join(' '));
      try {
        const results: string[] = [];
        const call = async (name: string, input: unknown) => {
          const r = await app.service.handle(name, input);
          results.push(JSON.stringify(r));
          return r;
        };
        await call('credentials.set', { apiKey: 'known-key', apiSecret: secret });
        expect(await store.get()).toEqual({ apiKey: 'known-key', apiSecret: secret });
        const queue = (await call('queues.create', {
          name: 'Scan', modelKey: 'vtracer', params: {}, outputDir: join(dir.path, 'out'), nameTemplate: '{name}.{ext}', collision: 'keep-both', engine: 'cloud',
        })) as { ok: true; value: { id: string } };
        await writeFile(join(dir.path, 'a.png'), await flatImage('png'));
        await writeFile(join(dir.path, 'b.png'), 'broken');
        await call('items.addPaths', { queueId: queue.value.id, paths: [join(dir.path, 'a.png'), join(dir.path, 'b.png')] });
        await waitFor(() => app.service.store.counts(queue.value.id).byState.done === 1, 20_000, 'done');
        await call('credentials.test', {});
        await call('credentials.set', { apiKey: 'known-key', apiSecret: 'wrong-one' });
        await call('credentials.test', {});
        await call('host.info', {});
        await call('settings.get', {});
        await app.close();

        const files: string[] = [];
        const walk = async (p: string): Promise<void> => {
          for (const entry of await readdir(p)) {
            const child = join(p, entry);
            if ((await stat(child)).isDirectory()) await walk(child);
            else files.push(child);
          }
        };
        await walk(dir.path);
        expect(files.some((f) => f.endsWith('settings.json'))).toBe(true);
        expect(files.some((f) => f.endsWith('kiln-queue.db'))).toBe(true);
        for (const file of files) expect((await readFile(file)).includes(secret), file).toBe(false);
        for (const text of [...sent, ...results, ...logged]) expect(text.includes(secret)).toBe(false);
        expect(sent.length).toBeGreaterThan(0);
      } finally {
        Object.assign(console, originals);
        await store.clear();
        await dir.remove();
      }
    });
  });
});
