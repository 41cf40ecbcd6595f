/** One simplification of the sample mesh, asked of src/renderer/preview/mesh-worker.ts. */
export interface MeshJob {
  sampleKey: string;
  blob: Blob;
  /** Undefined: the adaptive target the local engine uses (src/shared/mesh-simplify.ts). */
  faceLimit?: number | undefined;
}

export interface MeshSuccess {
  /** The simplified mesh as GLB. */
  glb: Uint8Array;
  before: number;
  after: number;
  target: number;
  ms: number;
}
