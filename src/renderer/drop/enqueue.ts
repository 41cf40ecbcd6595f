import type { AddResult, KilnApi } from '../../shared/contract';
import { KilnCallError } from '../transport/errors';
import type { UploadEntry, UploadOptions } from '../transport/upload';
import type { Dropped } from './collect';

/** Sends a drop to whichever transport is live; `redo` converts already-converted files again. */
export async function enqueue(api: KilnApi, queueId: string, dropped: Dropped, options: UploadOptions = {}): Promise<AddResult> {
  if (dropped.kind === 'paths') {
    if (dropped.paths.length === 0) throw new KilnCallError({ code: 'invalid-input', message: 'Nothing to add: the drop held no files' });
    return api.call('items.addPaths', options.redo ? { queueId, paths: dropped.paths, redo: true } : { queueId, paths: dropped.paths });
  }
  if (dropped.files.length === 0) throw new KilnCallError({ code: 'invalid-input', message: 'Nothing to add: the drop held no files' });
  if (!api.uploadFiles) throw new KilnCallError({ code: 'unsupported', message: 'This window cannot receive dropped files' });
  return api.uploadFiles(queueId, dropped.files, options);
}

/** The part of a drop to send again with redo: the files the host said were already converted. */
export function redoSubset(dropped: Dropped, result: AddResult): Dropped {
  const paths = result.alreadyConverted.map((c) => c.path);
  if (dropped.kind === 'paths') return { kind: 'paths', paths };
  const wanted = new Set(paths);
  const matches = (e: UploadEntry) => wanted.has(e.relativePath) || paths.some((p) => p.endsWith(`/${e.relativePath}`) || p.endsWith(`\\${e.relativePath}`));
  return { kind: 'files', files: dropped.files.filter(matches) };
}
