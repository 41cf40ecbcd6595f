/**
 * 8. Upload memory: a 500 MB GLB sent by the upload flow (parts of 8 MiB, three on the wire at
 * once) in a fresh child process, whose RSS must stay flat: a part per worker, never the file.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { tempDir } from './fixtures';
import { runChild } from './run-child';
import { MEMORY_TARGET_BYTES } from './memory';
import type { Section } from './section';
import { verdict } from './section';
import { fmtMiB, fmtMs } from './table';

const UPLOAD_BYTES = 500_000_000;

const reportSchema = z.object({ baseline: z.number(), sampledPeak: z.number(), hwm: z.number().nullable(), growth: z.number(), ms: z.number(), assetId: z.string() });

/**
 * A valid GLB of exactly `bytes` (a multiple of 4): header, a small JSON chunk, and a binary chunk
 * of zeros left as a hole in the file, so making it costs no time and no disk.
 */
async function writeSparseGlb(path: string, bytes: number): Promise<void> {
  let json = Buffer.from(JSON.stringify({ asset: { version: '2.0' }, buffers: [{ byteLength: 0 }], meshes: [{ primitives: [] }] }));
  json = Buffer.concat([json, Buffer.alloc((4 - (json.length % 4)) % 4, 0x20)]);
  const binLength = bytes - 12 - 8 - json.length - 8;
  const head = Buffer.alloc(12 + 8 + json.length + 8);
  head.write('glTF', 0, 'latin1');
  head.writeUInt32LE(2, 4);
  head.writeUInt32LE(bytes, 8);
  head.writeUInt32LE(json.length, 12);
  head.write('JSON', 16, 'latin1');
  json.copy(head, 20);
  head.writeUInt32LE(binLength, 20 + json.length);
  head.write('BIN\0', 24 + json.length, 'latin1');
  const file = await open(path, 'w');
  try {
    await file.write(head, 0, head.length, 0);
    await file.truncate(bytes);
  } finally {
    await file.close();
  }
}


export const uploadMemory: Section = {
  key: 'upload-memory',
  title: '8. Upload memory',
  async run(ctx) {
    const server = await ctx.server();
    const dir = await tempDir('upload-memory');
    const path = join(dir, 'huge.glb');
    const warmupPath = join(dir, 'warmup.glb');
    await writeSparseGlb(path, UPLOAD_BYTES);
    await writeSparseGlb(warmupPath, 64 * 1024);
    ctx.log(`upload-memory: ${fmtMiB(UPLOAD_BYTES)} GLB through the upload flow`);
    const report = await runChild('upload-memory-child.ts', { url: server.url, apiKey: server.apiKey, apiSecret: server.apiSecret, path, warmupPath }, reportSchema);
    const pass = report.assetId.startsWith('asset_') && report.growth < MEMORY_TARGET_BYTES;
    return {
      rows: [
        { metric: `upload ${(UPLOAD_BYTES / 1e6).toFixed(0)} MB GLB (${fmtMiB(UPLOAD_BYTES)})`, value: `imported, ${fmtMs(report.ms)}` },
        { metric: 'peak RSS growth over baseline', value: fmtMiB(report.growth), target: `< ${fmtMiB(MEMORY_TARGET_BYTES)}`, verdict: verdict(pass) },
      ],
      notes: ['a fresh process: baseline RSS after a small warm-up upload; peak = max of RSS sampled every 10 ms and VmHWM (reset to the baseline through /proc/self/clear_refs)'],
      data: { bytes: UPLOAD_BYTES, report, target: MEMORY_TARGET_BYTES },
    };
  },
};
