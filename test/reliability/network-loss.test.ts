import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { startCli } from '../support/cli';
import { flatImage, tempDir } from '../support/files';

let server: FakeScenario;
beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 800 });
});
afterAll(async () => {
  await server.close();
});

describe('losing the network mid-batch', () => {
  it('waits instead of failing, resumes by itself, and generates each item exactly once', async () => {
    const dir = await tempDir('kiln-offline-');
    try {
      const src = join(dir.path, 'in');
      await mkdir(src);
      for (let i = 0; i < 8; i++) await writeFile(join(src, `n-${i}.png`), await flatImage('png', 30 + i, 30));
      const out = join(dir.path, 'out');
      const run = startCli(['convert', src, '--model', 'vtracer', '--out', out, '--api-url', server.url, '--state', join(dir.path, 'state'), '--json', '--concurrency', '4']);

      // Drop the network once jobs are submitted, keep it down a while, then bring it back.
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (server.generates.length >= 3) {
            clearInterval(check);
            resolve();
          }
        }, 20);
      });
      await server.stop();
      await new Promise((r) => setTimeout(r, 2500));
      await server.start();

      const result = await run.result;
      expect(result.stderr).toContain('offline — waiting for the network');
      expect(result.stderr).toContain('network is back, resuming');
      expect(result.lines.map((l) => l['status'])).toEqual(Array(8).fill('done'));
      expect(result.code).toBe(0);
      expect((await readdir(out)).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `n-${i}.svg`));
      const perInput = new Map<string, number>();
      for (const g of server.generates) perInput.set(g.inputName ?? '', (perInput.get(g.inputName ?? '') ?? 0) + 1);
      expect([...perInput.values()]).toEqual(Array(8).fill(1));
    } finally {
      await dir.remove();
    }
  });
});
