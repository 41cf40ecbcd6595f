/**
 * Local file → assetId (docs/scenario-api.md "A local file becomes an asset id"): images whose base64 text fits
 * in 6 MB go inline to POST /assets; 3D models of any size, and bigger images, take the upload flow
 * (create with parts → PUT each part → complete → poll until imported, asset id = entityId).
 */
import { files, type OpenFile } from '../files/calls';
import { IMAGE_KINDS, MIME_BY_KIND, sentInline } from '../inputs/kinds';
import { BadResponseError, StageTimeoutError, ValidationError } from './errors';
import { externalTarget, type HttpCore } from './http';
import { AssetEnvelope, pickReason, UploadCreatedEnvelope, UploadStatusEnvelope } from './schemas';
import { PollInterval, sleep, throwIfAborted } from './timing';
import type { UploadRequest } from './types';

/** The upload `kind` for each sort of input (documented kinds: 3d, asset, audio, avatar, image, model, video). */
export const UPLOAD_KIND = { image: 'image', model: '3d' } as const;
/** Every part but the last must be at least 5 MB (S3 multipart's minimum, 5 MiB); at most 10,000 parts. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;
/** Upload statuses that end the wait (Scenario's SDK treats `complete` as final too, with an entityId). */
const IMPORTED = new Set(['imported', 'complete']);

export interface UploadSettings {
  /** Preferred part size; raised to MIN_PART_BYTES, and further so a file needs at most MAX_PARTS. */
  partBytes: number;
  /** Parts on the wire at once (each worker holds one part in memory). */
  partConcurrency: number;
  /** How long an upload may take to be imported after `complete` before its item fails. */
  importTimeoutMs: number;
  pollInitialMs: number;
  pollMaxMs: number;
  pollFactor: number;
}

/** Part size and count for a file: every part but the last exactly `partBytes`. */
export function planParts(size: number, preferred: number): { partBytes: number; count: number } {
  const partBytes = Math.max(MIN_PART_BYTES, Math.floor(preferred), Math.ceil(size / MAX_PARTS));
  return { partBytes, count: Math.max(1, Math.ceil(size / partBytes)) };
}

export function formatWait(ms: number): string {
  if (ms >= 60_000) {
    const min = Math.round(ms / 6_000) / 10;
    return `${min} min`;
  }
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}

export class Uploader {
  constructor(
    private readonly http: HttpCore,
    private readonly settings: UploadSettings,
  ) {}

  async upload(req: UploadRequest): Promise<string> {
    throwIfAborted(req.signal);
    // Bytes already read by the input check save a stat and a read, each a trip through libuv's
    // thread pool (issue 13.3).
    const size = req.bytes ? req.bytes.byteLength : (await files.stat(req.path)).size;
    if (sentInline(req.kind, size)) return this.imageAsset(req);
    return this.uploadFlow(req, size, IMAGE_KINDS.has(req.kind) ? UPLOAD_KIND.image : UPLOAD_KIND.model);
  }

