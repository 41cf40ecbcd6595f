// @vitest-environment jsdom
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import sharp from 'sharp';
import { initSync, to_svg } from 'vtracer-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QueueConfig } from '../../src/shared/contract';
import { checkTraceSize, resolveVtracerSettings, svgStats, traceRgba } from '../../src/shared/vtracer';
import { QueueEditor } from '../../src/renderer/queues/QueueEditor';
import { draftSettings } from '../../src/renderer/preview/draft';
import { abortError } from '../../src/renderer/preview/trace-client';
import type { TraceJob } from '../../src/renderer/preview/trace-client';
import type { TraceSuccess } from '../../src/renderer/preview/trace-protocol';
import { TracerFactoryContext } from '../../src/renderer/preview/tracer-context';
import { readBytes } from '../../src/renderer/preview/use-sample';
import { ApiProvider } from '../../src/renderer/transport/context';
import { BADGE } from '../local/helpers';
import { FakeApi, makeItem, MODEL_INFOS } from './fake-api';

afterEach(cleanup);

beforeAll(() => {
  initSync({ module: readFileSync(createRequire(import.meta.url).resolve('vtracer-wasm/vtracer.wasm')) });
});

interface Started {
  job: TraceJob;
  signal: AbortSignal;
  release(): void;
}

/**
 * The preview's tracer as the worker runs it (same WebAssembly, same draft rule), in-process
 * because jsdom has neither workers nor canvas; sharp decodes. With `hold`, each trace waits for
 * the test to release it, standing for a long trace the artist overtakes.
 */
class InProcessTracer {
  readonly started: Started[] = [];
  constructor(private readonly hold = false) {}

  make = () => ({
    trace: (job: TraceJob, signal: AbortSignal) => this.trace(job, signal),
    dispose: () => undefined,
  });

