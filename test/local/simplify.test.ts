import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeIO } from '@gltf-transform/core';
import type { Document } from '@gltf-transform/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseObj } from '../../src/main/engine/local/obj';
import convertFile, { ADAPTIVE_MAX_FACES, countFaces, FBX_MESSAGE, simplifyModel } from '../../src/main/engine/local/simplify';
import { tripoRetopology } from '../../src/main/engine/models/tripo-retopology';
import { TORUS_KNOT, withTempDir } from './helpers';

const SOURCE_FACES = 3840;

async function load(glb: Uint8Array): Promise<Document> {
  return new NodeIO().readBinary(glb);
}

function firstPrimitive(doc: Document) {
  const prim = doc.getRoot().listMeshes()[0]?.listPrimitives()[0];
  if (!prim) throw new Error('no primitive');
  return prim;
}

/** A w×h grid of quads in the XY plane with UVs and normals; every other row uses negative indices. */
function gridObj(w: number, h: number, material = 'paint'): string {
  const lines = ['# grid', 'mtllib grid.mtl', 'o grid'];
  for (let y = 0; y <= h; y++) for (let x = 0; x <= w; x++) lines.push(`v ${x / w} ${y / h} ${0.05 * Math.sin(x) * Math.cos(y)}`);
  for (let y = 0; y <= h; y++) for (let x = 0; x <= w; x++) lines.push(`vt ${x / w} ${y / h}`);
  lines.push('vn 0 0 1', `usemtl ${material}`);
  const total = (w + 1) * (h + 1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = y * (w + 1) + x + 1, b = a + 1, c = a + w + 2, d = a + w + 1;
      if (y % 2 === 0) {
        lines.push(`f ${a}/${a}/1 ${b}/${b}/1 ${c}/${c}/1 ${d}/${d}/1`);
      } else {
        // Negative indices count back from the last vertex / uv / normal declared so far.
        const neg = (i: number) => i - total - 1;
        lines.push(`f ${neg(a)}/${neg(a)}/-1 ${neg(b)}/${neg(b)}/-1 ${neg(c)}/${neg(c)}/-1 ${neg(d)}/${neg(d)}/-1`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

describe('local simplify engine (meshoptimizer through glTF-Transform)', () => {
  it.each([1000, 300])('simplifies the torus knot to at most %i faces, keeping UVs, material and texture', async (faceLimit) => {
    const source = await new NodeIO().read(TORUS_KNOT);
    expect(countFaces(source)).toBe(SOURCE_FACES);
    const sourceTexture = firstPrimitive(source).getMaterial()?.getBaseColorTexture()?.getImage();

    const result = await simplifyModel(TORUS_KNOT, { faceLimit });
    expect(result.before).toBe(SOURCE_FACES);
    expect(result.faces).toBeLessThanOrEqual(faceLimit);
    // Close to the budget, not a collapse.
    expect(result.faces).toBeGreaterThan(faceLimit * 0.8);

    const doc = await load(result.glb);
    expect(countFaces(doc)).toBe(result.faces);
    const prim = firstPrimitive(doc);
    expect(prim.getAttribute('TEXCOORD_0')).not.toBeNull();
    expect(prim.getAttribute('TEXCOORD_0')!.getCount()).toBe(prim.getAttribute('POSITION')!.getCount());
    const material = prim.getMaterial();
    expect(material).not.toBeNull();
    const image = material!.getBaseColorTexture()?.getImage();
    expect(image).toBeDefined();
    expect(Buffer.from(image!).equals(Buffer.from(sourceTexture!))).toBe(true);
    // UVs are still in the texture's range: they were kept, not invented.
    const uv = prim.getAttribute('TEXCOORD_0')!.getArray()!;
    expect(Math.min(...uv)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uv)).toBeLessThanOrEqual(1);
    expect(tripoRetopology.output.looksValid(Buffer.from(result.glb.subarray(0, 12)))).toBe(true);
  });

  it('without faceLimit halves the faces (at most 10,000)', async () => {
    const result = await simplifyModel(TORUS_KNOT, {});
    expect(result.before).toBe(SOURCE_FACES);
    expect(result.faces).toBeLessThanOrEqual(Math.min(SOURCE_FACES / 2, ADAPTIVE_MAX_FACES));
  });

  it('leaves a model already within faceLimit as it is', async () => {
    const result = await simplifyModel(TORUS_KNOT, { faceLimit: 5000 });
    expect(result.faces).toBe(SOURCE_FACES);
    expect(result.before).toBe(SOURCE_FACES);
  });

  it('quad output and baking are cloud-only: the descriptor says so, and the local result is the same either way', async () => {
    const asked = await simplifyModel(TORUS_KNOT, { faceLimit: 2000, quad: true, bake: true });
    const plain = await simplifyModel(TORUS_KNOT, { faceLimit: 2000, quad: false, bake: false });
    expect(asked.faces).toBe(plain.faces);
    expect(Buffer.from(asked.glb).equals(Buffer.from(plain.glb))).toBe(true);

    const local = tripoRetopology.local!;
    expect(local.workerModule).toBe('simplify');
    expect(Object.keys(local.unsupported).sort()).toEqual(['bake', 'quad']);
    expect(local.unsupported['quad']).toMatch(/quad output needs the cloud model/i);
    expect(local.unsupported['bake']).toMatch(/baking needs the cloud model — the local result keeps the original materials and textures/i);
  });

  it('reads an OBJ with polygons, negative indices and a textured material, and simplifies it', async () => {
    await withTempDir(async (dir) => {
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3a86ff' } }).png().toFile(join(dir, 'paint.png'));
      await writeFile(join(dir, 'grid.mtl'), 'newmtl paint\nKd 0.9 0.4 0.1\nmap_Kd paint.png\n');
      await writeFile(join(dir, 'grid.obj'), gridObj(40, 30));
      const out = join(dir, 'grid.glb');
      const result = await convertFile(join(dir, 'grid.obj'), out, { faceLimit: 200 });
      expect(result.faces).toBeLessThanOrEqual(200);
      expect(result.faces).toBeGreaterThan(100);

      const doc = await load(new Uint8Array(await readFile(out)));
      expect(countFaces(doc)).toBe(result.faces);
      const prim = firstPrimitive(doc);
      expect(prim.getAttribute('TEXCOORD_0')).not.toBeNull();
      expect(prim.getAttribute('NORMAL')).not.toBeNull();
      const material = prim.getMaterial()!;
      expect(material.getName()).toBe('paint');
      expect(material.getBaseColorFactor().slice(0, 3)).toEqual([0.9, 0.4, 0.1]);
      expect(material.getBaseColorTexture()?.getMimeType()).toBe('image/png');
    });
  });

  it('OBJ faces: polygons are fan-triangulated and negative indices mean the same vertices as positive ones', async () => {
    const positive = await parseObj('v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0.5 1.5 0\nv 0 1 0\nf 1 2 3 4 5\n', '.');
    const negative = await parseObj('v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0.5 1.5 0\nv 0 1 0\nf -5 -4 -3 -2 -1\n', '.');
    for (const document of [positive, negative]) {
      const prim = firstPrimitive(document);
      expect(countFaces(document)).toBe(3);
      expect(Array.from(prim.getIndices()!.getArray()!)).toEqual([0, 1, 2, 0, 2, 3, 0, 3, 4]);
      expect(Array.from(prim.getAttribute('POSITION')!.getArray()!)).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0, 0.5, 1.5, 0, 0, 1, 0]);
    }
    await expect(parseObj('v 0 0 0\nf 1 2 3\n', '.')).rejects.toThrow(/Could not read the OBJ \(line 2\).*vertex 2/);
    await expect(parseObj('v 0 0 0\n', '.')).rejects.toThrow(/no faces/);
  });

  it('refuses FBX with a clear message (binary and ASCII)', async () => {
    await withTempDir(async (dir) => {
      const binary = join(dir, 'model.fbx');
      await writeFile(binary, Buffer.concat([Buffer.from('Kaydara FBX Binary  \0'), Buffer.alloc(64)]));
      await expect(simplifyModel(binary, { faceLimit: 100 })).rejects.toThrow(FBX_MESSAGE);
      const ascii = join(dir, 'ascii.fbx');
      await writeFile(ascii, '; FBX 7.4.0 project file\n; ----\nFBXHeaderExtension:  {\n}\n');
      await expect(simplifyModel(ascii, {})).rejects.toThrow(/^FBX needs the cloud model/);
    });
  });

  it('rejects a corrupt GLB clearly', async () => {
    await withTempDir(async (dir) => {
      const bytes = await readFile(TORUS_KNOT);
      const truncated = join(dir, 'truncated.glb');
      await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 3)));
      await expect(simplifyModel(truncated, { faceLimit: 100 })).rejects.toThrow(/Could not read the model \(the GLB looks damaged\)/);
      const garbage = join(dir, 'garbage.glb');
      await writeFile(garbage, Buffer.concat([Buffer.from('glTF'), Buffer.from([2, 0, 0, 0, 99, 0, 0, 0]), Buffer.from('nonsense nonsense')]));
      await expect(simplifyModel(garbage, {})).rejects.toThrow(/Could not read the model/);
      const text = join(dir, 'notes.glb');
      await writeFile(text, 'just some notes');
      await expect(simplifyModel(text, {})).rejects.toThrow(/not a GLB, glTF or OBJ/);
    });
  });

  it('reads a .gltf with its external buffer and texture', async () => {
    await withTempDir(async (dir) => {
      const io = new NodeIO();
      const source = await io.read(TORUS_KNOT);
      await io.write(join(dir, 'knot.gltf'), source);
      const result = await simplifyModel(join(dir, 'knot.gltf'), { faceLimit: 800 });
      expect(result.faces).toBeLessThanOrEqual(800);
      const doc = await load(result.glb);
      expect(firstPrimitive(doc).getMaterial()?.getBaseColorTexture()?.getImage()?.byteLength).toBeGreaterThan(0);
    });
  });
});
