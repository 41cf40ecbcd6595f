import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reserveOutput } from '../../src/main/engine/output/room';
import { isTempName } from '../../src/main/engine/output/writer';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { flatImage, tempDir } from '../support/files';
import { mountNamespaceForFile, type SmallDisk } from '../support/mount-ns';

/*
 * Issue 14.6: spend nothing that cannot be saved. An output folder that is read-only or full is
 * noticed before the input is uploaded, so no job is paid for whose result would be lost. A real
 * read-only or full file system (tmpfs in a private mount namespace): as root, permission bits
 * would not stop a write.
 */

const ITEMS = 4;
const namespace = mountNamespaceForFile();
let server: FakeScenario;
let dir: { path: string; remove: () => Promise<void> };
let src: string;
beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 100 });
  dir = await tempDir('kiln-room-');
  src = join(dir.path, 'in');
  await mkdir(src);
  for (let i = 0; i < ITEMS; i++) await writeFile(join(src, `room-${i}.png`), await flatImage('png', 40 + i, 40));
});
afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

async function run(label: string, prepare: (disk: SmallDisk) => void | Promise<void>): Promise<{ errors: string[]; out: string; paidFor: number; leftovers: boolean }> {
  const ns = namespace();
  const disk = await ns.smallDisk(join(dir.path, label), '512k');
  const out = join(disk.path, 'out');
  ns.sh('mkdir "$1"', out);
  await prepare(disk);
  const before = server.counts['asset-create'] + server.counts['upload-create'] + server.counts.generate;
  const result = await ns.startCli(['convert', src, '--model', 'vtracer', '--out', out, '--api-url', server.url, '--state', join(dir.path, `state-${label}`), '--json']).result;
  expect(result.code, result.stderr).toBe(1);
  expect(result.lines.map((l) => l['status'])).toEqual(Array(ITEMS).fill('failed'));
  let leftovers = false;
  try {
    ns.sh('test -z "$(ls -A "$1")"', out);
  } catch {
    leftovers = true;
  }
  return { errors: result.lines.map((l) => String(l['error'])), out, paidFor: server.counts['asset-create'] + server.counts['upload-create'] + server.counts.generate - before, leftovers };
}

describe('the output folder is checked before anything is uploaded', () => {
  it('a full output disk fails each item before upload, saying so', async () => {
    const { errors, out, paidFor, leftovers } = await run('full', (disk) => disk.fill());
    expect(paidFor).toBe(0);
    // The file made to test the folder is not left behind.
    expect(leftovers).toBe(false);
    for (const e of errors) {
      expect(e).toContain(out);
      expect(e).toMatch(/full/);
    }
  }, 60_000);

  it('a disk with room for a new file but not for the result fails each item before upload, leaving nothing behind', async () => {
    // 512 KiB in all: an empty file can still be made, but less than the result's margin is free.
    const { errors, paidFor, leftovers } = await run('small', () => {});
    expect(paidFor).toBe(0);
    expect(leftovers).toBe(false);
    for (const e of errors) expect(e).toMatch(/full/);
  }, 60_000);

  it('a refused reservation removes the file it made to test the folder', async () => {
    const ns = namespace();
    const disk = await ns.smallDisk(join(dir.path, 'refused'), '512k');
    const out = ns.seen(disk.path);
    await expect(reserveOutput(out, 1024, 'item-1')).rejects.toMatchObject({ code: 'disk-full' });
    expect(await readdir(out)).toEqual([]);
  });

  it('a read-only output folder fails each item before upload, saying so', async () => {
    const { errors, out, paidFor } = await run('ro', (disk) => disk.remountReadOnly());
    expect(paidFor).toBe(0);
    for (const e of errors) {
      expect(e).toContain(out);
      expect(e).toMatch(/read-only/);
    }
  }, 60_000);

  it('a writable folder with room passes, and the check leaves only the item\'s reserved temp, for its download', async () => {
    const ok = join(dir.path, 'ok');
    const reserved = await reserveOutput(ok, 1024, 'item-1');
    expect(dirname(reserved)).toBe(ok);
    expect(isTempName(basename(reserved), 'item-1')).toBe(true);
    expect(await readdir(ok)).toEqual([basename(reserved)]);
    expect((await stat(reserved)).size).toBe(0);
  });
});
