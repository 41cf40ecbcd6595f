import { deflateSync } from 'node:zlib';
import { chunkOffsets, encodePng, type Chunk } from './png-builder';

function ihdr(width: number, height: number): Chunk {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = 8; // bit depth
  data[9] = 2; // colour type: RGB
  return { type: 'IHDR', data };
}

const IEND: Chunk = { type: 'IEND', data: Buffer.alloc(0) };

/**
 * A well-formed PNG whose header claims `width`×`height` pixels, with a tiny (wrong-sized) image
 * data stream: enough for a decoder to read the dimensions from the header.
 */
export function pngClaiming(width: number, height: number): Buffer {
  return encodePng([ihdr(width, height), { type: 'IDAT', data: deflateSync(Buffer.alloc(64)) }, IEND]);
}

/** A valid PNG (RGB, filter 0 on every row) of `width`×`height` in one colour. */
export function plainPng(width: number, height: number): Buffer {
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x7f)]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return encodePng([ihdr(width, height), { type: 'IDAT', data: deflateSync(raw) }, IEND]);
}

/** `png` with the CRC of its image data chunk flipped: the chunk no longer matches its checksum. */
export function withBadIdatCrc(png: Buffer): Buffer {
  const idat = chunkOffsets(png).find((c) => c.type === 'IDAT');
  if (!idat) throw new Error('no IDAT chunk');
  const out = Buffer.from(png);
  const crcAt = idat.at + 8 + idat.length;
  out.writeUInt32BE((out.readUInt32BE(crcAt) ^ 0xffffffff) >>> 0, crcAt);
  return out;
}

/** A GLB container (header + JSON chunk [+ BIN chunk]) around an arbitrary glTF JSON document. */
export function glbFromJson(json: unknown, options: { version?: number; declaredLength?: number; bin?: Buffer } = {}): Buffer {
  let text = Buffer.from(JSON.stringify(json), 'utf8');
  const pad = (4 - (text.length % 4)) % 4;
  text = Buffer.concat([text, Buffer.alloc(pad, 0x20)]);
  const jsonHeader = Buffer.alloc(8);
  jsonHeader.writeUInt32LE(text.length, 0);
  jsonHeader.write('JSON', 4, 'latin1');
  const chunks: Buffer[] = [jsonHeader, text];
  if (options.bin) {
    const binHeader = Buffer.alloc(8);
    binHeader.writeUInt32LE(options.bin.length, 0);
    binHeader.write('BIN\0', 4, 'latin1');
    chunks.push(binHeader, options.bin);
  }
  const body = Buffer.concat(chunks);
  const header = Buffer.alloc(12);
  header.write('glTF', 0, 'latin1');
  header.writeUInt32LE(options.version ?? 2, 4);
  header.writeUInt32LE(options.declaredLength ?? 12 + body.length, 8);
  return Buffer.concat([header, body]);
}

/** A glTF (JSON) triangle whose vertex data lives in an external `bin` file. */
export function gltfWithExternalBuffer(bin: string): string {
  return JSON.stringify({
    asset: { version: '2.0' },
    buffers: [{ uri: bin, byteLength: 36 }],
    bufferViews: [{ buffer: 0, byteOffset: 0, byteLength: 36 }],
    accessors: [{ bufferView: 0, componentType: 5126, count: 3, type: 'VEC3', min: [0, 0, 0], max: [1, 1, 0] }],
    meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
    nodes: [{ mesh: 0 }],
    scenes: [{ nodes: [0] }],
    scene: 0,
  });
}
