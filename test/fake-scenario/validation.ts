import { z } from 'zod';

// Parameter rules exactly as ../../../shared/api/vtracer.md and tripo-retopology.md state them.
// The references type every numeric parameter as "number", so fractions inside a range are
// accepted; a preset makes the custom parameters ignored, not invalid, so they are accepted too.

export const VTRACER_MODEL_ID = 'model_visioncortex-vtracer';
export const TRIPO_MODEL_ID = 'model_tripo-retopology';

function numberIn(name: string, min: number, max?: number) {
  const allowed = max === undefined ? `a number of at least ${min}` : `a number from ${min} to ${max}`;
  const message = `"${name}" must be ${allowed}`;
  const n = z.number({ error: message }).min(min, { error: message });
  return max === undefined ? n : n.max(max, { error: message });
}

function oneOf<const T extends readonly [string, ...string[]]>(name: string, values: T) {
  return z.enum(values, { error: `"${name}" must be one of ${values.map((v) => `"${v}"`).join(', ')}` });
}

function assetId(name: string) {
  return z.string({ error: `"${name}" must be an assetId string` }).min(1, { error: `"${name}" must not be empty` });
}

const unknownKeys = (model: string) => (issue: z.core.$ZodRawIssue) =>
  issue.code === 'unrecognized_keys'
    ? `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} for ${model}`
    : undefined;

export const vtracerParams = z.strictObject(
  {
    image: assetId('image').optional(),
    presetName: z.string({ error: '"presetName" must be a string' }).optional(),
    colorMode: oneOf('colorMode', ['color', 'binary']).optional(),
    colorPrecision: numberIn('colorPrecision', 1, 8).optional(),
    layerDifference: numberIn('layerDifference', 0, 255).optional(),
    hierarchical: oneOf('hierarchical', ['stacked', 'cutout']).optional(),
    mode: oneOf('mode', ['spline', 'polygon', 'pixel', 'none']).optional(),
    filterSpeckle: numberIn('filterSpeckle', 0, 128).optional(),
    cornerThreshold: numberIn('cornerThreshold', 0, 180).optional(),
    lengthThreshold: numberIn('lengthThreshold', 3.5, 10).optional(),
    spliceThreshold: numberIn('spliceThreshold', 0, 180).optional(),
  },
  { error: unknownKeys(VTRACER_MODEL_ID) },
);

export const tripoParams = z.strictObject(
  {
    model: assetId('model').optional(),
    // The reference gives no range; a face count below one cannot be met.
    faceLimit: z
      .number({ error: '"faceLimit" must be a number' })
      .positive({ error: '"faceLimit" must be a positive number' })
      .optional(),
    quad: z.boolean({ error: '"quad" must be a boolean' }).optional(),
    bake: z.boolean({ error: '"bake" must be a boolean' }).optional(),
  },
  { error: unknownKeys(TRIPO_MODEL_ID) },
);

export type VtracerParams = z.infer<typeof vtracerParams>;
export type TripoParams = z.infer<typeof tripoParams>;

export const imageAssetBody = z.strictObject({
  image: z.string({ error: '"image" must be a data URL string (data:<mime>;base64,...)' }),
  name: z.string({ error: '"name" must be a string' }).optional(),
});

export const UPLOAD_KINDS = ['3d', 'asset', 'audio', 'avatar', 'image', 'model', 'video'] as const;

/** Content types docs/scenario-api.md lists for each kind the fake server imports. */
export const UPLOAD_CONTENT_TYPES: Record<'3d' | 'image', readonly string[]> = {
  '3d': ['model/gltf-binary', 'model/gltf+json', 'model/obj', 'application/vnd.autodesk.fbx'],
  image: ['image/png', 'image/jpeg', 'image/webp'],
};

export const uploadCreateBody = z.strictObject({
  fileName: z.string({ error: '"fileName" must be a string' }).min(1, { error: '"fileName" must not be empty' }),
  contentType: z.string({ error: '"contentType" must be a string' }).min(1, { error: '"contentType" must not be empty' }),
  fileSize: z
    .number({ error: '"fileSize" must be a number' })
    .int({ error: '"fileSize" must be a whole number of bytes' })
    .positive({ error: '"fileSize" must be positive' }),
  // The documented kinds; the fake server imports the two Kiln uses and fails the others at validation.
  kind: z.enum(UPLOAD_KINDS, { error: `"kind" must be one of ${UPLOAD_KINDS.map((k) => `"${k}"`).join(', ')}` }),
  parts: z
    .number({ error: '"parts" must be a number' })
    .int({ error: '"parts" must be a whole number' })
    .min(1, { error: '"parts" must be from 1 to 10000' })
    .max(10_000, { error: '"parts" must be from 1 to 10000' }),
});

export const uploadActionBody = z.object({
  action: z.literal('complete', { error: '"action" must be "complete"' }),
});

export const jobActionBody = z.object({
  action: z.literal('cancel', { error: '"action" must be "cancel"' }),
});

/** The first problem, as one sentence a client can show to a person. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request body';
  if (issue.code === 'invalid_type' && issue.path.length === 0) return 'request body must be a JSON object';
  return issue.message;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseWith<T>(schema: z.ZodType<T>, input: unknown): Parsed<T> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: describeIssue(result.error) };
}
