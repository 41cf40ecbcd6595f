import { z } from 'zod';
import { addResultSchema, callErrorSchema, type AddResult } from '../../shared/contract';
import { WEB_ROUTES } from '../../shared/wire';
import { KilnCallError } from './errors';

export interface UploadEntry {
  file: File;
  /** Path inside the dropped folder ("art/logo.png"), or just the name for a loose file. */
  relativePath: string;
}

/**
 * Renderer-side extension of KilnApi.uploadFiles: `redo` converts again files the queue has
 * already converted with the same settings (the web host reads it from the commit body).
 */
export interface UploadOptions {
  redo?: boolean;
  /** Called after each file's bytes reach the host. */
  onProgress?: (sent: number, total: number) => void;
}

/** Enough parallel requests to hide latency without starving the host's disk. */
const PARALLEL = 4;

const errorBody = z.object({ error: callErrorSchema });

async function failure(res: Response): Promise<KilnCallError> {
  const text = await res.text().catch(() => '');
  try {
    const parsed = errorBody.safeParse(JSON.parse(text));
    if (parsed.success) return new KilnCallError(parsed.data.error);
  } catch {
    // Not JSON: fall through to the status line.
  }
  return new KilnCallError({ code: 'failed', message: `Upload failed (${res.status} ${res.statusText})` });
}

/**
 * Sends a browser drop to the web host: each file's raw bytes under one batch id, then a commit
 * that enqueues the whole batch at once so the artist gets one summary.
 */
export async function uploadFiles(queueId: string, files: ReadonlyArray<UploadEntry>, options: UploadOptions = {}): Promise<AddResult> {
  const batch = crypto.randomUUID();
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < files.length) {
      const entry = files[next++];
      if (!entry) break;
      const query = `queueId=${encodeURIComponent(queueId)}&batch=${encodeURIComponent(batch)}&path=${encodeURIComponent(entry.relativePath)}`;
      const res = await fetch(`${WEB_ROUTES.upload}?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: entry.file,
      });
      if (!res.ok) throw await failure(res);
      options.onProgress?.(++sent, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, files.length) }, worker));
  const body: { queueId: string; batch: string; redo?: boolean } = { queueId, batch };
  if (options.redo) body.redo = true;
  const res = await fetch(WEB_ROUTES.uploadCommit, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
  const parsed = addResultSchema.safeParse(await res.json());
  if (!parsed.success) throw new KilnCallError({ code: 'failed', message: 'The host answered the upload with something unexpected' });
  return parsed.data;
}
