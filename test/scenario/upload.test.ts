import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StageTimeoutError, ValidationError } from '../../src/main/engine/scenario/index';
import { dataUrlLength, IMAGE_ASSET_MAX_CHARS } from '../../src/main/engine/inputs/kinds';
import { MAX_PARTS, MIN_PART_BYTES, planParts } from '../../src/main/engine/scenario/upload';
import { clientFor, harness, writeGlb, writePng, type Harness } from './helpers';

let h: Harness;
beforeEach(async () => {
  h = await harness({ uploadStepMs: 30 });
});
afterEach(async () => {
  await h.close();
});

const glbOutput = { kind: 'glb' as const, extension: 'glb', mimeTypes: ['model/gltf-binary'], looksValid: (b: Buffer) => b.toString('latin1', 0, 4) === 'glTF' };
const MiB = 1024 * 1024;

describe('parts', () => {
  it('are at least 5 MB each but the last, and never more than 10,000', () => {
    expect(planParts(1000, 8 * MiB)).toEqual({ partBytes: 8 * MiB, count: 1 });
    expect(planParts(12 * MiB, 1)).toEqual({ partBytes: MIN_PART_BYTES, count: 3 });
    const huge = planParts(200 * 1024 * MiB, 8 * MiB); // 200 GiB
    expect(huge.count).toBeLessThanOrEqual(MAX_PARTS);
    expect(huge.partBytes * huge.count).toBeGreaterThanOrEqual(200 * 1024 * MiB);
  });
});

