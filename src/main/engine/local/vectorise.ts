import { readFile, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import ImageTracer from 'imagetracerjs';
import type { ScannedPath, TracedPath, TracedSegment, TracerColor, TracerOptions } from 'imagetracerjs';
import type { ModelParams } from '../models/types';
import type { LocalResult } from './types';

export const VECTORISE_ENGINE_NAME = `imagetracerjs ${ImageTracer.versionnumber}`;

/**
 * Longest side traced. imagetracerjs keeps one JS array cell per pixel per colour layer, so a
 * 4k photo would take minutes and gigabytes; above this the image is traced downscaled and the
 * paths are scaled back, so the SVG still has the original size.
 */
export const MAX_TRACE_SIDE = 1024;

/** More layers than this cost time without looking better: each layer is a full pass over the image. */
export const MAX_COLORS = 64;

export type VtracerPreset = 'bw' | 'poster' | 'photo' | 'custom';
export type CurveMode = 'spline' | 'polygon' | 'pixel';

/** VTracer's parameters, resolved from a preset or from custom values, as the local tracer uses them. */
export interface TraceSettings {
  preset: VtracerPreset;
  binary: boolean;
  /** Significant bits per RGB channel when grouping pixels into candidate colours. */
  colorPrecision: number;
  /** Upper bound on the palette. */
  maxColors: number;
  /** Smallest difference (largest per-channel gap, 0–255) between two palette colours. */
  layerDifference: number;
  /** Patches smaller than this many source pixels are dropped. */
  filterSpeckle: number;
  mode: CurveMode;
  cornerThreshold: number;
  lengthThreshold: number;
  spliceThreshold: number;
}

// The API expands its presets server-side without saying how; these are local equivalents chosen
// for what each preset is for (poster: few flat colours, photo: many, bw: one ink colour).
const PRESETS: Record<Exclude<VtracerPreset, 'custom'>, TraceSettings> = {
  bw: {
    preset: 'bw', binary: true, colorPrecision: 6, maxColors: 2, layerDifference: 16, filterSpeckle: 4,
    mode: 'spline', cornerThreshold: 60, lengthThreshold: 4, spliceThreshold: 45,
  },
  poster: {
    preset: 'poster', binary: false, colorPrecision: 8, maxColors: 16, layerDifference: 16, filterSpeckle: 4,
    mode: 'spline', cornerThreshold: 60, lengthThreshold: 4, spliceThreshold: 45,
  },
  photo: {
    preset: 'photo', binary: false, colorPrecision: 8, maxColors: MAX_COLORS, layerDifference: 8, filterSpeckle: 10,
    mode: 'spline', cornerThreshold: 180, lengthThreshold: 4, spliceThreshold: 45,
  },
};

function num(params: ModelParams, name: string, fallback: number): number {
  const v = params[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function str(params: ModelParams, name: string, fallback: string): string {
  const v = params[name];
  return typeof v === 'string' ? v : fallback;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Resolves preset or custom parameters; defaults are the API reference's. */
export function resolveSettings(params: ModelParams): { settings: TraceSettings; notes: string[] } {
  const notes: string[] = [];
  const presetName = str(params, 'presetName', 'poster');
  if (presetName !== 'custom') {
    const preset = PRESETS[presetName as Exclude<VtracerPreset, 'custom'>];
    if (!preset) throw new Error(`Unknown VTracer preset "${presetName}" (expected bw, poster, photo or custom)`);
    if (presetName !== 'bw') {
      notes.push('Shapes are cut out of one another rather than stacked: stacked layering needs the cloud model.');
    }
    return { settings: { ...preset }, notes };
  }
  const colorPrecision = Math.round(clamp(num(params, 'colorPrecision', 6), 1, 8));
  const rawMode = str(params, 'mode', 'spline');
  // VTracer's "none" skips path simplification, which leaves the pixel outlines: the same as "pixel".
  const mode: CurveMode = rawMode === 'polygon' ? 'polygon' : rawMode === 'pixel' || rawMode === 'none' ? 'pixel' : 'spline';
  const binary = str(params, 'colorMode', 'color') === 'binary';
  if (!binary && str(params, 'hierarchical', 'stacked') === 'stacked') {
    notes.push('hierarchical "stacked" is not available locally: shapes are cut out of one another instead.');
  }
  return {
    settings: {
      preset: 'custom',
      binary,
      colorPrecision,
      maxColors: binary ? 2 : Math.min(MAX_COLORS, 2 ** (3 * colorPrecision)),
      layerDifference: clamp(num(params, 'layerDifference', 16), 0, 255),
      filterSpeckle: Math.max(0, num(params, 'filterSpeckle', 4)),
      mode,
      cornerThreshold: clamp(num(params, 'cornerThreshold', 60), 0, 180),
      lengthThreshold: clamp(num(params, 'lengthThreshold', 4), 3.5, 10),
      spliceThreshold: clamp(num(params, 'spliceThreshold', 45), 0, 180),
    },
    notes,
  };
}

interface Raster {
  data: Uint8ClampedArray;
  width: number;
  height: number;
  /** Size of the source image, which the SVG keeps. */
  sourceWidth: number;
  sourceHeight: number;
}

async function decode(input: Buffer | string): Promise<Raster> {
  let meta: Metadata;
  try {
    meta = await sharp(input).metadata();
  } catch (err) {
    throw new Error(`Could not read the image: ${(err as Error).message}`, { cause: err });
  }
  if (!meta.width || !meta.height) throw new Error('Could not read the image: it has no size');
  // EXIF orientations 5–8 swap width and height once the image is turned upright.
  const turned = (meta.orientation ?? 1) >= 5;
  const sourceWidth = turned ? meta.height : meta.width;
  const sourceHeight = turned ? meta.width : meta.height;
  const scale = Math.min(1, MAX_TRACE_SIDE / Math.max(sourceWidth, sourceHeight));
  let pipeline = sharp(input).rotate().ensureAlpha();
  if (scale < 1) {
    pipeline = pipeline.resize({
      width: Math.max(1, Math.round(sourceWidth * scale)),
      height: Math.max(1, Math.round(sourceHeight * scale)),
      fit: 'fill',
    });
  }
  try {
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      sourceWidth,
      sourceHeight,
    };
  } catch (err) {
    throw new Error(`Could not decode the image: ${(err as Error).message}`, { cause: err });
  }
}

const TRANSPARENT: TracerColor = { r: 0, g: 0, b: 0, a: 0 };

/**
 * Like VTracer, treats pixels as either transparent (keyed out, never traced) or opaque, so
 * half-transparent edges do not become layers of their own. Binary mode also thresholds
 * luminance to black or white.
 */
function normalisePixels(raster: Raster, binary: boolean): { transparent: number } {
  const d = raster.data;
  let transparent = 0;
  for (let i = 0; i < d.length; i += 4) {
    if ((d[i + 3] ?? 0) < 128) {
      d[i] = d[i + 1] = d[i + 2] = d[i + 3] = 0;
      transparent++;
      continue;
    }
    d[i + 3] = 255;
    if (binary) {
      const lum = 0.2126 * (d[i] ?? 0) + 0.7152 * (d[i + 1] ?? 0) + 0.0722 * (d[i + 2] ?? 0);
      const v = lum < 128 ? 0 : 255;
      d[i] = d[i + 1] = d[i + 2] = v;
    }
  }
  return { transparent };
}

/** Share of the opaque pixels that may stay unrepresented by a palette colour (anti-aliasing, noise). */
const LEFTOVER_SHARE = 0.05;

/**
 * Picks the palette from the image itself. Pixels are grouped by their top `colorPrecision` bits
 * per channel and the most common groups win; a group closer than layerDifference to a chosen
 * colour is absorbed by it. Flat artwork is done after that one pass. In gradients and photos
 * every fine group is tiny, so the pixels still unrepresented are grouped again with one bit
 * fewer, and so on, until nearly every pixel has a colour or the palette is full: colorPrecision
 * sets the finest detail, never a floor. (imagetracerjs's own sampling reads a fixed grid of
 * pixels and misses small flat areas such as a logo's accent colour.)
 */
export function pickPalette(raster: Raster, settings: TraceSettings): TracerColor[] {
  const d = raster.data;
  const exact = new Map<number, number>();
  let opaque = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] === 0) continue;
    opaque++;
    const key = ((d[i] ?? 0) << 16) | ((d[i + 1] ?? 0) << 8) | (d[i + 2] ?? 0);
    exact.set(key, (exact.get(key) ?? 0) + 1);
  }
  if (opaque === 0) return [];
  // A group covering less than this is anti-aliasing or noise; as a layer it would only be
  // speckles that the path filter drops, leaving holes.
  const minCount = Math.max(1, Math.ceil(opaque * 0.0005), Math.ceil(settings.filterSpeckle));
  const palette: TracerColor[] = [];
  const tooClose = (c: TracerColor): boolean =>
    palette.some((p) => Math.max(Math.abs(p.r - c.r), Math.abs(p.g - c.g), Math.abs(p.b - c.b)) < settings.layerDifference);

  let leftover = [...exact.entries()];
  for (let bits = settings.colorPrecision; bits >= 1 && palette.length < settings.maxColors; bits--) {
    const shift = 8 - bits;
    const groups = new Map<number, { n: number; r: number; g: number; b: number; keys: number[] }>();
    for (const [key, n] of leftover) {
      const r = (key >> 16) & 255, g = (key >> 8) & 255, b = key & 255;
      const gk = ((r >> shift) << 16) | ((g >> shift) << 8) | (b >> shift);
      const group = groups.get(gk) ?? { n: 0, r: 0, g: 0, b: 0, keys: [] };
      group.n += n; group.r += r * n; group.g += g * n; group.b += b * n;
      group.keys.push(key);
      groups.set(gk, group);
    }
    const represented = new Set<number>();
    for (const group of [...groups.values()].sort((a, b) => b.n - a.n)) {
      if (group.n < minCount || palette.length >= settings.maxColors) break;
      const c = { r: Math.round(group.r / group.n), g: Math.round(group.g / group.n), b: Math.round(group.b / group.n), a: 255 };
      if (!tooClose(c)) palette.push(c);
      for (const key of group.keys) represented.add(key);
    }
    leftover = leftover.filter(([key]) => !represented.has(key));
    if (leftover.reduce((sum, [, n]) => sum + n, 0) <= opaque * LEFTOVER_SHARE) break;
  }
  if (palette.length === 0) {
    // Too few pixels of any one colour (a tiny or noisy image): one layer in the average colour.
    let n = 0, r = 0, g = 0, b = 0;
    for (const [key, count] of exact) {
      n += count; r += ((key >> 16) & 255) * count; g += ((key >> 8) & 255) * count; b += (key & 255) * count;
    }
    palette.push({ r: Math.round(r / n), g: Math.round(g / n), b: Math.round(b / n), a: 255 });
  }
  return palette;
}

