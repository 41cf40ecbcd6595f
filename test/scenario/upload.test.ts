import { stat, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/main/engine/scenario/index';
import { clientFor, harness, writeGlb, writePng, type Harness } from './helpers';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

describe('upload', () => {
  it('sends an image as a data URL asset and returns its assetId', async () => {
    const client = clientFor(h.fake);
    const path = await writePng(h.dir);
    const assetId = await client.upload({ path, name: 'art.png', kind: 'png', route: 'image-asset' });
    expect(assetId).toMatch(/^asset_/);
    expect(h.fake.counts['asset-create']).toBe(1);
    const asset = await client.getAsset(assetId);
    expect(asset).toMatchObject({ id: assetId, mimeType: 'image/png', size: (await stat(path)).size, name: 'art.png' });
  });

  it('uploads a 3D model in several parts, each a separate PUT, then completes', async () => {
    const client = clientFor(h.fake, { uploadPartBytes: 16 * 1024 });
    const path = await writeGlb(h.dir, 4_000); // ≈ 48 KiB → 3 or 4 parts
    const size = (await stat(path)).size;
    const parts = Math.ceil(size / (16 * 1024));
    expect(parts).toBeGreaterThanOrEqual(3);
    const assetId = await client.upload({ path, name: 'mesh.glb', kind: 'glb', route: 'multipart-upload' });
    expect(h.fake.counts).toMatchObject({ 'upload-create': 1, 'upload-part': parts, 'upload-complete': 1, 'upload-get': 0 });
    const asset = await client.getAsset(assetId);
    expect(asset).toMatchObject({ mimeType: 'model/gltf-binary', size, name: 'mesh.glb' });
    // The bytes that arrived are the file's: download the stored asset and compare.
    const back = join(h.dir, 'back.glb');
    await client.download({
      assetId,
      destPath: back,
      expected: { kind: 'glb', extension: 'glb', mimeTypes: ['model/gltf-binary'], looksValid: (b) => b.toString('latin1', 0, 4) === 'glTF' },
    });
    expect((await readFile(back)).equals(await readFile(path))).toBe(true);
  });

  it('waits with polling while a large upload is still processing', async () => {
    const client = clientFor(h.fake, { uploadPartBytes: 512 * 1024 });
    const path = await writeGlb(h.dir, 110_000); // ≈ 1.3 MiB: the fake processes > 1 MiB asynchronously
    const assetId = await client.upload({ path, name: 'big.glb', kind: 'glb', route: 'multipart-upload' });
    expect(assetId).toMatch(/^asset_/);
    expect(h.fake.counts['upload-part']).toBe(3);
    expect(h.fake.counts['upload-get']).toBeGreaterThanOrEqual(1);
    // 300 ms of processing polled from 20 ms up to 100 ms: a handful, not dozens.
    expect(h.fake.counts['upload-get']).toBeLessThan(12);
  });

  it('retries a part that hits a connection reset without resending the others', async () => {
    const client = clientFor(h.fake, { uploadPartBytes: 8 * 1024 });
    const path = await writeGlb(h.dir, 3_000); // ≈ 36 KiB → 5 parts
    const parts = Math.ceil((await stat(path)).size / (8 * 1024));
    let partRequests = 0;
    h.fake.on('request', (route) => {
      // Reset exactly the second part request, once.
      if (route === 'upload-part' && ++partRequests === 2) h.fake.setFaults({ resetRate: 1 });
      else h.fake.setFaults({ resetRate: 0 });
    });
    const assetId = await client.upload({ path, name: 'mesh.glb', kind: 'glb', route: 'multipart-upload' });
    expect(assetId).toMatch(/^asset_/);
    expect(h.fake.counts['upload-part']).toBe(parts + 1);
    expect(h.fake.counts['upload-create']).toBe(1);
  });

  it("surfaces the server's reason when it refuses the assembled file", async () => {
    const client = clientFor(h.fake, { uploadPartBytes: 4 * 1024 });
    const good = await readFile(await writeGlb(h.dir, 1_000));
    const path = join(h.dir, 'broken.glb');
    await writeFile(path, good.subarray(0, good.length - 100)); // header length no longer matches
    const err = await client.upload({ path, name: 'broken.glb', kind: 'glb', route: 'multipart-upload' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/broken\.glb: GLB header declares/);
    expect(h.fake.counts['upload-complete']).toBe(1);
  });

  it('reports an image the server cannot accept with its own message, without retrying', async () => {
    const client = clientFor(h.fake);
    const path = join(h.dir, 'fake.png');
    await writeFile(path, Buffer.from('this is not a png at all'));
    const err = await client.upload({ path, name: 'fake.png', kind: 'png', route: 'image-asset' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/not PNG, JPEG or WEBP/);
    expect(h.fake.counts['asset-create']).toBe(1);
  });
});
