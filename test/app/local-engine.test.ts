import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCredentialStore } from '../../src/main/host/credentials';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { flatImage, tempDir } from '../support/files';
import { startApp, waitFor } from '../support/web-app';

let server: FakeScenario;
beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 50 });
});
afterAll(async () => {
  await server.close();
});

describe('the app with a local queue', () => {
  it('converts with no key pair at all and sends nothing to Scenario; it says where a key would be kept', async () => {
    const dir = await tempDir('kiln-app-local-');
    server.resetCounts();
    const app = await startApp(server, join(dir.path, 'state'), new MemoryCredentialStore());
    try {
      const info = (await app.service.handle('host.info', {})) as { ok: true; value: { hasCredentials: boolean; keyLocation?: { kind: string } } };
      expect(info.value.hasCredentials).toBe(false);
      expect(info.value.keyLocation).toMatchObject({ kind: 'session' });
      const queue = (await app.service.handle('queues.create', {
        name: 'Offline logos', modelKey: 'vtracer', params: {}, outputDir: join(dir.path, 'out'), nameTemplate: '{name}.{ext}', collision: 'keep-both', engine: 'local',
      })) as { ok: true; value: { id: string } };
      expect(queue.ok).toBe(true);
      await writeFile(join(dir.path, 'logo.png'), await flatImage('png'));
      await app.service.handle('items.addPaths', { queueId: queue.value.id, paths: [join(dir.path, 'logo.png')] });
      await waitFor(() => app.service.store.counts(queue.value.id).byState.done === 1, 30_000, 'the local conversion');
      expect(await readFile(join(dir.path, 'out', 'logo.svg'), 'utf8')).toContain('<svg');
      expect(Object.values(server.counts).every((n) => n === 0)).toBe(true);
    } finally {
      await app.close();
      await dir.remove();
    }
  });
});
