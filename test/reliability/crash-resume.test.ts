import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { listFiles, runWithKills } from '../support/crash';
import { flatImage, tempDir } from '../support/files';

let server: FakeScenario;
beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 600 });
});
afterAll(async () => {
  await server.close();
});

describe('kill -9 in the middle of a batch, then the same command again', () => {
  it('finishes with every output exactly once, no temporary files, and one generate per item', async () => {
    const dir = await tempDir('kiln-crash-');
    try {
      const src = join(dir.path, 'in');
      await mkdir(src);
      const names: string[] = [];
      for (let i = 0; i < 12; i++) {
        const name = `art-${String(i).padStart(2, '0')}.png`;
        names.push(name);
        await writeFile(join(src, name), await flatImage('png', 40 + i, 30 + i));
      }
      const out = join(dir.path, 'out');
      const args = ['convert', src, '--model', 'vtracer', '--out', out, '--api-url', server.url, '--state', join(dir.path, 'state'), '--json', '--concurrency', '4'];

      const { final, killed } = await runWithKills(server, args, [
        { route: 'asset-create', after: 3 }, // while uploading
        { route: 'job-get', after: 4 }, // while polling submitted jobs
        { route: 'download', after: 2 }, // while downloading results
      ]);

      expect(killed).toBe(3);
      expect(final.code).toBe(0);
      expect(final.lines.filter((l) => l['status'] === 'done')).toHaveLength(12);
      expect(await listFiles(out)).toEqual(names.map((n) => n.replace('.png', '.svg')));
      const generatesPerInput = new Map<string, number>();
      for (const g of server.generates) generatesPerInput.set(g.inputName ?? '?', (generatesPerInput.get(g.inputName ?? '?') ?? 0) + 1);
      expect(Object.fromEntries(generatesPerInput)).toEqual(Object.fromEntries(names.map((n) => [n, 1])));
    } finally {
      await dir.remove();
    }
  });
});
