import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { initSync, to_svg } from 'vtracer-wasm';
import { checkTraceSize, resolveVtracerSettings, traceRgba, TraceError } from '../../../shared/vtracer';
import type { SvgStats, ToSvg, VtracerSettings } from '../../../shared/vtracer';
import { vtracer } from '../models/vtracer';
import type { ModelParams } from '../models/types';
import type { LocalResult } from './types';

let loaded: ToSvg | undefined;
// Only its size is read; Node's types do not declare the WebAssembly namespace.
let memory: { readonly buffer: ArrayBufferLike } | undefined;

/**
 * A WebAssembly memory only grows: after a large image (measured: 1024² takes it to 35–60 MiB,
 * 2048² to 130–180 MiB, 4096² to 520–700 MiB) an idle worker would keep it for good, so a worker
 * whose memory passed this is replaced.
 */
export const RETIRE_MEMORY_BYTES = 128 * 1024 * 1024;

/** Instantiates the WebAssembly once per worker (its package's default loader looks for a file it does not ship). */
function engine(): ToSvg {
  if (!loaded) {
    const wasmPath = createRequire(import.meta.url).resolve('vtracer-wasm/vtracer.wasm');
    memory = initSync({ module: readFileSync(wasmPath) }).memory;
    loaded = (pixels, width, height, config) => to_svg(pixels, width, height, config);
  }
  return loaded;
}

/** The queue's parameters as VTracer's full settings, defaults and presets read from the descriptor. */
export function resolveSettings(params: ModelParams): VtracerSettings {
  return resolveVtracerSettings(vtracer, params);
}

interface Raster {
  pixels: Uint8Array;
  width: number;
  height: number;
}

async function decode(input: Buffer | string): Promise<Raster> {
  let meta: Metadata;
  try {
    meta = await sharp(input).metadata();
  } catch (err) {
    throw new TraceError('Could not read the image: it is damaged or not a picture.', (err as Error).message, false, 'broken-file');
  }
  if (!meta.width || !meta.height) throw new TraceError('Could not read the image: it has no size.', undefined, false, 'broken-file');
  // EXIF orientations 5–8 swap width and height once the image is turned upright.
  const turned = (meta.orientation ?? 1) >= 5;
  checkTraceSize(turned ? meta.height : meta.width, turned ? meta.width : meta.height);
  try {
    const { data, info } = await sharp(input).rotate().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (err) {
    throw new TraceError('Could not decode the image: it looks damaged.', (err as Error).message, false, 'broken-file');
  }
}

export interface VectoriseResult {
  svg: string;
  stats: SvgStats;
  settings: VtracerSettings;
}

/** Traces a raster image (file path or bytes) with VTracer; the SVG has the source's size. */
export async function vectorise(input: Buffer | string, params: ModelParams): Promise<VectoriseResult> {
  const settings = resolveSettings(params);
  const { pixels, width, height } = await decode(input);
  const { svg, stats } = traceRgba(engine(), pixels, width, height, settings);
  return { svg, stats, settings };
}

/** Asked by worker.ts after each job. */
export function retireAfterUse(): boolean {
  return (memory?.buffer.byteLength ?? 0) > RETIRE_MEMORY_BYTES;
}

/** Worker entry: trace one image file and write the SVG. */
export default async function convertFile(inputPath: string, outputPath: string, params: ModelParams): Promise<LocalResult> {
  const input = await readFile(inputPath);
  const { svg } = await vectorise(input, params);
  await writeFile(outputPath, svg, 'utf8');
  return {};
}
