import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RewritingProxy {
  /** Base URL including /v1, to give the client as --api-url. */
  url: string;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the fake Scenario API that lets a test change what Scenario says:
 * every JSON answer is passed through `rewrite` before it reaches the client. Everything else
 * (bodies, statuses, CDN URLs pointing at the fake itself) is passed on untouched.
 */
export async function startRewritingProxy(upstreamV1: string, rewrite: (path: string, body: unknown) => unknown): Promise<RewritingProxy> {
  const upstream = new URL(upstreamV1);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            let body = Buffer.concat(parts);
            const type = answer.headers['content-type'] ?? '';
            if (type.includes('application/json')) {
              try {
                body = Buffer.from(JSON.stringify(rewrite(req.url ?? '/', JSON.parse(body.toString('utf8')) as unknown)));
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
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
