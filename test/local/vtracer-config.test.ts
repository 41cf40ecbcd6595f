import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { resolveSettings, vectorise } from '../../src/main/engine/local/vectorise';
import { vtracer } from '../../src/main/engine/models/vtracer';
import { modelInfo } from '../../src/main/host/views';
import { resolveVtracerSettings, toWasmConfig, VTRACER_SETTING_NAMES } from '../../src/shared/vtracer';
import type { VtracerSettings } from '../../src/shared/vtracer';
import { BADGE, parseSvg, withTempDir } from './helpers';

const custom = (over: Partial<VtracerSettings> = {}) => ({ presetName: 'custom', ...over });

/** Hue sweep left to right, dark to light top to bottom: thousands of distinct colours. */
async function gradientPng(path: string): Promise<void> {
  const width = 160, height = 80;
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

/** Thirty black 3×3 dots (area 9) on white. */
async function dotsPng(path: string): Promise<void> {
  const dots = Array.from({ length: 30 }, (_, i) => `<rect x="${10 + (i % 6) * 30}" y="${10 + Math.floor(i / 6) * 30}" width="3" height="3" fill="#000"/>`).join('');
  await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="160" shape-rendering="crispEdges"><rect width="200" height="160" fill="#fff"/>${dots}</svg>`)).png().toFile(path);
}

describe('VTracer presets (upstream cmdapp/src/config.rs)', () => {
  const shared = { hierarchical: 'stacked', mode: 'spline', lengthThreshold: 4, spliceThreshold: 45 };

  it('bw: binary, speckle 4, precision 6, layer difference 16, corner 60', () => {
    expect(resolveSettings({ presetName: 'bw' })).toEqual({ ...shared, colorMode: 'binary', filterSpeckle: 4, colorPrecision: 6, layerDifference: 16, cornerThreshold: 60 });
  });

  it('poster: colour, speckle 4, precision 8, layer difference 16, corner 60; and it is the default', () => {
    const poster = { ...shared, colorMode: 'color', filterSpeckle: 4, colorPrecision: 8, layerDifference: 16, cornerThreshold: 60 };
    expect(resolveSettings({ presetName: 'poster' })).toEqual(poster);
    expect(resolveSettings({})).toEqual(poster);
  });

  it('photo: colour, speckle 10, precision 8, layer difference 48, corner 180', () => {
    expect(resolveSettings({ presetName: 'photo' })).toEqual({ ...shared, colorMode: 'color', filterSpeckle: 10, colorPrecision: 8, layerDifference: 48, cornerThreshold: 180 });
  });

  it('every preset is traced with 10 iterations and path precision 2', () => {
    for (const presetName of ['bw', 'poster', 'photo', 'custom']) {
      const config = toWasmConfig(resolveSettings({ presetName }));
      expect(config.maxIterations).toBe(10);
      expect(config.pathPrecision).toBe(2);
    }
  });

  it('custom takes each value given and the descriptor default for the rest', () => {
    const defaults = Object.fromEntries(vtracer.parameters.filter((p) => p.customOnly).map((p) => [p.name, p.default]));
    expect(resolveSettings(custom())).toEqual(defaults);
    expect(resolveSettings(custom({ colorPrecision: 3, mode: 'polygon' }))).toEqual({ ...defaults, colorPrecision: 3, mode: 'polygon' });
  });

  it('judges every value by the descriptor\'s ranges, whole-number rules and words, whichever side resolves', () => {
    for (const spec of [vtracer, modelInfo(vtracer)]) {
      expect(() => resolveVtracerSettings(spec, custom({ filterSpeckle: 129 }))).toThrow('filterSpeckle must be from 0 to 128 (got 129)');
      expect(() => resolveVtracerSettings(spec, custom({ lengthThreshold: 3 }))).toThrow('lengthThreshold must be from 3.5 to 10 (got 3)');
      expect(() => resolveVtracerSettings(spec, custom({ colorPrecision: 2.5 }))).toThrow('colorPrecision must be a whole number (got 2.5)');
      expect(() => resolveVtracerSettings(spec, { presetName: 'custom', colorMode: 'sepia' })).toThrow(/colorMode/);
    }
    // The range is the descriptor's: a descriptor that allows more lets more through.
    const wider = { ...vtracer, parameters: vtracer.parameters.map((p) => (p.name === 'filterSpeckle' ? { ...p, max: 200 } : p)) };
    expect(resolveVtracerSettings(wider, custom({ filterSpeckle: 129 })).filterSpeckle).toBe(129);
  });

  it('the renderer resolves the same settings from ModelInfo as the engine from the descriptor', () => {
    const info = modelInfo(vtracer);
    for (const params of [{ presetName: 'bw' }, { presetName: 'photo' }, {}, custom({ filterSpeckle: 9 })]) {
      expect(resolveVtracerSettings(info, params)).toEqual(resolveSettings(params));
    }
  });

  it('each preset expands exactly the parameters VTracer has, all within the descriptor ranges', () => {
    for (const preset of vtracer.presets.filter((p) => p.name !== 'custom')) {
      expect(Object.keys(preset.expands ?? {}).sort()).toEqual([...VTRACER_SETTING_NAMES].sort());
      const parsed = vtracer.paramsSchema.safeParse({ ...preset.expands, presetName: 'custom' });
      expect(parsed.success, `${preset.name} within the descriptor's ranges`).toBe(true);
    }
  });

  it('kiln models lists no local caveats for VTracer', () => {
    expect(vtracer.local?.unsupported).toEqual({});
    expect(modelInfo(vtracer).parameters.every((p) => p.localNote === undefined)).toBe(true);
  });
});

