import type { SvgStats, VtracerSettings } from '../../shared/vtracer';

/** One trace of the sample, asked of src/renderer/preview/trace-worker.ts. */
export interface TraceRequest {
  id: number;
  /** Identifies the sample, so the worker decodes each one once per size. */
  sampleKey: string;
  blob: Blob;
  settings: VtracerSettings;
  /** Longest side traced: a draft of a large sample is traced smaller (undefined: full size). */
  maxSide?: number;
}

export interface TraceSuccess {
  svg: string;
  stats: SvgStats;
  /** Size traced (smaller than the sample for a draft). */
  width: number;
  height: number;
  /** Whether this is a reduced-size draft rather than VTracer's result at full size. */
  draft: boolean;
  /** Milliseconds spent decoding (when not cached) and tracing in the worker. */
  ms: number;
}

export interface TraceFailureInfo {
  summary: string;
  details?: string;
  /** The WebAssembly panicked: the worker is replaced. */
  poisoned: boolean;
}

export type TraceReply = ({ id: number; ok: true } & TraceSuccess) | ({ id: number; ok: false } & TraceFailureInfo);

