import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { EngineChoice } from '../../../shared/contract';
import { isFinalState } from '../../../shared/item-states';
import { expandInputs, type ExpandedInputs, type ExpandOptions, type SkippedInput } from '../inputs/expand';
import { hashFile, mapLimited } from '../inputs/hash';
import { EXTENSIONS_BY_KIND } from '../inputs/kinds';
import type { ModelDescriptor, ModelParams } from '../models/types';
import { splitNameClashes } from '../output/batch-names';
import { resolveSubfolder } from '../output/naming';
import { dedupeKey } from './dedupe-key';
import type { QueueStore } from './store';
import type { CollisionPolicy } from '../../../shared/output-options';
import type { NewItem, QueueItem } from './types';

/** Where a batch goes and how it is converted: a queue of the app, `kiln convert`'s batch or `kiln watch`'s folder. */
export interface EnqueueTarget {
  queueId: string;
  model: ModelDescriptor;
  preset?: string;
  /** Validated (resolveParams in models/registry.ts). */
  params: ModelParams;
  output: { dir: string; template: string; collision: CollisionPolicy };
  engine: EngineChoice;
}

export interface EnqueueOptions {
  /**
   * The same bytes through the same model and parameters, with the results still on disk, are
   * reported as already converted instead of being paid for twice (the app, unless redo).
   */
  skipConverted?: boolean;
  /**
   * Files meant for the queue (named like a kind its model takes) that cannot be converted are
   * recorded on it as failed items with their reason (the app and watch folders), so a queue
   * shows every file it was given.
   */
  recordBroken?: boolean;
  /** An item already finished for the same file and settings is queued afresh (the app's drop of the same files). */
  requeueFinished?: boolean;
}

export interface AlreadyConverted {
  path: string;
  itemId: string;
  outputs: string[];
}

export interface Enqueued {
  /** New and re-queued items that will run. */
  added: QueueItem[];
  alreadyConverted: AlreadyConverted[];
  /** Files that cannot be converted, with their reason (also recorded on the queue with recordBroken). */
  rejected: SkippedInput[];
  /** The stored item of every accepted file, new or found (a rerun of `kiln convert` resumes them). */
  items: QueueItem[];
  /** Items created or moved by this call, in order: what a host announces. */
  changed: QueueItem[];
}

/**
 * What was dropped or named, as files the model takes: folders walked, non-UTF-8 names aliased
 * under `aliasDir`, and, since one drop is one batch, inputs whose results would share a name set
 * apart before anything is paid for (output/batch-names.ts, issue 14.7).
 */
export async function expandBatch(paths: readonly string[], target: EnqueueTarget, options: ExpandOptions = {}): Promise<ExpandedInputs> {
  const all = await expandInputs(paths, target.model, options);
  const { kept, clashes } = splitNameClashes(all.accepted, target.output, { ext: target.model.output.extension, model: target.model.key, preset: target.preset });
  return { ...all, accepted: kept, rejected: [...all.rejected, ...clashes] };
}

