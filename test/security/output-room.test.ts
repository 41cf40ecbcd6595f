import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutputRoom } from '../../src/main/engine/output/room';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { flatImage, tempDir } from '../support/files';
import { canUseMountNamespace, openMountNamespace, type MountNamespace } from '../support/mount-ns';

/*
 * Issue 14.6: spend nothing that cannot be saved. An output folder that is read-only or full is
 * noticed before the input is uploaded, so no job is paid for whose result would be lost. A real
 * read-only or full file system (tmpfs in a private mount namespace): as root, permission bits
 * would not stop a write.
 */

const ITEMS = 4;
let server: FakeScenario;
let ns: MountNamespace;
let dir: { path: string; remove: () => Promise<void> };
let src: string;
beforeAll(async () => {
  if (!canUseMountNamespace()) throw new Error('these tests need a private mount namespace (root, unshare -m, nsenter) for a real read-only or full disk');
  server = await startFakeScenario({ jobDurationMs: 100 });
  ns = await openMountNamespace();
  dir = await tempDir('kiln-room-');
  src = join(dir.path, 'in');
  await mkdir(src);
  for (let i = 0; i < ITEMS; i++) await writeFile(join(src, `room-${i}.png`), await flatImage('png', 40 + i, 40));
});
afterAll(async () => {
  await ns?.close();
  await server?.close();
  await dir?.remove();
});

async function run(label: string, prepare: (vol: string) => void): Promise<{ errors: string[]; out: string; paidFor: number }> {
  const vol = join(dir.path, label);
  await mkdir(vol);
  const out = join(vol, 'out');
  ns.sh('mount -t tmpfs -o size=512k kiln-room "$1" && mkdir "$2"', vol, out);
  prepare(vol);
  const before = server.counts['asset-create'] + server.counts['upload-create'] + server.counts.generate;
  const result = await ns.startCli(['convert', src, '--model', 'vtracer', '--out', out, '--api-url', server.url, '--state', join(dir.path, `state-${label}`), '--json']).result;
  expect(result.code, result.stderr).toBe(1);
  expect(result.lines.map((l) => l['status'])).toEqual(Array(ITEMS).fill('failed'));
  return { errors: result.lines.map((l) => String(l['error'])), out, paidFor: server.counts['asset-create'] + server.counts['upload-create'] + server.counts.generate - before };
}

describe('the output folder is checked before anything is uploaded', () => {
  it('a full output disk fails each item before upload, saying so', async () => {
    const { errors, out, paidFor } = await run('full', (vol) => ns.sh('dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null || true', vol));
    expect(paidFor).toBe(0);
    for (const e of errors) {
      expect(e).toContain(out);
      expect(e).toMatch(/full/);
    }
  }, 60_000);

  it('a read-only output folder fails each item before upload, saying so', async () => {
    const { errors, out, paidFor } = await run('ro', (vol) => ns.sh('mount -o remount,ro "$1"', vol));
    expect(paidFor).toBe(0);
    for (const e of errors) {
      expect(e).toContain(out);
      expect(e).toMatch(/read-only/);
    }
  }, 60_000);

  it('a writable folder with room passes, and the check leaves nothing behind', async () => {
    const ok = join(dir.path, 'ok');
    await checkOutputRoom(ok, 1024, 'item-1');
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(ok)).toEqual([]);
  });
});
