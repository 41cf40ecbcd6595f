/// <reference lib="webworker" />
/**
 * Traces the editor's sample with VTracer in a browser worker (see trace-client.ts for why here).
 * The WebAssembly is inlined as a data: URL so no host has to serve or fetch a .wasm file.
 */
import wasmDataUrl from 'vtracer-wasm/vtracer.wasm?url&inline';
import { initSync, to_svg } from 'vtracer-wasm';
import { checkTraceSize, MAX_TRACE_PIXELS, TraceError, traceRgba } from '../../shared/vtracer';
import type { ToSvg } from '../../shared/vtracer';
import { draftSettings } from './draft';
import type { TraceReply, TraceRequest } from './trace-protocol';

declare const self: DedicatedWorkerGlobalScope;

let engine: ToSvg | undefined;

function load(): ToSvg {
  if (!engine) {
    const base64 = wasmDataUrl.slice(wasmDataUrl.indexOf(',') + 1);
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    initSync({ module: bytes });
    engine = (pixels, width, height, config) => to_svg(pixels, width, height, config);
  }
  return engine;
}

interface Pixels {
  key: string;
  data: Uint8Array;
  width: number;
  height: number;
  fullWidth: number;
}

/** The last decoded sizes: a draft and the full image of the current sample. */
const cache: Pixels[] = [];

async function pixelsOf(req: TraceRequest): Promise<Pixels> {
  const key = `${req.sampleKey}@${req.maxSide ?? 'full'}`;
  const hit = cache.find((p) => p.key === key);
  if (hit) return hit;
  let full: ImageBitmap;
  try {
    full = await createImageBitmap(req.blob);
  } catch (err) {
    throw new TraceError('Could not read the sample image: it is damaged or not a picture.', (err as Error).message);
  }
  const fullWidth = full.width;
  // A draft of any sample can be traced; the full size only within the local engine's limit.
  if (!req.maxSide && full.width * full.height > MAX_TRACE_PIXELS) {
    const { width, height } = full;
    full.close();
    checkTraceSize(width, height);
  }
  const scale = req.maxSide ? Math.min(1, req.maxSide / Math.max(full.width, full.height)) : 1;
  const width = Math.max(1, Math.round(full.width * scale));
  const height = Math.max(1, Math.round(full.height * scale));
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new TraceError('Could not read the sample image: this browser cannot decode it in a worker.');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(full, 0, 0, width, height);
  full.close();
  const image = ctx.getImageData(0, 0, width, height);
  const pixels: Pixels = { key, data: new Uint8Array(image.data.buffer), width, height, fullWidth };
  cache.unshift(pixels);
  cache.length = Math.min(cache.length, 2);
  return pixels;
}

self.onmessage = async (event: MessageEvent<TraceRequest>) => {
  const req = event.data;
  const started = performance.now();
  let reply: TraceReply;
  try {
    const px = await pixelsOf(req);
    const draft = px.width < px.fullWidth;
    const settings = draft ? draftSettings(req.settings, px.width / px.fullWidth) : req.settings;
    const { svg, stats } = traceRgba(load(), px.data, px.width, px.height, settings);
    reply = { id: req.id, ok: true, svg, stats, width: px.width, height: px.height, draft, ms: performance.now() - started };
  } catch (err) {
    const e = err instanceof TraceError ? err : new TraceError('The preview could not be traced.', String(err));
    reply = { id: req.id, ok: false, summary: e.summary, details: e.details, poisoned: e.poisoned };
  }
  self.postMessage(reply);
};
