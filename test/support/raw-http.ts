/**
 * The raw local client the web host's security tests (test/security/web-*.test.ts) speak as: an
 * HTTP request and a WebSocket to 127.0.0.1 carrying only the headers given — unlike fetch or a
 * browser, no Origin unless asked for, any Host, and the path exactly as written (un-normalised).
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, byte for byte (latin1). */
  body: string;
}

export interface RawHeaders {
  /** Default: the server's own, 127.0.0.1:port. */
  host?: string;
  origin?: string;
  cookie?: string;
}

export function rawRequest(port: number, path: string, options: RawHeaders & { method?: string; body?: Buffer | string } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: options.host ?? `127.0.0.1:${port}` };
    if (options.origin) headers['origin'] = options.origin;
    if (options.cookie) headers['cookie'] = options.cookie;
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Opens ws://127.0.0.1:port/ws with these headers; resolves 'open' (then closes it) or 'refused'. */
export function openSocket(port: number, options: RawHeaders = {}): Promise<'open' | 'refused'> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (options.host) headers['host'] = options.host;
    if (options.cookie) headers['cookie'] = options.cookie;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers, ...(options.origin ? { origin: options.origin } : {}) });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('error', () => resolve('refused'));
  });
}
