import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { runCli } from '../support/cli';
import { listFiles } from '../support/crash';
import { flatImage, tempDir } from '../support/files';

let server: FakeScenario;
beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 300 });
});
afterAll(async () => {
  await server.close();
});

describe('a 429 storm while following paid jobs (issue 14.6)', () => {
  it('never fails an item whose job exists: it keeps following the job and finishes', async () => {
    const dir = await tempDir('kiln-follow-429-');
    try {
      const src = join(dir.path, 'in');
      await mkdir(src);
      const names = ['a.png', 'b.png', 'c.png'];
      for (const [i, name] of names.entries()) await writeFile(join(src, name), await flatImage('png', 30 + i, 20 + i));
      const out = join(dir.path, 'out');
      // Far more refusals in a row than the client's own retries of one request (6) allow.
      const storm = 40;
      server.setFaults({ followRateLimit: { requests: storm, retryAfterSeconds: 0 } });
      const polls = server.counts['job-get'];
      const result = await runCli(['convert', src, '--model', 'vtracer', '--out', out, '--api-url', server.url, '--state', join(dir.path, 'state'), '--json', '--concurrency', '3']);
      expect(result.lines.map((l) => [l['status'], l['error']])).toEqual(names.map(() => ['done', null]));
      expect(result.code).toBe(0);
      expect(server.counts['job-get'] - polls).toBeGreaterThan(storm);
      expect(await listFiles(out)).toEqual(['a.svg', 'b.svg', 'c.svg']);
      expect(server.generates).toHaveLength(3);
    } finally {
      server.setFaults({ followRateLimit: null });
      await dir.remove();
    }
  });
});
