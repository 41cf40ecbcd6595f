import type { ModelInfo, ParameterInfo } from '../../shared/contract';
import { checkParamText, type ParamValue } from '../../shared/params';

/** Form values as typed: '' means "not set, use the preset's or the model's default". */
export type RawValues = Record<string, string>;

/**
 * Checks one raw field with the engine's own rule (src/shared/params.ts), so the form and the
 * engine agree on what is allowed and say it in the same words; returns the problem or the value.
 */
export function parseParam(info: ParameterInfo, raw: string): { value?: ParamValue; error?: string } {
  if (raw.trim() === '') return {};
  const checked = checkParamText(info, raw);
  return 'value' in checked ? { value: checked.value } : { error: sentence(checked.problem) };
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The preset that enables customOnly parameters, when the model has one (VTracer's "custom"). */
export const CUSTOM_PRESET = 'custom';

export function presetOf(model: ModelInfo, name: string | undefined) {
  return model.presets.find((p) => p.name === (name ?? model.defaultPreset));
}

/**
 * Parameters that merely name the preset (VTracer's presetName is "poster" in the Poster preset)
 * are chosen by the preset picker; a second field for them could only contradict it.
 */
export function editableParameters(model: ModelInfo): ParameterInfo[] {
  const named = model.presets.filter((p) => Object.keys(p.params).length > 0);
  return model.parameters.filter((info) => named.length === 0 || !named.every((p) => p.params[info.name] === p.name));
}

export function isCustomOnlyLocked(model: ModelInfo, info: ParameterInfo, preset: string | undefined): boolean {
  return Boolean(info.customOnly) && model.presets.some((p) => p.name === CUSTOM_PRESET) && (preset ?? model.defaultPreset) !== CUSTOM_PRESET;
}

/**
 * Whether the artist sets the parameters: only with the Custom preset (a model without presets
 * always). Any other preset chooses its own, so values typed under Custom earlier are kept in the
 * form for a return to Custom but neither sent nor previewed with it.
 */
export function editsParams(model: ModelInfo, preset: string | undefined): boolean {
  return model.presets.length === 0 || (preset ?? model.defaultPreset) === CUSTOM_PRESET;
}

/** What the field falls back to when left empty: the preset's value, else the model's default. */
export function baseValue(model: ModelInfo, info: ParameterInfo, preset: string | undefined): ParamValue | undefined {
  return presetOf(model, preset)?.params[info.name] ?? info.default;
}

/**
 * The params to save for a queue (and to preview) and the problem with each invalid field. None
 * unless the preset lets the artist set them (editsParams); locked customOnly fields are left out
 * because the API refuses them unless the preset is "custom"; booleans are sent only when they
 * differ from what the preset or model would use anyway.
 */
export function buildParams(model: ModelInfo, preset: string | undefined, raw: RawValues): { params: Record<string, ParamValue>; errors: Record<string, string> } {
  const params: Record<string, ParamValue> = {};
  const errors: Record<string, string> = {};
  if (!editsParams(model, preset)) return { params, errors };
  for (const info of editableParameters(model)) {
    if (isCustomOnlyLocked(model, info, preset)) continue;
    const { value, error } = parseParam(info, raw[info.name] ?? '');
    if (error) errors[info.name] = error;
    else if (value !== undefined && !(info.type === 'boolean' && value === (baseValue(model, info, preset) ?? false))) {
      params[info.name] = value;
    }
  }
  return { params, errors };
}

/** Raw form values from saved params, leaving out what the preset itself sets. */
export function rawFromParams(model: ModelInfo, preset: string | undefined, params: Record<string, ParamValue>): RawValues {
  const raw: RawValues = {};
  const presetParams = presetOf(model, preset)?.params ?? {};
  for (const info of editableParameters(model)) {
    const v = params[info.name];
    if (v !== undefined && !(info.name in presetParams && presetParams[info.name] === v)) raw[info.name] = String(v);
  }
  return raw;
}
