import { readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tripoRetopology } from '../../src/main/engine/models/tripo-retopology';
import { vtracer } from '../../src/main/engine/models/vtracer';
import { generateBody } from '../../src/main/engine/models/request';
import { CanceledError, DownloadError } from '../../src/main/engine/scenario/index';
import { clientFor, harness, writePng, type Harness } from './helpers';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** Upload → generate → wait: the SVG output assetId of a real VTracer job on the fake. */
async function svgOutput(hh: Harness): Promise<{ client: ReturnType<typeof clientFor>; assetId: string }> {
  const client = clientFor(hh.fake);
  const input = await client.upload({ path: await writePng(hh.dir), name: 'art.png', kind: 'png', route: 'image-asset' });
  const job = await client.generate(vtracer.modelId, generateBody(vtracer, { presetName: 'poster' }, input));
  const done = await client.waitForJob(job.jobId);
  const assetId = done.assetIds[0];
  if (!assetId) throw new Error('job has no output');
  return { client, assetId };
}

describe('download', () => {
  it('streams an output to disk, reports progress and checks it', async () => {
    h = await harness();
    const { client, assetId } = await svgOutput(h);
    const dest = join(h.dir, 'out.svg');
    const progress: [number, number | undefined][] = [];
    const result = await client.download({ assetId, destPath: dest, expected: vtracer.output, onProgress: (r, t) => progress.push([r, t]) });
    const bytes = await readFile(dest);
    expect(result).toEqual({ bytes: bytes.length, mimeType: 'image/svg+xml' });
    expect(vtracer.output.looksValid(bytes)).toBe(true);
    expect(progress.at(-1)).toEqual([bytes.length, bytes.length]);
    expect(h.fake.counts.download).toBe(1);
  });

  it('writes into a file already there (the item\'s reserved temp) from its start, but never through a symbolic link at its name', async () => {
    h = await harness();
    const { client, assetId } = await svgOutput(h);
    const reserved = join(h.dir, 'reserved.part');
    await writeFile(reserved, 'x'.repeat(100_000));
    const result = await client.download({ assetId, destPath: reserved, expected: vtracer.output });
    expect((await stat(reserved)).size).toBe(result.bytes);

    const precious = join(h.dir, 'precious.svg');
    await writeFile(precious, 'precious');
    const planted = join(h.dir, 'planted.part');
    await symlink(precious, planted);
    const err = await client.download({ assetId, destPath: planted, expected: vtracer.output }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(await readFile(precious, 'utf8')).toBe('precious');
  });

  it('asks for a fresh URL when the temporary one has expired', async () => {
    h = await harness();
    const { client, assetId } = await svgOutput(h);
    // A URL fetched after its lifetime answers 403, as a CDN does.
    h.fake.setFaults({ assetUrlTtlMs: 50 });
    const stale = await client.getAsset(assetId);
    await new Promise((r) => setTimeout(r, 80));
    const res = await fetch(stale.url as string);
    expect(res.status).toBe(403);
    await res.arrayBuffer();

    // Inside download(): the first URL is already stale when used; the second one is good.
    h.fake.setFaults({ assetUrlTtlMs: 0 });
    h.fake.resetCounts();
    let assetGets = 0;
    h.fake.on('request', (route) => {
      if (route === 'asset-get' && ++assetGets === 2) h.fake.setFaults({ assetUrlTtlMs: 60_000 });
    });
    const dest = join(h.dir, 'fresh.svg');
    const result = await client.download({ assetId, destPath: dest, expected: vtracer.output });
    expect(result.bytes).toBe((await stat(dest)).size);
    expect(vtracer.output.looksValid(await readFile(dest))).toBe(true);
    expect(h.fake.counts['asset-get']).toBe(2);
    expect(h.fake.counts.download).toBe(2);
  });

  it('gives up with a clear DownloadError when every URL serves an HTML page', async () => {
    h = await harness();
    const { client, assetId } = await svgOutput(h);
    h.fake.setFaults({ htmlDownloads: true });
    h.fake.resetCounts();
    const err = await client.download({ assetId, destPath: join(h.dir, 'x.svg'), expected: vtracer.output }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toBe(
      `Could not download asset ${assetId}: the download URL served text/html instead of image/svg+xml (asked for a fresh URL 3 times)`,
    );
    expect(h.fake.counts.download).toBe(4);
  });

  it('rejects a file that is not what the model promises', async () => {
    h = await harness();
    const client = clientFor(h.fake);
    const assetId = h.fake.addSyntheticAsset({ bytes: 4096, kind: 'glb' });
    // Served as model/gltf-binary, accepted by type, but the content check wants an SVG.
    const expected = { ...vtracer.output, mimeTypes: ['model/gltf-binary'] };
    const err = await client.download({ assetId, destPath: join(h.dir, 'x.svg'), expected }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as Error).message).toBe(`The downloaded file is not a valid SVG (asset ${assetId})`);
  });

  it('streams a 50 MiB asset with the right size and little memory', async () => {
    h = await harness();
    const client = clientFor(h.fake);
    const size = 50 * 1024 * 1024;
    const assetId = h.fake.addSyntheticAsset({ bytes: size, kind: 'glb' });
    const dest = join(h.dir, 'big.glb');
    const before = process.memoryUsage().rss;
    let peak = before;
    let calls = 0;
    const result = await client.download({
      assetId,
      destPath: dest,
      expected: tripoRetopology.output,
      onProgress: () => {
        if (++calls % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    expect(result).toEqual({ bytes: size, mimeType: 'model/gltf-binary' });
    expect((await stat(dest)).size).toBe(size);
    // Buffering the file would add ≥ 50 MiB on top of the churn of streaming (≈ 35 MiB here, with the
    // fake serving from the same process).
    expect(peak - before).toBeLessThan(48 * 1024 * 1024);
  });

  // 256 KiB is read whole and written at once; 2 MiB is streamed to disk (download.ts WHOLE_BODY_MAX_BYTES).
  it.each([256 * 1024, 2 * 1024 * 1024])('restarts the file after a connection reset (%i bytes)', async (size) => {
    h = await harness();
    const client = clientFor(h.fake);
    const assetId = h.fake.addSyntheticAsset({ bytes: size, kind: 'svg' });
    let downloads = 0;
    h.fake.on('request', (route) => {
      if (route === 'download') h.fake.setFaults({ resetRate: ++downloads === 1 ? 1 : 0 });
      else h.fake.setFaults({ resetRate: 0 });
    });
    const dest = join(h.dir, 'synthetic.svg');
    // A bigger file left where the result goes: the result replaces it from its start.
    await writeFile(dest, 'x'.repeat(3 * 1024 * 1024));
    const result = await client.download({ assetId, destPath: dest, expected: vtracer.output });
    expect(result.bytes).toBe(size);
    expect((await stat(dest)).size).toBe(size);
    expect(h.fake.counts.download).toBe(2);
  });

  it('a caller abort mid-download ends it with CanceledError', async () => {
    h = await harness();
    const client = clientFor(h.fake);
    const assetId = h.fake.addSyntheticAsset({ bytes: 64 * 1024 * 1024, kind: 'glb' });
    const controller = new AbortController();
    const err = await client
      .download({
        assetId,
        destPath: join(h.dir, 'aborted.glb'),
        expected: tripoRetopology.output,
        signal: controller.signal,
        onProgress: (received) => {
          if (received > 1024 * 1024) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CanceledError);
    expect(h.fake.counts.download).toBe(1);
  });
});
