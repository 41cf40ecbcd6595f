import { CanceledError } from './errors';

/** The caller's abort, as the typed error the queue understands (keeps a string reason such as "paused"). */
export function canceledFrom(signal: AbortSignal | undefined): CanceledError {
  const reason: unknown = signal?.reason;
  if (reason instanceof CanceledError) return reason;
  if (typeof reason === 'string' && reason) return new CanceledError(reason);
  return new CanceledError();
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw canceledFrom(signal);
}

/** A sleep the caller can cut short: an abort rejects at once rather than after the delay. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  throwIfAborted(signal);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(canceledFrom(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * As sleep, but cut short when `wake` settles first: resolves true if woken, false if the time ran out.
 */
export function sleepUnless(ms: number, wake: Promise<unknown> | undefined, signal?: AbortSignal): Promise<boolean> {
  if (!wake) return sleep(ms, signal).then(() => false);
  throwIfAborted(signal);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (woken: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(woken);
    };
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(canceledFrom(signal));
    };
    const timer = setTimeout(() => finish(false), Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
    wake.then(
      () => finish(true),
      () => finish(true),
    );
  });
}

/**
 * "Full jitter" backoff: a uniform delay in [0, min(cap, base·2^attempt)). Spreading retries over
 * the whole window is what keeps many queued items from hammering a recovering server in step.
 */
export function fullJitter(attempt: number, baseMs: number, maxMs: number): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** attempt);
}

/**
 * One step of polling back-off: the wait before the next poll, and the wait after the one after
 * if that sees no news. Waits grow geometrically (`factor`, capped at `maxMs`) while nothing
 * changes; news (`changed`) starts again from `resetMs`.
 */
export function nextPollWait(currentMs: number, changed: boolean, resetMs: number, maxMs: number, factor: number): { waitMs: number; nextMs: number } {
  const waitMs = changed ? resetMs : currentMs;
  return { waitMs, nextMs: Math.min(maxMs, waitMs * factor) };
}

/** Polling intervals: grow geometrically while nothing changes, start again when something does. */
export class PollInterval {
  private current: number;
  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly factor: number,
  ) {
    this.current = initialMs;
  }

  /**
   * The wait before the next poll; `changed` says whether the last poll saw news, which starts the
   * backoff again from `resetMs` (default: the first interval).
   */
  next(changed: boolean, resetMs: number = this.initialMs): number {
    const { waitMs, nextMs } = nextPollWait(this.current, changed, resetMs, this.maxMs, this.factor);
    this.current = nextMs;
    return waitMs;
  }
}
