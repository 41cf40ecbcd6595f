import type { ModelParams } from '../models/types';

/** The local engines, named as in each descriptor's `local.workerModule`. */
export type LocalEngineName = 'vectorise' | 'simplify';

export const LOCAL_ENGINES: readonly LocalEngineName[] = ['vectorise', 'simplify'];

export function isLocalEngineName(value: string): value is LocalEngineName {
  return (LOCAL_ENGINES as readonly string[]).includes(value);
}

export interface LocalJob {
  engine: LocalEngineName;
  inputPath: string;
  outputPath: string;
  params: ModelParams;
}

export interface LocalResult {
  /** Triangles in the result (meshes only). */
  faces?: number;
}

/** Signature of each engine module's default export: convert one file and write the result. */
export type LocalConvert = (inputPath: string, outputPath: string, params: ModelParams) => Promise<LocalResult>;

/** What an engine module exports: its converter, and whether its worker should be replaced after a job. */
export interface LocalEngineModule {
  default: LocalConvert;
  retireAfterUse?(): boolean;
}

/** Messages between the pool and a worker. */
export type ToWorker = { type: 'run'; job: LocalJob };
export type FromWorker =
  | {
      type: 'done';
      result: LocalResult;
      /** The engine holds on to memory it will not give back (a large WebAssembly memory): replace the worker. */
      retire?: boolean;
    }
  | {
      type: 'failed';
      error: { name: string; message: string };
      /** The engine's state cannot be trusted after this failure (a WebAssembly panic): replace the worker. */
      retire?: boolean;
    };