describe('upload', () => {
  it('sends an image whose base64 fits in 6 MB as a data URL asset and returns its assetId', async () => {
    const client = clientFor(h.fake);
    const path = await writePng(h.dir);
    const assetId = await client.upload({ path, name: 'art.png', kind: 'png', route: 'image-asset' });
    expect(assetId).toMatch(/^asset_/);
    expect(h.fake.counts['asset-create']).toBe(1);
    expect(h.fake.counts['upload-create']).toBe(0);
    const asset = await client.getAsset(assetId);
    expect(asset).toMatchObject({ id: assetId, mimeType: 'image/png', size: (await stat(path)).size, name: 'art.png' });
  });

  it('sends the bytes it is given, without opening the file (the input check already read it)', async () => {
    const client = clientFor(h.fake);
    const bytes = await readFile(await writePng(h.dir));
    const gone = join(h.dir, 'moved-away.png');
    const assetId = await client.upload({ path: gone, name: 'art.png', kind: 'png', route: 'image-asset', bytes });
    expect(h.fake.counts).toMatchObject({ 'asset-create': 1, 'upload-create': 0 });
    const asset = await client.getAsset(assetId);
    expect(asset).toMatchObject({ mimeType: 'image/png', size: bytes.length, name: 'art.png' });
    const stored = Buffer.from(await (await fetch(asset.url as string)).arrayBuffer());
    expect(stored.equals(bytes)).toBe(true);
  });

  it('sends a larger image through the upload flow, as kind "image"', async () => {
    const side = 1500;
    const noise = randomBytes(side * side * 3);
    const path = join(h.dir, 'noise.png');
    await writeFile(path, await sharp(noise, { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer());
    const size = (await stat(path)).size;
    expect(dataUrlLength('image/png', size)).toBeGreaterThan(IMAGE_ASSET_MAX_CHARS);
    const client = clientFor(h.fake);
    const assetId = await client.upload({ path, name: 'noise.png', kind: 'png', route: 'image-asset' });
    expect(h.fake.counts).toMatchObject({ 'asset-create': 0, 'upload-create': 1, 'upload-complete': 1 });
    expect(await client.getAsset(assetId)).toMatchObject({ mimeType: 'image/png', size, name: 'noise.png' });
  });

  it('uploads a 3D model in parts of 5 MB or more, a few at once, completes and waits until imported', async () => {
    const client = clientFor(h.fake, { uploadPartBytes: MIN_PART_BYTES });
    const path = await writeGlb(h.dir, 1_000_000); // ≈ 11.5 MiB → 3 parts
    const size = (await stat(path)).size;
    expect(Math.ceil(size / MIN_PART_BYTES)).toBe(3);
    const assetId = await client.upload({ path, name: 'mesh.glb', kind: 'glb', route: 'multipart-upload' });
    // The fake refuses a part under 5 MB that is not the last, so three accepted PUTs prove the sizes.
    expect(h.fake.counts).toMatchObject({ 'upload-create': 1, 'upload-part': 3, 'upload-complete': 1 });
    expect(h.fake.counts['upload-get']).toBeGreaterThanOrEqual(1);
    expect(await client.getAsset(assetId)).toMatchObject({ mimeType: 'model/gltf-binary', size, name: 'mesh.glb' });
    // The bytes that arrived are the file's: download the stored asset and compare.
    const back = join(h.dir, 'back.glb');
    await client.download({ assetId, destPath: back, expected: glbOutput });
    expect((await readFile(back)).equals(await readFile(path))).toBe(true);
  });

  it('sends the parts from the bytes it is given, without opening the file', async () => {
    const client = clientFor(h.fake, { uploadPartBytes: MIN_PART_BYTES });
    const bytes = await readFile(await writeGlb(h.dir, 1_000_000)); // 3 parts
    const assetId = await client.upload({ path: join(h.dir, 'moved-away.glb'), name: 'mesh.glb', kind: 'glb', route: 'multipart-upload', bytes });
    expect(h.fake.counts).toMatchObject({ 'upload-create': 1, 'upload-part': 3, 'upload-complete': 1 });
    const back = join(h.dir, 'back.glb');
    await client.download({ assetId, destPath: back, expected: glbOutput });
    expect((await readFile(back)).equals(bytes)).toBe(true);
  });

  it('sends a few parts at once, never more than asked', async () => {
    h.fake.setFaults({ slowMs: 100 });
    const client = clientFor(h.fake, { uploadPartBytes: MIN_PART_BYTES, uploadPartConcurrency: 2 });
    const path = await writeGlb(h.dir, 1_000_000); // 3 parts
    await client.upload({ path, name: 'mesh.glb', kind: 'glb', route: 'multipart-upload' });
    expect(h.fake.counts['upload-part']).toBe(3);
    expect(h.fake.peakPartUploads).toBe(2);
  });

  it('retries a part that hits a connection reset without resending the others', async () => {
    const client = clientFor(h.fake, { uploadPartBytes: MIN_PART_BYTES, uploadPartConcurrency: 1 });
    const path = await writeGlb(h.dir, 1_000_000);
    let partRequests = 0;
    h.fake.on('request', (route) => {
      // Reset exactly the second part request, once.
      if (route === 'upload-part' && ++partRequests === 2) h.fake.setFaults({ resetRate: 1 });
      else h.fake.setFaults({ resetRate: 0 });
    });
    const assetId = await client.upload({ path, name: 'mesh.glb', kind: 'glb', route: 'multipart-upload' });
    expect(assetId).toMatch(/^asset_/);
    expect(h.fake.counts['upload-part']).toBe(3 + 1);
    expect(h.fake.counts['upload-create']).toBe(1);
  });

  it("fails with Scenario's errorMessage when the upload fails validation", async () => {
    const client = clientFor(h.fake);
    const good = await readFile(await writeGlb(h.dir, 1_000));
    const path = join(h.dir, 'broken.glb');
    await writeFile(path, good.subarray(0, good.length - 100)); // header length no longer matches
    const err = await client.upload({ path, name: 'broken.glb', kind: 'glb', route: 'multipart-upload' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/^Scenario could not import broken\.glb: Unsupported file: broken\.glb: GLB header declares/);
    expect(h.fake.counts['upload-complete']).toBe(1);
  });

  it('gives up on an upload that is never imported, naming the stage and how long it waited', async () => {
    h.fake.setFaults({ stuckUploads: true });
    const client = clientFor(h.fake, { uploadImportTimeoutMs: 300 });
    const path = await writeGlb(h.dir, 1_000);
    const err = await client.upload({ path, name: 'mesh.glb', kind: 'glb', route: 'multipart-upload' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageTimeoutError);
    expect((err as Error).message).toMatch(/^Uploading: Scenario had not finished importing mesh\.glb after \d{3} ms \(still "validating"\), so Kiln gave up on it$/);
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
