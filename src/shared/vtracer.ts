/**
 * VTracer run on this machine through `vtracer-wasm` (the whole VTracer converter built to
 * WebAssembly), shared by the main process's worker pool (src/main/engine/local/vectorise.ts) and
 * the editor's live preview, which traces in a browser worker (src/renderer/preview/trace-worker.ts).
 *
 * The parameters' defaults, ranges and the presets' values are the model descriptor's
 * (src/main/engine/models/vtracer.ts, reaching the renderer as ModelInfo): this module only says
 * how they become the WebAssembly's config, once, in toWasmConfig.
 */
import { z } from 'zod';
import { paintedColours, withExactColours } from './exact-colours';
import type { FailureKind } from './failure-text';

/**
 * VTracer's settings in the units the API and the artist use (degrees, bits, pixels): the shape
 * toWasmConfig translates. The words are the ones it maps; ranges and whole-number rules are the
 * descriptor's and are checked against it in resolveVtracerSettings.
 */
export const vtracerSettingsSchema = z.object({
  colorMode: z.enum(['color', 'binary']),
  colorPrecision: z.number(),
  layerDifference: z.number(),
  hierarchical: z.enum(['stacked', 'cutout']),
  mode: z.enum(['spline', 'polygon', 'pixel', 'none']),
  filterSpeckle: z.number(),
  cornerThreshold: z.number(),
  lengthThreshold: z.number(),
  spliceThreshold: z.number(),
});
export type VtracerSettings = z.infer<typeof vtracerSettingsSchema>;
export const VTRACER_SETTING_NAMES = Object.keys(vtracerSettingsSchema.shape) as (keyof VtracerSettings)[];

/**
 * Not API parameters: every VTracer preset and its default config use these (cmdapp/src/config.rs
 * upstream: `max_iterations: 10`, `path_precision: Some(2)`).
 */
export const VTRACER_MAX_ITERATIONS = 10;
export const VTRACER_PATH_PRECISION = 2;

/**
 * Largest image traced on this machine. VTracer's clustering needs about 40 bytes a pixel
 * (measured: a 4096 × 4096 trace grows the WebAssembly memory to about 700 MiB), and a 32-bit
 * WebAssembly memory cannot pass 4 GiB, so anything bigger is refused before it is decoded.
 */
export const MAX_TRACE_SIDE = 4096;
export const MAX_TRACE_PIXELS = MAX_TRACE_SIDE * MAX_TRACE_SIDE;

/** The config object `to_svg` of vtracer-wasm 0.1.0 reads (field names from its WebAssembly). */
export interface VtracerWasmConfig {
  binary: boolean;
  mode: 'spline' | 'polygon' | 'pixel';
  hierarchical: 'stacked' | 'cutout';
  /** Radians. */
  cornerThreshold: number;
  lengthThreshold: number;
  maxIterations: number;
  /** Radians. */
  spliceThreshold: number;
  /** An area in pixels. */
  filterSpeckle: number;
  /** Bits dropped per channel (8 − precision). */
  colorPrecision: number;
  layerDifference: number;
  pathPrecision: number;
}

const radians = (degrees: number): number => (degrees / 180) * Math.PI;

/**
 * The one translation from VTracer's parameters to vtracer-wasm's config. The WebAssembly takes
 * the values VTracer's converter works with internally (ConverterConfig in upstream
 * cmdapp/src/config.rs, as VTracer's own web app sends them), not the ones its CLI and the API
 * take; test/local/vtracer-config.test.ts pins each of these down by behaviour:
 * - colorPrecision is the precision *loss*, 8 − bits (passing 8 panics inside the WebAssembly);
 * - filterSpeckle is an area, the side squared;
 * - cornerThreshold and spliceThreshold are radians;
 * - mode "none" is VTracer's pixel mode (its CLI maps "pixel" to PathSimplifyMode::None).
 * Whole-number fields are rounded: the WebAssembly panics on a fraction.
 */
