import type { InputKind } from '../inputs/kinds';
import type { ModelParams } from '../models/types';
import type { ItemStateName } from '../../../shared/item-states';
import type { CollisionPolicy, Engine, EngineChoice } from '../../../shared/output-options';
import type { FailureKind } from '../../../shared/failure-text';

/**
 * The life of one item (the states and their groups are listed in src/shared/item-states.ts):
 * queued → uploading → submitted(jobId) → processing(progress) → downloading → done,
 * or failed(reason), canceled, waiting-for-network (from any working state, returning to it).
 */
export type ItemState = ItemStateName;

export interface OutputSettings {
  /** Absolute folder the results go into; nothing is ever written outside it. */
  dir: string;
  /** Naming template, default `{name}.{ext}`; see output/naming.ts for the fields. */
  template: string;
  collision: CollisionPolicy;
}

export interface NewItem {
  queueId: string;
  inputPath: string;
  /** The input as the artist dropped or named it, relative to the folder holding it (see inputs/expand.ts). */
  displayPath?: string;
  inputKind: InputKind;
  inputSize: number;
  modelKey: string;
  preset?: string;
  params: ModelParams;
  output: OutputSettings;
  /** Same key ⇒ same work: enqueueing it again returns the existing item instead of a new one. */
  dedupeKey?: string;
  /** sha256 of the input's bytes when enqueued: provenance, and how "already converted" is known. */
  contentHash?: string;
  /** Default 'cloud'. */
  engineChoice?: EngineChoice;
}

export interface QueueItem extends NewItem {
  id: string;
  /** Order within its queue (lower runs first). */
  position: number;
  state: ItemState;
  /** The state to go back to when the network returns (set only in waiting-for-network). */
  resumeState?: ItemState;
  assetId?: string;
  jobId?: string;
  /** 0..1 */
  progress: number;
  error?: string;
  /**
   * What kind of failure `error` is (queue/classify-failure.ts), recorded when the item fails and
   * cleared with `error`; absent when the error's type did not say, or it failed before Kiln kept it.
   */
  failureKind?: FailureKind;
  /** Absolute paths of the results written, in the order of the job's assetIds. */
  outputs: string[];
  /** Output assetIds already written (so a restart downloads only what is missing). */
  downloadedAssetIds: string[];
  /**
   * A verified download about to be moved into place. Stored before the move so a crash between
   * the move and the next write is recognised on restart (see output/writer.ts recoverCommit).
   */
  pendingCommit?: PendingCommit;
  /** The engine that made the result (set when the item is done). */
  engine?: Engine;
  attempts: number;
  /**
   * When the last generate was sent, until its job id is recorded: found set on a restart, it means
   * Kiln stopped while Scenario was accepting the job (issue 14.3).
   */
  generateSentAt?: number;
  /** What the artist must know about this item even if it finishes (absent when none). */
  warnings?: string[];
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
}

export interface PendingCommit {
  assetId: string;
  tempPath: string;
  fileName: string;
}

/** Fields that may change after an item is created. */
export type ItemPatch = Partial<
  Pick<QueueItem, 'state' | 'resumeState' | 'assetId' | 'jobId' | 'progress' | 'error' | 'failureKind' | 'outputs' | 'downloadedAssetIds' | 'attempts' | 'generateSentAt' | 'warnings' | 'pendingCommit' | 'finishedAt' | 'engine' | 'position' | 'params' | 'preset' | 'output'>
>;

export interface QueueCounts {
  total: number;
  byState: Record<ItemState, number>;
}
