import type { z } from 'zod';
import type { InputKind } from '../inputs/kinds';

/** One parameter exactly as the model's API reference documents it. */
export interface ParameterSpec {
  name: string;
  type: 'string' | 'number' | 'boolean';
  /** Whole numbers only (counts, bits, pixels). */
  integer?: boolean;
  default?: string | number | boolean;
  min?: number;
  max?: number;
  enum?: readonly string[];
  /** The reference's own description (CLI `kiln models`, and the record of what the API means). */
  description: string;
  /** What the setting does to the artist's result, in their words: the queue editor's label and help. */
  label?: string;
  help?: string;
  /** VTracer: only honoured by the API when presetName is "custom". */
  customOnly?: boolean;
}

export interface Preset {
  name: string;
  label: string;
  description: string;
  /** Parameters the preset sends (empty for API-side presets, which the server expands). */
  params: Readonly<Record<string, string | number | boolean>>;
  /**
   * Every value an API-side preset stands for (VTracer's presets, from its own config.rs), so the
   * local engine and the editor's preview use exactly what the preset means.
   */
  expands?: Readonly<Record<string, string | number | boolean>>;
}

export type ModelParams = Record<string, string | number | boolean>;

/** How a local file becomes an assetId (see docs/scenario-api.md). */
export type UploadRoute = 'image-asset' | 'multipart-upload';

export interface ModelOutput {
  kind: 'svg' | 'glb';
  extension: string;
  /** Content types a correct download may carry. */
  mimeTypes: readonly string[];
  /** Checks the first bytes of a finished download are really this kind of file. */
  looksValid(head: Buffer): boolean;
}

/** A conversion this machine can do without the network, standing in for the cloud model. */
export interface LocalEngineSpec {
  /** Parameters the local engine cannot honour, each with the reason shown to the artist. */
  unsupported: Readonly<Record<string, string>>;
  /**
   * Module (relative to src/main/engine/local/) whose default export converts one file; it runs
   * in a worker thread so the UI and polling never stall.
   */
  workerModule: string;
}

export interface ModelDescriptor {
  /** Short name used by the CLI and the UI (`--model vtracer`). */
  key: string;
  /** Scenario model id used in `POST /generate/custom/{modelId}`. */
  modelId: string;
  displayName: string;
  summary: string;
  input: {
    /** Name of the generate parameter that carries the input assetId (see request.ts). */
    param: string;
    kinds: readonly InputKind[];
    upload: UploadRoute;
    /** Largest file accepted, in bytes; larger inputs fail before any network call. */
    maxBytes: number;
  };
  parameters: readonly ParameterSpec[];
  presets: readonly Preset[];
  /** Name of the preset used when none is chosen, if the model has presets. */
  defaultPreset?: string;
  /** Validates user parameters (strict: unknown names are rejected) and returns them normalised. */
  paramsSchema: z.ZodType<ModelParams>;
  output: ModelOutput;
  /** Present when the model can also run on this machine, offline. */
  local?: LocalEngineSpec;
}
