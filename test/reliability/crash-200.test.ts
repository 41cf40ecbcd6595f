import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plainPng } from '../support/bad-files';
import { fakeScenarioForFile, pngNames, withBatch } from '../support/batch';
import { everyJobRecorded, runWithKillSteps, seededKillPlan, tally } from '../support/kill-schedule';

const ITEMS = 200;
const KILLS = 20;
const SEED = 20_240_611;

const fake = fakeScenarioForFile({ jobDurationMs: 150, seed: SEED });

describe('a 200-item batch killed with SIGKILL 20 times, then the same command to the end', () => {
  it('ends with every output exactly once, no temporary file, one generate per item, and every item done', async () => {
    const server = fake();
    // Tiny and all different (so no two items share content).
    const batch = { prefix: 'kiln-crash200-', names: pngNames('tile', ITEMS, 3), bytes: (i: number) => plainPng(4 + (i % 20), 4 + Math.floor(i / 20)) };
    await withBatch(batch, async ({ out, state, names, convertArgs }) => {
      const args = convertArgs(server, '--concurrency', '8');

      const plan = seededKillPlan(SEED, ['asset-create', 'job-get', 'download'], KILLS, 6);
      // Killed only while every job Scenario created is already in Kiln's store (see crash.ts).
      const recorded = everyJobRecorded(server, state);
      const { steps, final } = await runWithKillSteps(server, args, plan, { safeToKill: recorded.check }).finally(recorded.close);

      // Every planned moment was reached: the batch was killed while uploading, polling and downloading.
      expect(steps.map((s) => s.killed)).toEqual(Array(KILLS).fill(true));
      expect(tally(steps.filter((s) => s.killed).map((s) => s.plan.route))).toEqual({ 'asset-create': 7, 'job-get': 7, download: 6 });

      // The final run reports all 200 items, each done, and exits 0.
      expect(final.code).toBe(0);
      expect(final.lines).toHaveLength(ITEMS);
      expect(final.lines.filter((l) => l['status'] !== 'done')).toEqual([]);
      expect(final.lines.map((l) => (l['outputs'] as string[]).length)).toEqual(Array(ITEMS).fill(1));

      // Each output exactly once under its own name: no "name (1).svg", no leftover temporary file.
      const files = (await readdir(out)).sort();
      expect(files.filter((f) => f.startsWith('.kiln-'))).toEqual([]);
      expect(files).toEqual(names.map((n) => n.replace('.png', '.svg')));
      expect(new Set(final.lines.flatMap((l) => l['outputs'] as string[]))).toEqual(new Set(files.map((f) => join(out, f))));

      // Scenario was asked to generate each item exactly once, across all 21 runs.
      expect(tally(server.generates.map((g) => g.inputName ?? '?'))).toEqual(Object.fromEntries(names.map((n) => [n, 1])));
    });
  }, 240_000);
});
