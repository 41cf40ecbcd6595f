import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { fakeScenarioForFile, pngNames, withBatch } from '../support/batch';
import { runCli } from '../support/cli';
import { flatImage } from '../support/files';

const fake = fakeScenarioForFile({
  jobDurationMs: 400,
  seed: 7,
  faults: { serverErrorRate: 0.2, resetRate: 0.05, rateLimit: { requests: 6, retryAfterSeconds: 1 }, slowMs: 25, nonJsonRate: 0.03 },
});

describe('a batch through an unreliable Scenario', () => {
  it('completes every item despite 5xx, resets, a 429 storm, slow and garbled responses, once each', async () => {
    const server = fake();
    const batch = { prefix: 'kiln-faults-', names: pngNames('img', 10, 0), bytes: (i: number) => flatImage('png', 32 + i, 32) };
    await withBatch(batch, async ({ out, convertArgs }) => {
      const result = await runCli(convertArgs(server));
      expect(result.lines.map((l) => l['status'])).toEqual(Array(10).fill('done'));
      expect(result.code).toBe(0);
      expect((await readdir(out)).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `img-${i}.svg`).sort());
      expect(server.generates).toHaveLength(10);
      expect(server.counts.generate).toBeGreaterThanOrEqual(10);
    });
  });
});
