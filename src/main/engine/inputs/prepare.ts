import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import type { GLTF } from '@gltf-transform/core';
import { listGltfResources, readGltfJson, readGltfResources } from './gltf-resources';
import type { InputKind } from './kinds';
import { InputError } from './validate';

export interface PreparedUpload {
  path: string;
  name: string;
  kind: InputKind;
  /** Removes anything made for the upload. */
  cleanup(): Promise<void>;
}

/**
 * The file to send for an input. A .gltf usually references .bin buffers and textures beside it,
 * which an upload of the .gltf alone would lose, so it is packed into one self-contained GLB first.
 * Only what gltf-resources.ts allows is read (files in the .gltf's own folder, data: URIs, bounded),
 * never through NodeIO.read, which would follow any path or URL the file names.
 */
export async function prepareUpload(path: string, kind: InputKind): Promise<PreparedUpload> {
  const name = basename(path);
  if (kind !== 'gltf') return { path, name, kind, cleanup: async () => {} };
  let glb: Uint8Array;
  try {
    const { json, bytes } = await readGltfJson(path);
    const resources = await readGltfResources(await listGltfResources(path, json, bytes));
    // Loaded for a .gltf only: a batch of images or GLBs never pays for it at start (issue 13.3).
    const { NodeIO } = await import('@gltf-transform/core');
    const io = new NodeIO();
    glb = await io.writeBinary(await io.readJSON({ json: json as GLTF.IGLTF, resources }));
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${name}: ${error.message}`, error.problem);
    throw new InputError(`${name}: cannot pack the glTF and its resources into a GLB (${(error as Error).message})`, 'damaged');
  }
  const dir = await mkdtemp(join(tmpdir(), 'kiln-upload-'));
  const packed = join(dir, `${basename(path, extname(path))}.glb`);
  await writeFile(packed, glb);
  return { path: packed, name: basename(packed), kind: 'glb', cleanup: () => rm(dir, { recursive: true, force: true }) };
}
