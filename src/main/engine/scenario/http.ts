/**
 * Every byte Kiln exchanges with Scenario goes through HttpCore (send() for API calls and part
 * uploads, getStream() for downloads): authentication, deadlines, the shared 429 gate, retries
 * with full-jitter backoff, and the mapping of failures to typed errors. Hand-rolled rather than
 * p-retry: p-retry's jitter is not "full jitter", and the loop must also wait on the shared gate
 * and decide per request policy (generate vs. the rest) what may be sent twice.
 */
import type { z } from 'zod';
import {
  AuthError,
  CanceledError,
  NetworkError,
  RateLimitError,
  ScenarioError,
  ServerError,
  TeamLimitError,
  ValidationError,
} from './errors';
import { describeNetworkError, parseRetryAfter, serverMessage, snippet, type NetworkFailure } from './failures';
import { RateLimitGate } from './gate';
import { apiAddresses, nodeFetch, nodeGet, nodePut, readSome, type ApiReply, type Reply, type RequestAddress } from './node-get';
import { NotJsonError, parseBody, teamLimit } from './schemas';
import { canceledFrom, fullJitter, sleep, throwIfAborted } from './timing';

export interface HttpSettings {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  requestTimeoutMs: number;
  retries: number;
  /** Retries for network failures alone: few, because the queue waits out a lost network itself. */
  networkRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Scenario project to scope every API call to (`?projectId=`), when set (docs/scenario-api.md "Base and auth"). */
  projectId?: string;
}

/**
 * - safe: repeating the request does no harm (reads, uploads, cancel): retry every transient failure.
 * - create: the request starts paid work (generate): retry only where no job can have been created.
 */
export type RetryPolicy = 'safe' | 'create';

/**
 * An API path gets the Authorization header; a full URL (pre-signed upload part, CDN asset) never
 * does. Making this the type of the target, rather than a flag, means there is no way to send the
 * credentials to a third-party host by mistake.
 */
export type ExternalTarget = { url: string; host: string };
export type Target = { path: string } | ExternalTarget;

/** What an API call's handler knows of its attempt: the answer has been read whole by then. */
export interface ApiAttempt {
  /** When this attempt's request was sent (epoch ms). */
  sentAt: number;
}

/** What a streamed body's handler gets: it reads the body itself, under the attempt's deadline. */
export interface Attempt extends ApiAttempt {
  /** Aborts on the caller's signal or the deadline; already wired into the request. */
  signal: AbortSignal;
  /** Data arrived, so push the idle deadline out. */
  touch(): void;
}

/** What the retry loop needs to know about any request. */
interface RetryMeta {
  target: Target;
  /** Names the call in error messages, e.g. "GET /jobs/{jobId}". */
  route: string;
  signal?: AbortSignal;
  policy?: RetryPolicy;
  retries?: number;
}

export interface StreamSpec<T> extends RetryMeta {
  target: ExternalTarget;
  /** Non-2xx statuses the handler deals with itself (e.g. an expired download URL). */
  passStatuses?: readonly number[];
  handle(reply: Reply, attempt: Attempt): Promise<T>;
}

export interface SendSpec<T> extends RetryMeta {
  method: 'GET' | 'POST' | 'PUT';
  json?: unknown;
  bytes?: Uint8Array;
  /** Non-2xx statuses the handler deals with itself (e.g. an expired download URL). */
  passStatuses?: readonly number[];
  /** Reads the answer; runs inside the attempt, so its failures are retried like the request's. */
  handle(res: ApiReply, attempt: ApiAttempt): Promise<T>;
}

/**
 * One attempt's signal: aborted by its deadline or by the caller's signal, whichever comes first.
 * The caller's abort is forwarded by a listener removed when the attempt ends, rather than through
 * AbortSignal.any, whose weakly held signals cost measurable CPU and garbage at several requests
 * per item (issue 13.3).
 */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly forward: (() => void) | undefined;
  fired = false;

  constructor(
    readonly ms: number,
    private readonly caller?: AbortSignal,
  ) {
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError'));
    }, ms);
    if (!caller) return;
    if (caller.aborted) this.controller.abort(caller.reason);
    else {
      this.forward = () => this.controller.abort(caller.reason);
      caller.addEventListener('abort', this.forward, { once: true });
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    if (!this.fired) this.timer.refresh();
  }

  clear(): void {
    clearTimeout(this.timer);
    if (this.forward) this.caller?.removeEventListener('abort', this.forward);
  }
}

/** Why one attempt failed and what the retry loop may do about it. */
interface Failure {
  /** The error to surface if this is the last attempt. */
  error: Error;
  retryable: boolean;
  /** Wait before the next attempt; undefined = backoff. 429 uses 0: the gate does the waiting. */
  delayMs?: number;
}

