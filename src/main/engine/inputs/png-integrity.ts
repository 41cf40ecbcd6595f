import { crc32, inflateSync } from 'node:zlib';

/**
 * Whether a PNG held in memory is provably whole: every chunk matches its CRC, the header describes
 * an image libpng decodes, and the image data inflates (its Adler-32 checked) to exactly the bytes
 * the header calls for, each row starting with a valid filter. These are the errors libpng reports
 * about a PNG's structure (test/inputs/png-integrity.test.ts holds each, and 1,200 damaged files
 * against libpng itself); what a decoder does beyond them (unfiltering, expanding to pixels)
 * cannot fail. So a small PNG is proved without sharp, whose pipeline costs about 1 ms of CPU even
 * for a 32×32 image, the largest single cost of a small item (issue 13.3, bench/cli-cpu.ts).
 *
 * It only ever says yes to what is proven: `false` means "not proven here", never "damaged". The
 * caller then judges the file with sharp, whose verdict and words stay the only ones an artist sees
 * (src/main/engine/inputs/validate.ts). That keeps cases libpng merely warns about (a bad CRC on an
 * ancillary chunk, bytes after the image data) out of this function's responsibility.
 *
 * Why not a PNG library: pngjs accepts a PNG whose image data stops short (measured: rows missing,
 * a zlib stream cut before its end), as it never compares the inflated length with the header.
 */
export function isIntactPng(bytes: Buffer, maxPixels: number): boolean {
  if (bytes.length < SIGNATURE.length + 12 || !bytes.subarray(0, SIGNATURE.length).equals(SIGNATURE)) return false;
  let header: PngHeader | undefined;
  let paletteEntries = 0;
  const dataParts: Buffer[] = [];
  let dataEnded = false;
  let offset = SIGNATURE.length;
  for (;;) {
    if (offset + 12 > bytes.length) return false;
    const length = bytes.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) return false;
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (!/^[A-Za-z]{4}$/.test(type) || crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== bytes.readUInt32BE(offset + 8 + length)) return false;
    offset = end;
    if (header === undefined) {
      if (type !== 'IHDR') return false;
      header = readHeader(data, maxPixels);
      if (header === undefined) return false;
      continue;
    }
    if (type === 'IDAT') {
      if (dataEnded) return false;
      dataParts.push(data);
      continue;
    }
    if (dataParts.length > 0) dataEnded = true;
    if (type === 'IEND') {
      if (length !== 0 || dataParts.length === 0) return false;
      break;
    }
    if (type === 'PLTE') {
      if (paletteEntries > 0 || dataParts.length > 0 || length === 0 || length % 3 !== 0 || header.colourType === 0 || header.colourType === 4) return false;
      paletteEntries = length / 3;
      if (paletteEntries > (header.colourType === 3 ? 2 ** header.bitDepth : 256)) return false;
      continue;
    }
    // A critical chunk (upper-case first letter) this function does not know: not proven.
    if (type.charCodeAt(0) < 0x61) return false;
  }
  if (header.colourType === 3 && paletteEntries === 0) return false;
  const rows = scanlines(header);
  const expected = rows.reduce((sum, row) => sum + row.count * row.bytes, 0);
  if (expected > MAX_IMAGE_DATA_BYTES) return false;
  const compressed = dataParts.length === 1 ? (dataParts[0] as Buffer) : Buffer.concat(dataParts);
  let image: Buffer;
  try {
    const inflated = inflateSync(compressed, { maxOutputLength: Math.max(expected, 1), info: true }) as unknown as InflateResult;
    // Bytes after the end of the zlib stream: libpng only warns, so it is for sharp to judge.
    if (inflated.engine.bytesWritten !== compressed.length) return false;
    image = inflated.buffer;
  } catch {
    return false;
  }
  if (image.length !== expected) return false;
  let at = 0;
  for (const row of rows) {
    for (let i = 0; i < row.count; i++, at += row.bytes) if ((image[at] as number) > 4) return false;
  }
  return true;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The most image data this check inflates. It runs on the calling thread, which in the app is the
 * main process's; inflating 2 MB of 16-bit pixels took 20 ms here, where sharp's decode of the same
 * file took as long on its own threads. Up to 512 KB (a 361×361 RGBA image) it takes a few
 * milliseconds at most; beyond, sharp is no dearer and the calling thread stays free.
 */
const MAX_IMAGE_DATA_BYTES = 512 * 1024;

/** The bit depths each colour type allows (PNG specification, table 11.1). */
const BIT_DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7's seven passes: the first column and row of each, and the step between them. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
}

interface InflateResult {
  buffer: Buffer;
  engine: { bytesWritten: number };
}

function readHeader(data: Buffer, maxPixels: number): PngHeader | undefined {
  if (data.length !== 13) return undefined;
  const width = data.readUInt32BE(0);
  const height = data.readUInt32BE(4);
  const [bitDepth = 0, colourType = 0, compression = 0, filter = 0, interlace = 0] = data.subarray(8, 13);
  if (width === 0 || height === 0 || width * height > maxPixels) return undefined;
  if (!BIT_DEPTHS[colourType]?.includes(bitDepth) || compression !== 0 || filter !== 0 || interlace > 1) return undefined;
  return { width, height, bitDepth, colourType, interlaced: interlace === 1 };
}

/**
 * The rows the image data holds, in order (each pass of an interlaced image in turn): each row a
 * filter byte then the row's packed pixels. Exported for the specs' PNG builder (test/support/png-builder.ts).
 */
export function scanlines(header: PngHeader): { count: number; bytes: number }[] {
  const bitsPerPixel = (CHANNELS[header.colourType] as number) * header.bitDepth;
  const rowBytes = (width: number) => 1 + Math.ceil((width * bitsPerPixel) / 8);
  if (!header.interlaced) return [{ count: header.height, bytes: rowBytes(header.width) }];
  return ADAM7.map(([x0, y0, dx, dy]) => {
    const width = Math.ceil((header.width - x0) / dx);
    const height = Math.ceil((header.height - y0) / dy);
    // A pass with no pixels has no rows at all, not even filter bytes.
    return width > 0 && height > 0 ? { count: height, bytes: rowBytes(width) } : { count: 0, bytes: 0 };
  });
}
