import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

export const SAMPLES = resolve(import.meta.dirname, '../../samples');
export const BADGE = join(SAMPLES, 'images/badge.png');
export const TORUS_KNOT = join(SAMPLES, 'models/torus-knot.glb');

export type Rgb = [number, number, number];

export interface ParsedSvg {
  width: number;
  height: number;
  viewBox: number[];
  paths: { fill: string; d: string }[];
  fills: string[];
}

/** Reads the parts of an SVG the tests check; throws when it is not a single well-formed svg element. */
export function parseSvg(svg: string): ParsedSvg {
  // VTracer starts with an XML declaration and a generator comment.
  const text = svg.trim().replace(/^<\?xml[^>]*\?>\s*/, '').replace(/^(<!--[\s\S]*?-->\s*)+/, '');
  if (!text.startsWith('<svg')) throw new Error('does not start with <svg');
  if (!text.endsWith('</svg>')) throw new Error('does not end with </svg>');
  const open = /^<svg\b([^>]*)>/.exec(text);
  if (!open) throw new Error('no svg start tag');
  const attr = (tag: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  const paths = [...text.matchAll(/<path\b([^>]*?)\/>/g)].map((m) => ({ fill: attr(m[1]!, 'fill') ?? '', d: attr(m[1]!, 'd') ?? '' }));
  // Every element is a path; nothing else may sit between the svg tags.
  const inner = text.slice(open[0].length, -'</svg>'.length).replace(/<path\b[^>]*?\/>/g, '').trim();
  if (inner !== '') throw new Error(`unexpected content: ${inner.slice(0, 80)}`);
  return {
    width: Number(attr(open[1]!, 'width')),
    height: Number(attr(open[1]!, 'height')),
    viewBox: (attr(open[1]!, 'viewBox') ?? '').split(/\s+/).map(Number),
    paths,
    fills: [...new Set(paths.map((p) => p.fill))],
  };
}

export function hexToRgb(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

export const distance = (a: Rgb, b: Rgb): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Rasterises an SVG with sharp (librsvg) into RGB pixels of the given size. */
export async function renderSvg(svg: string, width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(svg)).resize(width, height, { fit: 'fill' }).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer();
}

export async function rgbPixels(path: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(path).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-local-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A deterministic picture of many overlapping coloured circles: enough work to keep a tracer busy for seconds. */
export async function busyImage(path: string, side = 1024, circles = 300): Promise<void> {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let shapes = '';
  for (let i = 0; i < circles; i++) {
    shapes += `<circle cx="${rnd() * side}" cy="${rnd() * side}" r="${side / 160 + (rnd() * side) / 20}" fill="hsl(${Math.floor(rnd() * 360)},70%,55%)"/>`;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}"><rect width="${side}" height="${side}" fill="#fff"/>${shapes}</svg>`;
  await sharp(Buffer.from(svg)).png().toFile(path);
}
