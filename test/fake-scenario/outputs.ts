import sharp from 'sharp';
import { Document, NodeIO } from '@gltf-transform/core';

// Real, valid outputs made cheaply: the point is that the client's checks and the artist's viewer
// accept them, not that they look like the real model's work.

const TRACE_MAX_SIDE = 32;

function hex(r: number, g: number, b: number): string {
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

/**
 * A pixel-art "trace": the image shrunk to at most 32 px with nearest-neighbour sampling (so every
 * colour is one of the source's), each row's runs of one colour merged into a rect, drawn in a
 * viewBox of the original size.
 */
export async function traceSvg(input: Buffer): Promise<Buffer> {
  const meta = await sharp(input).metadata();
  const width = meta.width;
  const height = meta.height;
  if (!width || !height) throw new Error('input image has no dimensions');
  const scale = Math.min(1, TRACE_MAX_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const { data } = await sharp(input)
    .resize(w, h, { fit: 'fill', kernel: 'nearest' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });

  // Runs of one colour per row, then stacked with identical runs directly above them.
  interface Run { x: number; y: number; w: number; h: number; fill: string }
  const done: Run[] = [];
  let open = new Map<string, Run>();
  for (let y = 0; y < h; y++) {
    const next = new Map<string, Run>();
    let x = 0;
    while (x < w) {
      const i = (y * w + x) * 4;
      const r = data[i] ?? 0, g = data[i + 1] ?? 0, b = data[i + 2] ?? 0, a = data[i + 3] ?? 0;
      let end = x + 1;
      while (end < w) {
        const j = (y * w + end) * 4;
        if (data[j] !== r || data[j + 1] !== g || data[j + 2] !== b || data[j + 3] !== a) break;
        end++;
      }
      if (a > 0) {
        const fill = `fill="${hex(r, g, b)}"${a === 255 ? '' : ` fill-opacity="${(a / 255).toFixed(3)}"`}`;
        const key = `${x}:${end}:${fill}`;
        const above = open.get(key);
        if (above) {
          above.h++;
          open.delete(key);
          next.set(key, above);
        } else {
          next.set(key, { x, y, w: end - x, h: 1, fill });
        }
      }
      x = end;
    }
    done.push(...open.values());
    open = next;
  }
  done.push(...open.values());
  const rects = done.map((run) => `<rect x="${run.x}" y="${run.y}" width="${run.w}" height="${run.h}" ${run.fill}/>`);
  const svg =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n` +
    `<g transform="scale(${width / w} ${height / h})" shape-rendering="crispEdges">\n${rects.join('\n')}\n</g>\n</svg>\n`;
  return Buffer.from(svg, 'utf8');
}

/** Above this the fake would spend seconds per job; real tests never need more. */
export const MAX_GENERATED_TRIANGLES = 200_000;
export const DEFAULT_FACE_LIMIT = 2000;

/** A UV sphere with at most `faceLimit` triangles (a retopology honours its limit; 24 at the very least); with `bake`, a small baked base-colour texture. */
export async function buildGlb(faceLimit: number | undefined, bake: boolean): Promise<Buffer> {
  const target = Math.min(MAX_GENERATED_TRIANGLES, Math.max(1, Math.round(faceLimit ?? DEFAULT_FACE_LIMIT)));
  // 2 * segments * (rings - 1) triangles with segments = 2 * rings.
  const rings = Math.max(3, Math.floor((1 + Math.sqrt(1 + target)) / 2));
  const segments = rings * 2;

  const positions: number[] = [];
  const normals: number[] = [];
  const uvs: number[] = [];
  for (let ring = 0; ring <= rings; ring++) {
    const v = ring / rings;
    const theta = v * Math.PI;
    for (let seg = 0; seg <= segments; seg++) {
      const u = seg / segments;
      const phi = u * Math.PI * 2;
      const x = Math.sin(theta) * Math.cos(phi);
      const y = Math.cos(theta);
      const z = Math.sin(theta) * Math.sin(phi);
      positions.push(x, y, z);
      normals.push(x, y, z);
      uvs.push(u, v);
    }
  }
  const indices: number[] = [];
  const row = segments + 1;
  for (let ring = 0; ring < rings; ring++) {
    for (let seg = 0; seg < segments; seg++) {
      const a = ring * row + seg;
      const b = a + row;
      // Counter-clockwise seen from outside, as glTF requires for front faces.
      if (ring !== 0) indices.push(a, a + 1, b);
      if (ring !== rings - 1) indices.push(a + 1, b + 1, b);
    }
  }

  const doc = new Document();
  const buffer = doc.createBuffer();
  const vertexCount = positions.length / 3;
  const indexArray = vertexCount > 65535 ? new Uint32Array(indices) : new Uint16Array(indices);
  const primitive = doc
    .createPrimitive()
    .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(new Float32Array(positions)).setBuffer(buffer))
    .setAttribute('NORMAL', doc.createAccessor().setType('VEC3').setArray(new Float32Array(normals)).setBuffer(buffer))
    .setAttribute('TEXCOORD_0', doc.createAccessor().setType('VEC2').setArray(new Float32Array(uvs)).setBuffer(buffer))
    .setIndices(doc.createAccessor().setType('SCALAR').setArray(indexArray).setBuffer(buffer));
  const material = doc.createMaterial('retopo').setBaseColorFactor([0.8, 0.5, 0.3, 1]);
  if (bake) {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 120, b: 60 } } })
      .png()
      .toBuffer();
    material.setBaseColorFactor([1, 1, 1, 1]).setBaseColorTexture(doc.createTexture('baked').setImage(png).setMimeType('image/png'));
  }
  primitive.setMaterial(material);
  const mesh = doc.createMesh('retopo').addPrimitive(primitive);
  doc.createScene('scene').addChild(doc.createNode('retopo').setMesh(mesh));
  const glb = await new NodeIO().writeBinary(doc);
  return Buffer.from(glb.buffer, glb.byteOffset, glb.byteLength);
}

/**
 * A large output described, not stored: a fixed head, a filler of any length and a fixed tail.
 * Any byte range can be produced on demand, so a 1 GiB download costs one 64 KiB buffer.
 */
export interface SyntheticContent {
  readonly size: number;
  readonly mimeType: string;
  /** Yields the bytes [start, end) in chunks of at most CHUNK bytes. */
  chunks(start: number, end: number): Generator<Buffer>;
}

const CHUNK = 64 * 1024;

function synthetic(size: number, mimeType: string, head: Buffer, tail: Buffer, pattern: Buffer): SyntheticContent {
  const fillerLength = size - head.length - tail.length;
  // One buffer long enough that any window of CHUNK bytes at any pattern phase is a slice of it.
  const repeats = Math.ceil((CHUNK + pattern.length) / pattern.length);
  const filler = Buffer.alloc(repeats * pattern.length);
  for (let i = 0; i < repeats; i++) pattern.copy(filler, i * pattern.length);
  return {
    size,
    mimeType,
    *chunks(start: number, end: number) {
      let pos = start;
      while (pos < end) {
        if (pos < head.length) {
          const stop = Math.min(end, head.length);
          yield head.subarray(pos, stop);
          pos = stop;
        } else if (pos < head.length + fillerLength) {
          const stop = Math.min(end, head.length + fillerLength, pos + CHUNK);
          const phase = (pos - head.length) % pattern.length;
          yield filler.subarray(phase, phase + (stop - pos));
          pos = stop;
        } else {
          const from = pos - head.length - fillerLength;
          const stop = Math.min(end, size);
          yield tail.subarray(from, from + (stop - pos));
          pos = stop;
        }
      }
    },
  };
}

function syntheticSvg(bytes: number): SyntheticContent {
  const head = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">\n' +
      '<rect x="8" y="8" width="48" height="48" fill="#d2691e"/>\n<!--',
  );
  const tail = Buffer.from('-->\n</svg>\n');
  // No "--" may appear inside an XML comment.
  return synthetic(bytes, 'image/svg+xml', head, tail, Buffer.from(' kiln synthetic filler'));
}

const GLB_JSON_CHUNK = 1024;
const TRIANGLE = new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]);

function syntheticGlb(bytes: number): SyntheticContent {
  const binLength = bytes - 12 - 8 - GLB_JSON_CHUNK - 8;
  const json = JSON.stringify({
    asset: { version: '2.0', generator: 'kiln fake-scenario (synthetic)' },
    buffers: [{ byteLength: binLength }],
    bufferViews: [{ buffer: 0, byteOffset: 0, byteLength: TRIANGLE.byteLength }],
    accessors: [{ bufferView: 0, componentType: 5126, count: 3, type: 'VEC3', min: [0, 0, 0], max: [1, 1, 0] }],
    meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
    nodes: [{ mesh: 0 }],
    scenes: [{ nodes: [0] }],
    scene: 0,
  });
  const head = Buffer.alloc(12 + 8 + GLB_JSON_CHUNK + 8 + TRIANGLE.byteLength, 0x20);
  head.write('glTF', 0, 'latin1');
  head.writeUInt32LE(2, 4);
  head.writeUInt32LE(bytes, 8);
  head.writeUInt32LE(GLB_JSON_CHUNK, 12);
  head.write('JSON', 16, 'latin1');
  head.write(json, 20, 'utf8');
  const bin = 20 + GLB_JSON_CHUNK;
  head.writeUInt32LE(binLength, bin);
  head.write('BIN\0', bin + 4, 'latin1');
  Buffer.from(TRIANGLE.buffer).copy(head, bin + 8);
  return synthetic(bytes, 'model/gltf-binary', head, Buffer.alloc(0), Buffer.alloc(4096));
}

export const MIN_SYNTHETIC_BYTES = { svg: 256, glb: 12 + 8 + GLB_JSON_CHUNK + 8 + TRIANGLE.byteLength } as const;

export function syntheticAsset(kind: 'svg' | 'glb', bytes: number): SyntheticContent {
  if (!Number.isSafeInteger(bytes) || bytes < MIN_SYNTHETIC_BYTES[kind]) {
    throw new RangeError(`synthetic ${kind} needs a whole number of bytes, at least ${MIN_SYNTHETIC_BYTES[kind]}`);
  }
  if (kind === 'glb' && bytes % 4 !== 0) throw new RangeError('a GLB must be a multiple of 4 bytes long');
  if (kind === 'glb' && bytes > 0xffffffff) throw new RangeError('a GLB cannot exceed 4 GiB (its length field is 32-bit)');
  return kind === 'svg' ? syntheticSvg(bytes) : syntheticGlb(bytes);
}

/** Whole content of a small synthetic asset, for tests. */
export function collect(content: SyntheticContent, start = 0, end = content.size): Buffer {
  return Buffer.concat([...content.chunks(start, end)]);
}
