/** 4. Memory: a large synthetic output downloaded through the client, in a fresh child process. */
import { join } from 'node:path';
import { z } from 'zod';
import { tempDir } from './fixtures';
import { runChild } from './run-child';
import { BENCH_MODEL } from './kiln';
import type { Section } from './section';
import { verdict } from './section';
import { median } from './stats';
import { fmtMiB, fmtMs } from './table';

export const MEMORY_TARGET_BYTES = 64 * 1024 * 1024;

const reportSchema = z.object({
  baseline: z.number(),
  sampledPeak: z.number(),
  hwm: z.number().nullable(),
  growth: z.number(),
  bytes: z.number(),
  written: z.number(),
  ms: z.number(),
  gc: z.boolean(),
});
type Report = z.infer<typeof reportSchema>;


export const memory: Section = {
  key: 'memory',
  title: '4. Memory',
  async run(ctx) {
    const { memoryBytes, memorySamples } = ctx.settings;
    const server = await ctx.server();
    const dir = await tempDir('memory');
    const reports: Report[] = [];
    for (let i = 0; i < memorySamples; i++) {
      ctx.log(`memory: sample ${i + 1}/${memorySamples}, ${fmtMiB(memoryBytes)} SVG`);
      const assetId = await server.addSyntheticAsset({ bytes: memoryBytes, kind: 'svg' });
      reports.push(
        await runChild('memory-child.ts', { url: server.url, apiKey: server.apiKey, apiSecret: server.apiSecret, assetId, destPath: join(dir, `out-${i}.svg`), modelKey: BENCH_MODEL }, reportSchema),
      );
    }
    const growth = median(reports.map((r) => r.growth));
    const complete = reports.every((r) => r.bytes === memoryBytes && r.written === memoryBytes);
    return {
      rows: [
        { metric: `download ${fmtMiB(memoryBytes)} (median of ${reports.length})`, value: `${complete ? 'complete' : 'INCOMPLETE'}, ${fmtMs(median(reports.map((r) => r.ms)))}` },
        { metric: 'peak RSS growth over baseline', value: fmtMiB(growth), target: `< ${fmtMiB(MEMORY_TARGET_BYTES)}`, verdict: verdict(complete && growth < MEMORY_TARGET_BYTES) },
      ],
      notes: [
        'each sample is a fresh process: baseline RSS after loading the client and one API call; peak = max of RSS sampled every 10 ms and VmHWM (reset to the baseline through /proc/self/clear_refs)',
        `growth per sample: ${reports.map((r) => fmtMiB(r.growth)).join(', ')}`,
      ],
      data: { bytes: memoryBytes, samples: reports, medianGrowth: growth, target: MEMORY_TARGET_BYTES },
    };
  },
};
