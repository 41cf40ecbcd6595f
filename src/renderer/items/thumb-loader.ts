/**
 * Decides when an item row's thumbnail starts loading. Fetching and decoding an image is the most
 * expensive thing a row does (more than its layout and paint together), so:
 * - a row must stay mounted `settleMs` first: rows that only fly past in a fast scroll never
 *   request, decode or paint an image;
 * - at most `perTick` loads start per tick, so a screenful of thumbnails arriving together is
 *   spread over a few frames instead of landing in one long frame.
 * The loader sets `src` on the element itself: starting a load costs no React render.
 */
export interface ThumbLoaderOptions {
  settleMs: number;
  perTick: number;
  tickMs: number;
  now?: () => number;
}

interface Waiting {
  url: string;
  since: number;
}

export class ThumbLoader {
  private readonly waiting = new Map<HTMLImageElement, Waiting>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ThumbLoaderOptions) {
    this.now = options.now ?? (() => Date.now());
  }

  /** Loads `url` into `img` once it has waited its turn; the returned function cancels (row unmounted). */
  watch(img: HTMLImageElement, url: string): () => void {
    this.waiting.set(img, { url, since: this.now() });
    this.schedule();
    return () => {
      this.waiting.delete(img);
      if (this.waiting.size === 0 && this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  get pendingCount(): number {
    return this.waiting.size;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.waiting.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, this.options.tickMs);
  }

  private tick(): void {
    const now = this.now();
    let started = 0;
    // Map order is insertion order: the rows that appeared first load first.
    for (const [img, { url, since }] of this.waiting) {
      if (started >= this.options.perTick) break;
      if (now - since < this.options.settleMs) continue;
      this.waiting.delete(img);
      if (!img.isConnected) continue;
      img.src = url;
      started++;
    }
    this.schedule();
  }
}

/** The list's loader: ~60 ticks a second, two loads per tick, after 150 ms on screen. */
export const THUMB_SETTLE_MS = 150;
export const thumbLoader = new ThumbLoader({ settleMs: THUMB_SETTLE_MS, perTick: 2, tickMs: 16 });
