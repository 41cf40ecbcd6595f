import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the proxy received it. */
export interface ProxiedRequest {
  method: string;
  /** Path and query, as sent (e.g. /v1/assets/asset_1). */
  path: string;
  body: Buffer;
}

/** An answer the proxy gives itself instead of asking upstream. */
export interface OwnAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface ProxyHooks {
  /** Answer a request without forwarding it (return undefined to forward). */
  intercept?(req: ProxiedRequest, proxyOrigin: string): OwnAnswer | undefined;
  /** Change a JSON answer from upstream before the client sees it. */
  rewrite?(req: ProxiedRequest, body: unknown, proxyOrigin: string): unknown;
}

export interface RewritingProxy {
  /** Base URL including /v1, to give the client as --api-url. */
  url: string;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the fake Scenario API that lets a test change what Scenario says, for
 * one item or for all: a request can be answered by the proxy itself (`intercept`), and every JSON
 * answer from upstream is passed through `rewrite`. Everything else (bodies, statuses, CDN URLs
 * pointing at the fake itself) is passed on untouched.
 */
export async function startRewritingProxy(upstreamV1: string, hooks: ProxyHooks | ((path: string, body: unknown) => unknown)): Promise<RewritingProxy> {
  const upstream = new URL(upstreamV1);
  const { intercept, rewrite }: ProxyHooks = typeof hooks === 'function' ? { rewrite: (req, body) => hooks(req.path, body) } : hooks;
  let origin = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const proxied: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', body: Buffer.concat(chunks) };
      const own = intercept?.(proxied, origin);
      if (own) {
        res.writeHead(own.status, { 'content-type': own.contentType, 'content-length': String(Buffer.byteLength(own.body)) });
        res.end(own.body);
        return;
      }
      const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            let body = Buffer.concat(parts);
            const type = answer.headers['content-type'] ?? '';
            if (rewrite && type.includes('application/json')) {
              try {
                body = Buffer.from(JSON.stringify(rewrite(proxied, JSON.parse(body.toString('utf8')) as unknown, origin)));
              } catch {
                // Not JSON after all: passed on as it came.
              }
            }
            const out = { ...answer.headers, 'content-length': String(body.length) };
            delete out['transfer-encoding'];
            res.writeHead(answer.statusCode ?? 502, out);
            res.end(body);
          });
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(proxied.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
