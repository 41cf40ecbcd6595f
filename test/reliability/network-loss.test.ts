import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fakeScenarioForFile, pngNames, withBatch } from '../support/batch';
import { startCli } from '../support/cli';
import { flatImage } from '../support/files';
import { waitFor } from '../support/web-app';

const fake = fakeScenarioForFile({ jobDurationMs: 800 });

describe('losing the network mid-batch', () => {
  it('waits instead of failing, resumes by itself, and generates each item exactly once', async () => {
    const server = fake();
    const batch = { prefix: 'kiln-offline-', names: pngNames('n', 8, 0), bytes: (i: number) => flatImage('png', 30 + i, 30) };
    await withBatch(batch, async ({ out, convertArgs }) => {
      const run = startCli(convertArgs(server, '--concurrency', '4'));

      // Drop the network once jobs are submitted, keep it down until Kiln notices, then bring it back.
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (server.generates.length >= 3) {
            clearInterval(check);
            resolve();
          }
        }, 20);
      });
      let said = '';
      run.child.stderr?.on('data', (d: Buffer) => (said += d.toString()));
      await server.stop();
      // Down until Kiln has noticed and says it is waiting (no fixed time: a slow machine notices later).
      await waitFor(() => said.includes('offline — waiting for the network'), 30_000, 'Kiln to notice the network is gone');
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
    });
  });
});
