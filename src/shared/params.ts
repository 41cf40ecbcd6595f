/**
 * The parameter rules, defined once: the engine builds each model's schema from them
 * (src/main/engine/models/vtracer.ts, tripo-retopology.ts) and the queue editor checks a field
 * with them (src/renderer/params/validate.ts), so both say the same thing about the same value.
 */
import { z } from 'zod';

export type ParamValue = string | number | boolean;
export type ParamValues = Record<string, ParamValue>;

/** What a rule needs of a parameter: the engine's ParameterSpec and the contract's ParameterInfo both fit. */
export interface ParamRule {
  name: string;
  type: 'string' | 'number' | 'boolean';
  integer?: boolean;
  min?: number;
  max?: number;
  enum?: readonly string[];
}

function rangeText(spec: ParamRule): string {
  const kind = spec.integer ? 'a whole number' : 'a number';
  if (spec.min !== undefined && spec.max !== undefined) return `${kind} from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `${kind} of at least ${spec.min}`;
  if (spec.max !== undefined) return `${kind} of at most ${spec.max}`;
  return kind;
}

/** The allowed values of one parameter, phrased for an error message or help text. */
export function describeAllowed(spec: ParamRule): string {
  if (spec.enum) return `one of ${spec.enum.map((v) => `"${v}"`).join(', ')}`;
  if (spec.type === 'boolean') return 'true or false';
  if (spec.type === 'number') return rangeText(spec);
  return 'text';
}

/** What a bad value of this parameter is told, without the parameter's name (a form shows it beside the field). */
export function mustBe(spec: ParamRule): string {
  return `must be ${describeAllowed(spec)}`;
}

// A form checks its fields on every keystroke: each parameter's schema is built once.
const built = new WeakMap<ParamRule, z.ZodType<ParamValue>>();

/** One parameter's schema; its message names the parameter (`colorPrecision must be …`). */
export function paramSchema(spec: ParamRule): z.ZodType<ParamValue> {
  let schema = built.get(spec);
  if (!schema) built.set(spec, (schema = buildParamSchema(spec)));
  return schema;
}

function buildParamSchema(spec: ParamRule): z.ZodType<ParamValue> {
  const message = `${spec.name} ${mustBe(spec)}`;
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
export function schemaFromSpecs(specs: readonly ParamRule[]): z.ZodType<ParamValues> {
  const shape: Record<string, z.ZodType<ParamValue | undefined>> = {};
  for (const spec of specs) shape[spec.name] = paramSchema(spec).optional();
  const known = specs.map((s) => s.name).join(', ');
  return z
    .strictObject(shape, {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')} (known: ${known})` : undefined,
    })
    .transform((value) => {
      const out: ParamValues = {};
      for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
      return out;
    });
}

/** Turns a command-line or form string into the parameter's type, leaving bad values for the schema to reject. */
export function coerceParamValue(spec: ParamRule | undefined, raw: string): ParamValue {
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

/** Checks one typed-in value against its parameter's schema: the value, or what it must be. */
export function checkParamText(spec: ParamRule, raw: string): { value: ParamValue } | { problem: string } {
  const result = paramSchema(spec).safeParse(coerceParamValue(spec, raw));
  return result.success ? { value: result.data } : { problem: mustBe(spec) };
}
