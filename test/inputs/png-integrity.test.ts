import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isIntactPng } from '../../src/main/engine/inputs/png-integrity';
import { chunkOffsets, encodePng, paletteFor, pngChunks, rawImageData, seededRandom, withCrcsFixed, type Chunk, type PngSpec } from '../support/png-builder';

const LIMIT = 512 * 512;

/** What Kiln's careful path (src/main/engine/inputs/validate.ts) makes of the file: libpng's full decode. */
async function libpngDecodes(png: Buffer): Promise<boolean> {
  try {
    await sharp(png, { failOn: 'error', limitInputPixels: false }).raw().toBuffer();
    return true;
  } catch {
    return false;
  }
}

const LAYOUTS: PngSpec[] = [
  ...([1, 2, 4, 8, 16] as const).map((bitDepth) => ({ width: 13, height: 7, bitDepth, colourType: 0 as const })),
  ...([1, 2, 4, 8] as const).map((bitDepth) => ({ width: 13, height: 7, bitDepth, colourType: 3 as const })),
  ...([2, 4, 6] as const).flatMap((colourType) => ([8, 16] as const).map((bitDepth) => ({ width: 9, height: 11, bitDepth, colourType }))),
  { width: 1, height: 1, bitDepth: 8, colourType: 6 },
  { width: 32, height: 32, bitDepth: 8, colourType: 6 },
];
const INTERLACED: PngSpec[] = [
  // Sizes where some of Adam7's seven passes are empty, and odd ones where none is.
  ...[[1, 1], [2, 3], [5, 1], [8, 8], [33, 17]].map(([width, height]) => ({ width: width as number, height: height as number, bitDepth: 8 as const, colourType: 2 as const, interlaced: true })),
  { width: 19, height: 6, bitDepth: 1, colourType: 0, interlaced: true },
  { width: 19, height: 6, bitDepth: 4, colourType: 3, interlaced: true },
  { width: 7, height: 9, bitDepth: 16, colourType: 6, interlaced: true },
];
const label = (s: PngSpec) => `${s.width}×${s.height}, colour type ${s.colourType}, ${s.bitDepth}-bit${s.interlaced ? ', interlaced' : ''}`;

