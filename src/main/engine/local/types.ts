import type { ModelParams } from '../models/types';
import type { FailureKind } from '../../../shared/failure-text';

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
      error: { name: string; message: string; failureKind?: FailureKind };
      /** The engine's state cannot be trusted after this failure (a WebAssembly panic): replace the worker. */
      retire?: boolean;
    };

/**
 * A local engine's failure whose cause is certain (a damaged model). Its kind crosses the worker
 * boundary beside the message (worker.ts, pool.ts), so the queue records it without reading the
 * words (src/main/engine/queue/classify-failure.ts).
 */
export class LocalEngineError extends Error {
  constructor(
    message: string,
    readonly failureKind: FailureKind | undefined,
    name = 'LocalEngineError',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = name;
  }
}
