// One large download through ScenarioClient.download() in a fresh process, reporting how far RSS
// rose above its level just before the download. Run by memory.ts; argv[2] is a JSON job.
import { rm, stat } from 'node:fs/promises';
import { z } from 'zod';
import { measurePeak } from './peak-rss';
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
const m = await measurePeak(() => client.download({ assetId: job.assetId, destPath: job.destPath, expected: model.output }));
const written = (await stat(job.destPath)).size;
await rm(job.destPath, { force: true });
process.stdout.write(
  `${JSON.stringify({ baseline: m.baseline, sampledPeak: m.sampledPeak, hwm: m.hwm, growth: m.growth, bytes: m.value.bytes, written, ms: m.ms, gc: m.gc })}\n`,
);
