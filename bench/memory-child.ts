// One large download through ScenarioClient.download() in a fresh process, reporting how far RSS
// rose above its level just before the download. Run by memory.ts; argv[2] is a JSON job.
import { rm, stat } from 'node:fs/promises';
import { z } from 'zod';
import { hwmBytes, resetHwm } from './peak-rss';
import { findModel } from '../src/main/engine/models/registry';
import { ScenarioClient } from '../src/main/engine/scenario/client';

const job = z
  .object({ url: z.string(), apiKey: z.string(), apiSecret: z.string(), assetId: z.string(), destPath: z.string(), modelKey: z.string() })
  .parse(JSON.parse(process.argv[2] ?? '{}'));

const model = findModel(job.modelKey);
if (!model) throw new Error(`unknown model ${job.modelKey}`);
const client = new ScenarioClient({ baseUrl: job.url, apiKey: job.apiKey, apiSecret: job.apiSecret });

// Load and JIT the code paths first, so module loading is not counted as download memory.
await client.getAsset(job.assetId);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
await new Promise((r) => setTimeout(r, 50));
gc?.();
const baseline = process.memoryUsage().rss;
const hwmReset = resetHwm();

let sampledPeak = baseline;
const sampler = setInterval(() => {
  const rss = process.memoryUsage().rss;
  if (rss > sampledPeak) sampledPeak = rss;
}, 10);

const t0 = performance.now();
const result = await client.download({ assetId: job.assetId, destPath: job.destPath, expected: model.output });
const ms = performance.now() - t0;
clearInterval(sampler);
sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
const hwm = hwmReset ? hwmBytes() : undefined;
const written = (await stat(job.destPath)).size;
await rm(job.destPath, { force: true });

const peak = Math.max(sampledPeak, hwm ?? 0);
process.stdout.write(
  `${JSON.stringify({ baseline, sampledPeak, hwm: hwm ?? null, growth: peak - baseline, bytes: result.bytes, written, ms, gc: gc !== undefined })}\n`,
);
