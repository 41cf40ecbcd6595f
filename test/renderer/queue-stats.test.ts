import { describe, expect, it } from 'vitest';
import { activeCount, count } from '../../src/renderer/queues/stats';
import { ITEM_STATES } from '../../src/shared/item-states';
import type { QueueStats } from '../../src/shared/contract';

/** A queue with 1 item in the first state, 2 in the second, … (so every sum names its states). */
const stats: QueueStats = {
  queueId: 'q', total: 45, paused: false, progress: 0,
  byState: Object.fromEntries(ITEM_STATES.map((s, i) => [s, i + 1])) as QueueStats['byState'],
};

describe('queue counts in the sidebar and header', () => {
  it('counts as active every item not done, failed or canceled, waiting ones included', () => {
    // queued 1 + uploading 2 + submitted 3 + processing 4 + downloading 5 + waiting-for-network 9
    expect(activeCount(stats)).toBe(24);
    expect(activeCount(stats) + count(stats, 'done', 'failed', 'canceled')).toBe(stats.total);
  });

  it('counts nothing for a queue whose stats have not arrived', () => {
    expect(activeCount(undefined)).toBe(0);
  });
});
