import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandInputs } from '../../src/main/engine/inputs/expand';
import { sniffKind } from '../../src/main/engine/inputs/sniff';
import { InputError, checkInput } from '../../src/main/engine/inputs/validate';
import { findModel } from '../../src/main/engine/models/registry';
import { flatImage, gridGlb, tempDir } from '../support/files';

const vtracer = findModel('vtracer')!;
const tripo = findModel('tripo-retopology')!;

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

async function file(name: string, data: Buffer | string): Promise<string> {
  const path = join(dir.path, name);
  await writeFile(path, data);
  return path;
}

describe('sniffing', () => {
  it('recognises each supported format by its bytes', async () => {
    expect(sniffKind(await flatImage('png'))).toBe('png');
    expect(sniffKind(await flatImage('jpeg'))).toBe('jpeg');
    expect(sniffKind(await flatImage('webp'))).toBe('webp');
    expect(sniffKind(await gridGlb())).toBe('glb');
    expect(sniffKind(Buffer.from('# cube\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n'))).toBe('obj');
    expect(sniffKind(Buffer.from('{"asset":{"version":"2.0"},"meshes":[]}'))).toBe('gltf');
    expect(sniffKind(Buffer.concat([Buffer.from('Kaydara FBX Binary  \0'), Buffer.alloc(10)]))).toBe('fbx');
    expect(sniffKind(Buffer.from('hello world'))).toBeUndefined();
  });
});

describe('checking an input before any network call', () => {
  it('accepts a real image and reports its kind and size', async () => {
    const png = await flatImage('png');
    await expect(checkInput(await file('a.png', png), vtracer)).resolves.toEqual({ kind: 'png', size: png.length });
  });

  it('accepts a JPEG named .png, judging by content', async () => {
    await expect(checkInput(await file('photo.png', await flatImage('jpeg')), vtracer)).resolves.toMatchObject({ kind: 'jpeg' });
  });

  it.each([
    ['an empty file', 'empty.png', Buffer.alloc(0), /empty.png is empty \(0 bytes\)/],
    ['a text file named .png', 'notes.png', Buffer.from('just some notes'), /notes.png is text; VTracer accepts PNG image, JPEG image, WebP image/],
    ['an HTML page named .png', 'page.png', Buffer.from('<!DOCTYPE html><html></html>'), /page.png is an HTML page/],
    ['a GLB given to VTracer', 'mesh.png', 'glb', /mesh.png is a GLB model; VTracer accepts/],
  ])('refuses %s with a specific message', async (_label, name, data, message) => {
    const bytes = data === 'glb' ? await gridGlb() : (data as Buffer);
    await expect(checkInput(await file(name, bytes), vtracer)).rejects.toThrow(message);
  });

  it('refuses a truncated PNG', async () => {
    const png = await flatImage('png', 400, 300);
    await expect(checkInput(await file('cut.png', png.subarray(0, Math.floor(png.length / 2))), vtracer)).rejects.toThrow(
      /cut.png: the image data is damaged or truncated|cut.png: cannot read the image/,
    );
  });

  it('refuses a file that no longer exists', async () => {
    await expect(checkInput(join(dir.path, 'gone.png'), vtracer)).rejects.toThrow(/the input file no longer exists/);
  });

  it('refuses a GLB whose header length does not match the file', async () => {
    const glb = await gridGlb();
    await expect(checkInput(await file('cut.glb', glb.subarray(0, glb.length - 8)), tripo)).rejects.toThrow(
      /cut.glb: the GLB file is damaged: its header says \d+ bytes but the file has \d+/,
    );
  });

  it('refuses an OBJ with vertices but no faces', async () => {
    await expect(checkInput(await file('points.obj', 'v 0 0 0\nv 1 0 0\nv 0 1 0\n'), tripo)).rejects.toThrow(
      /points.obj: the OBJ file has vertices but no faces/,
    );
  });

  it('refuses a file over the model limit before reading it', async () => {
    const small = { ...vtracer, input: { ...vtracer.input, maxBytes: 100 } };
    await expect(checkInput(await file('big.png', await flatImage('png')), small)).rejects.toThrow(/big.png is .* VTracer accepts files up to 100 bytes/);
  });

  it('throws InputError so the item fails and the batch goes on', async () => {
    await expect(checkInput(await file('x.png', 'x'), vtracer)).rejects.toBeInstanceOf(InputError);
  });
});

