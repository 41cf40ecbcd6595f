/**
 * The shapes docs/scenario-api.md describes, checked once where a body enters the program. Objects are
 * loose: Scenario may add fields at any time and that must not break Kiln.
 */
import { z } from 'zod';
import { BadResponseError } from './errors';
import { snippet } from './failures';
import type { ApiReply } from './node-get';

const id = z.string().min(1);

/**
 * Confirmed: a job's failure reason is `job.metadata.error` and an upload's is `errorMessage`
 * (docs/scenario-api.md "Jobs", "A local file becomes an asset id"); those are read first (toSnapshot, the
 * uploader). The other usual fields are still read, in this order, should an answer carry one.
 */
const REASON_FIELDS = ['error', 'errorMessage', 'failureReason', 'statusReason', 'reason', 'message'] as const;
const reasonValue = z.unknown().optional();
const reasonFields = Object.fromEntries(REASON_FIELDS.map((f) => [f, reasonValue])) as Record<
  (typeof REASON_FIELDS)[number],
  typeof reasonValue
>;

export function pickReason(...sources: unknown[]): string | undefined {
  for (const source of sources) {
    if (!source || typeof source !== 'object') continue;
    for (const field of REASON_FIELDS) {
      const v = (source as Record<string, unknown>)[field];
      if (typeof v === 'string' && v.trim()) return v.trim();
      if (v && typeof v === 'object') {
        const m = (v as { message?: unknown }).message;
        if (typeof m === 'string' && m.trim()) return m.trim();
      }
    }
  }
  return undefined;
}

export const AssetSchema = z.looseObject({
  id,
  url: z.string().min(1).nullish(),
  mimeType: z.string().nullish(),
  size: z.number().nonnegative().nullish(),
  name: z.string().nullish(),
});
export const AssetEnvelope = z.looseObject({ asset: AssetSchema });

export const UploadCreatedEnvelope = z.looseObject({
  upload: z.looseObject({
    id,
    status: z.string().nullish(),
    jobId: z.string().nullish(),
    parts: z
      .array(z.looseObject({ number: z.number().int().positive(), url: z.string().min(1), expires: z.string().nullish() }))
      .min(1),
  }),
});

/** `imported` (or `complete`) with `entityId`, `failed` with `errorMessage`; any other status is "still working". */
export const UploadStatusEnvelope = z.looseObject({
  upload: z.looseObject({ id, status: z.string(), entityId: id.nullish(), ...reasonFields, errorMessage: z.string().nullish() }),
});

/** An error body: `{ error }`, and for the team's ceiling `details.actionLimit`. */
export const ErrorBody = z.looseObject({
  error: z.unknown().optional(),
  details: z.looseObject({ actionName: z.string().nullish(), actionLimit: z.number().int().positive().nullish() }).nullish(),
});

/** The team's ceiling from a 429 body, when it names one. */
export function teamLimit(text: string): number | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = ErrorBody.safeParse(data);
  return parsed.success ? (parsed.data.details?.actionLimit ?? undefined) : undefined;
}

export const JobSchema = z.looseObject({
  jobId: id,
  status: z.string().min(1),
  progress: z.number().nullish(),
  metadata: z.looseObject({ assetIds: z.array(z.string()).nullish(), ...reasonFields }).nullish(),
  ...reasonFields,
});
export const JobEnvelope = z.looseObject({ job: JobSchema });

export const GenerateEnvelope = z.looseObject({
  job: JobSchema.pick({ jobId: true, status: true }).loose(),
  creativeUnitsCost: z.number().nullish(),
});

/** Bodies whose content Kiln does not use (cancel, part PUT): anything, even empty, is fine. */
export const Ignored = z.unknown();

/**
 * A 2xx whose body is not JSON at all: in practice a captive portal or proxy page answering in
 * Scenario's place, so the request never reached Scenario and may be sent again, even a generate.
 * (JSON of the wrong shape did come from Scenario and is not retried for a generate.)
 */
export class NotJsonError extends BadResponseError {}

/**
 * Reads and checks a successful answer. Both "not JSON" and "not the promised shape" become a
 * BadResponseError that says which call it was and what arrived, so a log line is enough to act on.
 */
export async function parseBody<S extends z.ZodType>(res: ApiReply, schema: S, route: string): Promise<z.infer<S>> {
  const text = await res.text();
  if ((schema as z.ZodType) === Ignored) return undefined as z.infer<S>;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const type = res.headers.get('content-type') ?? 'no content type';
    throw new NotJsonError(
      `Scenario answered ${route} with something that is not JSON (HTTP ${res.status}, ${type}): "${snippet(text)}"`,
      res.status,
    );
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
      .join('; ');
    throw new BadResponseError(`Scenario answered ${route} with an unexpected shape (${issues})`, res.status);
  }
  return parsed.data;
}
