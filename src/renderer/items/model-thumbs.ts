/**
 * Thumbnails of 3D inputs. Each model is rendered once, to an 88 px bitmap, by one shared offscreen
 * three.js renderer in the page, then cached by URL: the same GLTFLoader and WebGL the preview uses
 * (preview/three-viewer.ts), loaded lazily, so the list pays nothing until a 3D row settles on screen.
 * Rendering here rather than in the main process: main has neither WebGL nor a GLB rasteriser, and a
 * headless GL stack would be a heavy native dependency for an 88 px picture.
 * Loads go through the same ThumbLoader rules as image thumbnails (settle first, one per tick).
 */
import { ThumbLoader } from './thumb-loader';

const cache = new Map<string, Promise<ImageBitmap>>();
const MAX_CACHED = 300;

function render(url: string): Promise<ImageBitmap> {
  let found = cache.get(url);
  if (!found) {
    found = import('./model-thumb-render').then((m) => m.renderModelThumb(url));
    found.catch(() => cache.delete(url));
    cache.set(url, found);
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  }
  return found;
}

async function paint(canvas: HTMLCanvasElement, url: string): Promise<void> {
  const bitmap = await render(url);
  if (!canvas.isConnected) return;
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  // 2D drawImage, not bitmaprenderer: the cached bitmap is painted into many rows over time and must not be consumed.
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0);
}

export const modelThumbs = new ThumbLoader<HTMLCanvasElement>({
  settleMs: 300,
  perTick: 1,
  restingPerTick: 1,
  restingIdleMs: 12,
  tickMs: 50,
  load: paint,
  whenIdle: (run) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 200 });
    else run(undefined);
  },
});
