// @vitest-environment jsdom
import { act, cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ItemView } from '../../src/shared/contract';
import { ItemStore } from '../../src/renderer/items/item-store';
import { ItemList } from '../../src/renderer/items/ItemList';
import { THUMB_SETTLE_MS } from '../../src/renderer/items/thumb-loader';
import { statusText } from '../../src/renderer/items/status';
import { DialogProvider } from '../../src/renderer/ui/Dialog';
import { failureText } from '../../src/shared/failure-text';
import { useQueueItems } from '../../src/renderer/items/use-items';
import { ApiProvider } from '../../src/renderer/transport/context';
import { FakeApi, makeItem } from './fake-api';

// jsdom has no layout: give every element the size of a 1100×600 list viewport.
const rect = { x: 0, y: 0, top: 0, left: 0, bottom: 600, right: 1100, width: 1100, height: 600, toJSON: () => ({}) } as DOMRect;
beforeAll(() => {
  vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue(rect);
  vi.spyOn(HTMLElement.prototype, 'offsetHeight', 'get').mockReturnValue(600);
  vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(600);
});
afterAll(() => vi.restoreAllMocks());
afterEach(cleanup);

function renderList(items: readonly ItemView[], api = new FakeApi(), electron = false) {
  const onPreview = vi.fn();
  const { container } = render(
    <DialogProvider>
      <ApiProvider api={api}>
        <ItemList items={items} electron={electron} onPreview={onPreview} initialRect={{ width: 1100, height: 600 }} />
      </ApiProvider>
    </DialogProvider>,
  );
  return { api, onPreview, container };
}

