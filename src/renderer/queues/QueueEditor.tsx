import { useId, useMemo, useState, type FormEvent } from 'react';
import type { EngineChoice, HostInfo, ModelInfo, NewQueue, QueueConfig } from '../../shared/contract';
import { splitDirTemplate, withSubfolders } from '../../shared/naming';
import { ParamFields } from '../params/ParamFields';
import { SamplePreview } from '../preview/SamplePreview';
import { DEFAULT_TEMPLATE, renderTemplate, TEMPLATE_FIELDS, templateError } from '../params/template';
import { buildParams, editsParams, presetOf, rawFromParams, type RawValues } from '../params/validate';
import { isAbsolutePath } from '../../shared/paths';
import { errorMessage } from '../transport/errors';
import { useApi } from '../transport/context';

interface Props {
  models: readonly ModelInfo[];
  /** Absent when creating a queue. */
  queue?: QueueConfig;
  hostKind: HostInfo['kind'];
  defaultOutputDir: string;
  onSaved(queue: QueueConfig): void;
  onCancel(): void;
  onDelete?(): void;
}

const COLLISIONS: ReadonlyArray<{ value: QueueConfig['collision']; label: string }> = [
  { value: 'keep-both', label: 'Keep both (add a number)' },
  { value: 'overwrite', label: 'Overwrite the existing file' },
  { value: 'skip', label: 'Skip, keep the existing file' },
];

const ENGINES: ReadonlyArray<{ value: EngineChoice; label: string; help: string }> = [
  { value: 'cloud', label: 'Cloud', help: 'Always convert with Scenario; items wait while offline.' },
  { value: 'local', label: 'Local', help: 'Convert on this computer, no network or credits used.' },
  { value: 'cloud-then-local', label: 'Cloud, local when offline', help: 'Use Scenario, and this computer when the network is down.' },
];

