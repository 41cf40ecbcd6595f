/** Local file → assetId, by the route the model's input needs (scenario-notes "Local file → assetId"). */
import { open, readFile, stat } from 'node:fs/promises';
import { MIME_BY_KIND } from '../inputs/kinds';
import { BadResponseError, ValidationError } from './errors';
import { externalTarget, type HttpCore } from './http';
import { AssetEnvelope, pickReason, UploadCreatedEnvelope, UploadStatusEnvelope } from './schemas';
import { PollInterval, sleep, throwIfAborted } from './timing';
import type { UploadRequest } from './types';

export interface UploadSettings {
  partBytes: number;
  pollInitialMs: number;
  pollMaxMs: number;
  pollFactor: number;
}

export class Uploader {
  constructor(
    private readonly http: HttpCore,
    private readonly settings: UploadSettings,
  ) {}

  upload(req: UploadRequest): Promise<string> {
    switch (req.route) {
      case 'image-asset':
        return this.imageAsset(req);
      case 'multipart-upload':
        return this.multipart(req);
    }
  }

  /** Images are small enough (models cap them) to travel inline as a data URL. */
  private async imageAsset(req: UploadRequest): Promise<string> {
    throwIfAborted(req.signal);
    const bytes = await readFile(req.path, { signal: req.signal });
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

  /** *Assumed* flow (scenario-notes): create → PUT each part → complete → wait until processed. */
  private async multipart(req: UploadRequest): Promise<string> {
    throwIfAborted(req.signal);
    const { size } = await stat(req.path);
    const partBytes = this.settings.partBytes;
    const count = Math.max(1, Math.ceil(size / partBytes));
    const { upload } = await this.http.json({
      method: 'POST',
      target: { path: '/uploads' },
      route: 'POST /uploads',
      json: { fileName: req.name, contentType: MIME_BY_KIND[req.kind], fileSize: size, kind: '3d', parts: count },
      schema: UploadCreatedEnvelope,
      signal: req.signal,
    });
    const parts = [...upload.parts].sort((a, b) => a.number - b.number);
    if (parts.length !== count || parts.some((p, i) => p.number !== i + 1)) {
      throw new BadResponseError(
        `Scenario answered POST /uploads with part numbers ${parts.map((p) => p.number).join(',')} for ${count} part(s)`,
      );
    }

    const file = await open(req.path, 'r');
    try {
      for (const part of parts) {
        const start = (part.number - 1) * partBytes;
        const length = Math.min(partBytes, size - start);
        // One part (≤ partBytes) in memory at a time, kept for its own retries.
        const bytes = Buffer.alloc(length);
        const { bytesRead } = await file.read(bytes, 0, length, start);
        if (bytesRead !== length) throw new Error(`${req.name} changed while it was being uploaded`);
        await this.http.send({
          method: 'PUT',
          target: externalTarget(part.url, this.http.baseUrl),
          route: `PUT upload part ${part.number}/${count}`,
          bytes,
          signal: req.signal,
          handle: async (res) => {
            await res.arrayBuffer();
          },
        });
      }
    } finally {
      await file.close();
    }

    const uploadPath = `/uploads/${encodeURIComponent(upload.id)}`;
    let status = await this.http.json({
      method: 'POST',
      target: { path: `${uploadPath}/action` },
      route: 'POST /uploads/{id}/action',
      json: { action: 'complete' },
      schema: UploadStatusEnvelope,
      signal: req.signal,
    });
    const interval = new PollInterval(this.settings.pollInitialMs, this.settings.pollMaxMs, this.settings.pollFactor);
    let previous = status.upload.status;
    for (;;) {
      const u = status.upload;
      if (u.status === 'complete') {
        if (!u.assetId) throw new BadResponseError(`Scenario reported upload ${u.id} complete without an assetId`);
        return u.assetId;
      }
      if (u.status === 'failed') {
        const why = pickReason(u);
        // 422: the request was fine, the file was not; retrying the same bytes would not help.
        throw new ValidationError(`Scenario could not process the uploaded file ${req.name}${why ? `: ${why}` : ''}`, 422);
      }
      await sleep(interval.next(u.status !== previous), req.signal);
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
}