/** imagetracerjs options for the resolved settings; a fresh object every time, as the library mutates it. */
export function tracerOptions(settings: TraceSettings, palette: readonly TracerColor[], pixelArea: number): TracerOptions {
  // A patch of area A has a perimeter of at least about 4·√A edge nodes, and pathomit counts edge
  // nodes; the default speckle of 4 px gives imagetracerjs's own default of 8.
  const pathomit = settings.filterSpeckle > 0 ? Math.ceil(4 * Math.sqrt(settings.filterSpeckle / pixelArea)) : 0;
  // Both tolerances are squared distances in trace pixels; VTracer's defaults (length 4, splice 45)
  // land on imagetracerjs's defaults (1, 1), larger values allow longer, looser segments.
  const ltres = settings.lengthThreshold / 4;
  const qtres = settings.mode === 'polygon' ? 0 : Math.max(0.05, settings.spliceThreshold / 45);
  return {
    pal: palette.map((c) => ({ ...c })),
    // Two rounds: each palette colour becomes the mean of the pixels it won, so fills are source colours.
    colorquantcycles: settings.binary ? 1 : 2,
    pathomit,
    ltres,
    qtres,
    // imagetracerjs can only tell right angles from smooth turns: a right angle is a corner exactly
    // when VTracer's cornerThreshold is at most 90°.
    rightangleenhance: settings.cornerThreshold <= 90,
    layering: 0,
    blurradius: 0,
    colorsampling: 0,
    mincolorratio: 0,
  };
}

