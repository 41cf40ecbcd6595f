import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resolveAsset, type Context } from './api';
import { cdnErrorXml, parseRange, PORTAL_HTML, readBody, sendError, sendText } from './http';

// The pre-signed side: part uploads and CDN downloads. Like S3/CloudFront they need no
// Authorization header (and ignore one), trust only the signature in the URL, and answer
// refusals in XML.

function denyXml(res: ServerResponse, status: number, code: string, message: string): void {
  sendText(res, status, 'application/xml', cdnErrorXml(code, message));
}

export async function putPart(ctx: Context, req: IncomingMessage, res: ServerResponse, params: string[], url: URL): Promise<void> {
  const [id = '', numberText = ''] = params;
  const number = Number(numberText);
  if (!ctx.signer.verify(`part:${id}:${number}`, url.searchParams.get('sig'))) {
    return denyXml(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }
  const upload = ctx.state.uploads.get(id);
  if (!upload) return denyXml(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
  if (upload.completedAt !== undefined) return sendError(res, 400, `upload ${id} is already completed; parts can no longer change`);
  if (number < 1 || number > upload.parts) return sendError(res, 400, `part ${number} is outside 1..${upload.parts}`);
  const body = await readBody(req, upload.fileSize);
  if (!body.ok) {
    if (body.tooLarge) sendError(res, 400, `part ${number} is ${body.received} bytes, more than the whole file (${upload.fileSize})`);
    return;
  }
  const refused = ctx.state.putPart(upload, number, body.bytes);
  if (refused) return denyXml(res, 400, 'EntityTooSmall', refused);
  const etag = `"${createHash('md5').update(body.bytes).digest('hex')}"`;
  res.writeHead(200, { ETag: etag, 'Content-Length': 0 });
  res.end();
}

export async function download(ctx: Context, req: IncomingMessage, res: ServerResponse, params: string[], url: URL): Promise<void> {
  const [id = ''] = params;
  const expiresText = url.searchParams.get('expires') ?? '';
  const expires = Number(expiresText);
  if (!expiresText || !ctx.signer.verify(`cdn:${id}:${expiresText}`, url.searchParams.get('sig'))) {
    return denyXml(res, 403, 'AccessDenied', 'Request signature does not match or is missing.');
  }
  if (!(expires > Date.now())) return denyXml(res, 403, 'AccessDenied', 'Request has expired');
  if (ctx.faults.faults.htmlDownloads) return sendText(res, 200, 'text/html; charset=utf-8', PORTAL_HTML);

  const found = await resolveAsset(ctx, id);
  if (!found) return denyXml(res, 404, 'NoSuchKey', 'The specified key does not exist.');
  const { asset, size } = found;
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
    res.end();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size;
  const headers: Record<string, string | number> = {
    'Content-Type': asset.mimeType,
    'Content-Length': end - start,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, max-age=60',
  };
  if (range) headers['Content-Range'] = `bytes ${start}-${end - 1}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const source =
    asset.source.type === 'synthetic'
      ? Readable.from(asset.source.content.chunks(start, end), { objectMode: false })
      : Readable.from([((await ctx.state.assetBytes(asset)) ?? Buffer.alloc(0)).subarray(start, end)]);
  try {
    await pipeline(source, res);
  } catch {
    // The client went away or the server was stopped mid-download; nothing to answer.
  }
}