  private async trace(job: TraceJob, signal: AbortSignal): Promise<TraceSuccess> {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    this.started.push({ job, signal, release });
    if (!this.hold) release();
    await new Promise<void>((resolve, reject) => {
      if (signal.aborted) reject(abortError());
      signal.addEventListener('abort', () => reject(abortError()), { once: true });
      void gate.then(resolve);
    });
    const bytes = Buffer.from(await readBytes(job.blob));
    const meta = await sharp(bytes).metadata();
    if (!job.maxSide) checkTraceSize(meta.width!, meta.height!);
    const scale = job.maxSide ? Math.min(1, job.maxSide / Math.max(meta.width!, meta.height!)) : 1;
    const { data, info } = await sharp(bytes).resize(Math.round(meta.width! * scale), Math.round(meta.height! * scale), { fit: 'fill' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const draft = scale < 1;
    const settings = draft ? draftSettings(job.settings, scale) : job.settings;
    const { svg, stats } = traceRgba(to_svg, new Uint8Array(data), info.width, info.height, settings);
    return { svg, stats, width: info.width, height: info.height, draft, ms: 0 };
  }
}

function renderEditor(tracer: InProcessTracer, api = new FakeApi(), queue?: QueueConfig) {
  render(
    <ApiProvider api={api}>
      <TracerFactoryContext.Provider value={tracer.make}>
        <QueueEditor models={MODEL_INFOS} hostKind="web" defaultOutputDir="/home/artist/Kiln" queue={queue}
          onSaved={() => undefined} onCancel={() => undefined} />
      </TracerFactoryContext.Provider>
    </ApiProvider>,
  );
}

const badgeFile = () => new File([readFileSync(BADGE)], 'badge.png', { type: 'image/png' });
const result = () => screen.getByTestId('trace-result');
const finalCaption = async () => {
  await waitFor(() => expect(result().dataset['status']).toBe('final'));
  return result().querySelector('figcaption')!.textContent ?? '';
};

/** The start of the caption VTracer's own result on the badge should get: its path count. */
async function expectedStats(params: Record<string, string>): Promise<string> {
  const { data, info } = await sharp(BADGE).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const settings = resolveVtracerSettings(MODEL_INFOS.find((m) => m.key === 'vtracer')!, params);
  const stats = svgStats(traceRgba(to_svg, new Uint8Array(data), info.width, info.height, settings).svg);
  return `${stats.paths} path`;
}

/** The SVG an <img> shows (jsdom has no object URLs, so the preview falls back to a data: URL). */
const svgOf = (img: HTMLImageElement): string => Buffer.from(img.src.split(',')[1]!, 'base64').toString('utf8');

describe('live trace preview in the queue editor', () => {
  it('asks for a sample until there is one, then shows the source beside its traced SVG with paths, colours and size', async () => {
    const tracer = new InProcessTracer();
    renderEditor(tracer);
    expect(screen.getByText(/choose a sample, to see how these settings trace it/)).toBeTruthy();
    expect(tracer.started).toHaveLength(0);

    await userEvent.upload(screen.getByLabelText('Choose a sample image'), badgeFile());
    const caption = await finalCaption();
    expect(caption).toMatch(/^\d+ paths? · \d+ colours? · [\d.]+ KB$/);
    expect(caption.startsWith(await expectedStats({ presetName: 'poster' }))).toBe(true);
    expect(await screen.findByAltText('Sample badge.png')).toBeTruthy();
    const img = (await screen.findByAltText('Traced SVG preview')) as HTMLImageElement;
    expect(svgOf(img)).toMatch(/<svg[^>]*viewBox="0 0 256 256"/);
    // The 256 px badge is under the draft size: traced once, at full size, with the poster preset's values.
    expect(tracer.started).toHaveLength(1);
    expect(tracer.started[0]!.job.settings).toMatchObject({ colorMode: 'color', colorPrecision: 8, filterSpeckle: 4, layerDifference: 16 });
  });

  it('a change abandons the trace in progress; only the latest settings reach the screen', async () => {
    const tracer = new InProcessTracer(true);
    renderEditor(tracer);
    await userEvent.upload(screen.getByLabelText('Choose a sample image'), badgeFile());
    await waitFor(() => expect(tracer.started).toHaveLength(1));
    expect(result().dataset['status']).toBe('tracing');

    await userEvent.selectOptions(screen.getByLabelText('Preset'), 'bw');
    await waitFor(() => expect(tracer.started).toHaveLength(2));
    expect(tracer.started[0]!.signal.aborted).toBe(true);
    expect(tracer.started[1]!.job.settings.colorMode).toBe('binary');
    tracer.started[0]!.release();
    tracer.started[1]!.release();
    const caption = await finalCaption();
    expect(caption).toMatch(/^\d+ paths? · 1 colour · /);
    expect(caption.startsWith(await expectedStats({ presetName: 'bw' }))).toBe(true);
  });

  it('follows custom parameters as they are typed', async () => {
    const tracer = new InProcessTracer();
    renderEditor(tracer);
    await userEvent.selectOptions(screen.getByLabelText('Preset'), 'custom');
    await userEvent.upload(screen.getByLabelText('Choose a sample image'), badgeFile());
    await finalCaption();
    const mode = document.getElementById('param-mode') as HTMLSelectElement;
    await userEvent.selectOptions(mode, 'polygon');
    await waitFor(() => expect(tracer.started.at(-1)!.job.settings.mode).toBe('polygon'));
    await finalCaption();
    // The picture follows the caption a moment later here: jsdom has no object URLs, so the new
    // SVG's data: URL is read asynchronously while the previous picture stays on screen.
    await waitFor(() => {
      const svg = svgOf(screen.getByAltText('Traced SVG preview') as HTMLImageElement);
      expect(svg).toMatch(/<path d="M/);
      expect(svg).not.toMatch(/ C/);
    });
    expect(tracer.started.map((s) => s.job.settings.mode)).toEqual(['spline', 'polygon']);
  });

  it('an image VTracer cannot trace shows the reason instead of a picture', async () => {
    const tracer = new InProcessTracer();
    renderEditor(tracer);
    const clear = await sharp({ create: { width: 40, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    await userEvent.upload(screen.getByLabelText('Choose a sample image'), new File([clear], 'clear.png', { type: 'image/png' }));
    await waitFor(() => expect(result().dataset['status']).toBe('error'));
    expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain('Nothing to trace: every pixel of this image is transparent.');
    expect(result().dataset['status']).toBe('error');
    expect(screen.queryByAltText('Traced SVG preview')).toBeNull();
  });

  it('a sample over 4096 × 4096 still shows its draft, with the reason it cannot be traced in full', async () => {
    const tracer = new InProcessTracer();
    renderEditor(tracer);
    const huge = await sharp({ create: { width: 4200, height: 4100, channels: 3, background: '#29335c' } }).png({ compressionLevel: 1 }).toBuffer();
    await userEvent.upload(screen.getByLabelText('Choose a sample image'), new File([huge], 'huge.png', { type: 'image/png' }));
    await waitFor(() => expect(result().dataset['status']).toBe('error'));
    expect(await screen.findByAltText('Traced SVG preview')).toBeTruthy();
    expect(result().querySelector('figcaption')!.textContent).toMatch(/^Draft only: 1 path · 1 colour · .* at 512 × 500$/);
    expect(screen.getAllByRole('alert').map((a) => a.textContent).join(' ')).toMatch(/too large to trace on this computer \(4200 × 4100 pixels\)/);
  });

  it('compares the presets side by side, and choosing one sets the queue preset', async () => {
    const tracer = new InProcessTracer();
    renderEditor(tracer);
    await userEvent.upload(screen.getByLabelText('Choose a sample image'), badgeFile());
    await finalCaption();
    await userEvent.click(screen.getByRole('button', { name: 'Compare presets' }));
    const list = screen.getByRole('list', { name: 'Presets compared' });
    await waitFor(() => expect(within(list).getAllByText(/paths? · /)).toHaveLength(4));
    const names = within(list).getAllByRole('listitem').map((li) => li.dataset['preset']);
    expect(names).toEqual(['poster', 'bw', 'photo', 'custom']);
    // Each tile is its preset's own settings; the current one is marked.
    const traced = tracer.started.slice(1).map((s) => s.job.settings);
    expect(traced.map((s) => s.colorMode)).toEqual(['color', 'binary', 'color', 'color']);
    expect(traced[2]).toMatchObject({ filterSpeckle: 10, layerDifference: 48, cornerThreshold: 180 });
    expect((within(list).getByRole('button', { name: 'Use Poster' }) as HTMLButtonElement).disabled).toBe(true);

    await userEvent.click(within(list).getByRole('button', { name: 'Use Black & white' }));
    expect((screen.getByLabelText('Preset') as HTMLSelectElement).value).toBe('bw');
    await waitFor(() => expect(tracer.started.at(-1)!.job.settings.colorMode).toBe('binary'));
  });

  it("uses the last file dropped on the queue as the sample when editing it", async () => {
    const tracer = new InProcessTracer();
    const png = readFileSync(BADGE);
    const api = new (class extends FakeApi {
      override fileUrl(itemId: string): string {
        // The host serves each item's input; here the item's bytes as a data: URL.
        return itemId === 'item-2' ? `data:image/png;base64,${png.toString('base64')}` : 'data:text/plain,wrong';
      }
    })();
    const asked: Array<{ queueId: string; kinds: string[] }> = [];
    api.handle('items.latest', (input) => {
      asked.push(input);
      return makeItem(2, { inputName: 'latest.png' });
    });
    const queue = { id: 'q1', name: 'Logos', modelKey: 'vtracer', params: {}, preset: 'poster', outputDir: '/out', nameTemplate: '{name}.{ext}', collision: 'keep-both', engine: 'cloud' } as unknown as QueueConfig;
    renderEditor(tracer, api, queue);
    await finalCaption();
    expect(screen.getByText(/latest\.png · last file on this queue/)).toBeTruthy();
    // One item asked for, of the kinds VTracer takes; never the whole queue.
    expect(asked).toEqual([{ queueId: 'q1', kinds: ['png', 'jpeg', 'webp'] }]);
    expect(api.calls.map((c) => c.name)).not.toContain('items.list');
  });
});
