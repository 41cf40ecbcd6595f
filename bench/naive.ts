/**
 * 2. Kiln against a hand-written fetch loop (naive-client.ts), same inputs, same server, same run.
 * The loop needs about a second per item, so it runs on a sample and is extrapolated linearly.
 */
import { findModel, resolveParams } from '../src/main/engine/models/registry';
import { tempDir } from './fixtures';
import { BENCH_MODEL, runKiln } from './kiln';
import { naiveConvert } from './naive-client';
import { describePerJob, perJob } from './requests';
import type { Section } from './section';
import { verdict } from './section';
import { fmtMs, fmtRatio } from './table';

export const SPEEDUP_TARGET = 6;

export const naive: Section = {
  key: 'naive',
  title: '2. Kiln vs naive client',
  async run(ctx) {
    const { naiveSample, naivePollMs, concurrency } = ctx.settings;
    const full = await ctx.throughput();
    const server = await ctx.server();
    const all = await ctx.inputs();
    const sample = all.slice(0, naiveSample);
    const model = findModel(BENCH_MODEL);
    if (!model) throw new Error(`model ${BENCH_MODEL} is not registered`);

    ctx.log(`naive: ${sample.length} items one at a time, polling every ${naivePollMs} ms`);
    await server.resetCounts();
    const t0 = performance.now();
    const naiveResult = await naiveConvert(sample, {
      baseUrl: server.url,
      apiKey: server.apiKey,
      apiSecret: server.apiSecret,
      modelId: model.modelId,
      params: resolveParams(model, undefined, {}),
      outDir: await tempDir('naive-out'),
      pollMs: naivePollMs,
    });
    const naiveMs = performance.now() - t0;
    const naiveCounts = perJob(await server.counts());

    ctx.log(`naive: Kiln on the same ${sample.length} items (fresh store and client, as a new \`kiln convert\`)`);
    const kiln = await runKiln({ server, inputs: sample, outDir: await tempDir('out'), stateDir: await tempDir('state'), concurrency });

    const sampleSpeedup = naiveMs / kiln.wallMs;
    const naiveFullMs = (naiveMs / sample.length) * all.length;
    const fullSpeedup = naiveFullMs / full.kiln.wallMs;
    const ok = naiveResult.failed === 0 && kiln.failed === 0;
    return {
      rows: [
        { metric: `naive time per item (${sample.length} in sequence)`, value: fmtMs(naiveMs / sample.length) },
        {
          metric: `same ${sample.length} items: naive ÷ Kiln`,
          value: `${fmtRatio(sampleSpeedup, 1)} (${fmtMs(naiveMs)} vs ${fmtMs(kiln.wallMs)})`,
          target: `≥ ${SPEEDUP_TARGET}×`,
          verdict: verdict(ok && sampleSpeedup >= SPEEDUP_TARGET),
        },
        {
          metric: `${all.length} items: naive (extrapolated) ÷ Kiln (measured)`,
          value: `${fmtRatio(fullSpeedup, 1)} (${fmtMs(naiveFullMs)} vs ${fmtMs(full.kiln.wallMs)})`,
          target: `≥ ${SPEEDUP_TARGET}×`,
          verdict: verdict(ok && fullSpeedup >= SPEEDUP_TARGET),
        },
        { metric: 'naive requests per job', value: describePerJob(naiveCounts.byGroup) },
      ],
      notes: [
        `naive client measured on ${sample.length} of the ${all.length} inputs and extrapolated linearly to ${all.length} (it is strictly sequential, so time scales with the item count)`,
        `naive: ${naiveResult.done} done, ${naiveResult.failed} failed; Kiln on the sample: ${kiln.done} done, ${kiln.failed} failed`,
      ],
      data: {
        sample: sample.length,
        pollMs: naivePollMs,
        naive: { ...naiveResult, wallMs: naiveMs, perJob: naiveCounts.byGroup },
        kilnSample: kiln,
        sampleSpeedup,
        naiveExtrapolatedMs: naiveFullMs,
        kilnFullMs: full.kiln.wallMs,
        fullSpeedup,
        target: SPEEDUP_TARGET,
      },
    };
  },
};