describe('ItemList', () => {
  it('renders only a window of rows for 10,000 items, sized for all of them', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => makeItem(i));
    const { container } = renderList(items);
    const rows = screen.getAllByRole('listitem');
    // 600px of 60px rows plus overscan: a dozen or two, never thousands.
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(rows.length).toBeLessThan(40);
    expect(rows[0]?.getAttribute('aria-setsize')).toBe('10000');
    expect(container.querySelector<HTMLElement>('.item-canvas')?.style.height).toBe(`${10_000 * 60}px`);
    // Rows name the input as the artist dropped it.
    expect(screen.getByText('art/file-0.png')).toBeTruthy();
    expect(screen.queryByText('art/file-9999.png')).toBeNull();
    // Row actions are not part of any row: one shared toolbar, for the hovered or focused row only.
    expect(container.querySelectorAll('button')).toHaveLength(0);
  });

  it('shows each state in words', () => {
    const items = [
      makeItem(0, { state: 'uploading' }),
      makeItem(1, { state: 'processing', progress: 0.42 }),
      makeItem(2, { state: 'waiting-for-network' }),
      makeItem(3, { state: 'failed', error: 'the file is not a PNG' }),
      makeItem(4, { state: 'done', outputs: ['/out/file-4.svg'], engine: 'local' }),
      makeItem(5, { state: 'queued' }),
    ];
    renderList(items);
    expect(screen.getByText('Uploading')).toBeTruthy();
    expect(screen.getByText('Processing 42%')).toBeTruthy();
    expect(screen.getByText('Waiting for network')).toBeTruthy();
    // Failures in an artist's words, the engine's own under Details.
    const words = failureText('the file is not a PNG').text;
    expect(screen.getByText(words)).toBeTruthy();
    expect(screen.getByRole('listitem', { name: `art/file-3.png, Failed: ${words}` })).toBeTruthy();
    expect(screen.getByText('Done')).toBeTruthy();
    expect(screen.getByText('local')).toBeTruthy();
    expect(statusText({ state: 'failed', progress: 0, error: 'connect ECONNREFUSED' })).toBe(`Failed: ${failureText('ECONNREFUSED').text}`);
  });

  it("reports each row's progress as a progress bar, in numbers and in words", () => {
    renderList([makeItem(0, { state: 'queued' }), makeItem(1, { state: 'processing', progress: 0.5 }), makeItem(2, { state: 'done', outputs: ['/out/file-2.svg'] })]);
    const bar = (name: string) => screen.getByRole('progressbar', { name: `${name} progress` });
    expect(bar('file-0.png').getAttribute('aria-valuenow')).toBe('0');
    expect(bar('file-0.png').getAttribute('aria-valuetext')).toBe('Queued');
    // Processing fills 10–90 % of the bar: the steps around it count for a little.
    expect(bar('file-1.png').getAttribute('aria-valuenow')).toBe('50');
    expect(bar('file-1.png').getAttribute('aria-valuetext')).toBe('Processing 50%');
    expect(bar('file-1.png').style.getPropertyValue('--progress')).toBe('0.5');
    expect(bar('file-2.png').getAttribute('aria-valuenow')).toBe('100');
  });

  it('offers the actions that fit each state; retry calls items.retry', async () => {
    const { api, onPreview } = renderList([
      makeItem(0, { state: 'processing', progress: 0.5 }),
      makeItem(1, { state: 'failed', error: 'boom' }),
      makeItem(2, { state: 'done', outputs: ['/out/file-2.svg'] }),
    ]);
    const [active, failed, done] = screen.getAllByRole('listitem') as [HTMLElement, HTMLElement, HTMLElement];
    const toolbar = () => screen.getByRole('toolbar');
    await userEvent.hover(active);
    expect(within(toolbar()).getByRole('button', { name: 'Cancel file-0.png' })).toBeTruthy();
    expect(within(toolbar()).queryByRole('button', { name: /Retry|Remove/ })).toBeNull();
    await userEvent.click(within(toolbar()).getByRole('button', { name: 'Cancel file-0.png' }));
    expect(api.callsTo('items.cancel')).toEqual([{ ids: ['item-0'] }]);

    await userEvent.hover(failed);
    await userEvent.click(within(toolbar()).getByRole('button', { name: 'Retry file-1.png' }));
    expect(api.callsTo('items.retry')).toEqual([{ ids: ['item-1'] }]);
    await userEvent.click(within(toolbar()).getByRole('button', { name: 'Remove file-1.png' }));
    expect(api.callsTo('items.remove')).toEqual([{ ids: ['item-1'] }]);

    await userEvent.hover(done);
    expect(within(toolbar()).queryByRole('button', { name: /Reveal|Show/ })).toBeNull();
    // The browser host can still hand over the result: a download link.
    expect(within(toolbar()).getByRole('link', { name: "Download file-2.png's result" }).getAttribute('download')).toBe('file-2.svg');
    await userEvent.click(within(toolbar()).getByRole('button', { name: 'Preview file-2.png' }));
    expect(onPreview).toHaveBeenCalledWith(expect.objectContaining({ id: 'item-2' }));
    expect(screen.getAllByRole('toolbar')).toHaveLength(1);
  });

  it('words a failure by the kind the engine recorded, and offers Retry by it, whatever the message reads like', async () => {
    renderList([
      // Reads like a network blip; the engine knew the file is damaged.
      makeItem(0, { state: 'failed', error: 'fetch failed while reading chunk', failureKind: 'broken-file' }),
      // Reads like a damaged file; it was Scenario.
      makeItem(1, { state: 'failed', error: 'the result is damaged or truncated', failureKind: 'server' }),
    ]);
    const broken = failureText('', 'broken-file').text;
    const server = failureText('', 'server').text;
    expect(screen.getByRole('listitem', { name: `art/file-0.png, Failed: ${broken}` })).toBeTruthy();
    const [first, second] = screen.getAllByRole('listitem') as [HTMLElement, HTMLElement];
    expect(within(second).getByText(server)).toBeTruthy();
    await userEvent.hover(first);
    expect(within(screen.getByRole('toolbar')).queryByRole('button', { name: 'Retry file-0.png' })).toBeNull();
    await userEvent.hover(second);
    expect(within(screen.getByRole('toolbar')).getByRole('button', { name: 'Retry file-1.png' })).toBeTruthy();
  });

  it('adds reveal and open for finished items in Electron', async () => {
    const { api } = renderList([makeItem(0, { state: 'done', outputs: ['/out/a.svg'] })], new FakeApi('electron'), true);
    await userEvent.hover(screen.getByRole('listitem'));
    expect(screen.queryByRole('link', { name: /Download/ })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Show file-0.png in folder' }));
    await userEvent.click(screen.getByRole('button', { name: "Open file-0.png's result" }));
    expect(api.callsTo('items.reveal')).toEqual([{ id: 'item-0' }]);
    expect(api.callsTo('items.open')).toEqual([{ id: 'item-0' }]);
  });

  it("shows an image input's thumbnail once its row has stayed on screen, and inputs with no picture as a glyph", () => {
    vi.useFakeTimers();
    try {
      const { container } = render(
        <ApiProvider api={new FakeApi()}>
          <ItemList items={[makeItem(0), makeItem(1, { inputKind: 'fbx', inputName: 'knot.fbx' })]} electron={false} onPreview={() => undefined} initialRect={{ width: 1100, height: 600 }} />
        </ApiProvider>,
      );
      // A row that only flies past during a fast scroll must not fetch and decode an image.
      const thumbs = container.querySelectorAll('canvas.thumb');
      expect(thumbs).toHaveLength(1);
      expect(thumbs[0]?.hasAttribute('data-src')).toBe(false);
      act(() => vi.advanceTimersByTime(THUMB_SETTLE_MS + 50));
      expect(thumbs[0]?.getAttribute('data-src')).toBe('/files/item-0/input/0');
      expect(container.querySelectorAll('.thumb-glyph')).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never requests the thumbnail of a row that left the screen before it settled', () => {
    vi.useFakeTimers();
    try {
      const { container, rerender } = render(
        <ApiProvider api={new FakeApi()}>
          <ItemList items={[makeItem(0)]} electron={false} onPreview={() => undefined} initialRect={{ width: 1100, height: 600 }} />
        </ApiProvider>,
      );
      act(() => vi.advanceTimersByTime(THUMB_SETTLE_MS / 2));
      rerender(
        <ApiProvider api={new FakeApi()}>
          <ItemList items={[makeItem(1)]} electron={false} onPreview={() => undefined} initialRect={{ width: 1100, height: 600 }} />
        </ApiProvider>,
      );
      act(() => vi.advanceTimersByTime(THUMB_SETTLE_MS / 2 + 20));
      expect(container.querySelector('canvas[data-src="/files/item-0/input/0"]')).toBeNull();
      expect(container.querySelector('canvas[data-src]')).toBeNull();
      act(() => vi.advanceTimersByTime(THUMB_SETTLE_MS));
      expect(container.querySelector('canvas[data-src]')?.getAttribute('data-src')).toBe('/files/item-1/input/0');
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps exactly one row in the tab order and moves it with the arrow keys; keys act on the focused row', async () => {
    const { api } = renderList(Array.from({ length: 50 }, (_, i) => makeItem(i, i === 1 ? { state: 'failed', error: 'the file is empty (0 bytes)' } : {})));
    const rows = screen.getAllByRole('listitem');
    expect(rows.filter((r) => r.tabIndex === 0)).toHaveLength(1);
    rows[0]?.focus();
    await userEvent.keyboard('{ArrowDown}');
    expect(screen.getAllByRole('listitem')[1]?.tabIndex).toBe(0);
    expect(screen.getAllByRole('listitem')[0]?.tabIndex).toBe(-1);
    // A broken file cannot be retried (R does nothing); Delete removes it.
    await userEvent.keyboard('r');
    expect(api.callsTo('items.retry')).toEqual([]);
    await userEvent.keyboard('{Delete}');
    expect(api.callsTo('items.remove')).toEqual([{ ids: ['item-1'] }]);
  });
});

describe('ItemStore', () => {
  function Probe({ store, onRender }: { store: ItemStore; onRender(items: readonly ItemView[]): void }) {
    onRender(useQueueItems(store, 'q1'));
    return null;
  }

  it('applies a burst of item events in one render per frame', () => {
    const frames: FrameRequestCallback[] = [];
    const raf = vi.spyOn(window, 'requestAnimationFrame').mockImplementation((cb) => frames.push(cb));
    const store = new ItemStore();
    store.load('q1', Array.from({ length: 100 }, (_, i) => makeItem(i)));
    const renders: Array<readonly ItemView[]> = [];
    render(<Probe store={store} onRender={(items) => renders.push(items)} />);
    const before = renders.length;

    for (let n = 0; n < 1000; n++) store.upsert(makeItem(n % 100, { state: 'processing', progress: n / 1000, updatedAt: 2 + n }));
    expect(frames).toHaveLength(1);
    expect(renders.length).toBe(before);
    act(() => frames.shift()?.(0));
    expect(renders.length).toBe(before + 1);
    const last = renders[renders.length - 1] ?? [];
    expect(last).toHaveLength(100);
    expect(last[99]?.progress).toBeCloseTo(0.999);
    raf.mockRestore();
  });

  it('keeps untouched items identical so memoised rows skip rendering, and ignores stale events', () => {
    const store = new ItemStore();
    store.load('q1', [makeItem(0, { updatedAt: 5 }), makeItem(1, { updatedAt: 5 })]);
    const first = store.list('q1');
    store.upsert(makeItem(1, { state: 'done', updatedAt: 6 }));
    store.upsert(makeItem(0, { state: 'failed', updatedAt: 4 }));
    store.flush();
    const second = store.list('q1');
    expect(second).not.toBe(first);
    expect(second[0]).toBe(first[0]);
    expect(second[1]?.state).toBe('done');
    store.remove(['item-0']);
    store.flush();
    expect(store.list('q1').map((i) => i.id)).toEqual(['item-1']);
  });

  it('keeps order by position when new items and updates arrive in the same frame', () => {
    const store = new ItemStore();
    store.load('q1', [makeItem(0), makeItem(2), makeItem(4)]);
    store.upsert(makeItem(2, { state: 'processing', progress: 0.5, updatedAt: 2 }));
    store.flush();
    expect(store.list('q1').map((i) => i.state)).toEqual(['queued', 'processing', 'queued']);
    store.upsert(makeItem(4, { state: 'done', updatedAt: 3 }));
    store.upsert(makeItem(3, { updatedAt: 3 }));
    store.upsert(makeItem(1, { queueId: 'q2', updatedAt: 3 }));
    store.flush();
    expect(store.list('q1').map((i) => `${i.id}:${i.state}`)).toEqual(['item-0:queued', 'item-2:processing', 'item-3:queued', 'item-4:done']);
    expect(store.list('q2').map((i) => i.id)).toEqual(['item-1']);
    store.upsert(makeItem(0, { state: 'uploading', updatedAt: 4 }));
    store.flush();
    expect(store.list('q1')[0]?.state).toBe('uploading');
  });
});
