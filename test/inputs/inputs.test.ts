import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandInputs } from '../../src/main/engine/inputs/expand';
import { dataUrlLength, IMAGE_ASSET_MAX_CHARS } from '../../src/main/engine/inputs/kinds';
import { HEAD_BYTES, sniffKind } from '../../src/main/engine/inputs/sniff';
import { InputError, checkInput } from '../../src/main/engine/inputs/validate';
import { findModel } from '../../src/main/engine/models/registry';
import { pngClaiming, plainPng, withBadIdatCrc } from '../support/bad-files';
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
  it('accepts a real image and reports its kind, size and, as it goes up inline, its bytes', async () => {
    const png = await flatImage('png');
    await expect(checkInput(await file('a.png', png), vtracer)).resolves.toEqual({ kind: 'png', size: png.length, bytes: png });
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

  it.each([
    ['a PNG whose header claims 100000×100000 pixels', 'huge.png', () => pngClaiming(100_000, 100_000), 'too-large', /^huge\.png: the image is 100000×100000 pixels; at most 100 megapixels are accepted$/],
    ['a small PNG whose image data fails its CRC', 'bad-crc.png', () => withBadIdatCrc(plainPng(40, 30)), 'damaged', /^bad-crc\.png: the image data is damaged or truncated \(.+\)$/],
    ['a larger PNG whose image data fails its CRC', 'bad-crc-big.png', () => withBadIdatCrc(plainPng(800, 600)), 'damaged', /^bad-crc-big\.png: the image data is damaged or truncated \(.+\)$/],
    ['a PNG with zero width', 'zero-width.png', () => pngClaiming(0, 10), 'damaged', /^zero-width\.png: (cannot read the image|the image has no dimensions)/],
    ['a PNG that is only its signature', 'signature-only.png', () => plainPng(4, 4).subarray(0, 8), 'damaged', /^signature-only\.png: (cannot read the image|the image data is damaged or truncated)/],
  ])('refuses %s, saying what is wrong', async (_label, name, make, problem, message) => {
    const error = await checkInput(await file(name, make()), vtracer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problem).toBe(problem);
    expect((error as InputError).message).toMatch(message);
  });

  it('refuses a folder and a FIFO without waiting on either', async () => {
    await mkdir(join(dir.path, 'x.png'));
    await expect(checkInput(join(dir.path, 'x.png'), vtracer)).rejects.toThrow(/^x\.png is a folder, not a file$/);
    execFileSync('mkfifo', [join(dir.path, 'pipe.png')]);
    await expect(checkInput(join(dir.path, 'pipe.png'), vtracer)).rejects.toThrow(/^pipe\.png is not a regular file$/);
  });

  it('throws InputError so the item fails and the batch goes on', async () => {
    await expect(checkInput(await file('x.png', 'x'), vtracer)).rejects.toBeInstanceOf(InputError);
  });
});

describe('the bytes an image goes up from', () => {
  /** A PNG of random pixels, which does not compress: about width × height × 3 bytes. */
  async function noisePng(width: number, height: number): Promise<Buffer> {
    return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
  }

  it('are the whole file, read by the check, for an image sent inline, whatever its name says', async () => {
    const png = await noisePng(200, 150); // bigger than the head the check sniffs
    expect(png.length).toBeGreaterThan(HEAD_BYTES);
    for (const name of ['scan.png', 'scan.jpg', 'scan']) {
      const checked = await checkInput(await file(name, png), vtracer);
      expect(checked).toMatchObject({ kind: 'png', size: png.length });
      expect(checked.bytes?.equals(png)).toBe(true);
    }
  });

  it('are the whole file for an image of more pixels than is decoded at full size', async () => {
    const png = await flatImage('png', 1200, 900);
    expect((await checkInput(await file('wide.png', png), vtracer)).bytes?.equals(png)).toBe(true);
  });

  it('are not read for an image too big to go up inline, nor for a 3D model', async () => {
    const big = await noisePng(1500, 1500);
    expect(dataUrlLength('image/png', big.length)).toBeGreaterThan(IMAGE_ASSET_MAX_CHARS);
    const checkedBig = await checkInput(await file('big.png', big), vtracer);
    expect(checkedBig).toEqual({ kind: 'png', size: big.length });
    const glb = await gridGlb();
    await expect(checkInput(await file('mesh.glb', glb), tripo)).resolves.toEqual({ kind: 'glb', size: glb.length });
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

  it('hashes a small file while judging it, so it is read once', async () => {
    const png = await flatImage('png');
    await writeFile(join(dir.path, 'logo.png'), png);
    const result = await expandInputs([join(dir.path, 'logo.png')], vtracer);
    expect(result.accepted.map((f) => f.sha256)).toEqual([createHash('sha256').update(png).digest('hex')]);
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
