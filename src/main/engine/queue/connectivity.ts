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

/** Probes that must all fail before a reported network error counts as an outage. */
export const CONFIRMING_PROBES = 2;

/**
 * Knows whether the Scenario API is reachable. A reported network failure is first a suspicion:
 * the API is probed at once (up to CONFIRMING_PROBES times), and if it answers, the server was
 * merely flaky (a reset connection, one request in ten) — `online` is announced so the items
 * parked meanwhile resume at once, and the batch is never marked offline (issue 14.7). Only when
 * the probes fail too is the batch `offline`; it then probes with growing intervals (capped)
 * until the API answers, and announces `online` so every waiting item resumes by itself. A hint
 * from the OS (Electron's online event) probes at once.
 */
export class Connectivity extends EventEmitter<ConnectivityEvents> {
  private readonly probeFn: (signal: AbortSignal) => Promise<void>;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private offlineSince: number | undefined;
  private delayMs: number;
  private timer: NodeJS.Timeout | undefined;
  private probing: AbortController | undefined;
  private confirming = false;
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
    if (this.stopped || this.offlineSince !== undefined || this.confirming) return;
    this.confirming = true;
    void this.confirm();
  }

  /** Flaky server or lost network? Asks the API before telling anyone the batch is offline. */
  private async confirm(): Promise<void> {
    try {
      for (let i = 0; i < CONFIRMING_PROBES; i++) {
        if (await this.probeOnce()) {
          if (!this.stopped) this.emit('online');
          return;
        }
        if (this.stopped) return;
      }
      this.offlineSince = Date.now();
      this.delayMs = this.initialDelayMs;
      this.emit('offline', this.lastReason);
      this.schedule();
    } finally {
      this.confirming = false;
    }
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

  /** One probe: whether the API answered. */
  private async probeOnce(): Promise<boolean> {
    const controller = new AbortController();
    this.probing = controller;
    try {
      await this.probeFn(controller.signal);
      return true;
    } catch (error) {
      // Only a network failure means "still offline"; any answer from the server (even an auth
      // error) proves the network is back, and the items will meet that error themselves.
      const back = !(isScenarioError(error) && (error.kind === 'network' || error.kind === 'canceled'));
      if (!back) this.lastReason = error instanceof Error ? error.message : String(error);
      return back;
    } finally {
      this.probing = undefined;
    }
  }

  private async runProbe(): Promise<void> {
    if (this.probing || this.stopped) return;
    const back = await this.probeOnce();
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
