import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import type { ModelInfo } from '../../shared/contract';
import type { TraceError } from '../../shared/vtracer';
import { buildParams, presetOf, type RawValues } from '../params/validate';
import { plural } from '../ui/format';
import type { MeshSuccess } from './mesh-protocol';
import { useMeshSimplifier } from './tracer-context';
import { asTraceError, isAbort } from './use-live-trace';
import type { SamplePreviewProps } from './SamplePreview';
import { SampleChooser } from './SampleChooser';
import { useBlobUrl, useSample } from './use-sample';
import './sample-preview.css';

const ModelCompare = lazy(() => import('./ModelCompare'));

/** Quiet time after the last change of faceLimit before simplifying again. */
const MESH_DEBOUNCE_MS = 200;

type Props = Omit<SamplePreviewProps, 'onChoosePreset'>;

function faceLimitOf(model: ModelInfo, preset: string | undefined, raw: RawValues): number | undefined | null {
  const { params, errors } = buildParams(model, preset, raw);
  if (errors['faceLimit']) return null;
  const value = params['faceLimit'] ?? presetOf(model, preset)?.params['faceLimit'];
  return typeof value === 'number' ? value : undefined;
}

/**
 * The sample mesh simplified on this computer to the queue's faceLimit, beside the original, with
 * face counts. Only an approximation of Tripo's cloud retopology, and labelled so.
 */
export function MeshPreview({ model, preset, raw, queueId }: Props) {
  const { sample, choose } = useSample(model, queueId);
  const faceLimit = useMemo(() => faceLimitOf(model, preset, raw), [model, preset, raw]);
  const simplify = useMeshSimplifier();
  const [state, setState] = useState<{ result?: MeshSuccess; error?: TraceError; busy: boolean }>({ busy: false });

  useEffect(() => {
    if (!sample || faceLimit === null) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, busy: true }));
    const timer = setTimeout(() => {
      simplify({ sampleKey: sample.key, blob: sample.blob, faceLimit }, controller.signal).then(
        (result) => setState({ result, busy: false }),
        (err: unknown) => {
          if (!isAbort(err)) setState({ error: asTraceError(err), busy: false });
        },
      );
    }, MESH_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [simplify, sample, faceLimit]);

  const inputUrl = useBlobUrl(sample?.blob);
  const glbBlob = useMemo(() => (state.result ? new Blob([state.result.glb as BlobPart], { type: 'model/gltf-binary' }) : undefined), [state.result]);
  const outputUrl = useBlobUrl(glbBlob);
  const r = state.result;

  return (
    <section className="sample-preview" aria-label="Preview">
      <header className="sample-preview-head">
        <h3>Preview</h3>
        <span className="muted">an approximation, simplified on this computer · no credits</span>
        <SampleChooser accept=".glb" label="Choose a sample model" onChoose={choose} />
      </header>
      {!sample ? (
        <p className="help">Drop models on this queue, or choose a .glb sample, to see roughly how far faceLimit takes it.</p>
      ) : (
        <>
          <p className="help">
            Tripo's cloud retopology rebuilds the surface; this preview only simplifies the sample with meshoptimizer, as the
            local engine does, to show what a face budget of this size keeps.
          </p>
          <div className="mesh-preview" data-testid="mesh-result" data-status={state.error ? 'error' : state.busy || !r ? 'working' : 'done'}>
            {inputUrl && outputUrl && r && (
              <Suspense fallback={<p className="muted">Loading the viewer…</p>}>
                <ModelCompare inputUrl={inputUrl} outputUrl={outputUrl}
                  inputLabel={sample.name} outputLabel="Simplified here (approximation)" />
              </Suspense>
            )}
            <p aria-live="polite">
              {faceLimit === null ? 'Fix the face limit to preview'
                : state.error ? 'Could not simplify'
                : r ? `${plural(r.before, 'face')} → ${plural(r.after, 'face')}${faceLimit === undefined ? ' (adaptive target)' : ` (limit ${faceLimit.toLocaleString('en')})`}${state.busy ? ' · updating…' : ''}`
                : 'Simplifying…'}
            </p>
          </div>
          {state.error && (
            <div className="trace-error" role="alert">
              <p>{state.error.summary}</p>
              {state.error.details && <details><summary>Details</summary><p>{state.error.details}</p></details>}
            </div>
          )}
        </>
      )}
    </section>
  );
}
