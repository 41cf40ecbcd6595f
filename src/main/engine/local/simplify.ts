import { writeFile } from 'node:fs/promises';
import { NodeIO } from '@gltf-transform/core';
import type { Document, Primitive } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { cloneDocument, compactPrimitive, getGLPrimitiveCount, prune, simplifyPrimitive, weld } from '@gltf-transform/functions';
import { MeshoptDecoder, MeshoptSimplifier } from 'meshoptimizer';
import { readHead, sniffKind } from '../inputs/sniff';
import type { ModelParams } from '../models/types';
import { readObj } from './obj';
import type { LocalResult } from './types';

export const SIMPLIFY_ENGINE_NAME = 'meshoptimizer (glTF-Transform)';

/**
 * Without faceLimit the cloud model chooses ("adaptive"). Locally: half the faces, and never more
 * than this, so a million-triangle scan still comes out low-poly.
 */
export const ADAPTIVE_RATIO = 0.5;
export const ADAPTIVE_MAX_FACES = 10_000;

export const FBX_MESSAGE = 'FBX needs the cloud model: the local engine reads GLB, glTF and OBJ only.';

/** glTF draw modes made of triangles (TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN); points and lines have no faces. */
const TRIANGLE_MODES = new Set<number>([4, 5, 6]);

/**
 * Tried in order until the result fits. A low error bound keeps the shape where the budget
 * allows; when the simplifier stops early against it, the bound is relaxed.
 */
const ERROR_STEPS = [0.01, 0.05, 0.25, 1];
const MAX_ATTEMPTS = 8;

function io(): NodeIO {
  return new NodeIO().registerExtensions(ALL_EXTENSIONS).registerDependencies({ 'meshopt.decoder': MeshoptDecoder });
}

function listTrianglePrimitives(doc: Document): Primitive[] {
  return doc.getRoot().listMeshes().flatMap((m) => m.listPrimitives()).filter((p) => TRIANGLE_MODES.has(p.getMode()));
}

/** Triangles stored in the file: each primitive once, however many nodes instance its mesh. */
export function countFaces(doc: Document): number {
  return listTrianglePrimitives(doc).reduce((sum, p) => sum + getGLPrimitiveCount(p), 0);
}

export interface LoadedModel {
  document: Document;
  kind: 'glb' | 'gltf' | 'obj';
  notes: string[];
}

/** Reads GLB, glTF (with its external files) or OBJ into a Document; FBX and anything else are refused clearly. */
export async function loadModel(path: string): Promise<LoadedModel> {
  const head = await readHead(path);
  const kind = sniffKind(head);
  if (kind === 'fbx') throw new Error(FBX_MESSAGE);
  if (kind === 'obj') {
    const { document, notes } = await readObj(path);
    return { document, kind, notes };
  }
  if (kind !== 'glb' && kind !== 'gltf') {
    if (/\.fbx$/i.test(path)) throw new Error(FBX_MESSAGE);
    throw new Error('Could not read the model: it is not a GLB, glTF or OBJ file.');
  }
  await MeshoptDecoder.ready;
  try {
    return { document: await io().read(path), kind, notes: [] };
  } catch (err) {
    const reason = (err as Error).message;
    if (/draco/i.test(reason)) throw new Error('Could not read the model: Draco-compressed meshes need the cloud model.', { cause: err });
    throw new Error(`Could not read the model (the ${kind.toUpperCase()} looks damaged): ${reason}`, { cause: err });
  }
}

/** Drops primitives the simplifier emptied, and meshes left with nothing to draw. */
function dropEmpty(doc: Document): void {
  for (const mesh of doc.getRoot().listMeshes()) {
    for (const prim of mesh.listPrimitives()) {
      const indices = prim.getIndices();
      if (TRIANGLE_MODES.has(prim.getMode()) && indices && indices.getCount() === 0) prim.dispose();
    }
    if (mesh.listPrimitives().length === 0) mesh.dispose();
  }
}

function simplifyAll(doc: Document, ratio: number, error: number): void {
  for (const prim of listTrianglePrimitives(doc)) {
    // Borders are free to move: a retopologised result is one closed surface, not tiles to stitch.
    simplifyPrimitive(prim, { simplifier: MeshoptSimplifier, ratio, error, lockBorder: false });
  }
  dropEmpty(doc);
}

/**
 * The last resort when the careful simplifier cannot get under the budget (many tiny parts,
 * non-manifold scans): vertex clustering that always reaches its target, at the cost of shape.
 */
