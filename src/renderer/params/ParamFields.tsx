import type { ModelInfo, ParameterInfo } from '../../shared/contract';
import { baseValue, CUSTOM_PRESET, editableParameters, isCustomOnlyLocked, type RawValues } from './validate';

interface Props {
  model: ModelInfo;
  preset: string | undefined;
  values: RawValues;
  errors: Record<string, string>;
  onChange(name: string, raw: string): void;
  /** Whether the queue may run on the local engine, to surface parameters it cannot honour. */
  showLocalNotes: boolean;
}

function label(name: string): string {
  const spaced = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function rangeHint(info: ParameterInfo): string | undefined {
  if (info.type !== 'number') return undefined;
  const kind = info.integer ? 'whole number' : 'number';
  if (info.min !== undefined && info.max !== undefined) return `${kind}, ${info.min}–${info.max}`;
  if (info.min !== undefined) return `${kind}, ≥ ${info.min}`;
  if (info.max !== undefined) return `${kind}, ≤ ${info.max}`;
  return kind;
}

function Field({ model, info, preset, raw, error, locked, onChange, showLocalNotes }: {
  model: ModelInfo; info: ParameterInfo; preset: string | undefined; raw: string; error: string | undefined;
  locked: boolean; onChange(raw: string): void; showLocalNotes: boolean;
}) {
  const id = `param-${info.name}`;
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const base = baseValue(model, info, preset);
  const describedBy = error ? `${errorId} ${helpId}` : helpId;
  let control;
  if (info.type === 'boolean') {
    const checked = raw === '' ? base === true : raw === 'true';
    control = (
      <input id={id} type="checkbox" checked={checked} disabled={locked} aria-describedby={describedBy}
        onChange={(e) => onChange(String(e.currentTarget.checked))} />
    );
  } else if (info.enum) {
    control = (
      <select id={id} value={raw} disabled={locked} aria-describedby={describedBy} aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{base !== undefined ? `Default (${String(base)})` : 'Default'}</option>
        {info.enum.map((v) => <option key={v} value={v}>{v}</option>)}
      </select>
    );
  } else {
    control = (
      <input id={id} type={info.type === 'number' ? 'number' : 'text'} inputMode={info.type === 'number' ? (info.integer ? 'numeric' : 'decimal') : undefined}
        min={info.min} max={info.max} step={info.type === 'number' ? (info.integer ? 1 : 'any') : undefined}
        placeholder={base !== undefined ? String(base) : info.type === 'number' ? 'auto' : ''}
        value={raw} disabled={locked} aria-invalid={error ? true : undefined} aria-describedby={describedBy}
        onChange={(e) => onChange(e.currentTarget.value)} />
    );
  }
  return (
    <div className={`field param${info.type === 'boolean' ? ' field-check' : ''}${locked ? ' is-locked' : ''}`}>
      <label htmlFor={id}>
        {info.label ?? label(info.name)}
        {rangeHint(info) && <span className="hint"> · {rangeHint(info)}</span>}
      </label>
      {control}
      {error && <p className="field-error" id={errorId} role="alert">{error}</p>}
      <p className="help" id={helpId}>
        {info.help ?? info.description}
        {showLocalNotes && info.localNote && <span className="local-note"> Local engine: {info.localNote}</span>}
      </p>
    </div>
  );
}

/** Custom parameter fields generated from the model's descriptor. */
export function ParamFields({ model, preset, values, errors, onChange, showLocalNotes }: Props) {
  const params = editableParameters(model);
  if (params.length === 0) return null;
  const hasLocked = params.some((p) => isCustomOnlyLocked(model, p, preset));
  const customLabel = model.presets.find((p) => p.name === CUSTOM_PRESET)?.label ?? 'Custom';
  const presetLabel = model.presets.find((p) => p.name === (preset ?? model.defaultPreset))?.label ?? preset;
  return (
    <fieldset className="params">
      <legend>Parameters</legend>
      {hasLocked && (
        <p className="notice" id="custom-only-note">
          These settings only apply with the “{customLabel}” preset: the “{presetLabel}” preset chooses its own,
          and {model.displayName} ignores custom values otherwise. Pick “{customLabel}” above to edit them.
        </p>
      )}
      <div className="param-grid">
        {params.map((info) => (
          <Field key={info.name} model={model} info={info} preset={preset} raw={values[info.name] ?? ''}
            error={errors[info.name]} locked={isCustomOnlyLocked(model, info, preset)}
            onChange={(raw) => onChange(info.name, raw)} showLocalNotes={showLocalNotes} />
        ))}
      </div>
    </fieldset>
  );
}