function sameParams(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * Puts an expanded batch on a queue: each file hashed, placed ({dir}), keyed so the same file with
 * the same settings is one item however often it is added, and stored. The one enqueue of the app
 * (host/service.ts), `kiln convert` and `kiln watch`.
 */
export async function enqueueFiles(store: QueueStore, target: EnqueueTarget, files: ExpandedInputs, options: EnqueueOptions = {}): Promise<Enqueued> {
  const { queueId, model, params, engine } = target;
  const result: Enqueued = { added: [], alreadyConverted: [], rejected: [...files.rejected], items: [], changed: [] };
  const hashes = await mapLimited(files.accepted, 8, async (f) => f.sha256 ?? hashFile(f.path).catch(() => undefined));
  const newItems: NewItem[] = [];
  for (const [i, f] of files.accepted.entries()) {
    const contentHash = hashes[i];
    let output: NewItem['output'];
    try {
      // {dir}/… puts the result in the input's sub-folder of what was named, never outside the output folder.
      output = { ...target.output, ...resolveSubfolder(target.output, f.relDir) };
    } catch (error) {
      result.rejected.push({ path: f.path, displayPath: f.displayPath, reason: (error as Error).message });
      continue;
    }
    if (contentHash === undefined) {
      result.rejected.push({ path: f.path, displayPath: f.displayPath, reason: 'the file could not be read' });
      continue;
    }
    if (options.skipConverted) {
      // Converting again would only pay twice for the same files.
      const prior = store
        .findConverted(contentHash, model.key)
        .find((p) => sameParams(p.params, params) && p.outputs.length > 0 && p.outputs.every((o) => existsSync(o)));
      if (prior) {
        result.alreadyConverted.push({ path: f.path, itemId: prior.id, outputs: prior.outputs });
        continue;
      }
    }
    newItems.push({
      queueId,
      inputPath: f.path,
      displayPath: f.displayPath,
      inputKind: f.kind,
      inputSize: f.size,
      modelKey: model.key,
      preset: target.preset,
      params,
      output,
      contentHash,
      engineChoice: engine,
      dedupeKey: dedupeKey([queueId, f.path, contentHash, model.key, params, output, engine]),
    });
  }
  const broken = new Map<string, string>();
  if (options.recordBroken) newItems.push(...unconvertible(target, files.rejected, broken));
  for (const { item, existed } of store.addItemsDetailed(newItems)) {
    const isBroken = broken.has(item.dedupeKey ?? '');
    if (!existed) {
      const recorded = item.error === undefined && isBroken
        ? store.transition(item.id, 'failed', { error: broken.get(item.dedupeKey ?? ''), finishedAt: Date.now() })
        : item;
      if (recorded.state !== 'failed') result.added.push(recorded);
      if (!isBroken) result.items.push(recorded);
      result.changed.push(recorded);
      continue;
    }
    if (isBroken) continue;
    if (!options.requeueFinished) {
      result.items.push(item);
      continue;
    }
    if (item.state === 'done' && options.skipConverted) {
      result.alreadyConverted.push({ path: item.inputPath, itemId: item.id, outputs: item.outputs });
      result.items.push(item);
    } else if (isFinalState(item.state)) {
      const again = store.transition(item.id, 'queued', {
        error: undefined, outputs: [], downloadedAssetIds: [], jobId: undefined, assetId: undefined, progress: 0, finishedAt: undefined, engine: undefined,
      });
      result.added.push(again);
      result.items.push(again);
      result.changed.push(again);
    } else {
      result.items.push(item);
    }
  }
  return result;
}

/** Expands and enqueues in one step (the app's drops, a watch folder's files). */
export async function enqueuePaths(
  store: QueueStore, target: EnqueueTarget, paths: readonly string[], expand: ExpandOptions = {}, options: EnqueueOptions = {},
): Promise<Enqueued & { skipped: SkippedInput[] }> {
  const files = await expandBatch(paths, target, expand);
  return { ...(await enqueueFiles(store, target, files, options)), skipped: files.skipped };
}

/**
 * Items for files meant for this queue (named like a kind its model takes) that cannot be
 * converted: empty, truncated, undecodable. `broken` gets each item's dedupe key and reason.
 */
function unconvertible(target: EnqueueTarget, rejected: readonly SkippedInput[], broken: Map<string, string>): NewItem[] {
  const items: NewItem[] = [];
  for (const r of rejected) {
    const ext = extname(r.path).toLowerCase();
    const kind = target.model.input.kinds.find((k) => EXTENSIONS_BY_KIND[k].includes(ext));
    if (!kind) continue;
    const key = dedupeKey([target.queueId, r.path, 'unconvertible', r.reason]);
    broken.set(key, r.reason);
    items.push({
      queueId: target.queueId, inputPath: r.path, inputKind: kind, inputSize: statSync(r.path, { throwIfNoEntry: false })?.size ?? 0,
      modelKey: target.model.key, params: {}, output: target.output, dedupeKey: key,
      ...(r.displayPath ? { displayPath: r.displayPath } : {}),
    });
  }
  return items;
}
