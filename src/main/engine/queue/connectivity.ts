import { EventEmitter } from 'node:events';
import { isScenarioError } from '../scenario/errors';

export interface ConnectivityOptions {
  /** A cheap call that resolves when the API answers (ScenarioApi.probe). */
  probe: (signal: AbortSignal) => Promise<void>;
  /** First wait after losing the network, growing ×2 up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface ConnectivityEvents {
  offline: [reason: string];
  online: [];
}

/**
 * Knows whether the Scenario API is reachable. Once something reports a network failure it
 * probes with growing intervals (capped) until the API answers, then announces `online` so every
 * waiting item resumes by itself. A hint from the OS (Electron's online event) probes at once.
 */
export class Connectivity extends EventEmitter<ConnectivityEvents> {
  private readonly probeFn: (signal: AbortSignal) => Promise<void>;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private offlineSince: number | undefined;
  private delayMs: number;
  private timer: NodeJS.Timeout | undefined;
  private probing: AbortController | undefined;
  private stopped = false;
  lastReason = '';

  constructor(options: ConnectivityOptions) {
    super();
    this.probeFn = options.probe;
    this.initialDelayMs = options.initialDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.delayMs = this.initialDelayMs;
  }

  get online(): boolean {
    return this.offlineSince === undefined;
  }

  /** Time the current outage started, if offline. */
  get offlineSinceMs(): number | undefined {
    return this.offlineSince;
  }

  /** Called by whoever saw a network failure. Starts probing if not already. */
  reportOffline(reason: string): void {
    this.lastReason = reason;
    if (this.stopped || this.offlineSince !== undefined) return;
    this.offlineSince = Date.now();
    this.delayMs = this.initialDelayMs;
    this.emit('offline', reason);
    this.schedule();
  }

  /** A hint that the network may be back (OS signal, user action): probe now. */
  probeNow(): void {
    if (this.stopped || this.offlineSince === undefined) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    void this.runProbe();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.probing?.abort();
  }

  private schedule(): void {
    if (this.stopped || this.timer || this.probing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runProbe();
    }, this.delayMs);
  }

  private async runProbe(): Promise<void> {
    if (this.probing || this.stopped) return;
    const controller = new AbortController();
    this.probing = controller;
    let back: boolean;
    try {
      await this.probeFn(controller.signal);
      back = true;
    } catch (error) {
      // Only a network failure means "still offline"; any answer from the server (even an auth
      // error) proves the network is back, and the items will meet that error themselves.
      back = !(isScenarioError(error) && (error.kind === 'network' || error.kind === 'canceled'));
      if (!back) this.lastReason = error instanceof Error ? error.message : String(error);
    } finally {
      this.probing = undefined;
    }
    if (this.stopped) return;
    if (back) {
      this.offlineSince = undefined;
      this.delayMs = this.initialDelayMs;
      this.emit('online');
    } else {
      this.delayMs = Math.min(this.maxDelayMs, this.delayMs * 2);
      this.schedule();
    }
  }
}
