import { describe, expect, it } from 'vitest';
import { Connectivity } from '../../src/main/engine/queue/connectivity';
import { NetworkError } from '../../src/main/engine/scenario/errors';

/*
 * Issue 14.7: a flaky server (one request in ten reset) is not a lost network. A request failing
 * on the network is only the suspicion of an outage; the API is asked at once, and only when that
 * probe fails too is the batch marked offline. Before, every reset flipped the whole batch to
 * "offline" until the next probe, again and again (about 6× slower).
 */

function events(c: Connectivity): string[] {
  const seen: string[] = [];
  c.on('offline', () => seen.push('offline'));
  c.on('online', () => seen.push('online'));
  return seen;
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
};

describe('telling a flaky server from a lost network', () => {
  it('a network error while the API still answers never marks the batch offline, and parked items resume at once', async () => {
    let probes = 0;
    const c = new Connectivity({ probe: async () => void probes++, initialDelayMs: 60_000 });
    const seen = events(c);
    for (let i = 0; i < 10; i++) {
      c.reportOffline('socket hang up');
      expect(c.online).toBe(true);
      await until(() => seen.length > i);
    }
    expect(seen).toEqual(Array(10).fill('online'));
    expect(probes).toBe(10);
    c.stop();
  });

  it('one more reset of the confirming probe still does not flip the batch: a second probe decides', async () => {
    let probes = 0;
    const c = new Connectivity({
      probe: async () => {
        if (++probes === 1) throw new NetworkError('read ECONNRESET');
      },
      initialDelayMs: 60_000,
    });
    const seen = events(c);
    c.reportOffline('socket hang up');
    await until(() => seen.length > 0);
    expect(seen).toEqual(['online']);
    expect(probes).toBe(2);
    c.stop();
  });

  it('when the API does not answer either, the batch is offline until it does', async () => {
    let reachable = false;
    const c = new Connectivity({
      probe: async () => {
        if (!reachable) throw new NetworkError('connect ECONNREFUSED');
      },
      initialDelayMs: 5,
      maxDelayMs: 20,
    });
    const seen = events(c);
    c.reportOffline('connect ECONNREFUSED');
    await until(() => seen.length > 0);
    expect(seen).toEqual(['offline']);
    expect(c.online).toBe(false);
    // Further reports during the outage change nothing.
    c.reportOffline('connect ECONNREFUSED');
    reachable = true;
    await until(() => seen.length > 1);
    expect(seen).toEqual(['offline', 'online']);
    expect(c.online).toBe(true);
    c.stop();
  });
});
