/**
 * 7. Local tracing: VTracer (vtracer-wasm, the local engine since issue 16) against imagetracerjs
 * (the engine it replaced, kept as a devDependency for this comparison only) on the same 1024²
 * flat-colour artwork and 1024² photo — time, SVG size and fidelity (each SVG rendered back to
 * pixels by sharp, mean absolute difference from the source) — and the queue editor's live
 * preview in real Chromium: time from a parameter change to the new picture on screen for a
 * 2048² sample, and the page's frames while a value is dragged.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ImageTracer from 'imagetracerjs';
import sharp from 'sharp';
import { z } from 'zod';
import { vectorise } from '../src/main/engine/local/vectorise';
import { startBrowserBench } from './browser-app';
import { tempDir } from './fixtures';
import type { Row, Section } from './section';
import { verdict } from './section';
import { median, percentile } from './stats';
import { fmtMs } from './table';

const SIDE = 1024;
const PREVIEW_SIDE = 2048;
export const POSTER_TARGET_MS = 1000;

/** Flat colours with anti-aliased edges, as an illustrator exports them: the poster preset's case. */
function artworkSvg(side: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}" viewBox="0 0 256 256">` +
    `<rect width="256" height="256" fill="#f4efe6"/>` +
    `<circle cx="128" cy="118" r="92" fill="#29335c"/>` +
    `<path d="M52 150 Q128 40 204 150 Z" fill="#e4572e"/>` +
    `<rect x="70" y="170" width="116" height="36" rx="10" fill="#f3a712"/>` +
    `<polygon points="128,60 142,96 180,96 150,118 160,154 128,132 96,154 106,118 76,96 114,96" fill="#f4efe6"/>` +
    `<circle cx="60" cy="220" r="14" fill="#e4572e"/><circle cx="196" cy="220" r="14" fill="#e4572e"/>` +
    `<text x="128" y="196" font-family="sans-serif" font-size="22" font-weight="700" text-anchor="middle" fill="#29335c">KILN</text>` +
    `</svg>`
  );
}

/** Smooth gradients, soft edges and sensor noise, JPEG-compressed: the photo preset's case. */
async function photoPng(side: number): Promise<Buffer> {
  const scene =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}" viewBox="0 0 100 100">` +
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#1d3f72"/><stop offset="0.6" stop-color="#e8a87c"/><stop offset="1" stop-color="#f6d6a8"/></linearGradient>` +
    `<radialGradient id="sun"><stop offset="0" stop-color="#fff6d5"/><stop offset="1" stop-color="#fff6d5" stop-opacity="0"/></radialGradient>` +
    `<linearGradient id="hill" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3b5d3a"/><stop offset="1" stop-color="#16281a"/></linearGradient></defs>` +
    `<rect width="100" height="100" fill="url(#sky)"/><circle cx="68" cy="52" r="22" fill="url(#sun)"/>` +
    `<path d="M0 70 C20 55 35 62 50 66 C65 70 80 52 100 60 L100 100 L0 100 Z" fill="url(#hill)"/>` +
    `<path d="M0 82 C25 74 45 90 70 80 C85 75 92 84 100 82 L100 100 L0 100 Z" fill="#203322" opacity="0.8"/></svg>`;
  const { data, info } = await sharp(Buffer.from(scene)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let seed = 11;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    data[i] = Math.max(0, Math.min(255, (data[i] ?? 0) + Math.round(((seed / 2147483648) - 0.5) * 24)));
  }
  const jpeg = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).blur(0.8).jpeg({ quality: 88 }).toBuffer();
  return sharp(jpeg).png().toBuffer();
}

async function rgb(png: Buffer | string, side: number): Promise<Buffer> {
  return sharp(png).resize(side, side, { fit: 'fill' }).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer();
}

/** A pixel whose channels differ by more than this in total is visibly wrong, not a rounding of its colour. */
const VISIBLE_DIFFERENCE = 24;

/**
 * Mean absolute difference per channel (0–255) between the source and the SVG rendered by sharp,
 * and the share of pixels visibly different (a shape's outline or colour missed, not a fill one
 * level off).
 */
async function fidelity(source: Buffer, svg: string): Promise<{ mad: number; visible: number }> {
  const a = await rgb(source, SIDE);
  const b = await rgb(Buffer.from(svg), SIDE);
  let sum = 0;
  let visible = 0;
  for (let i = 0; i < a.length; i += 3) {
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs((a[i + c] ?? 0) - (b[i + c] ?? 0));
    sum += d;
    if (d > VISIBLE_DIFFERENCE) visible++;
  }
  return { mad: sum / a.length, visible: visible / (a.length / 3) };
}

