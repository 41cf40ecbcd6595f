import { crc32, deflateSync } from 'node:zlib';
import { scanlines } from '../../src/main/engine/inputs/png-integrity';

/**
 * PNGs built chunk by chunk, so a spec can describe any layout the format allows and then damage
 * one part of it precisely. The rows come from the code under test (png-integrity.ts scanlines), so
 * whether a built PNG is valid is never taken on trust: the specs decode each layout with sharp
 * (libpng) first.
 */
export interface PngSpec {
  width: number;
  height: number;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colourType: 0 | 2 | 3 | 4 | 6;
  interlaced?: boolean;
}

export interface Chunk {
  type: string;
  data: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A small deterministic generator, so a failing spec shows the same bytes every time. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** The uncompressed image data: for each row of each pass, a filter byte (0–4, varied) and random pixels. */
export function rawImageData(spec: PngSpec, random = seededRandom(1)): Buffer {
  const rows: Buffer[] = [];
  for (const { count, bytes } of scanlines({ ...spec, interlaced: spec.interlaced ?? false })) {
    for (let y = 0; y < count; y++) {
      const row = Buffer.alloc(bytes);
      row[0] = y % 5;
      // Palette indices stay below the palette's size (paletteFor gives 2^depth entries, at most 256).
      for (let i = 1; i < row.length; i++) row[i] = spec.colourType === 3 ? 0 : Math.floor(random() * 256);
      rows.push(row);
    }
  }
  return Buffer.concat(rows);
}

/** The chunks of a valid PNG for `spec`: IHDR, a palette when it needs one, one IDAT, IEND. */
export function pngChunks(spec: PngSpec, random = seededRandom(1)): Chunk[] {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(spec.width, 0);
  header.writeUInt32BE(spec.height, 4);
  header[8] = spec.bitDepth;
  header[9] = spec.colourType;
  header[12] = spec.interlaced ? 1 : 0;
  const chunks: Chunk[] = [{ type: 'IHDR', data: header }];
  if (spec.colourType === 3) chunks.push({ type: 'PLTE', data: paletteFor(spec.bitDepth) });
  chunks.push({ type: 'IDAT', data: deflateSync(rawImageData(spec, random)) }, { type: 'IEND', data: Buffer.alloc(0) });
  return chunks;
}

/** 2^depth colours (at most 256), three bytes each. */
export function paletteFor(bitDepth: number): Buffer {
  const entries = Math.min(256, 2 ** bitDepth);
  return Buffer.from(Array.from({ length: entries * 3 }, (_, i) => (i * 37) % 256));
}

/** The file: signature, then each chunk with its length and CRC (the CRC made wrong for `badCrc`). */
export function encodePng(chunks: readonly Chunk[], options: { badCrc?: string } = {}): Buffer {
  const parts = [SIGNATURE];
  for (const { type, data } of chunks) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE((crc32(typed) ^ (type === options.badCrc ? 1 : 0)) >>> 0);
    parts.push(length, typed, crc);
  }
  return Buffer.concat(parts);
}

/** Where each chunk of an encoded PNG starts, and its type: for damaging a file and fixing its CRCs. */
export function chunkOffsets(png: Buffer): { type: string; at: number; length: number }[] {
  const found: { type: string; at: number; length: number }[] = [];
  for (let at = SIGNATURE.length; at + 12 <= png.length; ) {
    const length = png.readUInt32BE(at);
    found.push({ type: png.toString('latin1', at + 4, at + 8), at, length });
    at += 12 + length;
  }
  return found;
}

/** `png` with every chunk's CRC recomputed: damage inside a chunk that its own checksum no longer reveals. */
export function withCrcsFixed(png: Buffer): Buffer {
  const out = Buffer.from(png);
  for (const { at, length } of chunkOffsets(out)) {
    if (at + 12 + length > out.length) break;
    out.writeUInt32BE(crc32(out.subarray(at + 4, at + 8 + length)), at + 8 + length);
  }
  return out;
}
