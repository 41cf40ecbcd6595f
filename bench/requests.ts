/** 3. Requests per job by route, from the fake server's counters for the throughput run. */
import type { Section } from './section';
import { verdict } from './section';
import type { RouteCounts } from './server';
import { fmtRatio } from './table';

export const POLL_TARGET = 1.5;

/** The routes a user would name, and the fake server's routes behind each. */
const GROUPS: ReadonlyArray<[string, ReadonlyArray<keyof RouteCounts>]> = [
  ['upload', ['asset-create', 'upload-create', 'upload-part', 'upload-complete', 'upload-get']],
  ['generate', ['generate']],
  ['poll', ['job-get']],
  ['asset', ['asset-get']],
  ['download', ['download']],
  ['other', ['job-cancel', 'unknown']],
];

export function perJob(counts: RouteCounts): { jobs: number; byGroup: Record<string, number> } {
  const jobs = counts.generate;
  const byGroup: Record<string, number> = {};
  for (const [name, routes] of GROUPS) {
    const n = routes.reduce((sum, r) => sum + counts[r], 0);
    byGroup[name] = jobs > 0 ? n / jobs : Number.NaN;
  }
  return { jobs, byGroup };
}

export function describePerJob(byGroup: Record<string, number>): string {
  return Object.entries(byGroup)
    .filter(([name, v]) => name !== 'other' || v > 0)
    .map(([name, v]) => `${name} ${v.toFixed(2)}`)
    .join(', ');
}

export const requests: Section = {
  key: 'requests',
  title: '3. Requests per job',
  async run(ctx) {
    const t = await ctx.throughput();
    const { jobs, byGroup } = perJob(t.counts);
    const polls = byGroup['poll'] ?? Number.NaN;
    // Each job must be read at least once, by the poll that sees it succeed.
    const minimum = 1;
    const total = Object.values(byGroup).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    return {
      rows: [
        { metric: `per job (${jobs} jobs in the throughput run)`, value: describePerJob(byGroup) },
        { metric: 'requests per job, all routes', value: total.toFixed(2) },
        { metric: 'polls per job ÷ minimum (1)', value: fmtRatio(polls / minimum), target: `≤ ${fmtRatio(POLL_TARGET)}`, verdict: verdict(polls / minimum <= POLL_TARGET) },
      ],
      notes: ['counts are the fake server\'s own per-route counters, reset just before the throughput run'],
      data: { counts: t.counts, jobs, perJob: byGroup, pollsPerJob: polls, minimum, target: POLL_TARGET },
    };
  },
};
