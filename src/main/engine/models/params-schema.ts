import { z } from 'zod';
import type { ModelParams, ParameterSpec } from './types';

function rangeText(spec: ParameterSpec): string {
  const kind = spec.integer ? 'a whole number' : 'a number';
  if (spec.min !== undefined && spec.max !== undefined) return `${kind} from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `${kind} of at least ${spec.min}`;
  if (spec.max !== undefined) return `${kind} of at most ${spec.max}`;
  return kind;
}

/** The allowed values of one parameter, phrased for an error message or help text. */
export function describeAllowed(spec: ParameterSpec): string {
  if (spec.enum) return `one of ${spec.enum.map((v) => `"${v}"`).join(', ')}`;
  if (spec.type === 'boolean') return 'true or false';
  if (spec.type === 'number') return rangeText(spec);
  return 'text';
}

function fieldSchema(spec: ParameterSpec): z.ZodType<string | number | boolean> {
  const message = `${spec.name} must be ${describeAllowed(spec)}`;
  if (spec.enum) {
    const values = spec.enum;
    return z.string({ error: message }).refine((v) => values.includes(v), { message });
  }
  if (spec.type === 'boolean') return z.boolean({ error: message });
  if (spec.type === 'number') {
    let n = z.number({ error: message }).refine(Number.isFinite, { message });
    if (spec.integer) n = n.refine(Number.isInteger, { message });
    if (spec.min !== undefined) {
      const min = spec.min;
      n = n.refine((v) => v >= min, { message });
    }
    if (spec.max !== undefined) {
      const max = spec.max;
      n = n.refine((v) => v <= max, { message });
    }
    return n;
  }
  return z.string({ error: message });
}

/**
 * A strict object schema for a model's parameters: every documented parameter is optional and
 * checked against its type and range; any other name is rejected with the list of known ones.
 */
export function schemaFromSpecs(specs: readonly ParameterSpec[]): z.ZodType<ModelParams> {
  const shape: Record<string, z.ZodType<string | number | boolean | undefined>> = {};
  for (const spec of specs) shape[spec.name] = fieldSchema(spec).optional();
  const known = specs.map((s) => s.name).join(', ');
  return z
    .strictObject(shape, {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')} (known: ${known})` : undefined,
    })
    .transform((value) => {
      const out: ModelParams = {};
      for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
      return out;
    });
}

/** Turns a command-line or form string into the parameter's type, leaving bad values for the schema to reject. */
export function coerceParamValue(spec: ParameterSpec | undefined, raw: string): string | number | boolean {
  if (!spec) return raw;
  if (spec.type === 'number') {
    const n = Number(raw);
    return raw.trim() === '' || Number.isNaN(n) ? raw : n;
  }
  if (spec.type === 'boolean') {
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    return raw;
  }
  return raw;
}
