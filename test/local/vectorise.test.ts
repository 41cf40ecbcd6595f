import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { initSync, to_svg } from 'vtracer-wasm';
import { describe, expect, it, vi } from 'vitest';
import { vectorise } from '../../src/main/engine/local/vectorise';
import convertFile, { retireAfterUse } from '../../src/main/engine/local/vectorise';
import { vtracer } from '../../src/main/engine/models/vtracer';
import { resolveVtracerSettings, traceRgba, TraceError } from '../../src/shared/vtracer';
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

const png = (svg: string): Promise<Buffer> => sharp(Buffer.from(svg)).png().toBuffer();
const plain = (w: number, h: number, fill: string, opacity = 1): Promise<Buffer> =>
  png(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="${fill}" fill-opacity="${opacity}"/></svg>`);

describe('local vectorise engine (VTracer through vtracer-wasm)', () => {
  it('traces the badge to a valid SVG of the same size whose fills are the badge colours', async () => {
    const { svg, stats } = await vectorise(BADGE, {});
    const parsed = parseSvg(svg);
    expect(vtracer.output.looksValid(Buffer.from(svg))).toBe(true);
    expect(parsed.width).toBe(256);
    expect(parsed.height).toBe(256);
    expect(parsed.viewBox).toEqual([0, 0, 256, 256]);
    expect(parsed.paths.length).toBe(stats.paths);
    expect(parsed.fills.length).toBe(stats.colors);
    expect(stats.bytes).toBe(Buffer.byteLength(svg));
    // VTracer draws cubic curves.
    expect(parsed.paths.some((p) => /C/.test(p.d))).toBe(true);
    for (const [name, colour] of Object.entries(BADGE_COLOURS)) {
      expect(nearest(colour, parsed.fills), `${name} appears as a fill`).toBeLessThan(12);
    }
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

  it("keeps the artwork's flat colours exact (VTracer alone comes back a level or two off)", async () => {
    for (const presetName of ['poster', 'custom']) {
      const fills = parseSvg((await vectorise(BADGE, { presetName })).svg).fills.map((f) => f.toLowerCase());
      for (const [name, colour] of Object.entries(BADGE_COLOURS)) {
        expect(nearest(colour, fills), `${name} is exact with ${presetName}`).toBe(0);
      }
    }
  });

  it('the bw preset draws black ink only', async () => {
    const parsed = parseSvg((await vectorise(BADGE, { presetName: 'bw' })).svg);
    expect(parsed.paths.length).toBeGreaterThan(0);
    expect(parsed.fills.map((f) => f.toLowerCase())).toEqual(['#000000']);
  });

  it('keys out a transparent background instead of tracing it', async () => {
    const circle = await png('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120"><circle cx="60" cy="60" r="40" fill="#d62828"/></svg>');
    const { stats, svg } = await vectorise(circle, {});
    const fills = parseSvg(svg).fills;
    expect(stats.paths).toBeGreaterThan(0);
    expect(nearest(hexToRgb('#d62828'), fills)).toBeLessThan(12);
    // Nothing near black or white stands for the transparent background.
    for (const f of fills) expect(distance(hexToRgb(f), hexToRgb('#d62828'))).toBeLessThan(120);
  });

  it('gives the same result every time, in any order', async () => {
    const params = { presetName: 'custom', colorPrecision: 5, mode: 'spline' };
    const [a, b] = await Promise.all([vectorise(BADGE, params), vectorise(BADGE, { presetName: 'photo' })]);
    const c = await vectorise(BADGE, params);
    expect(c.svg).toBe(a.svg);
    expect(b.svg).not.toBe(a.svg);
  });

  it('convertFile writes the SVG to the output path', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'badge.svg');
      await convertFile(BADGE, out, { presetName: 'poster' });
      const written = await readFile(out);
      expect(vtracer.output.looksValid(written.subarray(0, 256))).toBe(true);
      expect(await readdir(dir)).toEqual(['badge.svg']);
    });
  });

  it('asks for its worker to be replaced once a large image has grown the WebAssembly memory, not before', async () => {
    await vectorise(BADGE, {});
    expect(retireAfterUse()).toBe(false);
    const side = 2800;
    const big = await png(`<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}"><rect width="${side}" height="${side}" fill="#f4efe6"/><circle cx="1400" cy="1400" r="900" fill="#29335c"/></svg>`);
    await vectorise(big, { presetName: 'custom' });
    expect(retireAfterUse()).toBe(true);
  });

  it('the VTracer descriptor runs this engine and honours every parameter locally', () => {
    expect(vtracer.local!.workerModule).toBe('vectorise');
    expect(vtracer.local!.unsupported).toEqual({});
  });
});

