import { describe, expect, it } from 'vitest';
import { fakeScenarioForFile, pngNames, withBatch } from '../support/batch';
import { listFiles, runWithKills } from '../support/crash';
import { flatImage } from '../support/files';

const fake = fakeScenarioForFile({ jobDurationMs: 600 });

describe('kill -9 in the middle of a batch, then the same command again', () => {
  it('finishes with every output exactly once, no temporary files, and one generate per item', async () => {
    const server = fake();
    const batch = { prefix: 'kiln-crash-', names: pngNames('art', 12), bytes: (i: number) => flatImage('png', 40 + i, 30 + i) };
    await withBatch(batch, async ({ out, names, convertArgs }) => {
      const args = convertArgs(server, '--concurrency', '4');

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
    });
  });
});
