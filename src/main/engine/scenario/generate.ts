/** Starts a job (scenario-notes "Generate"). */
import type { HttpCore } from './http';
import { GenerateEnvelope } from './schemas';
import type { GenerateResult } from './types';

export async function generate(
  http: HttpCore,
  modelId: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<GenerateResult> {
  const res = await http.json({
    method: 'POST',
    target: { path: `/generate/custom/${encodeURIComponent(modelId)}` },
    route: `POST /generate/custom/${modelId}`,
    json: body,
    schema: GenerateEnvelope,
    signal,
    // Each accepted generate is charged: only failures that cannot have created a job are retried.
    policy: 'create',
  });
  const result: GenerateResult = { jobId: res.job.jobId, status: res.job.status };
  if (typeof res.creativeUnitsCost === 'number') result.creativeUnitsCost = res.creativeUnitsCost;
  return result;
}
