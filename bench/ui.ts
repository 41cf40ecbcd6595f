/**
 * 6. UI scale: the real renderer, served by the web host, in headless Chromium, with a queue of
 * 10,000 items; scrolled continuously while frame times are recorded in the page.
 */
import { writeFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { z } from 'zod';
import { ROW_HEIGHT } from '../src/renderer/items/row-height';
import { startBrowserBench } from './browser-app';
import { makePngs, tempDir } from './fixtures';
import { BENCH_MODEL } from './kiln';
import type { Section } from './section';
import { verdict } from './section';
import { median, percentile } from './stats';
import { fmtMs } from './table';

export const FRAME_TARGET_MS = 16.7;

/**
 * Runs in the page: a requestAnimationFrame loop that scrolls the item list by stepPx per frame (0: not at all, -1: most of a screen,
 * nearly every row new each frame: the virtualizer's worst case) and records, per
 * frame, the interval between frames and the main thread's work for it — from the first scroll
 * event of the frame (where the virtualizer re-renders) or the rAF callback, whichever comes
 * first, to a message posted from the callback, which runs once style, layout and paint are done.
 * Kept as source text: the TypeScript loader wraps named functions in a helper (__name) that does
 * not exist in the page.
 */
const SCROLL_SCRIPT = `async (durationMs, stepPx) => {
  const el = document.querySelector('[data-testid=item-scroll]');
  if (!el) throw new Error('no item list on the page');
  const scroll = stepPx !== 0;
  const step = stepPx > 0 ? stepPx : Math.max(100, Math.floor(el.clientHeight * 0.75));
  const frames = [];
  const work = [];
  let distance = 0;
  let direction = 1;
  let scrollStart = null;
  const onScroll = () => { if (scrollStart === null) scrollStart = performance.now(); };
  window.addEventListener('scroll', onScroll, { capture: true, passive: true });
  let thumbLoads = 0;
  // A load starts when a thumbnail gets its data-src (see thumb-loader.ts); removals are not loads.
  const loads = new MutationObserver((records) => { thumbLoads += records.filter((r) => r.oldValue === null).length; });
  loads.observe(el, { subtree: true, attributeFilter: ['data-src'], attributeOldValue: true });
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
  loads.disconnect();
  return { frames: frames.slice(2), work: work.slice(2), rows: document.querySelectorAll('.item-row').length, thumbLoads, scrollHeight: el.scrollHeight, clientHeight: el.clientHeight, distance };
}`;

const okId = z.object({ id: z.string() });
const frameReport = z.object({ frames: z.array(z.number()), work: z.array(z.number()), rows: z.number(), thumbLoads: z.number(), scrollHeight: z.number(), clientHeight: z.number(), distance: z.number() });
type FrameReport = z.infer<typeof frameReport>;
/** Scroll step meaning "¾ of the list's visible height". */
const FLING = -1;

/**
 * Runs SCROLL_SCRIPT in the page. KILN_BENCH_TRACE=trace.json (Chrome trace, for Perfetto) or
 * KILN_BENCH_CPUPROFILE=page.cpuprofile (the page's JavaScript) record the scrolling runs, to find
 * where a frame's time goes.
 */
async function scrollAndRecord(page: Page, durationMs: number, stepPx: number): Promise<FrameReport> {
  const name = stepPx === FLING ? 'fling' : 'steady';
  const tracePath = stepPx === 0 ? undefined : process.env['KILN_BENCH_TRACE'];
  const profilePath = stepPx === 0 ? undefined : process.env['KILN_BENCH_CPUPROFILE'];
  const browser = page.context().browser();
  if (tracePath && browser) {
    await browser.startTracing(page, { path: `${tracePath}.${name}.json`, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc', 'v8.execute', 'loading'] });
  }
  const cdp = profilePath ? await page.context().newCDPSession(page) : undefined;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const report = frameReport.parse(await page.evaluate(`(${SCROLL_SCRIPT})(${durationMs}, ${stepPx})`));
  if (cdp && profilePath) {
    const { profile } = await cdp.send('Profiler.stop');
    await writeFile(`${profilePath}.${name}.cpuprofile`, JSON.stringify(profile));
  }
  if (tracePath && browser) await browser.stopTracing();
  return report;
}

export const ui: Section = {
  key: 'ui',
  title: '6. UI scale',
  async run(ctx) {
    const { uiItems, uiScrollMs } = ctx.settings;
    const inputs = await tempDir('ui-inputs');
    await makePngs(inputs, uiItems);
    const { app, browser, executablePath, close } = await startBrowserBench(ctx, 'ui');
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
      const idle = await scrollAndRecord(page, 1000, 0);
      ctx.log(`ui: scrolling for 2 × ${uiScrollMs} ms`);
      // Fling: most of a screen per frame, nearly every row new each frame (the virtualiser's worst case).
      const fling = await scrollAndRecord(page, uiScrollMs, FLING);
      // Steady: one row per frame (3,600 px/s, a brisk wheel scroll); rows stay long enough for their
      // thumbnails to be fetched, decoded and painted while the list moves.
      const steady = await scrollAndRecord(page, uiScrollMs, ROW_HEIGHT);
      const worstP95 = Math.max(percentile(fling.work, 95), percentile(steady.work, 95));
      const line = (name: string, r: FrameReport) => [
        {
          metric: `${name}: main-thread work per frame, median / p95 (n=${r.work.length})`,
          value: `${fmtMs(median(r.work))} / ${fmtMs(percentile(r.work, 95))}`,
        },
        { metric: `${name}: frame interval median, p95`, value: `${fmtMs(median(r.frames))}, ${fmtMs(percentile(r.frames, 95))}` },
      ];
      return {
        rows: [
          { metric: `${uiItems.toLocaleString('en-US')} items: first rows shown after load`, value: fmtMs(firstRowsMs) },
          { metric: 'idle: main-thread work per frame, median; frame interval median', value: `${fmtMs(median(idle.work))}; ${fmtMs(median(idle.frames))}` },
          ...line('fling (¾ screen per frame)', fling),
          ...line(`steady (${ROW_HEIGHT} px per frame, thumbnails loading)`, steady),
          { metric: 'main-thread work per frame: p95, worse of the two', value: `${worstP95.toFixed(1)} ms`, target: `< ${FRAME_TARGET_MS} ms`, verdict: verdict(worstP95 < FRAME_TARGET_MS) },
          { metric: 'rows in the DOM while scrolling (list height)', value: `${fling.rows} (${fling.scrollHeight.toLocaleString('en-US')} px)` },
          {
            metric: 'thumbnail loads started while scrolling: fling; steady (rows that passed)',
            value: `${fling.thumbLoads}; ${steady.thumbLoads} (${Math.round(steady.distance / ROW_HEIGHT)})`,
          },
        ],
        notes: [
          `headless Chromium (${executablePath}), software rendering, 1280×800, production build of the renderer; queue paused; fling ${Math.round(fling.distance).toLocaleString('en-US')} px, steady ${Math.round(steady.distance).toLocaleString('en-US')} px scrolled`,
          "main-thread work per frame = from the frame's first scroll event (the list re-render) or its rAF callback to the end of its style, layout and paint; the interval between frames is bounded below by the 60 Hz refresh even when idle",
        ],
        data: {
          items: uiItems, firstRowsMs, idle, fling, steady, target: FRAME_TARGET_MS, worstP95Ms: worstP95,
          flingP95Ms: percentile(fling.work, 95), flingP99Ms: percentile(fling.work, 99), steadyP95Ms: percentile(steady.work, 95), steadyP99Ms: percentile(steady.work, 99),
        },
      };
    } finally {
      await close();
    }
  },
};
