// One large upload through ScenarioClient.upload() in a fresh process, reporting how far RSS rose
// above its level just before the upload. Run by upload-memory.ts; argv[2] is a JSON job.
import { z } from 'zod';
import { measurePeak } from './peak-rss';
import { ScenarioClient } from '../src/main/engine/scenario/client';

const job = z
  .object({ url: z.string(), apiKey: z.string(), apiSecret: z.string(), path: z.string(), warmupPath: z.string() })
  .parse(JSON.parse(process.argv[2] ?? '{}'));

const client = new ScenarioClient({ baseUrl: job.url, apiKey: job.apiKey, apiSecret: job.apiSecret, pollInitialMs: 50, pollMaxMs: 200 });

// Load and JIT the upload path first on a small model, so module loading is not counted.
await client.upload({ path: job.warmupPath, name: 'warmup.glb', kind: 'glb', route: 'multipart-upload' });
const m = await measurePeak(() => client.upload({ path: job.path, name: 'huge.glb', kind: 'glb', route: 'multipart-upload' }));
process.stdout.write(`${JSON.stringify({ baseline: m.baseline, sampledPeak: m.sampledPeak, hwm: m.hwm, growth: m.growth, ms: m.ms, assetId: m.value })}\n`);
