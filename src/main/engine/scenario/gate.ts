import { sleep } from './timing';

/**
 * One per client. A 429 means the account, not the request, is over its limit, so every request
 * this client is about to make waits until Retry-After has passed, whichever item it belongs to.
 * Requests already on the wire are not recalled; if they are refused too they push the time out.
 */
export class RateLimitGate {
  private openAt = 0;

  close(forMs: number): void {
    this.openAt = Math.max(this.openAt, Date.now() + Math.max(0, forMs));
  }

  get remainingMs(): number {
    return Math.max(0, this.openAt - Date.now());
  }

  async wait(signal?: AbortSignal): Promise<void> {
    // Loop: another 429 may move the opening later while we sleep.
    for (let ms = this.remainingMs; ms > 0; ms = this.remainingMs) await sleep(ms, signal);
  }
}
