/**
 * Decides when an item row's thumbnail starts loading. Fetching and decoding an image is the most
 * expensive thing a row does (more than its layout and paint together), so:
 * - a row must stay mounted `settleMs` first: rows that only fly past in a fast scroll never
 *   request, decode or paint an image;
 * - at most `perTick` loads start per tick (more once the page is at rest), so a screenful of
 *   thumbnails arriving together is spread over a few frames instead of landing in one long frame.
 * The loader starts the load itself (and marks the element with `data-src`): starting a load costs
 * no React render. What a load is (see thumb-decoder.ts for the list's) is the caller's.
 */
import { paintThumb } from './thumb-decoder';

export interface ThumbLoaderOptions<E extends Element> {
  settleMs: number;
  /** Loads started per tick, and per tick when the page has been idle `restingIdleMs` or more. */
  perTick: number;
  restingPerTick: number;
  restingIdleMs: number;
  tickMs: number;
  /** Runs a tick when the page is idle (requestIdleCallback in the list); default at once. */
  whenIdle?: (run: (idle: IdleDeadline | undefined) => void) => void;
  load(element: E, url: string): Promise<void>;
  now?: () => number;
}

interface Waiting {
  url: string;
  since: number;
  onFailed: (() => void) | undefined;
}

export class ThumbLoader<E extends Element = Element> {
  private readonly waiting = new Map<E, Waiting>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ThumbLoaderOptions<E>) {
    this.now = options.now ?? (() => Date.now());
  }

  /** Loads `url` into `element` once it has waited its turn; the returned function cancels (row unmounted). */
  watch(element: E, url: string, onFailed?: () => void): () => void {
    this.waiting.set(element, { url, since: this.now(), onFailed });
    this.schedule();
    return () => {
      this.waiting.delete(element);
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
      const whenIdle = this.options.whenIdle ?? ((run) => run(undefined));
      whenIdle((idle) => {
        this.timer = undefined;
        this.tick(idle);
      });
    }, this.options.tickMs);
  }

  private tick(idle: IdleDeadline | undefined): void {
    const now = this.now();
    let started = 0;
    // A long idle period means nothing is moving: catch up. While the list scrolls, idle periods
    // are short and each load's decoded bitmap must still be painted, so loads go one by one.
    const resting = idle !== undefined && !idle.didTimeout && idle.timeRemaining() >= this.options.restingIdleMs;
    const budget = resting ? this.options.restingPerTick : this.options.perTick;
    // Map order is insertion order: the rows that appeared first load first.
    for (const [element, { url, since, onFailed }] of this.waiting) {
      if (started >= budget) break;
      if (now - since < this.options.settleMs) continue;
      this.waiting.delete(element);
      if (!element.isConnected) continue;
      element.setAttribute('data-src', url);
      this.options.load(element, url).catch(() => {
        if (element.isConnected) onFailed?.();
      });
      started++;
    }
    this.schedule();
  }
}

/**
 * The list's loader: after 150 ms on screen, up to ~60 ticks a second, each run between frames
 * (never inside one): one load per tick while the list moves, four when it is at rest. Decoded in
 * a worker (thumb-decoder.ts).
 */
export const THUMB_SETTLE_MS = 150;
export const thumbLoader = new ThumbLoader<HTMLCanvasElement>({
  settleMs: THUMB_SETTLE_MS,
  perTick: 1,
  restingPerTick: 4,
  restingIdleMs: 12,
  tickMs: 16,
  load: paintThumb,
  whenIdle: (run) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 100 });
    else run(undefined);
  },
});
