// One large upload through ScenarioClient.upload() in a fresh process, reporting how far RSS rose
// above its level just before the upload. Run by upload-memory.ts; argv[2] is a JSON job.
import { z } from 'zod';
import { hwmBytes, resetHwm } from './peak-rss';
import { ScenarioClient } from '../src/main/engine/scenario/client';

const job = z
  .object({ url: z.string(), apiKey: z.string(), apiSecret: z.string(), path: z.string(), warmupPath: z.string() })
  .parse(JSON.parse(process.argv[2] ?? '{}'));

const client = new ScenarioClient({ baseUrl: job.url, apiKey: job.apiKey, apiSecret: job.apiSecret, pollInitialMs: 50, pollMaxMs: 200 });

// Load and JIT the upload path first on a small model, so module loading is not counted.
await client.upload({ path: job.warmupPath, name: 'warmup.glb', kind: 'glb', route: 'multipart-upload' });
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
const assetId = await client.upload({ path: job.path, name: 'huge.glb', kind: 'glb', route: 'multipart-upload' });
const ms = performance.now() - t0;
clearInterval(sampler);
sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
const hwm = hwmReset ? hwmBytes() : undefined;
const peak = Math.max(sampledPeak, hwm ?? 0);
process.stdout.write(`${JSON.stringify({ baseline, sampledPeak, hwm: hwm ?? null, growth: peak - baseline, ms, assetId })}\n`);
