import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { NodeIO } from '@gltf-transform/core';
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
 */
export async function prepareUpload(path: string, kind: InputKind): Promise<PreparedUpload> {
  const name = basename(path);
  if (kind !== 'gltf') return { path, name, kind, cleanup: async () => {} };
  let glb: Uint8Array;
  try {
    const doc = await new NodeIO().read(path);
    glb = await new NodeIO().writeBinary(doc);
  } catch (error) {
    throw new InputError(`${name}: cannot pack the glTF and its resources into a GLB (${(error as Error).message})`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'kiln-upload-'));
  const packed = join(dir, `${basename(path, extname(path))}.glb`);
  await writeFile(packed, glb);
  return { path: packed, name: basename(packed), kind: 'glb', cleanup: () => rm(dir, { recursive: true, force: true }) };
}