const fmt = (v: number): string => String(Math.round(v * 100) / 100);
const hex = (c: TracerColor): string => '#' + [c.r, c.g, c.b].map((v) => v.toString(16).padStart(2, '0')).join('');

function segmentsData(path: TracedPath, sx: number, sy: number): string {
  const first = path.segments[0];
  if (!first) return '';
  let d = `M${fmt(first.x1 * sx)} ${fmt(first.y1 * sy)}`;
  for (const s of path.segments) {
    d += s.type === 'Q'
      ? `Q${fmt(s.x2 * sx)} ${fmt(s.y2 * sy)} ${fmt(s.x3 * sx)} ${fmt(s.y3 * sy)}`
      : `L${fmt(s.x2 * sx)} ${fmt(s.y2 * sy)}`;
  }
  return d + 'Z';
}

const segmentEnd = (s: TracedSegment): [number, number] => (s.type === 'Q' ? [s.x3, s.y3] : [s.x2, s.y2]);

function holeData(path: TracedPath, sx: number, sy: number): string {
  // Drawn backwards like imagetracerjs does, so the hole also works with the nonzero fill rule.
  const last = path.segments[path.segments.length - 1];
  if (!last) return '';
  const [ex, ey] = segmentEnd(last);
  let d = `M${fmt(ex * sx)} ${fmt(ey * sy)}`;
  for (let i = path.segments.length - 1; i >= 0; i--) {
    const s = path.segments[i] as TracedSegment;
    d += s.type === 'Q'
      ? `Q${fmt(s.x2 * sx)} ${fmt(s.y2 * sy)} ${fmt(s.x1 * sx)} ${fmt(s.y1 * sy)}`
      : `L${fmt(s.x1 * sx)} ${fmt(s.y1 * sy)}`;
  }
  return d + 'Z';
}

