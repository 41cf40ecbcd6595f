/** 1. Throughput: N small images through the real engine against jobs of fixed duration. */
import { cpus } from 'node:os';
import { runKiln } from './kiln';
import { tempDir } from './fixtures';
import type { BenchContext, Section, ThroughputRun } from './section';
import { verdict } from './section';
import { fmtMs, fmtRatio } from './table';

export const THROUGHPUT_TARGET = 1.1;

export async function measureThroughput(ctx: BenchContext): Promise<ThroughputRun> {
  const { concurrency, jobDurationMs } = ctx.settings;
  const server = await ctx.server();
  const inputs = await ctx.inputs();
  ctx.log(`throughput: ${inputs.length} items, jobs ${jobDurationMs} ms, concurrency ${concurrency}, server ${server.mode}`);
  await server.resetCounts();
  const kiln = await runKiln({ server, inputs, outDir: await tempDir('out'), stateDir: await tempDir('state'), concurrency });
  const counts = await server.counts();
  const serverStats = await server.stats();
  return { kiln, counts, serverStats, jobDurationMs, concurrency, idealMs: (inputs.length * jobDurationMs) / concurrency };
}

export const throughput: Section = {
  key: 'throughput',
  title: '1. Throughput',
  async run(ctx) {
    const t = await ctx.throughput();
    const ratio = t.kiln.wallMs / t.idealMs;
    const slotOverhead = t.kiln.phases.slotMs - t.jobDurationMs;
    return {
      rows: [
        { metric: `${t.kiln.items} items, job ${t.jobDurationMs} ms, concurrency ${t.concurrency}`, value: `${t.kiln.done} done, ${t.kiln.failed} failed` },
        { metric: 'wall time vs ideal (items × job ÷ concurrency)', value: `${fmtMs(t.kiln.wallMs)} vs ${fmtMs(t.idealMs)}` },
        { metric: 'wall ÷ ideal', value: fmtRatio(ratio), target: `≤ ${fmtRatio(THROUGHPUT_TARGET)}`, verdict: verdict(ratio <= THROUGHPUT_TARGET && t.kiln.failed === 0) },
        { metric: 'median slot per item ÷ job time', value: fmtRatio(t.kiln.phases.slotMs / t.jobDurationMs) },
        {
          metric: 'median per item: upload+generate / wait / download',
          value: `${fmtMs(t.kiln.phases.uploadAndGenerateMs)} / ${fmtMs(t.kiln.phases.jobWaitMs)} / ${fmtMs(t.kiln.phases.downloadMs)}`,
        },
      ],
      notes: [
        `engine in this process, wired as src/cli/convert.ts; fake server: ${ctx.settings.serverMode === 'child' ? 'child process' : 'same process'}`,
        `median slot overhead beyond the job itself: ${fmtMs(slotOverhead)} per item; client event loop busy ${(t.kiln.eventLoopUtilization * 100).toFixed(0)}% of the run, ${fmtMs(t.kiln.cpuMsPerItem)} CPU per item`,
        ...(t.serverStats
          ? [
              `fake server process: event loop busy ${(t.serverStats.eventLoopUtilization * 100).toFixed(0)}%, ${fmtMs(t.serverStats.cpuMs / t.kiln.items)} CPU per item` +
                `; at the ideal pace client + server would need ${((100 * (t.kiln.cpuMsPerItem + t.serverStats.cpuMs / t.kiln.items)) / ((t.idealMs / t.kiln.items) * cpus().length)).toFixed(0)}% of the machine's ${cpus().length} CPUs`,
            ]
          : []),
        ...(t.kiln.errors.length ? [`errors: ${t.kiln.errors.join(' | ')}`] : []),
      ],
      data: { ...t, ratio, target: THROUGHPUT_TARGET },
    };
  },
};
