import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARGED_TWICE_WARNING } from '../../src/main/engine/queue/runner';
import { fakeScenarioForFile, withBatch } from '../support/batch';
import { runCli, startCli } from '../support/cli';
import { listFiles } from '../support/crash';
import { flatImage } from '../support/files';
import { waitFor } from '../support/web-app';

const scenario = fakeScenarioForFile({ jobDurationMs: 300 });

describe('kill -9 while Scenario is accepting a generate (issue 14.3)', () => {
  it('generates that item again on the rerun, finishes it, and says it may have been charged twice', async () => {
    await withBatch({ prefix: 'kiln-generate-crash-', names: ['a.png', 'b.png', 'c.png'], bytes: (i) => flatImage('png', 30 + i, 20 + i) }, async ({ src, out, names, convertArgs }) => {
      const server = scenario();
      const args = convertArgs(server, '--concurrency', '1');

      // The server creates (and charges) the first job and never answers: the CLI is killed while waiting.
      server.setFaults({ holdGenerateAnswers: true });
      const first = startCli(args);
      await waitFor(() => server.generates.length === 1, 30_000, 'the first generate to be accepted');
      first.child.kill('SIGKILL');
      expect((await first.result).signal).toBe('SIGKILL');
      const lost = server.generates[0]?.inputName;
      expect(names).toContain(lost);
      server.setFaults({ holdGenerateAnswers: false });

      const rerun = await runCli(args);
      expect(rerun.code).toBe(0);
      expect(rerun.lines.map((l) => [l['input'], l['status'], l['warnings']]).sort()).toEqual(
        names.map((n) => [join(src, n), 'done', n === lost ? [CHARGED_TWICE_WARNING] : undefined]).sort(),
      );
      expect(await listFiles(out)).toEqual(['a.svg', 'b.svg', 'c.svg']);
      // The lost one twice (there is no way to find its first job again), every other once.
      const perInput = new Map<string, number>();
      for (const g of server.generates) perInput.set(g.inputName ?? '?', (perInput.get(g.inputName ?? '?') ?? 0) + 1);
      expect(Object.fromEntries(perInput)).toEqual(Object.fromEntries(names.map((n) => [n, n === lost ? 2 : 1])));

      // A third run reports the same, from the store, without generating anything.
      const before = server.generates.length;
      const again = await runCli(args);
      expect(again.lines.find((l) => l['input'] === join(src, lost ?? ''))?.['warnings']).toEqual([CHARGED_TWICE_WARNING]);
      expect(server.generates.length).toBe(before);
    });
  });
});
