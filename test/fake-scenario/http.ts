import type { IncomingMessage, ServerResponse } from 'node:http';

export type BodyResult = { ok: true; bytes: Buffer } | { ok: false; tooLarge: true; received: number } | { ok: false; tooLarge: false };

/**
 * Reads a request body, keeping at most `cap` bytes. A bigger body is drained rather than cut
 * off, so the client gets to read the 400 instead of a broken pipe mid-upload.
 */
export function readBody(req: IncomingMessage, cap: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= cap) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => {
      resolve(received > cap ? { ok: false, tooLarge: true, received } : { ok: true, bytes: Buffer.concat(chunks) });
    });
    req.on('error', () => resolve({ ok: false, tooLarge: false }));
    req.on('close', () => {
      if (!req.complete) resolve({ ok: false, tooLarge: false });
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: message }, headers);
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The page a captive portal or a misconfigured proxy answers with: 200, but not what was asked. */
export const PORTAL_HTML =
  '<!DOCTYPE html><html><head><title>Sign in to network</title></head>' +
  '<body><h1>Welcome</h1><p>Please accept the terms of use to continue.</p></body></html>';

/** Real CDNs (S3/CloudFront) explain refusals in XML, not in the API's JSON. */
export function cdnErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>\n`;
}

export function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

export type ByteRange = { start: number; end: number };

/** One `bytes=a-b` range (the only form download clients send to resume); undefined = whole file. */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined | 'unsatisfiable' {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, a = '', b = ''] = match;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(a);
  const end = b === '' ? size : Math.min(size, Number(b) + 1);
  if (start >= size || end <= start) return 'unsatisfiable';
  return { start, end };
}
