import { writeFile } from 'node:fs/promises';
import { NodeIO } from '@gltf-transform/core';
import type { Document } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { MeshoptDecoder } from 'meshoptimizer';
import { simplifyDocument } from '../../../shared/mesh-simplify';
import { readHead, sniffKind } from '../inputs/sniff';
import type { ModelParams } from '../models/types';
import { readObj } from './obj';
import { LocalEngineError, type LocalResult } from './types';

export { ADAPTIVE_MAX_FACES, ADAPTIVE_RATIO, countFaces, simplifyDocument } from '../../../shared/mesh-simplify';
export type { SimplifyOutcome } from '../../../shared/mesh-simplify';

export const FBX_MESSAGE = 'FBX needs the cloud model: the local engine reads GLB, glTF and OBJ only.';

function io(): NodeIO {
  return new NodeIO().registerExtensions(ALL_EXTENSIONS).registerDependencies({ 'meshopt.decoder': MeshoptDecoder });
}

export interface LoadedModel {
  document: Document;
  kind: 'glb' | 'gltf' | 'obj';
}

/** Reads GLB, glTF (with its external files) or OBJ into a Document; FBX and anything else are refused clearly. */
export async function loadModel(path: string): Promise<LoadedModel> {
  const head = await readHead(path);
  const kind = sniffKind(head);
  if (kind === 'fbx') throw new Error(FBX_MESSAGE);
  if (kind === 'obj') {
    return { document: await readObj(path), kind };
  }
  if (kind !== 'glb' && kind !== 'gltf') {
    if (/\.fbx$/i.test(path)) throw new Error(FBX_MESSAGE);
    throw new LocalEngineError('Could not read the model: it is not a GLB, glTF or OBJ file.', 'broken-file');
  }
  await MeshoptDecoder.ready;
  try {
    return { document: await io().read(path), kind };
  } catch (err) {
    const reason = (err as Error).message;
    if (/draco/i.test(reason)) throw new Error('Could not read the model: Draco-compressed meshes need the cloud model.', { cause: err });
    throw new LocalEngineError(`Could not read the model (the ${kind.toUpperCase()} looks damaged): ${reason}`, 'broken-file', undefined, { cause: err });
  }
}

export interface SimplifyModelResult {
  glb: Uint8Array;
  faces: number;
  before: number;
}

/** Reads a model file, simplifies it to `faceLimit` and returns GLB bytes. */
export async function simplifyModel(inputPath: string, params: ModelParams): Promise<SimplifyModelResult> {
  const { document } = await loadModel(inputPath);
  // quad and bake are not honoured here; the descriptor's local.unsupported
  // (src/main/engine/models/tripo-retopology.ts) says so beside those parameters in the editor.
  const faceLimit = typeof params['faceLimit'] === 'number' ? params['faceLimit'] : undefined;
  const { document: out, after, before } = await simplifyDocument(document, faceLimit);
  // Compressed geometry was decoded on reading; the result is written plain so any viewer opens it.
  for (const ext of out.getRoot().listExtensionsUsed()) {
    if (ext.extensionName === 'EXT_meshopt_compression' || ext.extensionName === 'KHR_draco_mesh_compression') ext.dispose();
  }
  const glb = await io().writeBinary(out);
  return { glb, faces: after, before };
}

/** Worker entry: simplify one model file and write the GLB. */
export default async function convertFile(inputPath: string, outputPath: string, params: ModelParams): Promise<LocalResult> {
  const { glb, faces } = await simplifyModel(inputPath, params);
  await writeFile(outputPath, glb);
  return { faces };
}
