/**
 * 6. UI scale: the real renderer, served by the web host, in headless Chromium, with a queue of
 * 10,000 items; scrolled continuously while frame times are recorded in the page.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { z } from 'zod';
import { MemoryCredentialStore } from '../src/main/host/credentials';
import { launchWebApp } from '../src/main/host/launch-web';
import { makePngs, tempDir } from './fixtures';
import { BENCH_MODEL } from './kiln';
import type { BenchContext, Section } from './section';
import { verdict } from './section';
import { median, percentile } from './stats';
import { fmtMs } from './table';

export const FRAME_TARGET_MS = 16.7;
const ROOT = join(import.meta.dirname, '..');

/**
 * Always a fresh production build, into a temp folder (never over out/): out/renderer may have
 * been built by the e2e tests under NODE_ENV=test, which gives React's development build.
 */
async function buildRenderer(ctx: BenchContext): Promise<string> {
  const dir = await tempDir('renderer');
  ctx.log('ui: building the renderer (production)');
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'src/renderer/vite.config.ts', '--mode', 'production', '--logLevel', 'error', '--outDir', dir, '--emptyOutDir'],
    { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } },
  );
  return dir;
}

/**
 * Runs in the page: a requestAnimationFrame loop that scrolls the item list by most of a screen
 * per frame (nearly every row is new each frame: the virtualizer's worst case) and records, per
 * frame, the interval between frames and the main thread's work for it — from the first scroll
 * event of the frame (where the virtualizer re-renders) or the rAF callback, whichever comes
 * first, to a message posted from the callback, which runs once style, layout and paint are done.
 * Kept as source text: the TypeScript loader wraps named functions in a helper (__name) that does
 * not exist in the page.
 */
const SCROLL_SCRIPT = `async (durationMs, scroll) => {
  const el = document.querySelector('[data-testid=item-scroll]');
  if (!el) throw new Error('no item list on the page');
  const step = Math.max(100, Math.floor(el.clientHeight * 0.75));
  const frames = [];
  const work = [];
  let distance = 0;
  let direction = 1;
  let scrollStart = null;
  const onScroll = () => { if (scrollStart === null) scrollStart = performance.now(); };
  window.addEventListener('scroll', onScroll, { capture: true, passive: true });
  await new Promise((resolve) => {
    let last = performance.now();
    const start = last;
    function tick(now) {
      const began = Math.min(scrollStart ?? Infinity, performance.now());
      frames.push(now - last);
      last = now;
      if (scroll) {
        const max = el.scrollHeight - el.clientHeight;
        if (el.scrollTop >= max - 1) direction = -1;
        else if (el.scrollTop <= 0) direction = 1;
        const before = el.scrollTop;
        el.scrollTop = before + direction * step;
        distance += Math.abs(el.scrollTop - before);
      }
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { work.push(performance.now() - began); scrollStart = null; };
      channel.port2.postMessage(0);
      if (now - start < durationMs) requestAnimationFrame(tick);
      else setTimeout(resolve, 50);
    }
    requestAnimationFrame(tick);
  });
  window.removeEventListener('scroll', onScroll, { capture: true });
  return { frames: frames.slice(2), work: work.slice(2), rows: document.querySelectorAll('.item-row').length, scrollHeight: el.scrollHeight, clientHeight: el.clientHeight, distance };
}`;

const okId = z.object({ id: z.string() });
const frameReport = z.object({ frames: z.array(z.number()), work: z.array(z.number()), rows: z.number(), scrollHeight: z.number(), clientHeight: z.number(), distance: z.number() });

export const ui: Section = {
  key: 'ui',
  title: '6. UI scale',
  async run(ctx) {
    const { uiItems, uiScrollMs } = ctx.settings;
    const server = await ctx.server();
    const renderer = await buildRenderer(ctx);
    const inputs = await tempDir('ui-inputs');
    await makePngs(inputs, uiItems);
    const app = await launchWebApp({
      stateDir: await tempDir('ui-state'),
      rendererDir: renderer,
      port: 0,
      version: 'bench',
      credentials: new MemoryCredentialStore({ apiKey: server.apiKey, apiSecret: server.apiSecret }),
      apiUrl: server.url,
    });
    const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
    const browser = await chromium.launch({
      executablePath,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
    });
    try {
      const created = await app.service.handle('queues.create', {
        name: 'Bench',
        modelKey: BENCH_MODEL,
        params: {},
        outputDir: await tempDir('ui-out'),
        nameTemplate: '{name}.{ext}',
        collision: 'keep-both',
        engine: 'cloud',
      });
      if (!created.ok) throw new Error(`queues.create: ${JSON.stringify(created.error)}`);
      const queueId = okId.parse(created.value).id;
      // Paused, so the list is measured as it renders and scrolls, not while 10,000 items upload.
      const paused = await app.service.handle('queues.pause', { queueId });
      if (!paused.ok) throw new Error(`queues.pause: ${JSON.stringify(paused.error)}`);
      ctx.log(`ui: enqueueing ${uiItems} items`);
      const added = await app.service.handle('items.addPaths', { queueId, paths: [inputs] });
      if (!added.ok) throw new Error(`items.addPaths: ${JSON.stringify(added.error)}`);

      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const t0 = performance.now();
      await page.goto(app.host.url);
      await page.locator('.item-row').first().waitFor({ timeout: 60_000 });
      const firstRowsMs = performance.now() - t0;
      // The same loop without scrolling: what a frame costs this browser on this machine anyway.
      const idle = frameReport.parse(await page.evaluate(`(${SCROLL_SCRIPT})(1000, false)`));
      ctx.log(`ui: scrolling for ${uiScrollMs} ms`);
      const report = frameReport.parse(await page.evaluate(`(${SCROLL_SCRIPT})(${uiScrollMs}, true)`));
      const p95 = percentile(report.work, 95);
      return {
        rows: [
          { metric: `${uiItems.toLocaleString('en-US')} items: first rows shown after load`, value: fmtMs(firstRowsMs) },
          {
            metric: `scroll: frame interval median, p95 (n=${report.frames.length})`,
            value: `${fmtMs(median(report.frames))}, ${fmtMs(percentile(report.frames, 95))} (idle: ${fmtMs(median(idle.frames))}, ${fmtMs(percentile(idle.frames, 95))})`,
          },
          { metric: 'main-thread work per frame: median', value: `${fmtMs(median(report.work))} (idle: ${fmtMs(median(idle.work))})` },
          { metric: 'main-thread work per frame: p95', value: fmtMs(p95), target: `< ${FRAME_TARGET_MS} ms`, verdict: verdict(p95 < FRAME_TARGET_MS) },
          { metric: 'rows in the DOM while scrolling', value: `${report.rows} (list ${report.scrollHeight.toLocaleString('en-US')} px tall)` },
        ],
        notes: [
          `headless Chromium (${executablePath}), software rendering, 1280×800, production build of the renderer; queue paused; ${Math.round(report.distance).toLocaleString('en-US')} px scrolled, ~¾ of the list's visible height per frame`,
          'frame time = main-thread work per frame (scroll handling and the list re-render, rAF, style, layout, paint); the interval between frames is bounded below by the 60 Hz refresh even when idle, so it is shown for context only',
        ],
        data: { items: uiItems, firstRowsMs, idle, frames: report.frames, work: report.work, workMedianMs: median(report.work), workP95Ms: p95, workP99Ms: percentile(report.work, 99), intervalP95Ms: percentile(report.frames, 95), rowsInDom: report.rows, scrollHeight: report.scrollHeight, target: FRAME_TARGET_MS },
      };
    } finally {
      await browser.close();
      await app.close();
    }
  },
};
