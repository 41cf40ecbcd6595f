import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { vectorise } from '../../src/main/engine/local/vectorise';
import convertFile from '../../src/main/engine/local/vectorise';
import { vtracer } from '../../src/main/engine/models/vtracer';
import { BADGE, distance, hexToRgb, parseSvg, renderSvg, rgbPixels, withTempDir } from './helpers';
import type { Rgb } from './helpers';

// The badge's flat colours, as drawn by scripts/make-samples.ts.
const BADGE_COLOURS: Record<string, Rgb> = {
  cream: hexToRgb('#f4efe6'),
  orange: hexToRgb('#e4572e'),
  navy: hexToRgb('#29335c'),
  yellow: hexToRgb('#f3a712'),
};

const nearest = (c: Rgb, fills: string[]): number => Math.min(...fills.map((f) => distance(c, hexToRgb(f))));

async function gradientPng(path: string): Promise<void> {
  // Hue sweep left to right, dark to light top to bottom: thousands of distinct colours.
  const width = 240, height = 120;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const t = x / width, l = 0.25 + (0.6 * y) / height;
      data[i] = Math.round(255 * l * (0.5 + 0.5 * Math.cos(2 * Math.PI * t)));
      data[i + 1] = Math.round(255 * l * (0.5 + 0.5 * Math.cos(2 * Math.PI * (t - 1 / 3))));
      data[i + 2] = Math.round(255 * l * (0.5 + 0.5 * Math.cos(2 * Math.PI * (t - 2 / 3))));
    }
  }
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(path);
}