  private async imageAsset(req: UploadRequest): Promise<string> {
    const bytes = req.bytes ? Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength) : await files.readFile(req.path);
    const image = `data:${MIME_BY_KIND[req.kind]};base64,${bytes.toString('base64')}`;
    const { asset } = await this.http.json({
      method: 'POST',
      target: { path: '/assets' },
      route: 'POST /assets',
      json: { image, name: req.name },
      schema: AssetEnvelope,
      signal: req.signal,
    });
    return asset.id;
  }

  private async uploadFlow(req: UploadRequest, size: number, kind: string): Promise<string> {
    const { partBytes, count } = planParts(size, this.settings.partBytes);
    const { upload } = await this.http.json({
      method: 'POST',
      target: { path: '/uploads' },
      route: 'POST /uploads',
      json: { fileName: req.name, contentType: MIME_BY_KIND[req.kind], kind, fileSize: size, parts: count },
      schema: UploadCreatedEnvelope,
      signal: req.signal,
    });
    const parts = [...upload.parts].sort((a, b) => a.number - b.number);
    if (parts.length !== count || parts.some((p, i) => p.number !== i + 1)) {
      throw new BadResponseError(
        `Scenario answered POST /uploads with part numbers ${parts.map((p) => p.number).join(',')} for ${count} part(s)`,
      );
    }
    await this.putParts(req, size, partBytes, parts);

    const uploadPath = `/uploads/${encodeURIComponent(upload.id)}`;
    let status = await this.http.json({
      method: 'POST',
      target: { path: `${uploadPath}/action` },
      route: 'POST /uploads/{id}/action',
      json: { action: 'complete' },
      schema: UploadStatusEnvelope,
      signal: req.signal,
    });
    const since = Date.now();
    const interval = new PollInterval(this.settings.pollInitialMs, this.settings.pollMaxMs, this.settings.pollFactor);
    let previous = status.upload.status;
    for (;;) {
      const u = status.upload;
      if (IMPORTED.has(u.status) && u.entityId) return u.entityId;
      if (u.status === 'failed') {
        const why = u.errorMessage ?? pickReason(u);
        // 422: the request was fine, the file was not; sending the same bytes again would not help.
        throw new ValidationError(`Scenario could not import ${req.name}${why ? `: ${why}` : ''}`, 422);
      }
      // Any other status (known or not) means "still working", until the limit.
      const waited = Date.now() - since;
      if (waited >= this.settings.importTimeoutMs) {
        throw new StageTimeoutError(
          'upload',
          `Uploading: Scenario had not finished importing ${req.name} after ${formatWait(waited)} (still "${u.status}"), so Kiln gave up on it`,
        );
      }
      const wait = Math.min(interval.next(u.status !== previous), this.settings.importTimeoutMs - waited);
      await sleep(Math.max(1, wait), req.signal);
      previous = u.status;
      status = await this.http.json({
        method: 'GET',
        target: { path: uploadPath },
        route: 'GET /uploads/{id}',
        schema: UploadStatusEnvelope,
        signal: req.signal,
      });
    }
  }

  /**
   * A few parts on the wire at once, each retried on its own by HttpCore. Each worker reads its
   * part into its own buffer, reused for its next part: memory is workers × part size, whatever
   * the file's size. Bytes the caller already holds are sent as they are.
   */
  private async putParts(req: UploadRequest, size: number, partBytes: number, parts: readonly { number: number; url: string }[]): Promise<void> {
    const given = req.bytes;
    const file = given ? undefined : await files.open(req.path, 'r');
    const failure = new AbortController();
    const signal = req.signal ? AbortSignal.any([req.signal, failure.signal]) : failure.signal;
    let next = 0;
    const worker = async (): Promise<void> => {
      let buffer: Buffer | undefined;
      for (let i = next++; i < parts.length; i = next++) {
        const part = parts[i] as { number: number; url: string };
        const start = (part.number - 1) * partBytes;
        const length = Math.min(partBytes, size - start);
        let bytes: Uint8Array;
        if (given) bytes = given.subarray(start, start + length);
        else {
          buffer ??= Buffer.allocUnsafe(Math.min(partBytes, size));
          bytes = buffer.subarray(0, length);
          const { bytesRead } = await (file as OpenFile).read(bytes, 0, length, start);
          if (bytesRead !== length) throw new Error(`${req.name} changed while it was being uploaded`);
        }
        throwIfAborted(signal);
        await this.http.putBytes({
          target: externalTarget(part.url, this.http.baseUrl),
          route: `PUT upload part ${part.number}/${parts.length}`,
          bytes,
          signal,
        });
      }
    };
    try {
      const workers = Array.from({ length: Math.max(1, Math.min(this.settings.partConcurrency, parts.length)) }, () =>
        worker().catch((error: unknown) => {
          // One part that cannot be sent ends the upload: stop the others rather than send the rest.
          failure.abort();
          throw error;
        }),
      );
      const results = await Promise.allSettled(workers);
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (rejected) {
        // The first real failure, not the "stopped" of the workers it canceled.
        const first = results
          .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
          .map((r) => r.reason as unknown)
          .find((e) => !(e instanceof Error && e.name === 'CanceledError' && !req.signal?.aborted));
        throw first ?? rejected.reason;
      }
    } finally {
      await file?.close();
    }
  }
}