export class HttpCore {
  readonly gate = new RateLimitGate();
  private readonly authorization: string;
  private readonly apiHost: string;
  private readonly apiAddress: (pathAndQuery: string) => RequestAddress;

  constructor(private readonly settings: HttpSettings) {
    this.authorization = `Basic ${Buffer.from(`${settings.apiKey}:${settings.apiSecret}`).toString('base64')}`;
    this.apiHost = new URL(settings.baseUrl).host;
    this.apiAddress = apiAddresses(settings.baseUrl);
  }

  get baseUrl(): string {
    return this.settings.baseUrl;
  }

  /** Sends a JSON API call and returns its body, checked against the schema. */
  json<S extends z.ZodType>(spec: Omit<SendSpec<z.infer<S>>, 'handle'> & { schema: S }): Promise<z.infer<S>> {
    return this.send({ ...spec, handle: (res) => parseBody(res, spec.schema, spec.route) });
  }

  send<T>(spec: SendSpec<T>): Promise<T> {
    return this.retrying(spec, (attempt) => this.once(spec, attempt));
  }

  /** PUTs bytes to a pre-signed URL (an upload part), retried like any safe request (see node-get.ts for why not fetch). */
  putBytes(spec: RetryMeta & { target: ExternalTarget; bytes: Uint8Array }): Promise<void> {
    return this.retrying(spec, (attempt) =>
      this.underDeadline(spec, async (signal) => {
        const reply = await nodePut(spec.target.url, spec.bytes, signal);
        if (reply.status >= 200 && reply.status < 300) {
          reply.body.resume();
          return;
        }
        const text = await readSome(reply.body);
        throw this.statusError(reply.status, (n) => reply.header(n), text || reply.statusText, spec, attempt);
      }),
    );
  }

  /** A streamed GET of a pre-signed / CDN URL (see node-get.ts for why not fetch). */
  getStream<T>(spec: StreamSpec<T>): Promise<T> {
    return this.retrying(spec, (attempt) => this.onceStream(spec, attempt));
  }

