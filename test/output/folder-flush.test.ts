import { describe, expect, it } from 'vitest';
import { FolderFlushes } from '../../src/main/engine/output/folder-flush';

/** A flush we finish by hand, recording when each began and which callers had asked by then. */
function recorder() {
  const started: { dir: string; finish: () => void; askedBefore: number }[] = [];
  let asked = 0;
  const flushes = new FolderFlushes(
    (dir) =>
      new Promise<void>((resolve) => {
        started.push({ dir, finish: resolve, askedBefore: asked });
      }),
    1,
  );
  const ask = (dir: string) => {
    asked++;
    let settled = false;
    const done = flushes.flush(dir).then(() => {
      settled = true;
    });
    return { done, settled: () => settled };
  };
  return { started, ask };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
};

describe('folder flushes shared by results that land together (group commit)', () => {
  it('serves everyone who asked before it started with one flush', async () => {
    const { started, ask } = recorder();
    const calls = [ask('/out'), ask('/out'), ask('/out')];
    await until(() => started.length === 1);
    expect(started[0]).toMatchObject({ dir: '/out', askedBefore: 3 });
    expect(calls.some((c) => c.settled())).toBe(false);
    started[0]!.finish();
    await Promise.all(calls.map((c) => c.done));
    expect(started).toHaveLength(1);
  });

  it('never answers a caller with a flush that was already under way when it asked', async () => {
    const { started, ask } = recorder();
    const first = ask('/out');
    await until(() => started.length === 1);
    // Asked while the first flush runs: its rename may have come after that flush began.
    const late = ask('/out');
    const later = ask('/out');
    started[0]!.finish();
    await first.done;
    await new Promise((r) => setTimeout(r, 10));
    expect(late.settled()).toBe(false);
    await until(() => started.length === 2);
    expect(started[1]!.askedBefore).toBe(3);
    started[1]!.finish();
    await Promise.all([late.done, later.done]);
    expect(started).toHaveLength(2);
  });

  it('flushes each folder for itself', async () => {
    const { started, ask } = recorder();
    const a = ask('/out/a');
    const b = ask('/out/b');
    await until(() => started.length === 2);
    expect(started.map((s) => s.dir).sort()).toEqual(['/out/a', '/out/b']);
    started.find((s) => s.dir === '/out/a')!.finish();
    await a.done;
    expect(b.settled()).toBe(false);
    started.find((s) => s.dir === '/out/b')!.finish();
    await b.done;
  });

  it('starts afresh once a flush is over', async () => {
    const { started, ask } = recorder();
    const first = ask('/out');
    await until(() => started.length === 1);
    started[0]!.finish();
    await first.done;
    const second = ask('/out');
    await until(() => started.length === 2);
    started[1]!.finish();
    await second.done;
  });
});
