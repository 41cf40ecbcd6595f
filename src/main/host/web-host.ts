import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, extname, join, normalize, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { clientMessageSchema, type ServerMessage, WEB_ROUTES } from '../../shared/wire';
import type { AddResult, CallError } from '../../shared/contract';
import { contentTypeFor } from './files';
import type { KilnService } from './service';
import { SESSION_QUERY, WebSession } from './web-session';

export interface WebHostOptions {
  service: KilnService;
  /** Built renderer (out/renderer). */
  rendererDir: string;
  /** Where browser uploads land before they are enqueued. */
  inboxDir: string;
  port?: number;
  /** Largest single uploaded file (default 2 GiB). */
  maxUploadBytes?: number;
}

export interface WebHost {
  /** The address to open: it carries this launch's secret token (see web-session.ts). */
  url: string;
  port: number;
  close(): Promise<void>;
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const uploadQuery = z.object({
  queueId: z.string().min(1).max(128),
  batch: z.uuid(),
  path: z.string().min(1).max(1024),
});
const commitBody = z.object({ queueId: z.string().min(1).max(128), batch: z.uuid(), redo: z.boolean().optional() });
const fileRoute = z.object({ itemId: z.string().min(1).max(128), which: z.enum(['input', 'output']), index: z.coerce.number().int().min(0).default(0) });

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** The HTTP status of a contract error on the upload routes. */
const HTTP_STATUS: Record<CallError['code'], number> = { 'invalid-input': 400, 'not-found': 404, unsupported: 400, auth: 401, failed: 500 };

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { error: { code, message } });
}

/** A dropped file's relative path, made safe: no absolute paths, no `..`, no empty segments. */
export function safeRelativePath(raw: string): string | undefined {
  const parts = raw.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..' || p.includes('\0'))) return undefined;
  return parts.join(sep);
}

