/**
 * A plain GET (and part PUT) through node:http(s), used only for streaming big downloads and for
 * upload parts. fetch (undici) churns
 * through far more short-lived memory per byte: measured over 1 GiB from a local server, RSS grew
 * 40–67 MiB with fetch (even discarding the bytes) against ≈ 37 MiB here, and the benchmark allows
 * 64 MiB. Never carries credentials: it is only ever given pre-signed / CDN URLs.
 */
import http, { type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { urlToHttpOptions } from 'node:url';

export interface Reply {
  status: number;
  statusText: string;
  header(name: string): string | null;
  body: Readable;
}

/**
 * Ends `req` when `signal` aborts, with the error node:http's own `signal` option gives (an
 * AbortError whose cause is the signal's reason). That option also wires end-of-stream's half-dozen
 * listeners onto every request to remove its one: about 10 µs more CPU per call in a micro-benchmark
 * against the fake server, several calls per item (issue 13.3). The request's 'close', which comes
 * once its answer is read or it is destroyed, removes the listener here.
 */
function abortOn(req: ClientRequest, signal: AbortSignal): ClientRequest {
  const abort = () => req.destroy(Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' }));
  if (signal.aborted) {
    abort();
    return req;
  }
  signal.addEventListener('abort', abort, { once: true });
  req.once('close', () => signal.removeEventListener('abort', abort));
  return req;
}

const REDIRECTS = [301, 302, 303, 307, 308];
const MAX_REDIRECTS = 5;

export async function nodeGet(url: string, signal: AbortSignal): Promise<Reply> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const target = new URL(current);
    const get = target.protocol === 'https:' ? https.get : http.get;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      // identity: a compressed body would land on disk compressed and break the size check.
      const req = abortOn(get(target, { headers: { accept: '*/*', 'accept-encoding': 'identity' } }, resolve), signal);
      req.once('error', reject);
    });
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (REDIRECTS.includes(status) && location && hop < MAX_REDIRECTS) {
      res.resume();
      current = new URL(location, current).href;
      continue;
    }
    return {
      status,
      statusText: res.statusMessage ?? '',
      header(name) {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
      body: res,
    };
  }
}

/**
 * PUTs one upload part. fetch (undici) copies every Uint8Array body it is given before sending it,
 * so each 8 MiB part became 8 MiB more garbage: a 500 MB upload grew RSS by about 110 MiB. Here the
 * part's own buffer is written to the socket as it is. Never carries credentials (pre-signed URLs).
 */
export async function nodePut(url: string, bytes: Uint8Array, signal: AbortSignal): Promise<Reply> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? https.request : http.request;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(
      target,
      { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': bytes.byteLength, accept: '*/*' } },
      resolve,
    );
    req.once('error', reject);
    abortOn(req, signal).end(bytes);
  });
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? '',
    header(name) {
      const v = res.headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
    body: res,
  };
}

/** The error node's stream.finished gives a body that closed before its end. */
function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/**
 * A body read whole from its 'data' events, which costs less than async iteration (no iterator,
 * no promise per chunk: issue 13.3); rejects when the body ends early or fails. Four listeners of
 * its own (data, end, error, close) rather than stream.finished, which wires about eight onto every
 * answer: 10–15 µs of CPU per request in a micro-benchmark against a local server, several answers
 * per item.
 */
export function readAll(body: Readable, onChunk?: (chunk: Buffer) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (body.destroyed) {
      reject(body.errored ?? prematureClose());
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    let ended = false;
    body.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      onChunk?.(chunk);
    });
    body.once('end', () => {
      ended = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length));
    });
    body.once('error', reject);
    // A body destroyed without an error (its request ended by a deadline or a cancel, say).
    body.once('close', () => {
      if (!ended) reject(body.errored ?? prematureClose());
    });
  });
}

/** A short error body, read without trusting its size. */
export async function readSome(body: Readable, max = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body) {
      const b = chunk as Buffer;
      chunks.push(b);
      length += b.length;
      if (length >= max) break;
    }
  } catch {
    // the status already says what matters
  }
  body.destroy();
  return Buffer.concat(chunks).toString('utf8').slice(0, max);
}

