import { describe, expect, it, vi } from 'vitest';
import { CanceledError } from '../../src/main/engine/scenario/errors';
import { sleep, sleepUnless } from '../../src/main/engine/scenario/timing';

/** Counts the 'abort' listeners added to and removed from a signal. */
function countedSignal(): { controller: AbortController; added: () => number; removed: () => number } {
  const controller = new AbortController();
  const add = vi.spyOn(controller.signal, 'addEventListener');
  const remove = vi.spyOn(controller.signal, 'removeEventListener');
  return { controller, added: () => add.mock.calls.length, removed: () => remove.mock.calls.length };
}

describe('sleep', () => {
  it('resolves after the delay and leaves nothing waiting on the signal', async () => {
    const { controller, added, removed } = countedSignal();
    await sleep(5, controller.signal);
    await sleep(5, controller.signal);
    expect(added()).toBeGreaterThan(0);
    expect(removed()).toBe(added());
  });

  it('rejects at once with the caller\'s reason when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const slept = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort('paused'), 5);
    await expect(slept).rejects.toEqual(new CanceledError('paused'));
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses to start on a signal already aborted (at once: an awaiting caller sees a rejection)', () => {
    const controller = new AbortController();
    controller.abort();
    expect(() => sleep(10, controller.signal)).toThrow(CanceledError);
  });
});

describe('sleepUnless', () => {
  it('leaves nothing waiting on the signal when woken or times out', async () => {
    const { controller, added, removed } = countedSignal();
    await sleepUnless(10_000, Promise.resolve(), controller.signal);
    await sleepUnless(5, new Promise(() => {}), controller.signal);
    expect(removed()).toBe(added());
  });

  it('wakes early when the promise settles, and says so', async () => {
    const controller = new AbortController();
    let wake = (): void => {};
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const result = sleepUnless(10_000, woken, controller.signal);
    wake();
    await expect(result).resolves.toBe(true);
  });

  it('says false when the time ran out first', async () => {
    await expect(sleepUnless(5, new Promise(() => {}), new AbortController().signal)).resolves.toBe(false);
  });

  it('rejects on an abort, and a later wake changes nothing', async () => {
    const controller = new AbortController();
    let wake = (): void => {};
    const result = sleepUnless(10_000, new Promise<void>((resolve) => (wake = resolve)), controller.signal);
    controller.abort();
    wake();
    await expect(result).rejects.toBeInstanceOf(CanceledError);
  });
});
