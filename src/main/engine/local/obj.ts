import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { Document } from '@gltf-transform/core';
import type { Material } from '@gltf-transform/core';
import { LocalEngineError } from './types';

/** What Kiln reads from an .mtl file: the base colour, its texture and opacity. */
interface ObjMaterial {
  name: string;
  color: [number, number, number];
  opacity: number;
  map?: string;
}

interface Group {
  material: string;
  positions: number[];
  uvs: number[];
  normals: number[];
  indices: number[];
  /** "v/vt/vn" → vertex index, so corners sharing all three share a vertex. */
  corners: Map<string, number>;
  hasUv: boolean;
  hasNormal: boolean;
}

const TEXTURE_MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
};

class ObjError extends LocalEngineError {
  constructor(message: string, line?: number) {
    super(`Could not read the OBJ${line ? ` (line ${line})` : ''}: ${message}`, 'broken-file', 'ObjError');
  }
}

/** Parses the materials Kiln keeps; everything else in an .mtl (shininess, illumination models) is dropped. */
export function parseMtl(text: string): ObjMaterial[] {
  const out: ObjMaterial[] = [];
  let current: ObjMaterial | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [keyword = '', ...rest] = line.split(/\s+/);
    if (keyword === 'newmtl') {
      current = { name: rest.join(' '), color: [0.8, 0.8, 0.8], opacity: 1 };
      out.push(current);
    } else if (!current) {
      continue;
    } else if (keyword === 'Kd') {
      const [r = 0.8, g = r, b = r] = rest.map(Number);
      current.color = [r, g, b];
    } else if (keyword === 'd') {
      current.opacity = Number(rest[0] ?? 1);
    } else if (keyword === 'Tr') {
      current.opacity = 1 - Number(rest[0] ?? 0);
    } else if (keyword === 'map_Kd') {
      // Options such as "-s 1 1 1" come before the file name; without options the name may hold spaces.
      current.map = rest.some((t) => t.startsWith('-')) ? (rest[rest.length - 1] ?? '') : rest.join(' ');
    }
  }
  return out;
}

function resolveIndex(token: string, count: number, what: string, line: number): number {
  const i = Number.parseInt(token, 10);
  if (!Number.isFinite(i) || i === 0) throw new ObjError(`bad ${what} index "${token}"`, line);
  // Negative indices count back from the most recent element, which OBJ exporters use for streams.
  const index = i > 0 ? i - 1 : count + i;
  if (index < 0 || index >= count) throw new ObjError(`face refers to ${what} ${i}, but only ${count} exist so far`, line);
  return index;
}

/**
 * A Wavefront OBJ as a glTF-Transform Document: one mesh, one primitive per material used,
 * polygons fan-triangulated. `baseDir` is where mtllib and texture paths are resolved.
 */
