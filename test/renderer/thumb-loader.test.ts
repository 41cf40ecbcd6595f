// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ThumbLoader } from '../../src/renderer/items/thumb-loader';

function mountedImg(): HTMLImageElement {
  const img = document.createElement('img');
  document.body.append(img);
  return img;
}

describe('ThumbLoader', () => {
  let clock = 0;
  let loads: string[] = [];
  const loader = (load = async (_el: Element, url: string) => void loads.push(url)) =>
    new ThumbLoader({ settleMs: 150, perTick: 2, restingPerTick: 4, restingIdleMs: 12, tickMs: 16, now: () => clock, load });
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
    loads = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    document.body.replaceChildren();
  });
  const advance = (ms: number) => {
    for (let t = 0; t < ms; t += 16) {
      clock += 16;
      vi.advanceTimersByTime(16);
    }
  };

  it('starts a load only once the row has stayed mounted for the settle time', () => {
    const l = loader();
    const img = mountedImg();
    l.watch(img, '/files/a/input/0');
    advance(128);
    expect(img.hasAttribute('data-src')).toBe(false);
    advance(32);
    expect(img.getAttribute('data-src')).toBe('/files/a/input/0');
    expect(loads).toEqual(['/files/a/input/0']);
    expect(l.pendingCount).toBe(0);
  });

  it('says so when a load fails for a row still on screen, and not for one already gone', async () => {
    const l = loader(async () => {
      throw new Error('not an image');
    });
    const shown = mountedImg();
    const gone = mountedImg();
    const failed: string[] = [];
    l.watch(shown, '/files/shown/input/0', () => failed.push('shown'));
    l.watch(gone, '/files/gone/input/0', () => failed.push('gone'));
    advance(160);
    gone.remove();
    await vi.runAllTimersAsync();
    expect(failed).toEqual(['shown']);
  });

  it('never loads a row that was unmounted first', () => {
    const l = loader();
    const img = mountedImg();
    const unwatch = l.watch(img, '/files/a/input/0');
    advance(100);
    unwatch();
    advance(500);
    expect(img.hasAttribute('data-src')).toBe(false);
    expect(loads).toEqual([]);
  });

  it('spreads a screenful of thumbnails over several ticks, first appeared first', () => {
    const l = loader();
    const imgs = Array.from({ length: 6 }, () => mountedImg());
    imgs.forEach((img, i) => l.watch(img, `/files/${i}/input/0`));
    advance(160);
    expect(imgs.map((i) => i.hasAttribute('data-src'))).toEqual([true, true, false, false, false, false]);
    advance(16);
    expect(imgs.map((i) => i.hasAttribute('data-src'))).toEqual([true, true, true, true, false, false]);
    advance(16);
    expect(imgs.every((i) => i.hasAttribute('data-src'))).toBe(true);
  });

  it('catches up faster once the page is at rest (long idle periods), one by one while it is busy', () => {
    let idleMs = 4;
    const l = new ThumbLoader({
      settleMs: 150, perTick: 1, restingPerTick: 4, restingIdleMs: 12, tickMs: 16, now: () => clock,
      load: async (_el, url) => void loads.push(url),
      whenIdle: (run) => run({ didTimeout: false, timeRemaining: () => idleMs }),
    });
    const imgs = Array.from({ length: 8 }, () => mountedImg());
    imgs.forEach((img, i) => l.watch(img, `/files/${i}/input/0`));
    advance(160);
    expect(loads).toHaveLength(1);
    idleMs = 40;
    advance(16);
    expect(loads).toHaveLength(5);
  });

  it('skips elements no longer in the document', () => {
    const l = loader();
    const gone = mountedImg();
    const kept = mountedImg();
    l.watch(gone, '/files/gone/input/0');
    l.watch(kept, '/files/kept/input/0');
    gone.remove();
    advance(160);
    expect(gone.hasAttribute('data-src')).toBe(false);
    expect(kept.getAttribute('data-src')).toBe('/files/kept/input/0');
  });
});
