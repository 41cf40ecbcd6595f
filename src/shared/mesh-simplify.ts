/**
 * Simplifying a glTF document to a face budget with meshoptimizer, shared by the local Tripo engine
 * (src/main/engine/local/simplify.ts, in a worker thread) and the queue editor's mesh preview
 * (src/renderer/preview/mesh-worker.ts, in a browser worker): one algorithm, so the preview shows
 * what the local engine would make. No Node or browser API here, only glTF-Transform and meshoptimizer.
 */
import type { Document, Primitive } from '@gltf-transform/core';
import { cloneDocument, compactPrimitive, getGLPrimitiveCount, prune, simplifyPrimitive, weld } from '@gltf-transform/functions';
import { MeshoptSimplifier } from 'meshoptimizer';

/**
 * Without faceLimit the cloud model chooses ("adaptive"). Locally: half the faces, and never more
 * than this, so a million-triangle scan still comes out low-poly.
 */
export const ADAPTIVE_RATIO = 0.5;
export const ADAPTIVE_MAX_FACES = 10_000;

/** glTF draw modes made of triangles (TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN); points and lines have no faces. */
const TRIANGLE_MODES = new Set<number>([4, 5, 6]);

/**
 * Tried in order until the result fits. A low error bound keeps the shape where the budget
 * allows; when the simplifier stops early against it, the bound is relaxed.
 */
const ERROR_STEPS = [0.01, 0.05, 0.25, 1];
const MAX_ATTEMPTS = 8;

function listTrianglePrimitives(doc: Document): Primitive[] {
  return doc.getRoot().listMeshes().flatMap((m) => m.listPrimitives()).filter((p) => TRIANGLE_MODES.has(p.getMode()));
}

/** Triangles stored in the file: each primitive once, however many nodes instance its mesh. */
export function countFaces(doc: Document): number {
  return listTrianglePrimitives(doc).reduce((sum, p) => sum + getGLPrimitiveCount(p), 0);
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
}

/** Simplifies every triangle mesh so the whole model has at most `faceLimit` triangles. */
export async function simplifyDocument(source: Document, faceLimit?: number): Promise<SimplifyOutcome> {
  await MeshoptSimplifier.ready;
  // Identical corners split only by index would otherwise look like borders and stop the simplifier.
  await source.transform(weld());
  const before = countFaces(source);
  if (before === 0) throw new Error('Could not simplify the model: it has no triangles.');
  const target = faceLimit !== undefined ? Math.max(1, Math.floor(faceLimit)) : Math.min(Math.ceil(before * ADAPTIVE_RATIO), ADAPTIVE_MAX_FACES);

  if (before <= target) {
    return { document: source, before, after: before, target };
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
  }
  await result.transform(prune({ keepAttributes: true, keepLeaves: true, keepSolidTextures: true }));
  return { document: result, before, after, target };
}
