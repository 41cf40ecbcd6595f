/** Streams an output asset to disk, refreshing expired URLs, and checks what arrived. */
import { constants as fsConstants } from 'node:fs';
import { files } from '../files/calls';
import { pipeline } from 'node:stream/promises';
import { getAsset } from './assets';
import { DownloadError, GoneError, ScenarioError, ValidationError } from './errors';
import { externalTarget, type HttpCore } from './http';
import { readAll } from './node-get';
import type { AssetInfo, DownloadRequest, DownloadResult } from './types';

/** Fresh URLs asked for when one is expired or serves the wrong thing, before giving up. */
const MAX_URL_REFRESHES = 3;
/** Enough of the file's start for every looksValid() check (an SVG may open with a long comment). */
const HEAD_BYTES = 64 * 1024;
/**
 * A body up to this size (as its Content-Length says) is read whole, then written with one call:
 * for the usual result (an SVG of some kilobytes) the stream pipeline's machinery costs more than
 * the bytes (issue 13.3). Bigger or unsized bodies are streamed to disk, so memory stays flat.
 */
const WHOLE_BODY_MAX_BYTES = 1024 * 1024;
/** Statuses with which a temporary URL says "I have expired" (docs/scenario-api.md "Output assets"). */
const STALE_STATUSES = [403, 404, 410] as const;

/**
 * Opens the destination for each attempt: truncated, so a retried body starts from empty; created
 * if missing, but never through a symbolic link planted at its name (O_NOFOLLOW, where the system
 * has it), since the file usually already exists as the item's reserved temp (output/room.ts).
 */
const DEST_FLAGS = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | (fsConstants.O_NOFOLLOW ?? 0);

/** The URL no longer serves the asset: ask Scenario for a new one. */
class StaleUrl extends Error {}

interface Fetched {
  bytes: number;
  mimeType: string | undefined;
  head: Buffer;
  /** The size the server promised, when it promised one we can hold it to. */
  expectedBytes: number | undefined;
}

export async function download(http: HttpCore, req: DownloadRequest): Promise<DownloadResult> {
  const { expected } = req;
  let problem = '';
  for (let refresh = 0; refresh <= MAX_URL_REFRESHES; refresh++) {
    let asset;
    try {
      asset = await getAsset(http, req.assetId, req.signal);
    } catch (error) {
      if (error instanceof ValidationError && error.status === 404) {
        throw new GoneError('output', `The result ${req.assetId} is no longer on Scenario (${error.message})`, 404);
      }
      throw error;
    }
    if (!asset.url) {
      problem = 'Scenario gave no download URL for it';
      continue;
    }
    let got: Fetched;
    try {
      got = await fetchTo(http, asset, req);
    } catch (err) {
      if (err instanceof StaleUrl) {
        problem = err.message;
        continue;
      }
      throw asWriteError(err, req.destPath);
    }
    verify(got, req);
    return { bytes: got.bytes, mimeType: got.mimeType };
  }
  throw new DownloadError(
    `Could not download asset ${req.assetId}: ${problem} (asked for a fresh URL ${MAX_URL_REFRESHES} times)`,
  );

  function verify(got: Fetched, r: DownloadRequest): void {
    const what = expected.kind.toUpperCase();
    if (got.bytes === 0) throw new DownloadError(`The downloaded ${what} for asset ${r.assetId} is empty`);
    if (got.expectedBytes !== undefined && got.bytes !== got.expectedBytes) {
      throw new DownloadError(
        `The downloaded ${what} for asset ${r.assetId} is incomplete: ${got.bytes} of ${got.expectedBytes} bytes`,
      );
    }
    if (!expected.looksValid(got.head)) {
      throw new DownloadError(`The downloaded file is not a valid ${what} (asset ${r.assetId})`);
    }
  }
}

/**
 * One URL, streamed to destPath and flushed to disk before the stream closes, on the descriptor that
 * wrote it (so the commit need not open it again to sync it: DownloadRequest.destPath). Transport
 * failures mid-body are retried by HttpCore, which runs this handler again: the file restarts from empty.
 */
function fetchTo(http: HttpCore, asset: AssetInfo, req: DownloadRequest): Promise<Fetched> {
  const target = externalTarget(asset.url as string, http.baseUrl);
  const expectedTypes = req.expected.mimeTypes;
  return http.getStream({
    target,
    route: `download of asset ${req.assetId}`,
    signal: req.signal,
    passStatuses: STALE_STATUSES,
    handle: async (res, attempt) => {
      if ((STALE_STATUSES as readonly number[]).includes(res.status)) {
        res.body.destroy();
        throw new StaleUrl(`the download URL answered HTTP ${res.status}`);
      }
      const mimeType = res.header('content-type')?.split(';')[0]?.trim().toLowerCase() || undefined;
      // A missing type is let through: the content check after writing still catches a wrong file.
      if (mimeType && !expectedTypes.includes(mimeType)) {
        res.body.destroy();
        throw new StaleUrl(`the download URL served ${mimeType} instead of ${expectedTypes.join(' or ')}`);
      }
      // Asked for identity; if a server compresses anyway, Content-Length is not the file's size.
      const length = res.header('content-encoding') ? null : res.header('content-length');
      const declared = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
      const expectedBytes = declared ?? asset.size;
      const total = expectedBytes;

      let received = 0;
      req.onProgress?.(0, total);
      if (declared !== undefined && declared <= WHOLE_BODY_MAX_BYTES) {
        const body = await readAll(res.body, (chunk) => {
          attempt.touch();
          received += chunk.length;
          req.onProgress?.(received, total);
        });
        await writeWhole(req.destPath, body);
        return { bytes: body.length, mimeType: mimeType ?? asset.mimeType, head: body.subarray(0, HEAD_BYTES), expectedBytes };
      }
      const headChunks: Buffer[] = [];
      let headLength = 0;
      const file = await files.open(req.destPath, DEST_FLAGS);
      await pipeline(
        res.body,
        async function* count(source: AsyncIterable<Uint8Array>) {
          for await (const chunk of source) {
            attempt.touch();
            received += chunk.byteLength;
            if (headLength < HEAD_BYTES) {
              headChunks.push(Buffer.from(chunk.subarray(0, HEAD_BYTES - headLength)));
              headLength += Math.min(chunk.byteLength, HEAD_BYTES - headLength);
            }
            req.onProgress?.(received, total);
            yield chunk;
          }
        },
        // Closes the file when done or failed (autoClose), after syncing it when done.
        file.writeStream(),
        { signal: attempt.signal },
      );
      return { bytes: received, mimeType: mimeType ?? asset.mimeType, head: Buffer.concat(headChunks), expectedBytes };
    },
  });
}

/** The whole file at once, synced before it is closed (as the streamed path's write stream does). */
async function writeWhole(path: string, bytes: Uint8Array): Promise<void> {
  const file = await files.open(path, DEST_FLAGS);
  try {
    await file.write(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Disk trouble (full, no permission) is not the network's fault: say so plainly, never retry. */
function asWriteError(err: unknown, destPath: string): unknown {
  if (err instanceof ScenarioError) return err;
  const e = err as { code?: unknown; syscall?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && typeof e.syscall === 'string') {
    return new DownloadError(`Could not write ${destPath}: ${String(e.message ?? e.code)}`, true);
  }
  return err;
}