interface EngineRun {
  ms: number[];
  bytes: number;
  mad: number;
  /** Share of pixels visibly different. */
  visible: number;
}

async function runVtracer(png: Buffer, presetName: string, reps: number): Promise<EngineRun> {
  const ms: number[] = [];
  let svg = '';
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    svg = (await vectorise(png, { presetName })).svg;
    ms.push(performance.now() - t0);
  }
  return { ms, bytes: Buffer.byteLength(svg), ...(await fidelity(png, svg)) };
}

async function runImagetracer(png: Buffer, numberofcolors: number, reps: number): Promise<EngineRun> {
  const ms: number[] = [];
  let svg = '';
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    // Decoding counts for both engines, as vectorise() decodes too.
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const imgd = { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength) };
    // A fresh options object every run: the library mutates the one it is given.
    svg = ImageTracer.imagedataToSVG(imgd, { numberofcolors });
    ms.push(performance.now() - t0);
  }
  return { ms, bytes: Buffer.byteLength(svg), ...(await fidelity(png, svg)) };
}

/**
 * In the page: sets a number field the way typing does, then times until a new picture is on
 * screen (loaded, then a frame painted): first any new picture (the draft), then VTracer's
 * full-size result. Kept as source text: the TypeScript loader's __name helper does not exist in the page.
 */
const CHANGE_SCRIPT = `async ([id, value]) => {
  const input = document.getElementById(id);
  const fig = document.querySelector('[data-testid=trace-result]');
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  const before = fig.querySelector('img')?.src;
  const shown = (pred) => new Promise((resolve) => {
    const check = () => {
      const img = fig.querySelector('img');
      if (img && img.complete && img.naturalWidth > 0 && pred(img.src, fig.dataset.status)) {
        requestAnimationFrame(() => setTimeout(() => resolve(img.src), 0));
      } else setTimeout(check, 4);
    };
    check();
  });
  const t0 = performance.now();
  setter.call(input, String(value));
  input.dispatchEvent(new Event('input', { bubbles: true }));
  const first = await shown((src) => src !== before);
  const firstMs = performance.now() - t0;
  await shown((src, status) => status === 'final' && (src !== before));
  return { first: firstMs, full: performance.now() - t0 };
}`;

/** In the page: a value dragged through `values`, one step per animation frame, while frame intervals are recorded. */
const DRAG_SCRIPT = `async ([id, values]) => {
  const input = document.getElementById(id);
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  const frames = [];
  let last = performance.now();
  await new Promise((resolve) => {
    let i = 0;
    const tick = (now) => {
      frames.push(now - last);
      last = now;
      if (i < values.length) {
        setter.call(input, String(values[i++]));
        input.dispatchEvent(new Event('input', { bubbles: true }));
        requestAnimationFrame(tick);
      } else resolve();
    };
    requestAnimationFrame(tick);
  });
  return frames.slice(1);
}`;

const changeResult = z.object({ first: z.number(), full: z.number() });

async function previewLatency(ctx: Parameters<Section['run']>[0], changes: number): Promise<{ rows: Row[]; data: Record<string, unknown> }> {
  const dir = await tempDir('trace-preview');
  const sample = join(dir, 'sample-2048.png');
  await writeFile(sample, await sharp(Buffer.from(artworkSvg(PREVIEW_SIDE))).png().toBuffer());
  const { app, browser, close } = await startBrowserBench(ctx, 'trace');
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => ctx.log(`trace: page error ${e.message}`));
    await page.goto(app.host.url);
    await page.getByRole('button', { name: 'New queue', exact: true }).click();
    await page.getByLabel('Preset', { exact: true }).selectOption('custom');
    await page.getByLabel('Choose a sample image').setInputFiles(sample);
    ctx.log('trace: first preview of the 2048² sample');
    await page.locator('[data-testid=trace-result][data-status=final]').waitFor({ timeout: 120_000 });
    const first: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < changes; i++) {
      const r = changeResult.parse(await page.evaluate(`(${CHANGE_SCRIPT})(${JSON.stringify(['param-layerDifference', String(12 + (i % 2) * 8 + i)])})`));
      first.push(r.first);
      full.push(r.full);
    }
    // A drag: 40 values, one per frame, then the picture for the last one.
    const dragValues = Array.from({ length: 40 }, (_, i) => 10 + i);
    const frames = z.array(z.number()).parse(await page.evaluate(`(${DRAG_SCRIPT})(${JSON.stringify(['param-layerDifference', dragValues])})`));
    const afterDrag = changeResult.parse(await page.evaluate(`(${CHANGE_SCRIPT})(${JSON.stringify(['param-layerDifference', '60'])})`));
    await page.screenshot({ path: join(dir, 'preview.png') });
    return {
      rows: [
        { metric: `preview, 2048² sample (custom values): change → draft (512²) on screen, median / p95 (n=${changes})`, value: `${fmtMs(median(first))} / ${fmtMs(percentile(first, 95))}` },
        { metric: `preview, 2048² sample (custom values): change → full-size VTracer result on screen, median / p95 (n=${changes})`, value: `${fmtMs(median(full))} / ${fmtMs(percentile(full, 95))}` },
        {
          metric: 'preview while a value is dragged (40 steps, one per frame): frame interval median / max; then draft / full',
          value: `${fmtMs(median(frames))} / ${fmtMs(Math.max(...frames))}; ${fmtMs(afterDrag.first)} / ${fmtMs(afterDrag.full)}`,
        },
      ],
      data: { first, full, dragFrames: frames, afterDrag },
    };
  } finally {
    await close();
  }
}