export function QueueEditor({ models, queue, hostKind, defaultOutputDir, onSaved, onCancel, onDelete }: Props) {
  const api = useApi();
  const uid = useId();
  const initialModel = models.find((m) => m.key === queue?.modelKey) ?? models[0];
  const [name, setName] = useState(queue?.name ?? '');
  const [modelKey, setModelKey] = useState(initialModel?.key ?? '');
  const [preset, setPreset] = useState<string | undefined>(queue?.preset ?? initialModel?.defaultPreset);
  const [raw, setRaw] = useState<RawValues>(() => (initialModel && queue ? rawFromParams(initialModel, queue.preset, queue.params) : {}));
  const [outputDir, setOutputDir] = useState(queue?.outputDir ?? defaultOutputDir);
  const [template, setTemplate] = useState(queue?.nameTemplate ?? DEFAULT_TEMPLATE);
  const [collision, setCollision] = useState<QueueConfig['collision']>(queue?.collision ?? 'keep-both');
  const [engine, setEngine] = useState<EngineChoice>(queue?.engine ?? 'cloud');
  const [watchFolder, setWatchFolder] = useState(queue?.watchFolder ?? '');
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<string>();

  const model = models.find((m) => m.key === modelKey);
  // Fields show only with the Custom preset; buildParams and the preview ignore `raw` under others.
  const showsParams = model !== undefined && editsParams(model, preset);
  const { params, errors: paramErrors } = useMemo(
    () => (model ? buildParams(model, preset, raw) : { params: {}, errors: {} }),
    [model, preset, raw],
  );
  const errors: Record<string, string | undefined> = {
    name: name.trim() === '' ? 'A queue needs a name' : undefined,
    model: model ? undefined : 'Choose a model',
    outputDir: outputDir.trim() === '' ? 'Choose where the results go' : !isAbsolutePath(outputDir.trim()) ? 'Use a full path, like /Users/you/Art/svg' : undefined,
    template: templateError(template),
    watchFolder: watchFolder.trim() !== '' && !isAbsolutePath(watchFolder.trim()) ? 'Use a full path, like /Users/you/Art/inbox' : undefined,
  };
  const invalid = Object.values(errors).some(Boolean) || Object.keys(paramErrors).length > 0;
  const shown = (field: string) => (touched[field] || queue ? errors[field] : undefined);

  const keepsFolders = splitDirTemplate(template).keepsFolders;
  // An example input of the model's own kind: a chair for 3D queues, a logo for image ones.
  const sample = model?.outputKind === 'glb' ? { stem: 'chair', file: 'chair.glb' } : { stem: 'logo', file: 'logo.png' };
  const sampleInput = keepsFolders ? `props/${sample.file}` : sample.file;
  const example = model && !errors.template
    ? renderTemplate(template, { dir: 'props', name: sample.stem, ext: model.outputExtension, model: model.key, preset: preset ?? '', index: 1, date: new Date() })
    : undefined;

  const chooseModel = (key: string) => {
    const next = models.find((m) => m.key === key);
    setModelKey(key);
    setPreset(next?.defaultPreset);
    setRaw({});
    if (next && !next.hasLocalEngine) setEngine('cloud');
  };

  const chooseFolder = async () => {
    try {
      const folder = await api.call('dialog.chooseFolder', { title: 'Where should converted files go?' });
      if (folder) setOutputDir(folder);
    } catch (err) {
      setServerError(errorMessage(err));
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (invalid || !model || saving) return;
    const body: NewQueue = {
      name: name.trim(),
      modelKey: model.key,
      params,
      outputDir: outputDir.trim(),
      nameTemplate: template,
      collision,
      engine: model.hasLocalEngine ? engine : 'cloud',
    };
    if (preset !== undefined) body.preset = preset;
    const watched = watchFolder.trim();
    if (watched) body.watchFolder = watched;
    setSaving(true);
    setServerError(undefined);
    try {
      const saved = queue
        ? await api.call('queues.update', { id: queue.id, patch: { ...body, watchFolder: watched || null } })
        : await api.call('queues.create', body);
      onSaved(saved);
    } catch (err) {
      setServerError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  const field = (key: string) => ({ onBlur: () => setTouched((t) => ({ ...t, [key]: true })) });
  const currentPreset = model ? presetOf(model, preset) : undefined;

  return (
    <form className="editor" onSubmit={submit} noValidate aria-labelledby={`${uid}-title`}>
      <header className="editor-head">
        <h1 id={`${uid}-title`}>{queue ? `Edit “${queue.name}”` : 'New queue'}</h1>
        <p className="muted">Files dropped on this queue are converted with these settings and written to its folder.</p>
      </header>

      <div className="editor-body">
        <section className="editor-col">
          <div className="field">
            <label htmlFor={`${uid}-name`}>Name</label>
            <input id={`${uid}-name`} value={name} placeholder="Vectorise logos" autoFocus={!queue}
              aria-invalid={shown('name') ? true : undefined} onChange={(e) => setName(e.currentTarget.value)} {...field('name')} />
            {shown('name') && <p className="field-error" role="alert">{shown('name')}</p>}
          </div>

          <div className="field">
            <label htmlFor={`${uid}-model`}>Model</label>
            <select id={`${uid}-model`} value={modelKey} onChange={(e) => chooseModel(e.currentTarget.value)}>
              {models.map((m) => <option key={m.key} value={m.key}>{m.displayName} — {m.summary}</option>)}
            </select>
            {model && <p className="help">Takes {model.inputExtensions.join(', ')} · makes .{model.outputExtension}</p>}
          </div>

          {model && model.presets.length > 0 && (
            <div className="field">
              <label htmlFor={`${uid}-preset`}>Preset</label>
              <select id={`${uid}-preset`} value={preset ?? ''} onChange={(e) => setPreset(e.currentTarget.value || undefined)}>
                {model.presets.map((p) => <option key={p.name} value={p.name}>{p.label}</option>)}
              </select>
              {currentPreset && <p className="help">{currentPreset.description}</p>}
            </div>
          )}

          <div className="field">
            <label htmlFor={`${uid}-out`}>Output folder</label>
            <div className="row-input">
              <input id={`${uid}-out`} value={outputDir} placeholder="/Users/you/Art/svg" spellCheck={false}
                aria-invalid={shown('outputDir') ? true : undefined} onChange={(e) => setOutputDir(e.currentTarget.value)} {...field('outputDir')} />
              {hostKind === 'electron' && <button type="button" onClick={chooseFolder}>Choose…</button>}
            </div>
            {shown('outputDir') && <p className="field-error" role="alert">{shown('outputDir')}</p>}
          </div>

          <div className="field">
            <label htmlFor={`${uid}-watch`}>Watch folder <span className="muted">· optional</span></label>
            <input id={`${uid}-watch`} value={watchFolder} placeholder="/Users/you/Art/inbox" spellCheck={false}
              aria-invalid={shown('watchFolder') ? true : undefined} onChange={(e) => setWatchFolder(e.currentTarget.value)} {...field('watchFolder')} />
            {shown('watchFolder')
              ? <p className="field-error" role="alert">{shown('watchFolder')}</p>
              : <p className="help">Files that appear here are added to this queue automatically, once each, as soon as they finish copying.</p>}
          </div>

          <div className="field">
            <label htmlFor={`${uid}-tpl`}>File names</label>
            <input id={`${uid}-tpl`} value={template} spellCheck={false} aria-invalid={errors.template ? true : undefined}
              aria-describedby={`${uid}-tpl-help`} onChange={(e) => setTemplate(e.currentTarget.value)} />
            {errors.template
              ? <p className="field-error" role="alert">{errors.template}</p>
              : <p className="example">{sampleInput} → <strong>{example}</strong></p>}
            <p className="help" id={`${uid}-tpl-help`}>
              {Object.entries(TEMPLATE_FIELDS).map(([f, d], i) => (
                <span key={f} title={d}>{i > 0 && ' '}<code>{`{${f}}`}</code></span>
              ))}
            </p>
          </div>

          <div className="field field-check">
            <input id={`${uid}-keep`} type="checkbox" checked={keepsFolders} onChange={(e) => {
              const keep = e.currentTarget.checked;
              setTemplate((t) => withSubfolders(t, keep));
            }} />
            <label htmlFor={`${uid}-keep`}>Keep sub-folders</label>
            <p className="help">A dropped folder’s sub-folders are recreated in the output folder ({'{dir}'} in the names), so art/props/{sample.file} lands in props/.</p>
          </div>

          <div className="field">
            <label htmlFor={`${uid}-col`}>When a file with that name exists</label>
            <select id={`${uid}-col`} value={collision} onChange={(e) => setCollision(e.currentTarget.value as QueueConfig['collision'])}>
              {COLLISIONS.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
            </select>
          </div>

          {model?.hasLocalEngine && (
            <div className="field">
              <label htmlFor={`${uid}-engine`}>Engine</label>
              <select id={`${uid}-engine`} value={engine} onChange={(e) => setEngine(e.currentTarget.value as EngineChoice)}>
                {ENGINES.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
              </select>
              <p className="help">{ENGINES.find((c) => c.value === engine)?.help}</p>
            </div>
          )}
        </section>

        <section className="editor-col" aria-label="Conversion settings">
          {model && showsParams && (
            <ParamFields model={model} preset={preset} values={raw} errors={paramErrors} showLocalNotes={engine !== 'cloud'}
              onChange={(n, v) => setRaw((r) => ({ ...r, [n]: v }))} />
          )}
          {model && !showsParams && currentPreset && (
            <div className="preset-summary">
              <h2>Settings</h2>
              <p>Chosen by the “{currentPreset.label}” preset.</p>
              <p className="help">Choose the Custom preset to set each option yourself.</p>
            </div>
          )}
          {/* Kept last in this column: the live preview of these settings. */}
          {model && <SamplePreview model={model} preset={preset} raw={raw} queueId={queue?.id} onChoosePreset={setPreset} />}
        </section>
      </div>

      <footer className="editor-foot">
        {serverError && <p className="form-error" role="alert">{serverError}</p>}
        {onDelete && <button type="button" className="danger ghost" onClick={onDelete}>Delete queue…</button>}
        <span className="spacer" />
        <button type="button" onClick={onCancel}>Cancel</button>
        <button type="submit" className="primary" disabled={invalid || saving}
          title={invalid ? 'Fix the highlighted fields first' : undefined}>
          {saving ? 'Saving…' : queue ? 'Save changes' : 'Create queue'}
        </button>
      </footer>
    </form>
  );
}
