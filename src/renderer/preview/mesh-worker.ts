/// <reference lib="webworker" />
/**
 * Simplifies the editor's sample mesh with the local Tripo engine's own algorithm
 * (src/shared/mesh-simplify.ts) in a browser worker, so the page never stalls on it.
 */
import { WebIO } from '@gltf-transform/core';
import type { Document } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import { MeshoptDecoder } from 'meshoptimizer';
import { simplifyDocument } from '../../shared/mesh-simplify';
import { TraceError } from '../../shared/vtracer';
import type { WorkerReply } from './trace-client';
import type { MeshJob, MeshSuccess } from './mesh-protocol';

declare const self: DedicatedWorkerGlobalScope;

const GLB_MAGIC = 0x46546c67; // "glTF"

/** The last sample read, kept so a new faceLimit does not parse the file again. */
let cached: { key: string; bytes: Uint8Array } | undefined;

async function read(job: MeshJob): Promise<Document> {
  if (cached?.key !== job.sampleKey) cached = { key: job.sampleKey, bytes: new Uint8Array(await job.blob.arrayBuffer()) };
  const bytes = cached.bytes;
  if (bytes.byteLength < 12 || new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) !== GLB_MAGIC) {
    throw new TraceError('The preview reads GLB samples only; the queue still converts this file. Choose a .glb sample to preview.');
  }
  await MeshoptDecoder.ready;
  try {
    return await new WebIO().registerExtensions(ALL_EXTENSIONS).registerDependencies({ 'meshopt.decoder': MeshoptDecoder }).readBinary(bytes);
  } catch (err) {
    throw new TraceError('Could not read the sample model: the GLB looks damaged.', (err as Error).message);
  }
}

self.onmessage = async (event: MessageEvent<MeshJob & { id: number }>) => {
  const job = event.data;
  const started = performance.now();
  let reply: WorkerReply<MeshSuccess>;
  try {
    const outcome = await simplifyDocument(await read(job), job.faceLimit);
    // As the local engine writes its result (src/main/engine/local/simplify.ts): plain, so any viewer opens it.
    for (const ext of outcome.document.getRoot().listExtensionsUsed()) {
      if (ext.extensionName === 'EXT_meshopt_compression' || ext.extensionName === 'KHR_draco_mesh_compression') ext.dispose();
    }
    const glb = await new WebIO().registerExtensions(ALL_EXTENSIONS).writeBinary(outcome.document);
    reply = { id: job.id, ok: true, glb, before: outcome.before, after: outcome.after, target: outcome.target, ms: performance.now() - started };
    self.postMessage(reply, [glb.buffer]);
    return;
  } catch (err) {
    const e = err instanceof TraceError ? err : new TraceError('The preview could not simplify this model.', err instanceof Error ? err.message : String(err));
    reply = { id: job.id, ok: false, summary: e.summary, details: e.details };
  }
  self.postMessage(reply);
};