  private async retrying<T>(spec: RetryMeta, run: (attempt: number) => Promise<T>): Promise<T> {
    const retries = spec.retries ?? this.settings.retries;
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(spec.signal);
      await this.gate.wait(spec.signal);
      let failure: Failure;
      try {
        return await run(attempt);
      } catch (err) {
        failure = this.judge(err, spec);
      }
      const allowed = failure.error instanceof NetworkError ? Math.min(retries, this.settings.networkRetries) : retries;
      if (!failure.retryable || attempt >= allowed) throw failure.error;
      const delay = failure.delayMs ?? fullJitter(attempt, this.settings.retryBaseMs, this.settings.retryMaxMs);
      await sleep(delay, spec.signal);
    }
  }

  /** Runs one attempt under a deadline combined with the caller's signal. */
  private async underDeadline<T>(spec: RetryMeta, run: (signal: AbortSignal, deadline: Deadline) => Promise<T>): Promise<T> {
    const deadline = new Deadline(this.settings.requestTimeoutMs, spec.signal);
    try {
      return await run(deadline.signal, deadline);
    } catch (err) {
      // Tag our own deadline so judge() can tell it from the caller's abort and from the server.
      if (deadline.fired && !spec.signal?.aborted && !(err instanceof ScenarioError)) {
        throw new DeadlineExceeded(deadline.ms, err);
      }
      throw err;
    } finally {
      deadline.clear();
    }
  }

  /**
   * One attempt at an API call. Its deadline is the call's own timer (node-get.ts, nodeFetch): the
   * answer is read whole before the handler runs, so the handler needs no signal.
   */
  private async once<T>(spec: SendSpec<T>, attempt: number): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if ('path' in spec.target) headers['authorization'] = this.authorization;
    let body: string | Uint8Array | undefined;
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.bytes) {
      headers['content-type'] = 'application/octet-stream';
      body = spec.bytes;
    }
    const ms = this.settings.requestTimeoutMs;
    const sentAt = Date.now();
    const res = await nodeFetch(this.urlOf(spec.target), {
      method: spec.method,
      headers,
      body,
      signal: spec.signal,
      deadline: { ms, error: () => new DeadlineExceeded(ms) },
    });
    if (res.ok || spec.passStatuses?.includes(res.status)) return await spec.handle(res, { sentAt });
    const text = await res.text().catch(() => '');
    throw this.statusError(res.status, (n) => res.headers.get(n), text || res.statusText, spec, attempt);
  }

  private onceStream<T>(spec: StreamSpec<T>, attempt: number): Promise<T> {
    return this.underDeadline(spec, async (signal, deadline) => {
      const sentAt = Date.now();
      const reply = await nodeGet(spec.target.url, signal);
      const ok = reply.status >= 200 && reply.status < 300;
      if (ok || spec.passStatuses?.includes(reply.status)) {
        // Always idle-timed: a big body legitimately takes longer than one request timeout.
        return await spec.handle(reply, { signal, touch: () => deadline.touch(), sentAt });
      }
      const text = await readSome(reply.body);
      throw this.statusError(reply.status, (n) => reply.header(n), text || reply.statusText, spec, attempt);
    });
  }

  private urlOf(target: Target): string | RequestAddress {
    if (!('path' in target)) return target.url;
    const project = this.settings.projectId;
    const path = project ? `${target.path}${target.path.includes('?') ? '&' : '?'}projectId=${encodeURIComponent(project)}` : target.path;
    return this.apiAddress(path);
  }

  /** A non-2xx answer as a typed error; a 429 also closes the gate for the whole client. */
  private statusError(
    status: number,
    header: (name: string) => string | null,
    text: string,
    spec: RetryMeta,
    attempt: number,
  ): ScenarioError {
    const said = serverMessage(text);
    const isApi = 'path' in spec.target;
    if (status === 429) {
      const limit = isApi ? teamLimit(text) : undefined;
      if (limit !== undefined) {
        // The team's ceiling, not a flood of requests: only this call is refused, the client goes on.
        return new TeamLimitError(limit, parseRetryAfter(header('retry-after')), said);
      }
      const retryAfter =
        parseRetryAfter(header('retry-after')) ?? Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** attempt);
      this.gate.close(retryAfter);
      return new RateLimitError(retryAfter);
    }
    if (isApi && (status === 401 || status === 403)) return new AuthError(status);
    if (status === 408 || status >= 500) return new ServerError(status, said ?? snippet(text, 120));
    if ('path' in spec.target) return new ValidationError(said ?? `Scenario refused ${spec.route} (HTTP ${status})`, status);
    // A pre-signed or CDN URL refusing us (expired, wrong size…): not the artist's key at fault.
    return new ValidationError(said ?? `${spec.route} was refused by ${spec.target.host} (HTTP ${status})`, status);
  }

  private judge(err: unknown, spec: RetryMeta): Failure {
    if (spec.signal?.aborted) return { error: canceledFrom(spec.signal), retryable: false };
    if (err instanceof CanceledError) return { error: err, retryable: false };
    if (err instanceof ScenarioError) {
      switch (err.kind) {
        case 'rate-limit':
          // The team's ceiling goes back to the queue, which waits for a job to end.
          if (err instanceof TeamLimitError) return { error: err, retryable: false };
          return { error: err, retryable: true, delayMs: 0 };
        case 'server':
          return { error: err, retryable: true };
        case 'bad-response':
          // Well-formed JSON of the wrong shape came from Scenario, so a generate may have created
          // its job: never send that twice. Non-JSON came from something in between (see NotJsonError).
          return { error: err, retryable: (spec.policy ?? 'safe') === 'safe' || err instanceof NotJsonError };
        default:
          return { error: err, retryable: false };
      }
    }
    const net: NetworkFailure | undefined =
      err instanceof DeadlineExceeded ? { phase: 'timeout', reason: err.message } : describeNetworkError(err);
    if (!net) return { error: err instanceof Error ? err : new Error(String(err)), retryable: false };
    const error = new NetworkError(this.networkMessage(spec.target, net));
    if ((spec.policy ?? 'safe') === 'safe') return { error, retryable: true };
    // Generate: refused / DNS / unreachable never reached the server. A reset is retried too, as
    // docs/scenario-api.md asks ("network errors are retried"), accepting a tiny window where the server
    // had read the whole request and created a job just before the connection dropped: that job is
    // charged twice. A timeout is NOT retried: the server is probably still creating the job.
    return { error, retryable: net.phase !== 'timeout' };
  }

  private networkMessage(target: Target, net: NetworkFailure): string {
    if ('path' in target) return `Could not reach the Scenario API at ${this.apiHost}: ${net.reason}`;
    return `Could not reach ${target.host}: ${net.reason}`;
  }
}

/** Our own deadline fired (as opposed to the caller aborting). */
class DeadlineExceeded extends Error {
  constructor(ms: number, cause?: unknown) {
    super(`no answer within ${ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`} (timed out)`, { cause });
  }
}

/** A full URL from the server (maybe relative to the API) as a target that never carries credentials. */
export function externalTarget(url: string, baseUrl: string): ExternalTarget {
  const resolved = new URL(url, `${baseUrl}/`);
  return { url: resolved.href, host: resolved.host };
}
