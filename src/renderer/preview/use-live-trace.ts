import { useEffect, useState } from 'react';
import { TraceError } from '../../shared/vtracer';
import type { VtracerSettings } from '../../shared/vtracer';
import { DRAFT_SIDE } from './draft';
import type { Tracer } from './trace-client';
import type { TraceSuccess } from './trace-protocol';
import type { Sample } from './use-sample';

/** Quiet time after the last change before tracing: a drag sends a change per pixel moved. */
export const PREVIEW_DEBOUNCE_MS = 120;

export interface LiveTrace {
  result?: TraceSuccess;
  error?: TraceError;
  /** A trace (or the full-size pass after a draft) is under way. */
  busy: boolean;
}

export const isAbort = (err: unknown): boolean => err instanceof Error && err.name === 'AbortError';

export const asTraceError = (err: unknown): TraceError =>
  err instanceof TraceError ? err : new TraceError('The preview could not be traced.', err instanceof Error ? err.message : String(err));

/**
 * Traces the sample whenever it or the settings change: after a short quiet time, first a draft
 * (longest side DRAFT_SIDE) that appears within a fraction of a second, then VTracer at full size.
 * A change abandons the run in progress (the tracer terminates its worker), so only the latest
 * settings are ever traced.
 */
export function useLiveTrace(tracer: Tracer, sample: Sample | undefined, settings: VtracerSettings | undefined): LiveTrace {
  const [state, setState] = useState<LiveTrace>({ busy: false });
  const settingsKey = settings ? JSON.stringify(settings) : '';

  useEffect(() => {
    if (!sample || !settings) {
      setState({ busy: false });
      return;
    }
    const controller = new AbortController();
    setState((s) => ({ ...s, busy: true }));
    const timer = setTimeout(() => {
      void (async () => {
        let draft: TraceSuccess | undefined;
        try {
          const first = await tracer({ sampleKey: sample.key, blob: sample.blob, settings, maxSide: DRAFT_SIDE }, controller.signal);
          setState({ result: first, busy: first.draft });
          if (!first.draft) return;
          draft = first;
          const full = await tracer({ sampleKey: sample.key, blob: sample.blob, settings }, controller.signal);
          setState({ result: full, busy: false });
        } catch (err) {
          if (isAbort(err)) return;
          // A sample too large to trace in full still shows its draft, with the reason beside it.
          setState({ result: draft, error: asTraceError(err), busy: false });
        }
      })();
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // settingsKey stands for settings: a new object with the same values is not a change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tracer, sample, settingsKey]);

  return state;
}