describe('proving a small PNG whole without a decoder', () => {
  it.each([...LAYOUTS, ...INTERLACED].map((s) => [label(s), s] as const))('proves %s, which libpng decodes', async (_label, spec) => {
    const png = encodePng(pngChunks(spec));
    expect(await libpngDecodes(png)).toBe(true);
    expect(isIntactPng(png, LIMIT)).toBe(true);
  });

  it('proves what sharp itself writes: palette, grey, 16-bit and interlaced files', async () => {
    const base = sharp({ create: { width: 40, height: 24, channels: 4, background: { r: 200, g: 90, b: 30, alpha: 0.5 } } });
    const files = await Promise.all([
      base.clone().png().toBuffer(),
      base.clone().png({ palette: true, colours: 4 }).toBuffer(),
      base.clone().greyscale().png().toBuffer(),
      base.clone().toColourspace('rgb16').png().toBuffer(),
      base.clone().png({ progressive: true }).toBuffer(),
      base.clone().withMetadata().png().toBuffer(),
    ]);
    for (const png of files) expect(isIntactPng(png, LIMIT)).toBe(true);
  });

  it('accepts ancillary chunks it does not know, before or after the image data', () => {
    const [ihdr, idat, iend] = pngChunks({ width: 4, height: 4, bitDepth: 8, colourType: 2 }) as [Chunk, Chunk, Chunk];
    const text = { type: 'tEXt', data: Buffer.from('Comment\0made by a test') };
    const apng = { type: 'acTL', data: Buffer.alloc(8) };
    expect(isIntactPng(encodePng([ihdr, text, apng, idat, text, iend]), LIMIT)).toBe(true);
  });

  it('proves image data split over several IDAT chunks', () => {
    const spec: PngSpec = { width: 30, height: 20, bitDepth: 8, colourType: 6 };
    const [ihdr, idat, iend] = pngChunks(spec) as [Chunk, Chunk, Chunk];
    const third = Math.ceil(idat.data.length / 3);
    const parts = [0, 1, 2].map((i) => ({ type: 'IDAT', data: idat.data.subarray(i * third, (i + 1) * third) }));
    expect(isIntactPng(encodePng([ihdr, ...parts, iend]), LIMIT)).toBe(true);
  });

  describe('leaves to the decoder (never proves) a file that', () => {
    const spec: PngSpec = { width: 20, height: 10, bitDepth: 8, colourType: 2 };
    const whole = () => pngChunks(spec) as [Chunk, Chunk, Chunk];
    const withData = (raw: Buffer): Chunk[] => {
      const [ihdr, , iend] = whole();
      return [ihdr, { type: 'IDAT', data: deflateSync(raw) }, iend];
    };
    const rowBytes = 1 + spec.width * 3;
    const header = (change: (data: Buffer) => void): Chunk[] => {
      const chunks = whole();
      change(chunks[0].data);
      return chunks;
    };

    it.each<[string, () => Buffer]>([
      ['is not a PNG at all', () => Buffer.from('GIF89a and the rest of a GIF file')],
      ['is only its signature', () => encodePng([]).subarray(0, 8)],
      ['stops part-way through, at any point', () => encodePng(whole()).subarray(0, 60)],
      ['has image data that fails its CRC', () => encodePng(whole(), { badCrc: 'IDAT' })],
      ['has a header that fails its CRC', () => encodePng(whole(), { badCrc: 'IHDR' })],
      ['has a text chunk that fails its CRC (libpng only warns: for sharp to judge)', () => {
        const [ihdr, idat, iend] = whole();
        return encodePng([ihdr, { type: 'tEXt', data: Buffer.from('a\0b') }, idat, iend], { badCrc: 'tEXt' });
      }],
      ['is missing rows', () => encodePng(withData(rawImageData(spec).subarray(0, rowBytes * 7)))],
      ['has more rows than its header says', () => encodePng(withData(Buffer.concat([rawImageData(spec), rawImageData(spec).subarray(0, rowBytes)])))],
      ['has its compressed stream cut short, CRC intact', () => {
        const [ihdr, idat, iend] = whole();
        return encodePng([ihdr, { type: 'IDAT', data: idat.data.subarray(0, idat.data.length - 5) }, iend]);
      }],
      ['has a compressed stream that fails its own checksum', () => {
        const [ihdr, idat, iend] = whole();
        const data = Buffer.from(idat.data);
        data[data.length - 1] = (data[data.length - 1] as number) ^ 0xff;
        return encodePng([ihdr, { type: 'IDAT', data }, iend]);
      }],
      ['has bytes after the end of its compressed stream', () => {
        const [ihdr, idat, iend] = whole();
        return encodePng([ihdr, { type: 'IDAT', data: Buffer.concat([idat.data, Buffer.from([1, 2, 3])]) }, iend]);
      }],
      ['has a row with an unknown filter', () => {
        const raw = rawImageData(spec);
        raw[rowBytes * 3] = 5;
        return encodePng(withData(raw));
      }],
      ['has no end chunk', () => encodePng(whole().slice(0, 2))],
      ['has an end chunk with data in it', () => {
        const [ihdr, idat] = whole();
        return encodePng([ihdr, idat, { type: 'IEND', data: Buffer.from([0]) }]);
      }],
      ['has no image data', () => {
        const [ihdr, , iend] = whole();
        return encodePng([ihdr, iend]);
      }],
      ['does not start with its header', () => {
        const [ihdr, idat, iend] = whole();
        return encodePng([{ type: 'tEXt', data: Buffer.from('a\0b') }, ihdr, idat, iend]);
      }],
      ['has image data interrupted by another chunk', () => {
        const [ihdr, idat, iend] = whole();
        const half = idat.data.length >> 1;
        return encodePng([ihdr, { type: 'IDAT', data: idat.data.subarray(0, half) }, { type: 'tEXt', data: Buffer.from('a\0b') }, { type: 'IDAT', data: idat.data.subarray(half) }, iend]);
      }],
      ['has a critical chunk Kiln does not know', () => {
        const [ihdr, idat, iend] = whole();
        return encodePng([ihdr, { type: 'ZZZZ', data: Buffer.alloc(4) }, idat, iend]);
      }],
      ['has a chunk whose type is not letters', () => {
        const [ihdr, idat, iend] = whole();
        return encodePng([ihdr, { type: 'tE1t', data: Buffer.alloc(4) }, idat, iend]);
      }],
      ['declares a bit depth its colour type does not allow', () => encodePng(header((h) => (h[8] = 4)))],
      ['declares an unknown colour type', () => encodePng(header((h) => (h[9] = 5)))],
      ['declares an unknown compression, filter or interlace method', () => encodePng(header((h) => (h[12] = 2)))],
      ['is zero pixels wide', () => encodePng(header((h) => h.writeUInt32BE(0, 0)))],
      ['is bigger than the limit it is asked about', () => encodePng(pngChunks({ width: 513, height: 512, bitDepth: 8, colourType: 0 }))],
      ['holds more than 512 KB of image data, within the pixel limit (sharp decodes it off this thread)', () => encodePng(pngChunks({ width: 512, height: 512, bitDepth: 8, colourType: 6 }))],
      ['is a palette image with no palette', () => {
        const [ihdr, , idat, iend] = pngChunks({ width: 4, height: 4, bitDepth: 8, colourType: 3 }) as Chunk[];
        return encodePng([ihdr as Chunk, idat as Chunk, iend as Chunk]);
      }],
      ['has a palette longer than its bit depth can index', () => {
        const [ihdr, , idat, iend] = pngChunks({ width: 4, height: 4, bitDepth: 2, colourType: 3 }) as Chunk[];
        return encodePng([ihdr as Chunk, { type: 'PLTE', data: paletteFor(3) }, idat as Chunk, iend as Chunk]);
      }],
      ['has a palette whose length is not whole colours', () => {
        const [ihdr, , idat, iend] = pngChunks({ width: 4, height: 4, bitDepth: 8, colourType: 3 }) as Chunk[];
        return encodePng([ihdr as Chunk, { type: 'PLTE', data: Buffer.alloc(10) }, idat as Chunk, iend as Chunk]);
      }],
      ['is a grey image with a palette', () => {
        const [ihdr, idat, iend] = pngChunks({ width: 4, height: 4, bitDepth: 8, colourType: 0 }) as Chunk[];
        return encodePng([ihdr as Chunk, { type: 'PLTE', data: paletteFor(1) }, idat as Chunk, iend as Chunk]);
      }],
    ])('%s', (_label, make) => {
      expect(isIntactPng(make(), LIMIT)).toBe(false);
    });

    it('stops anywhere before its last byte', () => {
      const png = encodePng(whole());
      for (let length = 0; length < png.length; length++) expect(isIntactPng(png.subarray(0, length), LIMIT)).toBe(false);
    });
  });

  it('never proves a file libpng refuses: 1,200 damaged files, with and without their CRCs made to match', async () => {
    const random = seededRandom(13);
    const sources = [...LAYOUTS, ...INTERLACED].map((spec) => encodePng(pngChunks(spec, random)));
    let proven = 0;
    let provenAndDecoded = 0;
    for (let i = 0; i < 1200; i++) {
      const source = sources[i % sources.length] as Buffer;
      const damaged = Buffer.from(source);
      // Damage inside the chunks (past the signature), a byte or a bit at a time.
      const flips = 1 + Math.floor(random() * 3);
      for (let f = 0; f < flips; f++) {
        const at = 8 + Math.floor(random() * (damaged.length - 8));
        damaged[at] = random() < 0.5 ? (damaged[at] as number) ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256);
      }
      const file = i % 2 === 0 ? damaged : withCrcsFixed(damaged);
      if (!isIntactPng(file, LIMIT)) continue;
      proven++;
      if (await libpngDecodes(file)) provenAndDecoded++;
      else expect.fail(`proved a file libpng refuses (case ${i}, chunks ${JSON.stringify(chunkOffsets(file).map((c) => c.type))})`);
    }
    // The damage that leaves a file valid (a changed pixel with its CRC fixed) must still be proven,
    // or the fast path would be a path nothing takes.
    expect(provenAndDecoded).toBe(proven);
    expect(proven).toBeGreaterThan(50);
  });
});
