import type { QueueStats } from '../../shared/contract';
import type { QueueCounts } from '../engine/queue/types';
import type { HostCapabilities } from './capabilities';
import { queueStats } from './views';

export interface ProgressOptions {
  counts(queueId?: string): QueueCounts;
  isPaused(queueId: string): boolean;
  queueName(queueId: string): string | undefined;
  /** Tells the renderer (the queue.stats event). */
  announce(stats: QueueStats): void;
  capabilities: Pick<HostCapabilities, 'notify' | 'setProgress'>;
}

/**
 * How the queues are doing, told to the renderer, the dock/taskbar and the notifications: stats
 * are recomputed at most ten times a second however many items change, and a queue that goes idle
 * after working says so once.
 */
export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private readonly dirty = new Set<string>();
  private readonly busy = new Set<string>();

  constructor(private readonly options: ProgressOptions) {}

  /** Something changed on this queue: its stats are published within 100 ms. */
  changed(queueId: string): void {
    this.dirty.add(queueId);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      for (const id of this.dirty) this.publish(id);
      this.dirty.clear();
      this.publishOverall();
    }, 100);
  }

  /** Publishes one queue's stats now (after a pause or resume). */
  publish(queueId: string): void {
    const counts = this.options.counts(queueId);
    this.options.announce(queueStats(queueId, counts, this.options.isPaused(queueId)));
    const active = counts.total - counts.byState.done - counts.byState.failed - counts.byState.canceled;
    if (active > 0) this.busy.add(queueId);
    else if (this.busy.delete(queueId)) {
      const name = this.options.queueName(queueId) ?? 'Queue';
      const failed = counts.byState.failed;
      this.options.capabilities.notify?.(
        `${name} finished`,
        `${counts.byState.done} done${failed ? `, ${failed} failed` : ''}${counts.byState.canceled ? `, ${counts.byState.canceled} canceled` : ''}`,
      );
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private publishOverall(): void {
    const counts = this.options.counts();
    const finished = counts.byState.done + counts.byState.failed + counts.byState.canceled;
    this.options.capabilities.setProgress?.(finished === counts.total ? -1 : finished / counts.total);
  }
}
