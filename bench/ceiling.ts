/**
 * 7. Job times that vary, under a team ceiling below the concurrency (issue 11): log-normal job
 * times (median 800 ms, σ 0.6), the team allowed 4 jobs at once, Kiln asked for 8. Measures how
 * close to the ideal (Σ job time ÷ ceiling) the batch finishes, the polls per job, and how many
 * generates Scenario refused for the ceiling. Its own fake server, so its counters are its own.
 */
import { runKiln } from './kiln';
import { tempDir } from './fixtures';
import type { Section } from './section';
import { verdict } from './section';
import { startBenchServer } from './server';
import { fmtMs, fmtRatio } from './table';

export const CEILING_TARGETS = { wallRatio: 1.1, pollsPerJob: 2.5, refusals: 5 } as const;
const JOB_TIMES = { kind: 'log-normal', medianMs: 800, sigma: 0.6 } as const;
const TEAM_CEILING = 4;
const CONCURRENCY = 8;

export const ceiling: Section = {
  key: 'ceiling',
  title: '7. Varying job times, team ceiling',
  async run(ctx) {
    const items = ctx.settings.quick ? 60 : 240;
    const inputs = (await ctx.inputs()).slice(0, items);
    if (inputs.length < items) throw new Error(`need ${items} inputs, have ${inputs.length}`);
    const server = await startBenchServer(ctx.settings.serverMode, {
      jobDurationMs: JOB_TIMES.medianMs,
      jobDurations: JOB_TIMES,
      faults: { teamJobLimit: TEAM_CEILING },
      apiKey: 'bench-key',
      apiSecret: 'bench-secret',
      seed: 11,
    });
    try {
      ctx.log(`ceiling: ${items} items, log-normal jobs (median ${JOB_TIMES.medianMs} ms, σ ${JOB_TIMES.sigma}), team ceiling ${TEAM_CEILING}, concurrency ${CONCURRENCY}`);
      const kiln = await runKiln({ server, inputs, outDir: await tempDir('ceiling-out'), stateDir: await tempDir('ceiling-state'), concurrency: CONCURRENCY });
      const counts = await server.counts();
      const summary = await server.summary();
      const idealMs = summary.jobMsTotal / TEAM_CEILING;
      const ratio = kiln.wallMs / idealMs;
      const pollsPerJob = counts['job-get'] / summary.jobs;
      const t = CEILING_TARGETS;
      const allDone = kiln.done === items && kiln.failed === 0;
      return {
        rows: [
          { metric: `${items} items, log-normal jobs (median ${JOB_TIMES.medianMs} ms, σ ${JOB_TIMES.sigma}), ceiling ${TEAM_CEILING}, concurrency ${CONCURRENCY}`, value: `${kiln.done} done, ${kiln.failed} failed` },
          { metric: 'wall time vs ideal (Σ job time ÷ ceiling)', value: `${fmtMs(kiln.wallMs)} vs ${fmtMs(idealMs)}` },
          { metric: 'wall ÷ ideal', value: fmtRatio(ratio), target: `≤ ${fmtRatio(t.wallRatio)}`, verdict: verdict(allDone && ratio <= t.wallRatio) },
          { metric: 'polls per job', value: pollsPerJob.toFixed(2), target: `≤ ${t.pollsPerJob}`, verdict: verdict(pollsPerJob <= t.pollsPerJob) },
          { metric: 'generates refused for the ceiling (429)', value: String(summary.teamLimitRefusals), target: `≤ ${t.refusals}`, verdict: verdict(summary.teamLimitRefusals <= t.refusals) },
        ],
        notes: [
          `jobs' own times: ${summary.jobs} jobs, ${fmtMs(summary.jobMsTotal / summary.jobs)} mean; the first jobs of the run teach Kiln the distribution (fresh state folder)`,
          `median per item: upload+generate ${fmtMs(kiln.phases.uploadAndGenerateMs)}, job wait ${fmtMs(kiln.phases.jobWaitMs)}, download ${fmtMs(kiln.phases.downloadMs)}`,
          ...(kiln.errors.length ? [`errors: ${kiln.errors.join(' | ')}`] : []),
        ],
        data: { items, jobTimes: JOB_TIMES, ceiling: TEAM_CEILING, concurrency: CONCURRENCY, kiln, counts, summary, idealMs, ratio, pollsPerJob, targets: t },
      };
    } finally {
      await server.close();
    }
  },
};
