import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ITEM_STATES, type QueueStats } from '../../src/shared/contract';
import type { QueueCounts } from '../../src/main/engine/queue/types';
import { ProgressReporter } from '../../src/main/host/progress';

function counts(byState: Partial<QueueCounts['byState']>): QueueCounts {
  const all = Object.fromEntries(ITEM_STATES.map((s) => [s, byState[s] ?? 0])) as QueueCounts['byState'];
  return { total: Object.values(all).reduce((a, b) => a + b, 0), byState: all };
}

describe('progress reporting', () => {
  let now: Record<string, QueueCounts>;
  let stats: QueueStats[];
  let notes: string[];
  let progress: number[];
  let reporter: ProgressReporter;

  beforeEach(() => {
    vi.useFakeTimers();
    now = { a: counts({ queued: 2 }) };
    stats = [];
    notes = [];
    progress = [];
    reporter = new ProgressReporter({
      counts: (queueId) => (queueId ? now[queueId] ?? counts({}) : counts(Object.assign({}, ...Object.values(now).map((c) => c.byState)))),
      isPaused: () => false,
      queueName: (id) => (id === 'a' ? 'Logos' : undefined),
      announce: (s) => stats.push(s),
      capabilities: { notify: (title, body) => notes.push(`${title}: ${body}`), setProgress: (f) => progress.push(f) },
    });
  });
  afterEach(() => {
    reporter.close();
    vi.useRealTimers();
  });

  it('publishes a queue\'s stats once per tick however many of its items change, and the overall progress with them', () => {
    for (let i = 0; i < 50; i++) reporter.changed('a');
    expect(stats).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(stats.map((s) => [s.queueId, s.total])).toEqual([['a', 2]]);
    expect(progress).toEqual([0]);
  });

  it('says a queue finished once, when it goes idle after working, with what became of its items', () => {
    reporter.changed('a');
    vi.advanceTimersByTime(100);
    now = { a: counts({ done: 1, failed: 1 }) };
    reporter.changed('a');
    vi.advanceTimersByTime(100);
    reporter.changed('a');
    vi.advanceTimersByTime(100);
    expect(notes).toEqual(['Logos finished: 1 done, 1 failed']);
    expect(progress.at(-1)).toBe(-1);
  });

  it('stops publishing once closed', () => {
    reporter.changed('a');
    reporter.close();
    vi.advanceTimersByTime(1000);
    expect(stats).toEqual([]);
  });
});