function tracedLayerData(layer: TracedPath[], sx: number, sy: number): string {
  let d = '';
  for (const path of layer) {
    if (path.isholepath) continue;
    d += segmentsData(path, sx, sy);
    for (const h of path.holechildren) {
      const hole = layer[h];
      if (hole) d += holeData(hole, sx, sy);
    }
  }
  return d;
}

/** Pixel outlines straight from the edge scan, keeping only the points where the outline turns. */
function polygonData(path: ScannedPath, sx: number, sy: number): string {
  const pts = path.points;
  const n = pts.length;
  let d = '';
  for (let i = 0; i < n; i++) {
    const prev = pts[(i - 1 + n) % n]!, p = pts[i]!, next = pts[(i + 1) % n]!;
    const straight = (prev.x === p.x && p.x === next.x) || (prev.y === p.y && p.y === next.y);
    if (straight) continue;
    d += `${d === '' ? 'M' : 'L'}${fmt(p.x * sx)} ${fmt(p.y * sy)}`;
  }
  return d === '' ? '' : d + 'Z';
}

function scannedLayerData(paths: ScannedPath[], sx: number, sy: number): string {
  let d = '';
  for (const path of paths) if (!path.isholepath) d += polygonData(path, sx, sy);
  for (const path of paths) if (path.isholepath) d += polygonData(path, sx, sy);
  return d;
}