export const trace: Section = {
  key: 'trace',
  title: '7. Local tracing',
  async run(ctx) {
    const reps = ctx.settings.quick ? 1 : 3;
    const artwork = await sharp(Buffer.from(artworkSvg(SIDE))).png().toBuffer();
    const photo = await photoPng(SIDE);
    ctx.log('trace: VTracer and imagetracerjs on the 1024² artwork and photo');
    const vArt = await runVtracer(artwork, 'poster', reps);
    const iArt = await runImagetracer(artwork, 16, reps);
    const vPhoto = await runVtracer(photo, 'photo', reps);
    const iPhoto = await runImagetracer(photo, 64, reps);
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
    const line = (r: EngineRun) => `${fmtMs(median(r.ms))}, ${kb(r.bytes)}, MAD ${r.mad.toFixed(2)}, ${(r.visible * 100).toFixed(2)} % visibly off`;
    const artOk = vArt.mad <= iArt.mad && vArt.bytes <= iArt.bytes;
    const posterMs = median(vArt.ms);
    const preview = await previewLatency(ctx, ctx.settings.quick ? 4 : 12);
    return {
      rows: [
        { metric: '1024² artwork, VTracer poster: time, SVG size, fidelity', value: line(vArt) },
        { metric: '1024² artwork, imagetracerjs (16 colours): time, SVG size, fidelity', value: line(iArt) },
        {
          metric: 'artwork: VTracer at least as faithful, no larger',
          value: `MAD ${vArt.mad.toFixed(2)} vs ${iArt.mad.toFixed(2)}; ${kb(vArt.bytes)} vs ${kb(iArt.bytes)}`,
          target: 'MAD ≤, size ≤',
          verdict: verdict(artOk),
        },
        {
          metric: 'artwork: pixels visibly off (outlines and colours missed), VTracer vs imagetracerjs',
          value: `${(vArt.visible * 100).toFixed(2)} % vs ${(iArt.visible * 100).toFixed(2)} %`,
        },
        { metric: '1024² photo, VTracer photo: time, SVG size, fidelity', value: line(vPhoto) },
        { metric: '1024² photo, imagetracerjs (64 colours): time, SVG size, fidelity', value: line(iPhoto) },
        { metric: `1024² poster trace (decode + trace, median of ${reps})`, value: fmtMs(posterMs), target: `< ${POSTER_TARGET_MS} ms`, verdict: verdict(posterMs < POSTER_TARGET_MS) },
        ...preview.rows,
      ],
      notes: [
        'imagetracerjs runs with its own defaults and the number of colours given; MAD is the mean absolute difference per channel (0–255), both SVGs rendered by sharp (librsvg) over white; "visibly off": pixels whose channels differ by more than 24 in total.',
        'VTracer fills each shape with the truncated mean colour of its cluster, anti-aliased edge pixels included, so a large flat area comes out a level or two off (#F3EEE5 for #F4EFE6); the local engine then gives each fill within 3 levels of a colour the source is painted with that exact colour (src/shared/exact-colours.ts), which is measured here.',
        'The preview traces in a Web Worker: a 512² draft first, then VTracer at full size; a change abandons the run in progress.',
      ],
      data: { vtracer: { artwork: vArt, photo: vPhoto }, imagetracerjs: { artwork: iArt, photo: iPhoto }, preview: preview.data },
    };
  },
};
