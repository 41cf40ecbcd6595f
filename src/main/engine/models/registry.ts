import { tripoRetopology } from './tripo-retopology';
import type { ModelDescriptor, ModelParams } from './types';
import { coerceParamValue } from '../../../shared/params';
import { vtracer } from './vtracer';

/** Every model Kiln can run. A new model is one more descriptor file added here. */
export const MODELS: readonly ModelDescriptor[] = [vtracer, tripoRetopology];

export function findModel(keyOrId: string): ModelDescriptor | undefined {
  return MODELS.find((m) => m.key === keyOrId || m.modelId === keyOrId);
}

export class ParameterError extends Error {
  override name = 'ParameterError';
}

/**
 * The parameters to send for a preset plus the user's own values, validated by the model's schema.
 * Throws ParameterError naming the parameter and what it allows.
 */
export function resolveParams(model: ModelDescriptor, presetName: string | undefined, userParams: ModelParams): ModelParams {
  let base: ModelParams = {};
  const name = presetName ?? model.defaultPreset;
  if (name !== undefined) {
    const preset = model.presets.find((p) => p.name === name);
    if (!preset) {
      throw new ParameterError(`unknown preset "${name}" for ${model.key} (known: ${model.presets.map((p) => p.name).join(', ')})`);
    }
    base = { ...preset.params };
  }
  const input: ModelParams = { ...base, ...userParams };
  const result = model.paramsSchema.safeParse(input);
  if (!result.success) {
    const messages = result.error.issues.map((issue) => {
      const name = issue.path[0];
      const got = typeof name === 'string' && name in input ? ` (got ${JSON.stringify(input[name])})` : '';
      return issue.message.startsWith(`${String(name)} must be`) ? `${issue.message}${got}` : issue.message;
    });
    throw new ParameterError(messages.join('; '));
  }
  return result.data;
}

/** Parses `key=value` strings (CLI flags, form fields) into typed parameters for the model. */
export function parseParamAssignments(model: ModelDescriptor, assignments: readonly string[]): ModelParams {
  const out: ModelParams = {};
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new ParameterError(`--param expects key=value, got "${a}"`);
    const key = a.slice(0, eq).trim();
    const spec = model.parameters.find((p) => p.name === key);
    out[key] = coerceParamValue(spec, a.slice(eq + 1).trim());
  }
  return out;
}