describe('parameter mapping onto vtracer-wasm, pinned by what VTracer draws', () => {
  it('more colorPrecision keeps more colours, and every precision from 1 to 8 traces', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'gradient.png');
      await gradientPng(path);
      const colours: number[] = [];
      for (let bits = 1; bits <= 8; bits++) {
        colours.push((await vectorise(path, custom({ colorPrecision: bits, layerDifference: 0, filterSpeckle: 0 }))).stats.colors);
      }
      // Every precision traces: 8 used to panic when passed as is, as it is the loss (8 − bits) the WebAssembly wants.
      expect(colours.every((n) => n >= 1)).toBe(true);
      // VTracer compares neighbours at this precision, so a smooth gradient is one layer until the
      // precision resolves its steps; from there each extra bit keeps more colours.
      expect(colours[7]).toBeGreaterThan(colours[6]!);
      expect(colours[6]).toBeGreaterThan(colours[5]!);
      expect(colours[0]).toBe(1);
    });
  });

  it('filterSpeckle is a side in pixels: 3×3 dots stay at 3, go at 4 (VTracer squares it into an area)', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'dots.png');
      await dotsPng(path);
      const dots = async (filterSpeckle: number) =>
        parseSvg((await vectorise(path, custom({ colorMode: 'binary', mode: 'polygon', filterSpeckle }))).svg).paths.length;
      expect(await dots(0)).toBe(30);
      expect(await dots(3)).toBe(30);
      await expect(dots(4)).rejects.toThrow(/no dark shapes/);
    });
  });

  it('cornerThreshold is in degrees: 60°, 90° and 180° give three different outlines', async () => {
    const d = async (cornerThreshold: number) => (await vectorise(BADGE, custom({ cornerThreshold }))).svg;
    const [a, b, c] = [await d(60), await d(90), await d(180)];
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it('spliceThreshold is in degrees: 45° and 180° give different curves', async () => {
    const d = async (spliceThreshold: number) => (await vectorise(BADGE, custom({ spliceThreshold }))).svg;
    expect(await d(45)).not.toBe(await d(180));
    expect(await d(10)).not.toBe(await d(45));
  });

  it('mode: polygon draws straight lines, spline cubic curves, pixel and none follow pixel edges', async () => {
    const paths = async (mode: VtracerSettings['mode']) => parseSvg((await vectorise(BADGE, custom({ mode }))).svg).paths.map((p) => p.d);
    const polygon = await paths('polygon');
    const spline = await paths('spline');
    const pixel = await paths('pixel');
    expect(polygon.join('')).not.toMatch(/C/);
    expect(spline.join('')).toMatch(/C/);
    expect(pixel.join('')).not.toMatch(/C/);
    // Pixel outlines turn at whole pixels only.
    expect(pixel.join('')).not.toMatch(/\d\.\d/);
    expect(await paths('none')).toEqual(pixel);
  });

  it('colorMode binary draws black ink only', async () => {
    const parsed = parseSvg((await vectorise(BADGE, custom({ colorMode: 'binary' }))).svg);
    expect(parsed.fills.map((f) => f.toLowerCase())).toEqual(['#000000']);
  });

  it('hierarchical stacked and cutout are both honoured and differ', async () => {
    const stacked = await vectorise(BADGE, custom({ hierarchical: 'stacked' }));
    const cutout = await vectorise(BADGE, custom({ hierarchical: 'cutout' }));
    expect(cutout.svg).not.toBe(stacked.svg);
  });

  it('layerDifference: a larger gap between layers keeps fewer colours', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'gradient.png');
      await gradientPng(path);
      const colours = async (layerDifference: number) => (await vectorise(path, custom({ colorPrecision: 8, layerDifference, filterSpeckle: 0 }))).stats.colors;
      expect(await colours(8)).toBeGreaterThan(await colours(64));
    });
  });

  it('lengthThreshold changes the curves', async () => {
    const d = async (lengthThreshold: number) => (await vectorise(BADGE, custom({ lengthThreshold }))).svg;
    expect(await d(3.5)).not.toBe(await d(10));
  });
});
