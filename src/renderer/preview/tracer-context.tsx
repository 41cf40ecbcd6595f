import { createContext, useContext, useEffect, useState } from 'react';
import type { MeshJob, MeshSuccess } from './mesh-protocol';
import { WorkerJobs, WorkerTracer } from './trace-client';
import type { Tracer } from './trace-client';

export interface TracerHandle {
  trace: Tracer;
  dispose(): void;
}

/**
 * Makes the tracers previews use: a Web Worker each in the app. Tests of the preview provide one
 * that runs the same VTracer WebAssembly in-process, as jsdom has no workers or canvas.
 */
export const TracerFactoryContext = createContext<() => TracerHandle>(() => new WorkerTracer());

/** A tracer of the component's own, stopped when it unmounts. */
export function useTracer(): Tracer {
  const make = useContext(TracerFactoryContext);
  const [handle] = useState(make);
  useEffect(() => () => handle.dispose(), [handle]);
  return handle.trace;
}

export interface MeshSimplifierHandle {
  run(job: MeshJob, signal: AbortSignal): Promise<MeshSuccess>;
  dispose(): void;
}

/** Makes the mesh preview's simplifier: a Web Worker in the app, in-process in tests (as for tracing). */
export const MeshSimplifierFactoryContext = createContext<() => MeshSimplifierHandle>(
  () => new WorkerJobs<MeshJob, MeshSuccess>(() => new Worker(new URL('./mesh-worker.ts', import.meta.url), { type: 'module' })),
);

/** A simplifier of the component's own, stopped when it unmounts. */
export function useMeshSimplifier(): MeshSimplifierHandle['run'] {
  const make = useContext(MeshSimplifierFactoryContext);
  const [handle] = useState(make);
  useEffect(() => () => handle.dispose(), [handle]);
  return handle.run;
}