function sloppyAll(doc: Document, target: number): void {
  const total = countFaces(doc);
  for (const prim of listTrianglePrimitives(doc)) {
    const position = prim.getAttribute('POSITION');
    const indices = prim.getIndices();
    if (!position || !indices) continue;
    const positions = position.getArray();
    if (!(positions instanceof Float32Array)) continue;
    const faces = getGLPrimitiveCount(prim);
    // Every part keeps at least one triangle while the budget allows, so no part silently vanishes.
    const share = Math.max(1, Math.floor((target * faces) / total));
    const [out] = MeshoptSimplifier.simplifySloppy(new Uint32Array(indices.getArray() ?? []), positions, 3, null, share * 3, 1);
    indices.setArray(out.length / 3 > share ? out.subarray(0, share * 3) : out);
    compactPrimitive(prim);
  }
  dropEmpty(doc);
}

export interface SimplifyOutcome {
  document: Document;
  before: number;
  after: number;
  target: number;
  notes: string[];
}

/** Simplifies every triangle mesh so the whole model has at most `faceLimit` triangles. */
export async function simplifyDocument(source: Document, faceLimit?: number): Promise<SimplifyOutcome> {
  await MeshoptSimplifier.ready;
  const notes: string[] = [];
  // Identical corners split only by index would otherwise look like borders and stop the simplifier.
  await source.transform(weld());
  const before = countFaces(source);
  if (before === 0) throw new Error('Could not simplify the model: it has no triangles.');
  const target = faceLimit !== undefined ? Math.max(1, Math.floor(faceLimit)) : Math.min(Math.ceil(before * ADAPTIVE_RATIO), ADAPTIVE_MAX_FACES);
  if (faceLimit === undefined) notes.push(`No faceLimit: aimed at ${target.toLocaleString('en-US')} triangles (half the faces, at most ${ADAPTIVE_MAX_FACES.toLocaleString('en-US')}).`);

  if (before <= target) {
    notes.push(`The model already has ${before.toLocaleString('en-US')} triangles, within the limit; it was not simplified.`);
    return { document: source, before, after: before, target, notes };
  }

  let ratio = target / before;
  let step = 0;
  let result: Document | undefined;
  let after = before;
  for (let attempt = 0; attempt < MAX_ATTEMPTS && !result; attempt++) {
    const work = cloneDocument(source);
    simplifyAll(work, ratio, ERROR_STEPS[step]!);
    after = countFaces(work);
    if (after > 0 && after <= target) result = work;
    else if (after === 0) break;
    // Over budget: first the error bound was what stopped the simplifier, so relax it; once it is
    // unbounded, aim lower by the amount last overshot (the simplifier rounds per primitive).
    else if (step < ERROR_STEPS.length - 1) step++;
    else ratio *= (target / after) * 0.95;
  }
  if (!result) {
    result = cloneDocument(source);
    sloppyAll(result, target);
    after = countFaces(result);
    if (after === 0 || after > target) {
      throw new Error(`Could not simplify the model to ${target.toLocaleString('en-US')} triangles: that face limit is too low for this model.`);
    }
    notes.push('The mesh resisted careful simplification; a coarser method was used to meet the face limit.');
  }
  await result.transform(prune({ keepAttributes: true, keepLeaves: true, keepSolidTextures: true }));
  notes.unshift(`Simplified on this machine with ${SIMPLIFY_ENGINE_NAME}: ${before.toLocaleString('en-US')} → ${after.toLocaleString('en-US')} triangles.`);
  return { document: result, before, after, target, notes };
}

export interface SimplifyModelResult {
  glb: Uint8Array;
  faces: number;
  before: number;
  notes: string[];
}

/** Reads a model file, simplifies it to `faceLimit` and returns GLB bytes. */
export async function simplifyModel(inputPath: string, params: ModelParams): Promise<SimplifyModelResult> {
  const { document, notes: readNotes } = await loadModel(inputPath);
  const faceLimit = typeof params['faceLimit'] === 'number' ? params['faceLimit'] : undefined;
  const { document: out, after, before, notes } = await simplifyDocument(document, faceLimit);
  if (params['quad'] === true) notes.push('Quad output needs the cloud model: the local result is made of triangles.');
  // The API bakes by default, so the difference is worth saying unless bake was turned off.
  if (params['bake'] !== false) notes.push('Baking needs the cloud model — the local result keeps the original materials and textures.');
  // Compressed geometry was decoded on reading; the result is written plain so any viewer opens it.
  for (const ext of out.getRoot().listExtensionsUsed()) {
    if (ext.extensionName === 'EXT_meshopt_compression' || ext.extensionName === 'KHR_draco_mesh_compression') ext.dispose();
  }
  const glb = await io().writeBinary(out);
  return { glb, faces: after, before, notes: [...notes, ...readNotes] };
}

/** Worker entry: simplify one model file and write the GLB. */
export default async function convertFile(inputPath: string, outputPath: string, params: ModelParams): Promise<LocalResult> {
  const { glb, faces, notes } = await simplifyModel(inputPath, params);
  await writeFile(outputPath, glb);
  return { notes, faces };
}
