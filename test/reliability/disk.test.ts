import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeScenarioForFile, pngNames, withBatch, type Batch } from '../support/batch';
import type { CliResult } from '../support/cli';
import { flatImage } from '../support/files';
import { tally } from '../support/kill-schedule';
import { mountNamespaceForFile, type SmallDisk } from '../support/mount-ns';

/*
 * The tests run as root here, and root writes through any permission bits, so a "read-only" or
 * "full" output folder has to be the real thing: a small tmpfs mounted in a private mount namespace
 * (`unshare -m`), which nothing outside the namespace sees and which vanishes with it. The CLI runs
 * inside the namespace (nsenter); this process reads what it wrote through /proc/<pid>/root.
 */

const ITEMS = 12;

const namespace = mountNamespaceForFile();
const fake = fakeScenarioForFile({ jobDurationMs: 150 });

interface DiskBatch extends Batch {
  /** The small disk the output folder is on. */
  disk: SmallDisk;
  args: string[];
}

/** A batch whose output folder is on its own small tmpfs, mounted in the namespace. */
async function withDiskBatch(label: string, body: (b: DiskBatch) => Promise<void>): Promise<void> {
  const spec = { prefix: `kiln-disk-${label}-`, names: pngNames(label, ITEMS), bytes: (i: number) => flatImage('png', 40 + i, 40), out: join('vol', 'out') };
  await withBatch(spec, async (batch) => {
    // 2 MiB of tmpfs holds the whole batch many times over; the tests take the space or the right to write away.
    const disk = await namespace().smallDisk(join(batch.root, 'vol'), '2m');
    namespace().sh('mkdir "$1"', batch.out);
    await body({ ...batch, disk, args: batch.convertArgs(fake(), '--concurrency', '2') });
  });
}

/** Calls `action` once, when the server receives the n-th download request (before it answers). */
function atDownload(n: number, action: () => void): void {
  let seen = 0;
  fake().on('request', (route) => {
    if (route === 'download' && ++seen === n) action();
  });
}

async function outputsSeen(b: DiskBatch): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const seen = namespace().seen(b.out);
  for (const name of await readdir(seen)) files.set(name, await readFile(join(seen, name)));
  return files;
}

function generatesFor(b: DiskBatch): Record<string, number> {
  const ours = new Set(b.names);
  return tally(fake().generates.map((g) => g.inputName ?? '?').filter((n) => ours.has(n)));
}

/** The checks shared by both cases, after the first run and after space or write access came back. */
async function expectRecovery(b: DiskBatch, first: CliResult, cause: RegExp, restore: () => void): Promise<void> {
  const done = first.lines.filter((l) => l['status'] === 'done');
  const failed = first.lines.filter((l) => l['status'] === 'failed');
  expect(first.code).toBe(1);
  expect(done.length).toBeGreaterThan(0);
  expect(failed.length).toBeGreaterThan(0);
  expect(done.length + failed.length).toBe(ITEMS);
  // Each failure says which folder and why, in words.
  for (const l of failed) {
    expect(l['error']).toContain(b.out);
    expect(l['error']).toMatch(cause);
  }
  const before = await outputsSeen(b);
  const written = new Map([...before].filter(([name]) => !name.startsWith('.kiln-')));
  expect([...written.keys()].sort()).toEqual(done.map((l) => String(l['input']).replace(/^.*\//, '').replace('.png', '.svg')).sort());

  restore();
  const second = await namespace().startCli(b.args).result;

  expect(second.code, second.stderr).toBe(0);
  expect(second.lines.map((l) => l['status'])).toEqual(Array(ITEMS).fill('done'));
  const after = await outputsSeen(b);
  // What was written before the trouble is byte for byte what it was.
  for (const [name, bytes] of written) expect(after.get(name)?.equals(bytes), name).toBe(true);
  // The retry only downloaded: the jobs had succeeded, so none was generated again.
  expect(generatesFor(b)).toEqual(Object.fromEntries(b.names.map((n) => [n, 1])));
  // Every result once, nothing half-written left behind.
  expect([...after.keys()].sort()).toEqual(b.names.map((n) => n.replace('.png', '.svg')));
}

describe('the output disk fills up mid-batch', () => {
  it('fails the items that cannot be saved, saying the disk is full; keeps what was saved; a rerun finishes them without generating again', async () => {
    await withDiskBatch('full', async (b) => {
      // At the third download, something else takes every free byte of the disk.
      atDownload(3, () => b.disk.fill());
      const first = await namespace().startCli(b.args).result;
      await expectRecovery(b, first, /no space left on device|is full/i, () => b.disk.free());
    });
  }, 90_000);
});

describe('the output folder becomes read-only mid-batch', () => {
  it('fails the items that cannot be saved, saying the folder is read-only; keeps what was saved; a rerun finishes them once writable', async () => {
    await withDiskBatch('ro', async (b) => {
      // At the third download the disk is remounted read-only (as soon as no file is open for writing on it).
      let remounted: Promise<void> = Promise.resolve();
      atDownload(3, () => {
        remounted = b.disk.remountReadOnly();
      });
      const first = await namespace().startCli(b.args).result;
      await remounted;
      await expectRecovery(b, first, /read-only/i, () => b.disk.remountWritable());
    });
  }, 90_000);
});
