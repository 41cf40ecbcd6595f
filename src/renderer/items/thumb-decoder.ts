/**
 * Turns a thumbnail URL into a small decoded bitmap: in a worker where the page can start one, so
 * neither the request nor the decode runs on the main thread; otherwise on the page, where
 * createImageBitmap still decodes off the main thread.
 */
import { fetchThumbBitmap, type ThumbReply, type ThumbRequest } from './thumb-bitmap';

interface Pending {
  url: string;
  resolve: (bitmap: ImageBitmap) => void;
  reject: (error: Error) => void;
}

let worker: Worker | null | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

function startWorker(): Worker | null {
  if (typeof Worker === 'undefined') return null;
  try {
    const w = new Worker(new URL('./thumb-worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (event: MessageEvent<ThumbReply>) => {
      const reply = event.data;
      const waiter = pending.get(reply.id);
      pending.delete(reply.id);
      if ('bitmap' in reply) {
        if (waiter) waiter.resolve(reply.bitmap);
        else reply.bitmap.close();
      } else {
        waiter?.reject(new Error(reply.error));
      }
    };
    // A worker that cannot run (refused by a policy, say): this and every later thumbnail is decoded on the page.
    w.onerror = () => {
      worker = null;
      w.terminate();
      for (const [id, waiter] of pending) {
        pending.delete(id);
        fetchThumbBitmap(waiter.url).then(waiter.resolve, waiter.reject);
      }
    };
    return w;
  } catch {
    return null;
  }
}

export function decodeThumb(url: string): Promise<ImageBitmap> {
  if (typeof createImageBitmap === 'undefined') return Promise.reject(new Error('this page cannot decode images'));
  if (worker === undefined) worker = startWorker();
  const w = worker;
  if (!w) return fetchThumbBitmap(url);
  const id = nextId++;
  return new Promise<ImageBitmap>((resolve, reject) => {
    pending.set(id, { url, resolve, reject });
    w.postMessage({ id, url } satisfies ThumbRequest);
  });
}

/** Shows the image at `url` in `canvas`; rejects when it cannot be fetched or decoded. */
export async function paintThumb(canvas: HTMLCanvasElement, url: string): Promise<void> {
  // Absolute: a worker resolves relative URLs against its own script, not the page.
  const bitmap = await decodeThumb(new URL(url, document.baseURI).href);
  // Painted between frames too: a bitmap arriving mid-scroll must not lengthen the frame under way.
  if (typeof requestIdleCallback === 'function') await new Promise((resolve) => requestIdleCallback(resolve, { timeout: 100 }));
  if (!canvas.isConnected) {
    bitmap.close();
    return;
  }
  const context = canvas.getContext('bitmaprenderer');
  if (!context) {
    bitmap.close();
    throw new Error('this page cannot show decoded images');
  }
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  context.transferFromImageBitmap(bitmap);
}