export interface VectoriseResult {
  svg: string;
  /** Distinct fill colours in the SVG. */
  colors: string[];
  notes: string[];
  settings: TraceSettings;
  traceWidth: number;
  traceHeight: number;
}

/** Traces a raster image (file path or bytes) to an SVG string the size of the source. */
export async function vectorise(input: Buffer | string, params: ModelParams): Promise<VectoriseResult> {
  const { settings, notes } = resolveSettings(params);
  const raster = await decode(input);
  const { transparent } = normalisePixels(raster, settings.binary);

  const palette: TracerColor[] = settings.binary
    ? [{ r: 0, g: 0, b: 0, a: 255 }, { r: 255, g: 255, b: 255, a: 255 }]
    : pickPalette(raster, settings);
  if (transparent > 0) palette.push({ ...TRANSPARENT });

  const sx = raster.sourceWidth / raster.width;
  const sy = raster.sourceHeight / raster.height;
  const options = tracerOptions(settings, palette, sx * sy);
  const imgd = { width: raster.width, height: raster.height, data: raster.data };

  const layers: { color: TracerColor; d: string }[] = [];
  if (palette.length > 0 && raster.width > 0) {
    if (settings.mode === 'pixel') {
      const ii = ImageTracer.colorquantization(imgd, ImageTracer.checkoptions(options));
      ii.palette.forEach((color, i) => {
        layers.push({ color, d: scannedLayerData(ImageTracer.pathscan(ImageTracer.layeringstep(ii, i), options.pathomit ?? 0), sx, sy) });
      });
    } else {
      const traced = ImageTracer.imagedataToTracedata(imgd, options);
      traced.palette.forEach((color, i) => {
        layers.push({ color, d: tracedLayerData(traced.layers[i] ?? [], sx, sy) });
      });
    }
  }

  // The stroke, in the fill colour and one trace pixel wide, closes the hairline seams that
  // anti-aliasing leaves between shapes cut out of one another; pixel outlines need none.
  const strokeWidth = fmt((sx + sy) / 2);
  const colors: string[] = [];
  const body: string[] = [];
  for (const layer of layers) {
    // Transparent areas were keyed out; binary mode traces the ink only, as VTracer does.
    if (layer.color.a < 128 || layer.d === '') continue;
    if (settings.binary && layer.color.r > 127) continue;
    const fill = hex(layer.color);
    if (!colors.includes(fill)) colors.push(fill);
    const stroke = settings.mode === 'pixel' ? '' : ` stroke="${fill}" stroke-width="${strokeWidth}" stroke-linejoin="round"`;
    body.push(`<path fill="${fill}" fill-rule="evenodd"${stroke} d="${layer.d}"/>`);
  }

  const w = raster.sourceWidth, h = raster.sourceHeight;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">\n` +
    body.join('\n') +
    (body.length ? '\n' : '') +
    '</svg>\n';

  notes.unshift(
    `Traced on this machine with ${VECTORISE_ENGINE_NAME}: ${colors.length} colour${colors.length === 1 ? '' : 's'}, ` +
      `${settings.mode === 'pixel' ? 'pixel outlines' : settings.mode === 'polygon' ? 'straight lines' : 'curves'}.`,
  );
  if (raster.width !== w || raster.height !== h) {
    notes.push(`Traced at ${raster.width}×${raster.height} (downscaled from ${w}×${h} for speed); the SVG keeps the original size.`);
  }
  return { svg, colors, notes, settings, traceWidth: raster.width, traceHeight: raster.height };
}

/** Worker entry: trace one image file and write the SVG. */
export default async function convertFile(inputPath: string, outputPath: string, params: ModelParams): Promise<LocalResult> {
  const input = await readFile(inputPath);
  const { svg, notes } = await vectorise(input, params);
  await writeFile(outputPath, svg, 'utf8');
  return { notes };
}