/** What an API call's answer offers its reader: the part of a WHATWG Response that Kiln uses. */
export interface ApiReply {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** A request's address as node:http takes it, parsed once (apiAddresses). */
export interface RequestAddress {
  /** The whole URL: a redirect resolves against it. */
  readonly href: string;
  readonly options: Readonly<Pick<RequestOptions, 'protocol' | 'hostname' | 'port' | 'auth' | 'path'>>;
}

/**
 * The addresses of one API's calls, its base URL parsed once: each call only joins its path (and
 * query) to it. Parsing every call's URL (new URL, then node:http's own urlToHttpOptions) cost about
 * 17 µs of CPU per request in a micro-benchmark against a local server, four calls per item (issue
 * 13.3). `baseUrl` has no trailing slash (ScenarioClient), and paths are already encoded.
 */
export function apiAddresses(baseUrl: string): (pathAndQuery: string) => RequestAddress {
  const url = new URL(baseUrl);
  const base = urlToHttpOptions(url);
  const origin = { protocol: base.protocol, hostname: base.hostname, port: base.port, auth: base.auth };
  const prefix = url.pathname === '/' ? '' : url.pathname;
  return (pathAndQuery) => ({ href: `${baseUrl}${pathAndQuery}`, options: { ...origin, path: `${prefix}${pathAndQuery}` } });
}

/** An API call's deadline: how long the whole call (redirects and the answer's body included) may take. */
export interface CallDeadline {
  ms: number;
  /** The error the call ends with when the deadline passes. */
  error(): Error;
}

/**
 * An API call (small JSON both ways) through node:http(s), its answer read whole. fetch (undici)
 * cost about 0.7 ms of CPU per call against the fake server, the largest share of `kiln convert`'s
 * CPU per item (issue 13.3, bench/cli-cpu.ts); and even building a Response loads all of undici
 * (about 90 ms at start), so the answer is a plain ApiReply. Redirects are followed like fetch's
 * `redirect: 'follow'`.
 *
 * The deadline is one timer that ends the request itself, and the caller's signal one listener on
 * it: an AbortController per attempt, combining the two, cost another signal, listener and event
 * per call, several calls per item (issue 13.3).
 */
export async function nodeFetch(
  url: string | RequestAddress,
  init: { method: string; headers: Record<string, string>; body?: string | Uint8Array; signal?: AbortSignal; deadline: CallDeadline },
): Promise<ApiReply> {
  let current = typeof url === 'string' ? url : url.href;
  let method = init.method;
  let body = init.body;
  const headers: Record<string, string | number> = { ...init.headers };
  let active: ClientRequest | undefined;
  let expired: Error | undefined;
  const timer = setTimeout(() => {
    expired = init.deadline.error();
    active?.destroy(expired);
  }, init.deadline.ms);
  try {
    for (let hop = 0; ; hop++) {
      if (expired) throw expired;
      const address = hop === 0 && typeof url !== 'string' ? url.options : urlToHttpOptions(new URL(current));
      const request = address.protocol === 'https:' ? https.request : http.request;
      if (body !== undefined) headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = request({ ...address, method, headers }, resolve);
        req.once('error', reject);
        active = init.signal ? abortOn(req, init.signal) : req;
        req.end(body);
      });
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECTS.includes(status) && location && hop < MAX_REDIRECTS) {
        res.resume();
        current = new URL(location, current).href;
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          delete headers['content-type'];
          delete headers['content-length'];
        }
        continue;
      }
      const bytes = await readAll(res);
      return {
        status,
        statusText: res.statusMessage ?? '',
        ok: status >= 200 && status < 300,
        headers: {
          get(name) {
            const v = res.headers[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
          },
        },
        text: () => Promise.resolve(bytes.toString('utf8')),
        arrayBuffer: () => Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer),
      };
    }
  } catch (error) {
    // Ended by the deadline mid-answer, the body reports only that it was cut short.
    throw expired ?? error;
  } finally {
    clearTimeout(timer);
  }
}
