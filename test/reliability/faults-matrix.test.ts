import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { FakeScenario } from '../fake-scenario/index';
import { fakeScenarioForFile, pngNames, withBatch } from '../support/batch';
import { startCli, type CliResult } from '../support/cli';
import { flatImage } from '../support/files';
import { tally } from '../support/kill-schedule';

const ITEMS = 20;
/** The fake's reason for a job it fails on purpose (test/fake-scenario/state.ts). */
const INJECTED_REASON = 'Inference failed: the model could not process this input (injected failure)';
/** Nothing may hang: the whole batch, faults and all, ends well within this. */
const BOUND_MS = 90_000;

const fake = fakeScenarioForFile({
  jobDurationMs: 300,
  seed: 11,
  faults: {
    serverErrorRate: 0.2,
    resetRate: 0.05,
    rateLimit: { requests: 10, retryAfterSeconds: 1 },
    slowMs: 20,
    failJobRate: 0.3,
    // Every URL handed out before the first download is already expired when it is used.
    assetUrlTtlMs: 0,
  },
});

/**
 * Download faults in sequence, switched on the CDN's own traffic: URLs expire until the first
 * download request; then the CDN serves HTML instead of the file until the fourth. No item can
 * meet more than three bad answers in a row, within the client's three URL refreshes.
 */
function scheduleDownloadFaults(fake: FakeScenario): { downloadsSeen: () => number } {
  let downloads = 0;
  fake.on('request', (route) => {
    if (route !== 'download') return;
    downloads++;
    if (downloads === 1) fake.setFaults({ assetUrlTtlMs: 60_000, htmlDownloads: true });
    if (downloads === 4) fake.setFaults({ htmlDownloads: false });
  });
  return { downloadsSeen: () => downloads };
}

describe('a batch through every fault at once', () => {
  it('ends each item done, or failed with the job\'s own reason; nothing is stuck and nothing is generated twice', async () => {
    const server = fake();
    const batch = { prefix: 'kiln-faults-matrix-', names: pngNames('f', ITEMS), bytes: (i: number) => flatImage('png', 24 + i, 24) };
    await withBatch(batch, async ({ out, names, convertArgs }) => {
      const cdn = scheduleDownloadFaults(server);

      const started = Date.now();
      const run = startCli(convertArgs(server, '--concurrency', '4'));
      const watchdog = setTimeout(() => run.child.kill('SIGKILL'), BOUND_MS);
      const result: CliResult = await run.result.finally(() => clearTimeout(watchdog));
      const elapsed = Date.now() - started;

      expect(result.signal, `the CLI was still running after ${BOUND_MS} ms`).toBeNull();
      expect(elapsed).toBeLessThan(BOUND_MS);
      expect(result.lines).toHaveLength(ITEMS);

      const done = result.lines.filter((l) => l['status'] === 'done');
      const failed = result.lines.filter((l) => l['status'] === 'failed');
      expect(done.length + failed.length).toBe(ITEMS);
      // Both outcomes happen (30% of jobs fail), and each failure carries the job's own reason.
      expect(done.length).toBeGreaterThan(0);
      expect(failed.length).toBeGreaterThan(0);
      for (const line of failed) expect(line['error']).toMatch(new RegExp(`^Scenario job job_\\w+ failed: ${INJECTED_REASON.replace(/[()]/g, '\\$&')}$`));
      expect(result.code).toBe(1);

      // The done items' results, once each, and nothing half-written.
      const files = (await readdir(out)).sort();
      expect(files).toEqual(done.map((l) => String(l['input']).replace(/^.*\//, '').replace('.png', '.svg')).sort());

      // Retries never created a second job for an item.
      expect(tally(server.generates.map((g) => g.inputName ?? '?'))).toEqual(Object.fromEntries(names.map((n) => [n, 1])));
      // The faults really happened: refused downloads were asked again with fresh URLs.
      expect(cdn.downloadsSeen()).toBeGreaterThan(done.length);
      expect(server.counts['asset-get']).toBeGreaterThan(done.length);
    });
  }, 120_000);
});
