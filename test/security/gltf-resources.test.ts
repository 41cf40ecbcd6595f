import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeIO } from '@gltf-transform/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareUpload } from '../../src/main/engine/inputs/prepare';
import { checkInput, InputError } from '../../src/main/engine/inputs/validate';
import { findModel } from '../../src/main/engine/models/registry';
import { gltfWithExternalBuffer } from '../support/bad-files';
import { runCli } from '../support/cli';
import { tempDir } from '../support/files';
import { startFakeScenario } from '../fake-scenario/index';

/*
 * A .gltf is packed into one GLB before upload, which means reading the files its buffers and
 * images name. A hostile (or careless) .gltf must not make Kiln read — and upload to Scenario —
 * anything outside its own folder, nor exhaust memory, nor hang on a FIFO (issue 14.1).
 */

const TRIANGLE = new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]);
const tripo = findModel('tripo-retopology');
if (!tripo) throw new Error('tripo-retopology model missing');

let dir: { path: string; remove: () => Promise<void> };
let project: string;
beforeEach(async () => {
  dir = await tempDir('kiln-gltf-');
  project = join(dir.path, 'project');
  await mkdir(project);
  await writeFile(join(dir.path, 'secret.bin'), Buffer.from(TRIANGLE.buffer));
});
afterEach(() => dir.remove());

async function gltf(uri: string, byteLength = 36): Promise<string> {
  const json = JSON.parse(gltfWithExternalBuffer(uri)) as { buffers: Array<{ byteLength: number }>; bufferViews: Array<{ byteLength: number }> };
  json.buffers[0] = { ...json.buffers[0], byteLength };
  const path = join(project, 'model.gltf');
  await writeFile(path, JSON.stringify(json));
  return path;
}

/** Packs and reads the GLB back: the packed triangle, or the error message. */
async function pack(path: string): Promise<{ ok: true; positions: number[] } | { ok: false; message: string }> {
  try {
    const prepared = await prepareUpload(path, 'gltf');
    try {
      const doc = await new NodeIO().readBinary(new Uint8Array(await readFile(prepared.path)));
      const accessor = doc.getRoot().listAccessors()[0];
      return { ok: true, positions: Array.from(accessor?.getArray() ?? []) };
    } finally {
      await prepared.cleanup();
    }
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { ok: false, message: error.message };
  }
}

describe('what a .gltf may read when it is packed for upload', () => {
  it('a buffer beside the .gltf (and in a sub-folder, through a symlink that stays inside) is packed', async () => {
    await writeFile(join(project, 'mesh.bin'), Buffer.from(TRIANGLE.buffer));
    expect(await pack(await gltf('mesh.bin'))).toEqual({ ok: true, positions: Array.from(TRIANGLE) });
    await mkdir(join(project, 'sub folder'));
    await writeFile(join(project, 'sub folder', 'mesh.bin'), Buffer.from(TRIANGLE.buffer));
    expect(await pack(await gltf('sub%20folder/mesh.bin'))).toEqual({ ok: true, positions: Array.from(TRIANGLE) });
    await symlink(join(project, 'mesh.bin'), join(project, 'link.bin'));
    expect(await pack(await gltf('link.bin'))).toEqual({ ok: true, positions: Array.from(TRIANGLE) });
  });

  it('a data: URI is packed', async () => {
    const uri = `data:application/octet-stream;base64,${Buffer.from(TRIANGLE.buffer).toString('base64')}`;
    expect(await pack(await gltf(uri))).toEqual({ ok: true, positions: Array.from(TRIANGLE) });
  });

  it.each([
    ['a path out of its folder', '../secret.bin'],
    ['an encoded path out of its folder', '%2e%2e/secret.bin'],
    ['an absolute path', '__ABS__'],
    ['a file: URL', '__FILEURL__'],
    ['an http URL', 'http://127.0.0.1:1/secret.bin'],
  ])('%s is refused, naming the URI', async (_what, raw) => {
    const uri = raw === '__ABS__' ? join(dir.path, 'secret.bin') : raw === '__FILEURL__' ? `file://${join(dir.path, 'secret.bin')}` : raw;
    const result = await pack(await gltf(uri));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(uri);
  });

  it('a symlink inside the folder that points out of it is refused', async () => {
    await symlink(join(dir.path, 'secret.bin'), join(project, 'escape.bin'));
    const result = await pack(await gltf('escape.bin'));
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('escape.bin') });
    expect(result.ok ? '' : result.message).toMatch(/outside/);
  });

  it('/dev/zero behind a symlink is refused at once instead of filling memory', async () => {
    await symlink('/dev/zero', join(project, 'zero.bin'));
    const result = await pack(await gltf('zero.bin', 36));
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('zero.bin') });
  });

  it('a FIFO is refused without ever blocking on it', async () => {
    execFileSync('mkfifo', [join(project, 'pipe.bin')]);
    const result = await pack(await gltf('pipe.bin'));
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('pipe.bin') });
    expect(result.ok ? '' : result.message).toMatch(/not a regular file/);
  });

  it('a huge declared byteLength is refused before anything is read', async () => {
    await writeFile(join(project, 'mesh.bin'), Buffer.from(TRIANGLE.buffer));
    const result = await pack(await gltf('mesh.bin', 2 ** 40));
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('mesh.bin') });
  });

  it('a buffer file shorter than its declared byteLength is refused', async () => {
    await writeFile(join(project, 'mesh.bin'), Buffer.from(TRIANGLE.buffer));
    const result = await pack(await gltf('mesh.bin', 4096));
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/mesh\.bin.*4096|4096.*mesh\.bin/) });
  });

  it('a buffer file longer than declared is read only up to its byteLength', async () => {
    await writeFile(join(project, 'mesh.bin'), Buffer.concat([Buffer.from(TRIANGLE.buffer), Buffer.alloc(1024 * 1024, 7)]));
    const prepared = await prepareUpload(await gltf('mesh.bin'), 'gltf');
    try {
      expect((await readFile(prepared.path)).length).toBeLessThan(4096);
    } finally {
      await prepared.cleanup();
    }
  });

  it('the pre-flight check already refuses a .gltf that points out of its folder (drops and watch folders)', async () => {
    const path = await gltf('../secret.bin');
    await expect(checkInput(path, tripo)).rejects.toThrow(/\.\.\/secret\.bin/);
  });

  it('kiln convert on a folder holding such a .gltf fails that item, naming the URI, and uploads nothing', async () => {
    const server = await startFakeScenario({ jobDurationMs: 50 });
    try {
      await gltf('../secret.bin');
      const result = await runCli(['convert', project, '--model', 'tripo-retopology', '--out', join(dir.path, 'out'), '--api-url', server.url, '--state', join(dir.path, 'state'), '--json']);
      expect(result.code).toBe(1);
      expect(result.lines).toHaveLength(1);
      expect(result.lines[0]).toMatchObject({ status: 'failed' });
      expect(String(result.lines[0]?.['error'])).toContain('"../secret.bin"');
      expect(server.counts['asset-create'] + server.counts['upload-create'] + server.counts['upload-part']).toBe(0);
    } finally {
      await server.close();
    }
  }, 60_000);
});