describe('images VTracer cannot trace: a clear error, never an empty SVG', () => {
  it('a file that is not an image', async () => {
    await expect(vectorise(Buffer.from('definitely not a picture'), {})).rejects.toThrow(/Could not read the image/);
  });

  it('a fully transparent image (VTracer itself would panic or draw its key colour)', async () => {
    for (const presetName of ['poster', 'bw', 'photo']) {
      await expect(vectorise(await plain(64, 64, '#ff0000', 0), { presetName })).rejects.toThrow(/every pixel of this image is transparent/);
    }
    await expect(vectorise(await plain(64, 64, '#ff0000', 0), { presetName: 'custom', hierarchical: 'cutout' })).rejects.toThrow(/transparent/);
  });

  it('a single pixel: VTracer finds no shape in it', async () => {
    await expect(vectorise(await plain(1, 1, '#e4572e'), {})).rejects.toThrow(/Nothing to trace: VTracer found no shapes/);
  });

  it('white paper in black-and-white mode: no dark shapes', async () => {
    await expect(vectorise(await plain(64, 64, '#ffffff'), { presetName: 'bw' })).rejects.toThrow(/no dark shapes/);
  });

  it('one colour is a picture: it becomes one rectangle of that colour', async () => {
    const { svg, stats } = await vectorise(await plain(64, 48, '#29335c'), {});
    expect(stats).toMatchObject({ paths: 1, colors: 1 });
    expect(svg.toLowerCase()).toContain('fill="#29335c"');
  });

  it('an image over 4096 × 4096 pixels is refused before it is decoded', async () => {
    // A PNG header is enough: the size is read from the metadata.
    const huge = await sharp({ create: { width: 4097, height: 4096, channels: 3, background: '#fff' } }).png({ compressionLevel: 1 }).toBuffer();
    await expect(vectorise(huge, {})).rejects.toThrow(/too large to trace on this computer \(4097 × 4096 pixels\).*4096 × 4096/);
  });

  it('a panic inside the WebAssembly becomes a clear error marked for replacing the engine, and tracing goes on', () => {
    initSync({ module: readFileSync(createRequire(import.meta.url).resolve('vtracer-wasm/vtracer.wasm')) });
    const settings = resolveVtracerSettings(vtracer, { presetName: 'poster' });
    const pixels = new Uint8Array(16 * 16 * 4).fill(255);
    // The real WebAssembly, given the config it panics on (a precision loss of 8).
    const panicking = (px: Uint8Array, w: number, h: number, config: object) => to_svg(px, w, h, { ...config, colorPrecision: 8 });
    const errors = vi.spyOn(console, 'error');
    let caught: unknown;
    try {
      traceRgba(panicking, pixels, 16, 16, settings);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TraceError);
    const err = caught as TraceError;
    expect(err.poisoned).toBe(true);
    expect(err.summary).toBe('VTracer could not trace this image with these settings. Try other settings, or the cloud engine.');
    expect(err.details).toMatch(/runner\.rs:\d+/);
    expect(err.message).toMatch(/\nDetails: /);
    // The panic hook's report went into the error, not onto the console.
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
    expect(traceRgba(to_svg, pixels, 16, 16, settings).stats.paths).toBe(1);
  });
});