async function readJson(req: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Serves the renderer and the contract to a browser on 127.0.0.1: static files, the calls and
 * events over a WebSocket, uploads of dropped files (a browser has no file paths), and previews.
 * Only pages served by this host may talk to it: the Host and Origin headers are checked, so
 * another web site open in the same browser cannot drive Kiln or read files through it, and every
 * request must carry the launch's session cookie, so no other local process can either.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const { service } = options;
  const maxUpload = options.maxUploadBytes ?? 2 * 1024 ** 3;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  const sockets = new Set<Socket>();
  let origins = new Set<string>();
  let hostHeaders = new Set<string>();
  // Made once the port is known (the cookie is named after it); no request arrives before that.
  // eslint-disable-next-line prefer-const -- the handlers above the listen() read it; it is set once the port is known
  let session: WebSession | undefined;

  const broadcast = (name: string, payload: unknown) => {
    const message: ServerMessage = { type: 'event', name, payload };
    const text = JSON.stringify(message);
    for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(text);
  };
  service.on('event', broadcast);

  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', async (data) => {
      let parsed;
      try {
        parsed = clientMessageSchema.safeParse(JSON.parse(data.toString()));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) {
        ws.close(1008, 'malformed message');
        return;
      }
      const { id, name, input } = parsed.data;
      const result = await service.handle(name, input);
      const message: ServerMessage = result.ok
        ? { type: 'result', id, ok: true, value: result.value }
        : { type: 'result', id, ok: false, error: result.error };
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    });
  });

  const trusted = (req: IncomingMessage): boolean => {
    if (!hostHeaders.has(req.headers.host ?? '')) return false;
    const o = req.headers.origin;
    return o === undefined || origins.has(o);
  };

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const file = resolve(options.rendererDir, normalize(rel));
    if (relative(options.rendererDir, file).startsWith('..')) return fail(res, 404, 'not-found', 'not found');
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      res.writeHead(200, {
        'content-type': STATIC_TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      });
      if (req.method === 'HEAD') return void res.end();
      await pipeline(createReadStream(file), res);
    } catch {
      fail(res, 404, 'not-found', `${pathname} not found`);
    }
  }

  async function serveFile(res: ServerResponse, params: unknown): Promise<void> {
    const parsed = fileRoute.safeParse(params);
    if (!parsed.success) return fail(res, 400, 'invalid-input', 'bad file route');
    const path = service.itemFile(parsed.data.itemId, parsed.data.which, parsed.data.index);
    if (!path) return fail(res, 404, 'not-found', 'no such file');
    try {
      const info = await stat(path);
      res.writeHead(200, {
        'content-type': contentTypeFor(path),
        'content-length': info.size,
        'x-content-type-options': 'nosniff',
        // An SVG result is the artist's data, not ours: never let it run script in our origin.
        'content-security-policy': "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
        'cache-control': 'no-cache',
      });
      await pipeline(createReadStream(path), res);
    } catch {
      if (!res.headersSent) fail(res, 404, 'not-found', 'the file is no longer there');
      else res.destroy();
    }
  }

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const q = uploadQuery.safeParse(Object.fromEntries(url.searchParams));
    const rel = q.success ? safeRelativePath(q.data.path) : undefined;
    if (!q.success || !rel) return fail(res, 400, 'invalid-input', 'upload needs queueId, batch and a relative path');
    const declared = Number(req.headers['content-length'] ?? 'NaN');
    if (Number.isFinite(declared) && declared > maxUpload) return fail(res, 413, 'invalid-input', `file larger than ${maxUpload} bytes`);
    const target = join(options.inboxDir, q.data.batch, rel);
    await mkdir(dirname(target), { recursive: true });
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxUpload) req.destroy(new Error('upload too large'));
    });
    try {
      await pipeline(req, createWriteStream(target));
      send(res, 200, { ok: true });
    } catch (error) {
      await rm(target, { force: true });
      if (!res.headersSent) fail(res, 400, 'failed', `upload failed: ${(error as Error).message}`);
    }
  }

  async function commit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body;
    try {
      body = commitBody.safeParse(await readJson(req));
    } catch {
      return fail(res, 400, 'invalid-input', 'commit needs a JSON body');
    }
    if (!body.success) return fail(res, 400, 'invalid-input', 'commit needs queueId and batch');
    const batchDir = join(options.inboxDir, body.data.batch);
    const answer = await service.handle('items.addPaths', { queueId: body.data.queueId, paths: [batchDir], ...(body.data.redo ? { redo: true } : {}) });
    // The call's own error code reaches the page (a removed queue is not-found, a bad setting invalid-input).
    if (!answer.ok) return fail(res, HTTP_STATUS[answer.error.code], answer.error.code, answer.error.message);
    const result = answer.value as AddResult; // what items.addPaths answers (Handlers in handlers/context.ts)
    // Report paths as the artist dropped them, not where the host keeps the bytes.
    const shown = (p: string) => relative(batchDir, p) || p;
    const mapped: AddResult = {
      ...result,
      skipped: result.skipped.map((s) => ({ ...s, path: shown(s.path) })),
      rejected: result.rejected.map((s) => ({ ...s, path: shown(s.path) })),
      alreadyConverted: result.alreadyConverted.map((a) => ({ ...a, path: shown(a.path) })),
    };
    send(res, 200, mapped);
  }

  /** Opening the printed address: the token becomes the cookie, and the address loses the token. */
  function exchangeToken(res: ServerResponse, url: URL): void {
    url.searchParams.delete(SESSION_QUERY);
    res.writeHead(303, {
      location: `${url.pathname}${url.search}`,
      'set-cookie': session?.setCookieHeader() ?? '',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    res.end();
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (!trusted(req)) return fail(res, 403, 'unsupported', 'requests must come from the Kiln page on this host');
      if (req.method === 'GET' && session?.matches(url.searchParams.get(SESSION_QUERY))) return exchangeToken(res, url);
      if (!session?.admits(req)) {
        const why = 'Open the address printed by `npm start` (it carries this launch\'s key) to use Kiln in a browser.';
        if (req.method === 'GET' && !url.pathname.startsWith('/api/') && !url.pathname.startsWith(`${WEB_ROUTES.files}/`)) {
          // Someone typed the bare address: a page that says what to do, not a JSON error.
          res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
          return void res.end(`Kiln: ${why}\n`);
        }
        return fail(res, 401, 'unsupported', why);
      }
      if (req.method === 'POST' && url.pathname === WEB_ROUTES.upload) return upload(req, res, url);
      if (req.method === 'POST' && url.pathname === WEB_ROUTES.uploadCommit) return commit(req, res);
      if (req.method === 'GET' && url.pathname.startsWith(`${WEB_ROUTES.files}/`)) {
        const [itemId, which, index] = url.pathname.slice(WEB_ROUTES.files.length + 1).split('/');
        return serveFile(res, { itemId, which, index });
      }
      if (req.method === 'GET' || req.method === 'HEAD') return serveStatic(req, res, url.pathname);
      fail(res, 405, 'unsupported', 'method not allowed');
    })().catch((error: unknown) => {
      if (!res.headersSent) fail(res, 500, 'failed', (error as Error).message);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws' || !trusted(req) || !session?.admits(req)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  origins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  hostHeaders = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  session = new WebSession(port);

  return {
    url: `http://127.0.0.1:${port}/?${SESSION_QUERY}=${session.token}`,
    port,
    async close() {
      service.off('event', broadcast);
      for (const client of wss.clients) client.terminate();
      wss.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
