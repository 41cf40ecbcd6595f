/**
 * What a user would write by hand with fetch, for comparison with Kiln: one file at a time,
 * upload as a data URL, generate, poll every second until done, look up the asset, download.
 * Deliberately plain (no concurrency, no retries, whole body in memory) — that is the point.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

const assetCreated = z.object({ asset: z.object({ id: z.string() }) });
const jobEnvelope = z.object({
  job: z.object({
    jobId: z.string(),
    status: z.string(),
    metadata: z.object({ assetIds: z.array(z.string()).optional() }).optional(),
    failureReason: z.string().optional(),
  }),
});
const assetInfo = z.object({ asset: z.object({ url: z.string() }) });

export interface NaiveOptions {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  modelId: string;
  params: Record<string, unknown>;
  outDir: string;
  pollMs: number;
}

export async function naiveConvert(files: readonly string[], o: NaiveOptions): Promise<{ done: number; failed: number }> {
  const auth = `Basic ${Buffer.from(`${o.apiKey}:${o.apiSecret}`).toString('base64')}`;
  const api = async <T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> => {
    const res = await fetch(`${o.baseUrl}${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return schema.parse(await res.json());
  };

  let done = 0;
  let failed = 0;
  for (const file of files) {
    try {
      const bytes = await readFile(file);
      const { asset } = await api('POST', '/assets', assetCreated, {
        image: `data:image/png;base64,${bytes.toString('base64')}`,
        name: basename(file),
      });
      const { job } = await api('POST', `/generate/custom/${o.modelId}`, jobEnvelope, { ...o.params, image: asset.id });
      let current = job;
      for (;;) {
        current = (await api('GET', `/jobs/${current.jobId}`, jobEnvelope)).job;
        if (current.status === 'success') break;
        if (current.status === 'failure' || current.status === 'canceled') throw new Error(current.failureReason ?? current.status);
        await sleep(o.pollMs);
      }
      const outputId = current.metadata?.assetIds?.[0];
      if (!outputId) throw new Error('job succeeded without an output');
      const { asset: out } = await api('GET', `/assets/${outputId}`, assetInfo);
      const res = await fetch(out.url);
      if (!res.ok) throw new Error(`download: HTTP ${res.status}`);
      await writeFile(join(o.outDir, `${basename(file, extname(file))}.svg`), Buffer.from(await res.arrayBuffer()));
      done++;
    } catch {
      failed++;
    }
  }
  return { done, failed };
}
