import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { runCli } from '../support/cli';
import { flatImage, tempDir } from '../support/files';

let server: FakeScenario;
beforeAll(async () => {
  server = await startFakeScenario({
    jobDurationMs: 400,
    seed: 7,
    faults: { serverErrorRate: 0.2, resetRate: 0.05, rateLimit: { requests: 6, retryAfterSeconds: 1 }, slowMs: 25, nonJsonRate: 0.03 },
  });
});
afterAll(async () => {
  await server.close();
});

describe('a batch through an unreliable Scenario', () => {
  it('completes every item despite 5xx, resets, a 429 storm, slow and garbled responses, once each', async () => {
    const dir = await tempDir('kiln-faults-');
    try {
      const src = join(dir.path, 'in');
      await mkdir(src);
      for (let i = 0; i < 10; i++) await writeFile(join(src, `img-${i}.png`), await flatImage('png', 32 + i, 32));
      const out = join(dir.path, 'out');
      const result = await runCli(['convert', src, '--model', 'vtracer', '--out', out, '--api-url', server.url, '--state', join(dir.path, 'state'), '--json']);
      expect(result.lines.map((l) => l['status'])).toEqual(Array(10).fill('done'));
      expect(result.code).toBe(0);
      expect((await readdir(out)).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `img-${i}.svg`).sort());
      expect(server.generates).toHaveLength(10);
      expect(server.counts.generate).toBeGreaterThanOrEqual(10);
    } finally {
      await dir.remove();
    }
  });
});
