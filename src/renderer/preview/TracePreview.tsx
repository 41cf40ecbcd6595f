import { useEffect, useMemo, useRef, useState } from 'react';
import type { ModelInfo } from '../../shared/contract';
import { resolveVtracerSettings, TraceError } from '../../shared/vtracer';
import type { VtracerSettings } from '../../shared/vtracer';
import { buildParams, CUSTOM_PRESET, presetOf, type RawValues } from '../params/validate';
import { formatBytes, plural } from '../ui/format';
import { DRAFT_SIDE } from './draft';
import type { TraceSuccess } from './trace-protocol';
import { useTracer } from './tracer-context';
import { asTraceError, isAbort, useLiveTrace } from './use-live-trace';
import type { SamplePreviewProps } from './SamplePreview';
import { SampleChooser } from './SampleChooser';
import { useBlobUrl, useSample } from './use-sample';
import './sample-preview.css';


/** The settings the queue's form stands for, or undefined while a field is invalid or the preset unknown. */
function settingsFor(model: ModelInfo, preset: string | undefined, raw: RawValues): VtracerSettings | undefined {
  const { params, errors } = buildParams(model, preset, raw);
  if (Object.keys(errors).length > 0) return undefined;
  try {
    return resolveVtracerSettings(model, { ...(presetOf(model, preset)?.params ?? {}), ...params });
  } catch {
    return undefined;
  }
}

export function statsLine(r: TraceSuccess): string {
  return `${plural(r.stats.paths, 'path')} · ${plural(r.stats.colors, 'colour')} · ${formatBytes(r.stats.bytes)}`;
}

function SvgImage({ svg, alt }: { svg: string; alt: string }) {
  const blob = useMemo(() => new Blob([svg], { type: 'image/svg+xml' }), [svg]);
  const url = useBlobUrl(blob);
  return url ? <img src={url} alt={alt} draggable={false} /> : null;
}

function TraceFailure({ error }: { error: TraceError }) {
  return (
    <div className="trace-error" role="alert">
      <p>{error.summary}</p>
      {error.details && (
        <details>
          <summary>Details</summary>
          <p>{error.details}</p>
        </details>
      )}
    </div>
  );
}

interface Tile {
  name: string;
  label: string;
  result?: TraceSuccess;
  error?: TraceError;
}

/**
 * VTracer's result for the queue's settings, traced on this computer beside the sample (no
 * credits), and the presets side by side on demand.
 */
export function TracePreview({ model, preset, raw, queueId, onChoosePreset }: SamplePreviewProps) {
  const { sample, choose } = useSample(model, queueId);
  const sourceUrl = useBlobUrl(sample?.blob);
  const settings = useMemo(() => settingsFor(model, preset, raw), [model, preset, raw]);
  const tracer = useTracer();
  const live = useLiveTrace(tracer, sample, settings);

  const compareTracer = useTracer();
  const [tiles, setTiles] = useState<Tile[]>();
  const compareRun = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => compareRun.current?.abort(), []);
  // A new sample makes an old comparison meaningless.
  useEffect(() => {
    compareRun.current?.abort();
    setTiles(undefined);
  }, [sample]);

  const compare = async () => {
    if (!sample) return;
    compareRun.current?.abort();
    const controller = new AbortController();
    compareRun.current = controller;
    const candidates = model.presets.filter((p) => p.expands || p.name === CUSTOM_PRESET);
    const start: Tile[] = candidates.map((p) => ({ name: p.name, label: p.name === CUSTOM_PRESET ? `${p.label} (your values)` : p.label }));
    setTiles(start);
    for (const tile of start) {
      let next: Tile;
      try {
        const s = tile.name === CUSTOM_PRESET
          ? resolveVtracerSettings(model, { presetName: CUSTOM_PRESET, ...buildParams(model, CUSTOM_PRESET, raw).params })
          : resolveVtracerSettings(model, { presetName: tile.name });
        next = { ...tile, result: await compareTracer({ sampleKey: sample.key, blob: sample.blob, settings: s, maxSide: DRAFT_SIDE }, controller.signal) };
      } catch (err) {
        if (isAbort(err)) return;
        next = { ...tile, error: asTraceError(err) };
      }
      setTiles((ts) => ts?.map((t) => (t.name === next.name ? next : t)));
    }
  };

  const current = preset ?? model.defaultPreset;
  const result = live.result;
  const status = !sample ? 'empty' : live.error ? 'error' : !result ? 'tracing' : result.draft ? 'draft' : live.busy ? 'refining' : 'final';

  return (
    <section className="sample-preview" aria-label="Preview">
      <header className="sample-preview-head">
        <h3>Preview</h3>
        <span className="muted">traced on this computer with VTracer · no credits</span>
        <SampleChooser accept={model.inputExtensions.map((e) => (e.startsWith('.') ? e : `.${e}`)).join(',')} label="Choose a sample image" onChoose={choose} />
      </header>

      {!sample ? (
        <p className="help">Drop files on this queue, or choose a sample, to see how these settings trace it before any credits are spent.</p>
      ) : (
        <>
          <div className="sample-panes">
            <figure className="sample-pane">
              {sourceUrl && <img src={sourceUrl} alt={`Sample ${sample.name}`} draggable={false} />}
              <figcaption>{sample.name}{sample.origin === 'queue' ? ' · last file on this queue' : ''}</figcaption>
            </figure>
            <figure className="sample-pane" data-testid="trace-result" data-status={status}>
              {result && <SvgImage svg={result.svg} alt="Traced SVG preview" />}
              <figcaption aria-live="polite">
                {!settings ? 'Fix the highlighted fields to preview'
                  : live.error && result ? `Draft only: ${statsLine(result)} at ${result.width} × ${result.height}`
                  : live.error ? 'Could not trace'
                  : !result ? 'Tracing…'
                  : `${statsLine(result)}${result.draft ? ` · draft at ${result.width} × ${result.height}, full size on the way` : ''}${!result.draft && live.busy ? ' · updating…' : ''}`}
              </figcaption>
            </figure>
          </div>
          {live.error && <TraceFailure error={live.error} />}
          <div className="sample-actions">
            <button type="button" onClick={() => void compare()}>Compare presets</button>
          </div>
          {tiles && (
            <ul className="preset-compare" aria-label="Presets compared">
              {tiles.map((t) => (
                <li key={t.name} className={t.name === current ? 'is-current' : undefined} data-preset={t.name}>
                  <div className="preset-compare-picture">
                    {t.result ? <SvgImage svg={t.result.svg} alt={`${t.label} preview`} /> : t.error ? null : <span className="muted">Tracing…</span>}
                  </div>
                  <p className="preset-compare-name">{t.label}</p>
                  <p className="muted">{t.result ? statsLine(t.result) : t.error ? t.error.summary : ''}</p>
                  <button type="button" disabled={t.name === current} aria-label={`Use ${t.label}`}
                    onClick={() => onChoosePreset(t.name)}>
                    {t.name === current ? 'In use' : 'Use this'}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