export function toWasmConfig(settings: VtracerSettings): VtracerWasmConfig {
  const side = Math.max(0, Math.round(settings.filterSpeckle));
  return {
    binary: settings.colorMode === 'binary',
    mode: settings.mode === 'none' ? 'pixel' : settings.mode,
    hierarchical: settings.hierarchical,
    cornerThreshold: radians(settings.cornerThreshold),
    lengthThreshold: settings.lengthThreshold,
    maxIterations: VTRACER_MAX_ITERATIONS,
    spliceThreshold: radians(settings.spliceThreshold),
    filterSpeckle: side * side,
    colorPrecision: 8 - Math.round(settings.colorPrecision),
    layerDifference: Math.round(settings.layerDifference),
    pathPrecision: VTRACER_PATH_PRECISION,
  };
}

type Value = string | number | boolean;

/** What resolution needs from a model: a ModelDescriptor and a ModelInfo both fit. */
export interface VtracerModelSpec {
  parameters: ReadonlyArray<{
    name: string;
    default?: Value | undefined;
    integer?: boolean | undefined;
    min?: number | undefined;
    max?: number | undefined;
    enum?: ReadonlyArray<string> | undefined;
  }>;
  presets: ReadonlyArray<{ name: string; expands?: Readonly<Record<string, Value>> | undefined }>;
  defaultPreset?: string | undefined;
}

/**
 * The full settings a queue's parameters stand for: a preset's own values (the API ignores custom
 * values with a preset), or the custom values with the descriptor's defaults for those not set.
 */
export function resolveVtracerSettings(model: VtracerModelSpec, params: Readonly<Record<string, Value>>): VtracerSettings {
  const presetName = String(params['presetName'] ?? model.defaultPreset ?? 'custom');
  let values: Record<string, Value | undefined>;
  if (presetName === 'custom') {
    values = Object.fromEntries(model.parameters.map((p) => [p.name, params[p.name] ?? p.default]));
  } else {
    const preset = model.presets.find((p) => p.name === presetName);
    if (!preset?.expands) throw new Error(`Unknown VTracer preset "${presetName}"`);
    values = { ...preset.expands };
  }
  const picked = Object.fromEntries(VTRACER_SETTING_NAMES.map((name) => [name, values[name]]));
  const parsed = vtracerSettingsSchema.safeParse(picked);
  const problem = parsed.success
    ? VTRACER_SETTING_NAMES.map((name) => outsideSpec(model, name, parsed.data[name])).find((p) => p !== undefined)
    : `${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`;
  if (!parsed.success || problem !== undefined) {
    throw new Error(`VTracer settings for "${presetName}" are incomplete or out of range: ${problem}`);
  }
  return parsed.data;
}

/** How a setting breaks its parameter's rules in the descriptor, if it does. */
function outsideSpec(model: VtracerModelSpec, name: string, value: Value): string | undefined {
  const spec = model.parameters.find((p) => p.name === name);
  if (!spec) return `${name} is not a parameter of this model`;
  if (typeof value === 'number') {
    if (spec.integer === true && !Number.isInteger(value)) return `${name} must be a whole number (got ${value})`;
    if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
      return `${name} must be from ${spec.min ?? '-∞'} to ${spec.max ?? '∞'} (got ${value})`;
    }
  }
  if (typeof value === 'string' && spec.enum !== undefined && !spec.enum.includes(value)) return `${name} must be one of ${spec.enum.join(', ')} (got ${value})`;
  return undefined;
}

/** A trace that did not give a picture, in words for the artist, with the technical detail apart. */
export class TraceError extends Error {
  override name = 'TraceError';
  constructor(
    readonly summary: string,
    readonly details?: string,
    /** The WebAssembly panicked: its memory may be left inconsistent, so the instance must be replaced. */
    readonly poisoned = false,
    /** Set where the cause is certain (a damaged picture), so a failed item is told so without its words being read. */
    readonly failureKind?: FailureKind,
  ) {
    super(details ? `${summary}\nDetails: ${details}` : summary);
  }
}

export type ToSvg = (pixels: Uint8Array, width: number, height: number, config: VtracerWasmConfig) => string;

export interface SvgStats {
  /** Paths that draw something. */
  paths: number;
  /** Distinct fill colours. */
  colors: number;
  /** UTF-8 size of the SVG. */
  bytes: number;
}

export interface TraceOutcome {
  svg: string;
  stats: SvgStats;
}