export async function parseObj(text: string, baseDir: string): Promise<Document> {
  const v: number[] = [];
  const vt: number[] = [];
  const vn: number[] = [];
  const groups = new Map<string, Group>();
  const mtlFiles: string[] = [];
  let material = '';

  const groupFor = (name: string): Group => {
    let g = groups.get(name);
    if (!g) {
      g = { material: name, positions: [], uvs: [], normals: [], indices: [], corners: new Map(), hasUv: false, hasNormal: false };
      groups.set(name, g);
    }
    return g;
  };

  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    let line = (lines[n] ?? '').trim();
    // A trailing backslash continues the statement on the next line.
    while (line.endsWith('\\') && n + 1 < lines.length) line = line.slice(0, -1) + ' ' + (lines[++n] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const keyword = parts[0];
    if (keyword === 'v') {
      const [x, y, z] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
      if (![x, y, z].every(Number.isFinite)) throw new ObjError(`bad vertex "${line}"`, n + 1);
      v.push(x, y, z);
    } else if (keyword === 'vt') {
      vt.push(Number(parts[1] ?? 0) || 0, Number(parts[2] ?? 0) || 0);
    } else if (keyword === 'vn') {
      vn.push(Number(parts[1] ?? 0) || 0, Number(parts[2] ?? 0) || 0, Number(parts[3] ?? 0) || 0);
    } else if (keyword === 'usemtl') {
      material = parts.slice(1).join(' ');
    } else if (keyword === 'mtllib') {
      mtlFiles.push(parts.slice(1).join(' '));
    } else if (keyword === 'f') {
      const g = groupFor(material);
      const face: number[] = [];
      for (const corner of parts.slice(1)) {
        const cached = g.corners.get(corner);
        if (cached !== undefined) {
          face.push(cached);
          continue;
        }
        const [vi = '', ti = '', ni = ''] = corner.split('/');
        const p = resolveIndex(vi, v.length / 3, 'vertex', n + 1);
        g.positions.push(v[p * 3]!, v[p * 3 + 1]!, v[p * 3 + 2]!);
        if (ti !== '') {
          const t = resolveIndex(ti, vt.length / 2, 'texture coordinate', n + 1);
          // OBJ puts V = 0 at the bottom of the texture, glTF at the top.
          g.uvs.push(vt[t * 2]!, 1 - vt[t * 2 + 1]!);
          g.hasUv = true;
        } else {
          g.uvs.push(0, 0);
        }
        if (ni !== '') {
          const k = resolveIndex(ni, vn.length / 3, 'normal', n + 1);
          const [x = 0, y = 0, z = 0] = [vn[k * 3], vn[k * 3 + 1], vn[k * 3 + 2]];
          const len = Math.hypot(x, y, z) || 1;
          g.normals.push(x / len, y / len, z / len);
          g.hasNormal = true;
        } else {
          g.normals.push(0, 0, 1);
        }
        const index = g.positions.length / 3 - 1;
        g.corners.set(corner, index);
        face.push(index);
      }
      if (face.length < 3) throw new ObjError(`a face needs at least 3 corners: "${line}"`, n + 1);
      for (let k = 1; k + 1 < face.length; k++) g.indices.push(face[0]!, face[k]!, face[k + 1]!);
    }
    // Lines (l), points (p), free-form surfaces and smoothing groups carry no triangles to keep.
  }

  const withFaces = [...groups.values()].filter((g) => g.indices.length > 0);
  if (withFaces.length === 0) throw new ObjError('it has no faces');

  const mtl = new Map<string, ObjMaterial>();
  for (const file of mtlFiles) {
    try {
      for (const m of parseMtl(await readFile(resolve(baseDir, file), 'utf8'))) mtl.set(m.name, m);
    } catch {
      // A missing material library: the faces keep default materials.
    }
  }

  const doc = new Document();
  const buffer = doc.createBuffer();
  const mesh = doc.createMesh('obj');
  const materials = new Map<string, Material>();
  const textures = new Map<string, ReturnType<Document['createTexture']>>();

  for (const g of withFaces) {
    let mat = materials.get(g.material);
    if (!mat) {
      const spec = mtl.get(g.material);
      mat = doc.createMaterial(g.material || 'default').setMetallicFactor(0).setRoughnessFactor(1);
      if (spec) {
        mat.setBaseColorFactor([...spec.color, spec.opacity]);
        if (spec.opacity < 1) mat.setAlphaMode('BLEND');
        if (spec.map) {
          let texture = textures.get(spec.map);
          const mime = TEXTURE_MIME[extname(spec.map).toLowerCase()];
          if (!texture && mime) {
            try {
              const image = await readFile(resolve(baseDir, spec.map.replace(/\\/g, '/')));
              texture = doc.createTexture(basename(spec.map)).setImage(new Uint8Array(image)).setMimeType(mime);
              textures.set(spec.map, texture);
            } catch {
              // A missing texture: the material keeps its colour only.
            }
          }
          // A texture that is not PNG, JPEG or WebP (no mime) cannot go in a glTF and is left out.
          if (texture) mat.setBaseColorTexture(texture);
        }
      }
      materials.set(g.material, mat);
    }
    const vertexCount = g.positions.length / 3;
    const prim = doc
      .createPrimitive()
      .setMaterial(mat)
      .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(new Float32Array(g.positions)).setBuffer(buffer))
      .setIndices(
        doc.createAccessor().setType('SCALAR')
          .setArray(vertexCount > 65535 ? new Uint32Array(g.indices) : new Uint16Array(g.indices))
          .setBuffer(buffer),
      );
    if (g.hasUv) prim.setAttribute('TEXCOORD_0', doc.createAccessor().setType('VEC2').setArray(new Float32Array(g.uvs)).setBuffer(buffer));
    if (g.hasNormal) prim.setAttribute('NORMAL', doc.createAccessor().setType('VEC3').setArray(new Float32Array(g.normals)).setBuffer(buffer));
    mesh.addPrimitive(prim);
  }
  const node = doc.createNode('obj').setMesh(mesh);
  doc.getRoot().setDefaultScene(doc.createScene().addChild(node));
  return doc;
}

export async function readObj(path: string): Promise<Document> {
  return parseObj(await readFile(path, 'utf8'), dirname(path));
}
