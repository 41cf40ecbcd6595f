/** Starts a job (docs/scenario-api.md "Generate"). */
import { GoneError, ValidationError } from './errors';
import type { HttpCore } from './http';
import { GenerateEnvelope, parseBody } from './schemas';
import type { GenerateResult } from './types';

export async function generate(
  http: HttpCore,
  modelId: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<GenerateResult> {
  const route = `POST /generate/custom/${modelId}`;
  let res;
  let sentAt: number;
  try {
    ({ res, sentAt } = await http.send({
      method: 'POST',
      target: { path: `/generate/custom/${encodeURIComponent(modelId)}` },
      route,
      json: body,
      signal,
      // Each accepted generate is charged: only failures that cannot have created a job are retried.
      policy: 'create',
      handle: async (reply, attempt) => ({ res: await parseBody(reply, GenerateEnvelope, route), sentAt: attempt.sentAt }),
    }));
  } catch (error) {
    // *Assumed* wording: Scenario names a missing input asset "… not found"; the upload is gone.
    if (error instanceof ValidationError && (error.status === 404 || /\basset\b.*\bnot found\b/i.test(error.message))) {
      throw new GoneError('input', `The uploaded input is no longer on Scenario: ${error.message}`, typeof error.status === 'number' ? error.status : 404);
    }
    throw error;
  }
  const result: GenerateResult = { jobId: res.job.jobId, status: res.job.status, sentAt };
  if (typeof res.creativeUnitsCost === 'number') result.creativeUnitsCost = res.creativeUnitsCost;
  return result;
}