/** Checks an image's size before anything is decoded or traced. */
export function checkTraceSize(width: number, height: number): void {
  if (width < 1 || height < 1) throw new TraceError('This image has no pixels to trace.', undefined, false, 'broken-file');
  if (width * height > MAX_TRACE_PIXELS) {
    throw new TraceError(
      `This image is too large to trace on this computer (${width} × ${height} pixels); the local engine takes up to ` +
        `${MAX_TRACE_SIDE} × ${MAX_TRACE_SIDE}. Scale it down or use the cloud engine.`,
    );
  }
}

function fullyTransparent(pixels: Uint8Array): boolean {
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return false;
  return true;
}

/** "visioncortex-0.8.8/src/color_clusters/runner.rs:78" from the panic hook's report, when it names a place. */
function panicPlace(logged: readonly string[]): string | undefined {
  for (const line of logged) {
    const m = /file: "(?:[^"]*\/)?((?:[\w.-]+\/)?src\/[^"]+)", line: (\d+)/.exec(line);
    if (m) return `${m[1]}:${m[2]}`;
  }
  return undefined;
}

export function svgStats(svg: string): SvgStats {
  let paths = 0;
  const fills = new Set<string>();
  for (const m of svg.matchAll(/<path\b([^>]*)>/g)) {
    const attrs = m[1] ?? '';
    const d = /\sd="([^"]*)"/.exec(attrs)?.[1] ?? '';
    if (d.trim() === '') continue;
    paths++;
    const fill = /\sfill="([^"]*)"/.exec(attrs)?.[1];
    if (fill) fills.add(fill.toLowerCase());
  }
  return { paths, colors: fills.size, bytes: new TextEncoder().encode(svg).byteLength };
}

/**
 * VTracer writes width and height only; with a viewBox the SVG also scales (previews, thumbnails,
 * an artist's layout) instead of being cropped. Nothing drawn changes.
 */
function withViewBox(svg: string, width: number, height: number): string {
  return svg.replace(/<svg\b(?![^>]*\sviewBox=)([^>]*)>/, `<svg$1 viewBox="0 0 ${width} ${height}">`);
}

/**
 * Traces RGBA pixels with the given to_svg. Never throws anything but a TraceError: a panic inside
 * the WebAssembly (reported through console.error by its panic hook, then a trap) becomes one
 * marked `poisoned`.
 *
 * Fills a few levels off a colour the source is painted with take that exact colour
 * (./exact-colours.ts says why).
 *
 * An image with nothing VTracer can draw (fully transparent, a single pixel, white in black-and-white
 * mode, or every patch under filterSpeckle) is an error, not an empty file: an SVG that shows nothing
 * is never what was wanted, and an error says why and lets the artist retry with other settings.
 */
export function traceRgba(toSvg: ToSvg, pixels: Uint8Array, width: number, height: number, settings: VtracerSettings): TraceOutcome {
  checkTraceSize(width, height);
  if (pixels.length !== width * height * 4) {
    throw new TraceError('The image could not be read.', `expected ${width * height * 4} RGBA bytes, got ${pixels.length}`);
  }
  // VTracer itself panics on these in stacked mode and draws the key colour as a shape in cutout mode.
  if (fullyTransparent(pixels)) throw new TraceError('Nothing to trace: every pixel of this image is transparent.');
  const logged: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => {
    logged.push(args.map(String).join(' '));
  };
  let svg: string;
  try {
    svg = toSvg(pixels, width, height, toWasmConfig(settings));
  } catch (err) {
    const place = panicPlace(logged);
    throw new TraceError(
      'VTracer could not trace this image with these settings. Try other settings, or the cloud engine.',
      `the WebAssembly stopped (${(err as Error).message})${place ? ` in ${place}` : ''}`,
      true,
    );
  } finally {
    console.error = original;
  }
  svg = withExactColours(withViewBox(svg, width, height), paintedColours(pixels, width, height));
  const stats = svgStats(svg);
  if (stats.paths === 0) {
    throw new TraceError(
      settings.colorMode === 'binary'
        ? 'Nothing to trace: VTracer found no dark shapes in this image (black-and-white mode traces only the dark parts).'
        : 'Nothing to trace: VTracer found no shapes in this image (it is too small, or every patch is smaller than the speckle filter).',
    );
  }
  return { svg, stats };
}
