import { describe, expect, it } from 'vitest';
import { fakeScenarioForFile, withBatch } from '../support/batch';
import { runCli } from '../support/cli';
import { listFiles } from '../support/crash';
import { flatImage } from '../support/files';

const scenario = fakeScenarioForFile({ jobDurationMs: 300 });

describe('a 429 storm while following paid jobs (issue 14.6)', () => {
  it('never fails an item whose job exists: it keeps following the job and finishes', async () => {
    const server = scenario();
    try {
      await withBatch({ prefix: 'kiln-follow-429-', names: ['a.png', 'b.png', 'c.png'], bytes: (i) => flatImage('png', 30 + i, 20 + i) }, async ({ out, names, convertArgs }) => {
        // Far more refusals in a row than the client's own retries of one request (6) allow.
        const storm = 40;
        server.setFaults({ followRateLimit: { requests: storm, retryAfterSeconds: 0 } });
        const polls = server.counts['job-get'];
        const result = await runCli(convertArgs(server, '--concurrency', '3'));
        expect(result.lines.map((l) => [l['status'], l['error']])).toEqual(names.map(() => ['done', null]));
        expect(result.code).toBe(0);
        expect(server.counts['job-get'] - polls).toBeGreaterThan(storm);
        expect(await listFiles(out)).toEqual(['a.svg', 'b.svg', 'c.svg']);
        expect(server.generates).toHaveLength(3);
      });
    } finally {
      server.setFaults({ followRateLimit: null });
    }
  });
});
