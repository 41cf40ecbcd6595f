/// <reference lib="webworker" />
/**
 * Fetches and decodes thumbnails off the main thread: the list only receives a small decoded
 * ImageBitmap to hand to its canvas, so a scrolling list never pays for a request or a decode in a frame.
 */
import { fetchThumbBitmap, type ThumbReply, type ThumbRequest } from './thumb-bitmap';

declare const self: DedicatedWorkerGlobalScope;

self.onmessage = (event: MessageEvent<ThumbRequest>) => {
  const { id, url } = event.data;
  fetchThumbBitmap(url).then(
    (bitmap) => self.postMessage({ id, bitmap } satisfies ThumbReply, [bitmap]),
    (error: unknown) => self.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies ThumbReply),
  );
};
