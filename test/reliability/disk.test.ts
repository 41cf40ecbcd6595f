import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import type { CliResult } from '../support/cli';
import { flatImage, tempDir } from '../support/files';
import { tally } from '../support/kill-schedule';
import { canUseMountNamespace, openMountNamespace, type MountNamespace } from '../support/mount-ns';

/*
 * The tests run as root here, and root writes through any permission bits, so a "read-only" or
 * "full" output folder has to be the real thing: a small tmpfs mounted in a private mount namespace
 * (`unshare -m`), which nothing outside the namespace sees and which vanishes with it. The CLI runs
 * inside the namespace (nsenter); this process reads what it wrote through /proc/<pid>/root.
 */

const ITEMS = 12;

let server: FakeScenario;
let ns: MountNamespace;
beforeAll(async () => {
  if (!canUseMountNamespace()) {
    throw new Error('these tests need a private mount namespace (root, `unshare -m` and `nsenter` from util-linux) to make a real read-only or full disk');
  }
  server = await startFakeScenario({ jobDurationMs: 150 });
  ns = await openMountNamespace();
});
afterAll(async () => {
  await ns?.close();
  await server?.close();
});

interface Batch {
  src: string;
  vol: string;
  out: string;
  names: string[];
  args: string[];
}

async function batch(dir: string, label: string): Promise<Batch> {
  const src = join(dir, 'in');
  const vol = join(dir, 'vol');
  const out = join(vol, 'out');
  await mkdir(src);
  await mkdir(vol);
  const names = Array.from({ length: ITEMS }, (_, i) => `${label}-${String(i).padStart(2, '0')}.png`);
  for (const [i, name] of names.entries()) await writeFile(join(src, name), await flatImage('png', 40 + i, 40));
  // 2 MiB of tmpfs holds the whole batch many times over; the tests take the space or the right to write away.
  ns.sh('mount -t tmpfs -o size=2m kiln-test "$1" && mkdir "$2"', vol, out);
  const args = ['convert', src, '--model', 'vtracer', '--out', out, '--api-url', server.url, '--state', join(dir, 'state'), '--json', '--concurrency', '2'];
  return { src, vol, out, names, args };
}

/** Calls `action` once, when the server receives the n-th download request (before it answers). */
function atDownload(n: number, action: () => void): void {
  let seen = 0;
  server.on('request', (route) => {
    if (route === 'download' && ++seen === n) action();
  });
}

async function outputsSeen(b: Batch): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of await readdir(ns.seen(b.out))) files.set(name, await readFile(join(ns.seen(b.out), name)));
  return files;
}

function generatesFor(b: Batch): Record<string, number> {
  const ours = new Set(b.names);
  return tally(server.generates.map((g) => g.inputName ?? '?').filter((n) => ours.has(n)));
}

/** The checks shared by both cases, after the first run and after space or write access came back. */
async function expectRecovery(b: Batch, first: CliResult, cause: RegExp, restore: () => void): Promise<void> {
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
  const second = await ns.startCli(b.args).result;

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
    const dir = await tempDir('kiln-disk-full-');
    try {
      const b = await batch(dir.path, 'full');
      // At the third download, something else takes every free byte of the disk.
      atDownload(3, () => ns.sh('dd if=/dev/zero of="$1/filler" bs=64k 2>/dev/null; test -f "$1/filler"', b.vol));
      const first = await ns.startCli(b.args).result;
      await expectRecovery(b, first, /no space left on device|is full/i, () => ns.sh('rm "$1/filler"', b.vol));
    } finally {
      await dir.remove();
    }
  }, 90_000);
});

describe('the output folder becomes read-only mid-batch', () => {
  it('fails the items that cannot be saved, saying the folder is read-only; keeps what was saved; a rerun finishes them once writable', async () => {
    const dir = await tempDir('kiln-disk-ro-');
    try {
      const b = await batch(dir.path, 'ro');
      // At the third download the disk is remounted read-only (as soon as no file is open for writing on it).
      let remounted: Promise<void> = Promise.resolve();
      atDownload(3, () => {
        remounted = ns.shAsync('for i in $(seq 500); do mount -o remount,ro "$1" 2>/dev/null && exit 0; sleep 0.01; done; exit 1', b.vol);
      });
      const first = await ns.startCli(b.args).result;
      await remounted;
      await expectRecovery(b, first, /read-only/i, () => ns.sh('mount -o remount,rw "$1"', b.vol));
    } finally {
      await dir.remove();
    }
  }, 90_000);
});
