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
  const loader = () => new ThumbLoader({ settleMs: 150, perTick: 2, tickMs: 16, now: () => clock });
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
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
    expect(img.hasAttribute('src')).toBe(false);
    advance(32);
    expect(img.getAttribute('src')).toBe('/files/a/input/0');
    expect(l.pendingCount).toBe(0);
  });

  it('never loads a row that was unmounted first', () => {
    const l = loader();
    const img = mountedImg();
    const unwatch = l.watch(img, '/files/a/input/0');
    advance(100);
    unwatch();
    advance(500);
    expect(img.hasAttribute('src')).toBe(false);
  });

  it('spreads a screenful of thumbnails over several ticks, first appeared first', () => {
    const l = loader();
    const imgs = Array.from({ length: 6 }, () => mountedImg());
    imgs.forEach((img, i) => l.watch(img, `/files/${i}/input/0`));
    advance(160);
    expect(imgs.map((i) => i.hasAttribute('src'))).toEqual([true, true, false, false, false, false]);
    advance(16);
    expect(imgs.map((i) => i.hasAttribute('src'))).toEqual([true, true, true, true, false, false]);
    advance(16);
    expect(imgs.every((i) => i.hasAttribute('src'))).toBe(true);
  });

  it('skips elements no longer in the document', () => {
    const l = loader();
    const gone = mountedImg();
    const kept = mountedImg();
    l.watch(gone, '/files/gone/input/0');
    l.watch(kept, '/files/kept/input/0');
    gone.remove();
    advance(160);
    expect(gone.hasAttribute('src')).toBe(false);
    expect(kept.getAttribute('src')).toBe('/files/kept/input/0');
  });
});