describe('local vectorise engine (imagetracerjs)', () => {
  it('traces the badge to a valid SVG of the same size whose fills are the badge colours', async () => {
    const { svg, colors, notes } = await vectorise(BADGE, {});
    const parsed = parseSvg(svg);
    expect(parsed.width).toBe(256);
    expect(parsed.height).toBe(256);
    expect(parsed.viewBox).toEqual([0, 0, 256, 256]);
    expect(parsed.paths.length).toBeGreaterThan(0);
    for (const p of parsed.paths) expect(p.d).toMatch(/^M[\d.]+ [\d.]+[LQ]/);
    expect(parsed.fills).toEqual(colors);

    for (const [name, colour] of Object.entries(BADGE_COLOURS)) {
      expect(nearest(colour, parsed.fills), `${name} appears as a fill`).toBeLessThan(6);
    }
    // Nothing invented: every fill is close to one of the source's colours.
    for (const fill of parsed.fills) expect(nearest(hexToRgb(fill), Object.values(BADGE_COLOURS).map((c) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`))).toBeLessThan(6);
    expect(notes[0]).toMatch(/imagetracerjs/);
  });

  it('draws the same picture: the rendered SVG matches the source pixel by pixel', async () => {
    const { svg } = await vectorise(BADGE, {});
    const source = await rgbPixels(BADGE);
    const rendered = await renderSvg(svg, source.width, source.height);
    let far = 0;
    for (let i = 0; i < source.data.length; i += 3) {
      const d = distance([source.data[i]!, source.data[i + 1]!, source.data[i + 2]!], [rendered[i]!, rendered[i + 1]!, rendered[i + 2]!]);
      if (d > 40) far++;
    }
    // Only outline pixels may differ (anti-aliasing, curve fitting): under 3% of the image.
    expect(far / (source.width * source.height)).toBeLessThan(0.03);
  });

  it('the bw preset gives at most two colours, black ink only', async () => {
    const { svg } = await vectorise(BADGE, { presetName: 'bw' });
    const parsed = parseSvg(svg);
    expect(parsed.fills.length).toBeLessThanOrEqual(2);
    expect(parsed.paths.length).toBeGreaterThan(0);
    for (const f of parsed.fills) expect(['#000000', '#ffffff']).toContain(f);
  });

  it('custom colorMode binary traces like bw', async () => {
    const parsed = parseSvg((await vectorise(BADGE, { presetName: 'custom', colorMode: 'binary' })).svg);
    expect(parsed.fills).toEqual(['#000000']);
  });

  it('colorPrecision controls how many colours survive', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'gradient.png');
      await gradientPng(path);
      const count = async (bits: number) =>
        parseSvg((await vectorise(path, { presetName: 'custom', colorPrecision: bits, layerDifference: 0, filterSpeckle: 0 })).svg).fills.length;
      const coarse = await count(1);
      const fine = await count(8);
      expect(coarse).toBeLessThanOrEqual(8);
      expect(fine).toBeGreaterThan(coarse);
      expect(fine).toBeLessThanOrEqual(64);
      expect(await count(3)).toBeGreaterThan(coarse);
    });
  });

  it('the poster preset keeps few colours, the photo preset many', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'gradient.png');
      await gradientPng(path);
      const poster = parseSvg((await vectorise(path, { presetName: 'poster' })).svg).fills.length;
      const photo = parseSvg((await vectorise(path, { presetName: 'photo' })).svg).fills.length;
      expect(poster).toBeLessThanOrEqual(16);
      expect(photo).toBeGreaterThan(poster);
    });
  });

  it('mode polygon draws straight lines only, spline uses curves, pixel follows pixel edges', async () => {
    const polygon = parseSvg((await vectorise(BADGE, { presetName: 'custom', mode: 'polygon' })).svg);
    const spline = parseSvg((await vectorise(BADGE, { presetName: 'custom', mode: 'spline' })).svg);
    const pixel = parseSvg((await vectorise(BADGE, { presetName: 'custom', mode: 'pixel' })).svg);
    const none = parseSvg((await vectorise(BADGE, { presetName: 'custom', mode: 'none' })).svg);
    expect(polygon.paths.some((p) => p.d.includes('Q'))).toBe(false);
    expect(spline.paths.some((p) => p.d.includes('Q'))).toBe(true);
    for (const p of pixel.paths) {
      expect(p.d).not.toContain('Q');
      // Pixel corners: whole numbers only, every edge horizontal or vertical.
      expect(p.d).not.toMatch(/\d\.\d/);
    }
    expect(none.paths.map((p) => p.d)).toEqual(pixel.paths.map((p) => p.d));
  });

  it('filterSpeckle drops small patches', async () => {
    await withTempDir(async (dir) => {
      // Black 3×3 dots on white.
      const dots = Array.from({ length: 30 }, (_, i) => `<rect x="${10 + (i % 6) * 30}" y="${10 + Math.floor(i / 6) * 30}" width="3" height="3" fill="#000"/>`).join('');
      const path = join(dir, 'dots.png');
      await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="160" shape-rendering="crispEdges"><rect width="200" height="160" fill="#fff"/>${dots}</svg>`)).png().toFile(path);
      const subpaths = async (filterSpeckle: number) => {
        const parsed = parseSvg((await vectorise(path, { presetName: 'custom', mode: 'polygon', filterSpeckle })).svg);
        return parsed.paths.filter((p) => p.fill === '#000000').reduce((n, p) => n + (p.d.match(/M/g)?.length ?? 0), 0);
      };
      expect(await subpaths(0)).toBe(30);
      expect(await subpaths(16)).toBe(0);
    });
  });

  it('keys out transparent pixels instead of tracing them', async () => {
    const png = await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120"><circle cx="60" cy="60" r="40" fill="#d62828"/></svg>')).png().toBuffer();
    const parsed = parseSvg((await vectorise(png, {})).svg);
    expect(parsed.fills).toHaveLength(1);
    expect(distance(hexToRgb(parsed.fills[0]!), hexToRgb('#d62828'))).toBeLessThan(6);
  });

  it('traces large images downscaled but keeps the original size in the SVG', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'large.png');
      await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="2400" height="1200"><rect width="2400" height="1200" fill="#f4efe6"/><rect x="1800" y="900" width="500" height="250" fill="#29335c"/></svg>`)).png().toFile(path);
      const { svg, notes, traceWidth, traceHeight } = await vectorise(path, {});
      expect([traceWidth, traceHeight]).toEqual([1024, 512]);
      const parsed = parseSvg(svg);
      expect([parsed.width, parsed.height]).toEqual([2400, 1200]);
      expect(parsed.viewBox).toEqual([0, 0, 2400, 1200]);
      const navy = parsed.paths.find((p) => distance(hexToRgb(p.fill), hexToRgb('#29335c')) < 6);
      const xs = [...navy!.d.matchAll(/[MLQ]([\d.]+) /g)].map((m) => Number(m[1]));
      expect(Math.min(...xs)).toBeGreaterThan(1790);
      expect(Math.max(...xs)).toBeLessThan(2310);
      expect(notes.join(' ')).toMatch(/downscaled from 2400×1200/);
    });
  });

  it('gives the same result every time (the library mutates its options; each run gets fresh ones)', async () => {
    const params = { presetName: 'custom', colorPrecision: 5, mode: 'spline' };
    const [a, b] = await Promise.all([vectorise(BADGE, params), vectorise(BADGE, params)]);
    const c = await vectorise(BADGE, params);
    expect(b.svg).toBe(a.svg);
    expect(c.svg).toBe(a.svg);
  });

  it('says that stacked layering is cloud-only when it applies', async () => {
    expect((await vectorise(BADGE, { presetName: 'custom', hierarchical: 'stacked' })).notes.join(' ')).toMatch(/stacked/);
    expect((await vectorise(BADGE, { presetName: 'custom', hierarchical: 'cutout' })).notes.join(' ')).not.toMatch(/stacked/);
  });

  it('rejects a file that is not an image with a clear message', async () => {
    await expect(vectorise(Buffer.from('definitely not a picture'), {})).rejects.toThrow(/Could not read the image/);
  });

  it('convertFile writes the SVG to the output path', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'badge.svg');
      const result = await convertFile(BADGE, out, { presetName: 'poster' });
      const written = await readFile(out);
      expect(vtracer.output.looksValid(written.subarray(0, 64))).toBe(true);
      expect(parseSvg(written.toString('utf8')).paths.length).toBeGreaterThan(0);
      expect(result.notes.length).toBeGreaterThan(0);
      await writeFile(join(dir, 'unused'), '');
    });
  });

  it('the VTracer descriptor declares this engine, named with the installed version, and what it cannot do', () => {
    const version = (createRequire(import.meta.url)('imagetracerjs/package.json') as { version: string }).version;
    expect(vtracer.local).toBeDefined();
    expect(vtracer.local!.workerModule).toBe('vectorise');
    expect(vtracer.local!.name).toBe(`imagetracerjs ${version}`);
    expect(Object.keys(vtracer.local!.unsupported)).toEqual(['hierarchical']);
    for (const name of Object.keys(vtracer.local!.unsupported)) expect(vtracer.parameters.map((p) => p.name)).toContain(name);
  });
});
