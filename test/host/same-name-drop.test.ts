import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddResult } from '../../src/shared/contract';
import type { WebApp } from '../../src/main/host/launch-web';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { flatImage, tempDir } from '../support/files';
import { startApp } from '../support/web-app';

/*
 * Issue 14.7, in the app: a drop is one batch. On a queue whose collision policy is overwrite or
 * skip, a second file whose result would have the same name is refused as a name conflict (and
 * so never paid for), instead of both rows ending "done" on one file.
 */

let server: FakeScenario;
let dir: { path: string; remove: () => Promise<void> };
let app: WebApp;
beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 50 });
  dir = await tempDir('kiln-drop-names-');
  app = await startApp(server, join(dir.path, 'state'));
  for (const [folder, width] of [['a', 40], ['b', 48]] as const) {
    await mkdir(join(dir.path, 'in', folder), { recursive: true });
    await writeFile(join(dir.path, 'in', folder, 'logo.png'), await flatImage('png', width, 40));
  }
}, 60_000);
afterAll(async () => {
  await app?.close();
  await server?.close();
  await dir?.remove();
});

describe.each(['overwrite', 'skip', 'keep-both'] as const)('a drop of a/logo.png and b/logo.png on a "%s" queue', (collision) => {
  it(collision === 'keep-both' ? 'adds both: each gets its own file' : 'adds the first and refuses the second as a name conflict', async () => {
    const created = await app.service.handle('queues.create', {
      name: `Names ${collision}`, modelKey: 'vtracer', params: {}, outputDir: join(dir.path, `out-${collision}`), nameTemplate: '{name}.{ext}', collision, engine: 'cloud',
    });
    if (!created.ok) throw new Error(created.error.message);
    const queueId = (created.value as { id: string }).id;
    await app.service.handle('queues.pause', { queueId });
    const added = await app.service.handle('items.addPaths', { queueId, paths: [join(dir.path, 'in')] });
    if (!added.ok) throw new Error(added.error.message);
    const result = added.value as AddResult;
    if (collision === 'keep-both') {
      expect(result.added).toHaveLength(2);
      expect(result.rejected).toEqual([]);
    } else {
      expect(result.added.map((i) => i.inputPath)).toEqual([join(dir.path, 'in', 'a', 'logo.png')]);
      expect(result.rejected).toEqual([
        { path: join(dir.path, 'in', 'b', 'logo.png'), displayPath: join('in', 'b', 'logo.png'), reason: expect.stringMatching(/name conflict.*a\/logo\.png/) },
      ]);
    }
  });
});