describe('expanding dropped files and folders', () => {
  it('walks folders recursively, keeping accepted files and listing the others as skipped', async () => {
    await mkdir(join(dir.path, 'art', 'deep'), { recursive: true });
    await writeFile(join(dir.path, 'art', 'logo.png'), await flatImage('png'));
    await writeFile(join(dir.path, 'art', 'deep', 'photo.jpg'), await flatImage('jpeg'));
    await writeFile(join(dir.path, 'art', 'readme.txt'), 'hello');
    await writeFile(join(dir.path, 'art', '.hidden.png'), await flatImage('png'));
    await writeFile(join(dir.path, 'art', 'broken.png'), 'not an image');
    const result = await expandInputs([join(dir.path, 'art')], vtracer);
    expect(result.accepted.map((f) => f.path.slice(dir.path.length))).toEqual(['/art/deep/photo.jpg', '/art/logo.png']);
    expect(result.skipped).toEqual([expect.objectContaining({ path: join(dir.path, 'art', 'readme.txt') })]);
    expect(result.rejected).toEqual([
      { path: join(dir.path, 'art', 'broken.png'), reason: expect.stringContaining('not a format Kiln recognises'), displayPath: join('art', 'broken.png') },
    ]);
    // What the artist dropped, and the {dir} of each file inside it.
    expect(result.accepted.map((f) => [f.displayPath, f.relDir])).toEqual([[join('art', 'deep', 'photo.jpg'), 'deep'], [join('art', 'logo.png'), '']]);
  });

  it('survives a symbolic link loop and visits each file once', async () => {
    await mkdir(join(dir.path, 'a'));
    await writeFile(join(dir.path, 'a', 'one.png'), await flatImage('png'));
    await symlink(dir.path, join(dir.path, 'a', 'loop'));
    const result = await expandInputs([dir.path, join(dir.path, 'a', 'one.png')], vtracer);
    expect(result.accepted).toHaveLength(1);
    expect(result.skipped.some((s) => s.reason.includes('symbolic link loop'))).toBe(true);
  });

  it('judges files a watch folder reports one by one as folder contents: foreign files skipped, broken images rejected', async () => {
    await writeFile(join(dir.path, 'readme.txt'), 'hello');
    await writeFile(join(dir.path, 'broken.png'), 'not an image');
    const named = await expandInputs([join(dir.path, 'readme.txt')], vtracer);
    expect(named.rejected).toHaveLength(1);
    const found = await expandInputs([join(dir.path, 'readme.txt'), join(dir.path, 'broken.png')], vtracer, { foundInFolder: true });
    expect(found.skipped).toEqual([expect.objectContaining({ path: join(dir.path, 'readme.txt') })]);
    expect(found.rejected).toEqual([{ path: join(dir.path, 'broken.png'), reason: expect.stringContaining('not a format Kiln recognises'), displayPath: 'broken.png' }]);
  });

  it('reports a missing path the artist named', async () => {
    const result = await expandInputs([join(dir.path, 'missing.png')], vtracer);
    expect(result.rejected).toEqual([{ path: join(dir.path, 'missing.png'), reason: 'no such file or folder' }]);
  });

  it('keeps names with unicode, spaces and quotes intact', async () => {
    const name = 'logo "final" — été ✓.png';
    await writeFile(join(dir.path, name), await flatImage('png'));
    const result = await expandInputs([dir.path], vtracer);
    expect(result.accepted.map((f) => f.path)).toEqual([join(dir.path, name)]);
  });
});
