/**
 * What went wrong with one attempt, in terms the retry policy can act on. Knows nothing of retries
 * itself: http.ts decides what to do with the answer.
 */

/**
 * Where a network failure happened, which decides whether a request that creates something (a
 * generate) may be sent again:
 * - connect: the request never reached the server (refused, DNS, unreachable, connect timeout);
 * - reset: the connection dropped before an answer (the request may or may not have been read);
 * - timeout: no answer within the deadline (the server may well be working on it);
 * - other: a fetch failure we cannot place.
 */
export type NetworkPhase = 'connect' | 'reset' | 'timeout' | 'other';

export interface NetworkFailure {
  phase: NetworkPhase;
  /** Plain words for the artist, e.g. "connection refused (ECONNREFUSED)". */
  reason: string;
}

const CODES: Record<string, { phase: NetworkPhase; words: string }> = {
  ECONNREFUSED: { phase: 'connect', words: 'connection refused' },
  ENOTFOUND: { phase: 'connect', words: 'host name not found (DNS)' },
  EAI_AGAIN: { phase: 'connect', words: 'DNS lookup failed' },
  EAI_NONAME: { phase: 'connect', words: 'host name not found (DNS)' },
  ENETUNREACH: { phase: 'connect', words: 'network unreachable' },
  ENETDOWN: { phase: 'connect', words: 'network is down' },
  EHOSTUNREACH: { phase: 'connect', words: 'host unreachable' },
  EHOSTDOWN: { phase: 'connect', words: 'host is down' },
  EADDRNOTAVAIL: { phase: 'connect', words: 'no usable network address' },
  ETIMEDOUT: { phase: 'connect', words: 'connection timed out' },
  UND_ERR_CONNECT_TIMEOUT: { phase: 'connect', words: 'connection timed out' },
  ECONNRESET: { phase: 'reset', words: 'connection reset' },
  ECONNABORTED: { phase: 'reset', words: 'connection aborted' },
  EPIPE: { phase: 'reset', words: 'connection closed while sending' },
  UND_ERR_SOCKET: { phase: 'reset', words: 'connection closed by the server (socket hang up)' },
  UND_ERR_CLOSED: { phase: 'reset', words: 'connection closed' },
  UND_ERR_HEADERS_TIMEOUT: { phase: 'timeout', words: 'timed out waiting for the answer' },
  UND_ERR_BODY_TIMEOUT: { phase: 'timeout', words: 'timed out receiving the answer' },
};

function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err, depth = 0; e && depth < 6; depth++) {
    chain.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return chain;
}

/**
 * Recognises failures of fetch itself. Returns undefined for anything else (a bug, a disk error while
 * writing a download) so that those are never mistaken for "offline" and retried.
 */
export function describeNetworkError(err: unknown): NetworkFailure | undefined {
  const chain = causes(err);
  for (const e of chain) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CODES[code]) {
      const known = CODES[code];
      return { phase: known.phase, reason: `${known.words} (${code})` };
    }
  }
  for (const e of chain) {
    if (e instanceof Error && e.name === 'TimeoutError') return { phase: 'timeout', reason: 'timed out' };
  }
  const top = chain[0];
  // undici reports every transport failure as TypeError "fetch failed" (before the answer) or
  // "terminated" (body cut off); the cause says why when it can.
  if (top instanceof TypeError && /^(fetch failed|terminated)$/.test(top.message)) {
    const inner = chain[1];
    const detail = inner instanceof Error && inner.message ? inner.message : top.message;
    if (/other side closed|socket hang up|terminated/i.test(detail)) return { phase: 'reset', reason: `connection closed (${detail})` };
    return { phase: 'other', reason: detail };
  }
  return undefined;
}

/** Retry-After as seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The server's own words from an error body (`{error}`, docs/scenario-api.md "Generate"), if it gave any. */
export function serverMessage(text: string): string | undefined {
  try {
    const data: unknown = JSON.parse(text);
    if (data && typeof data === 'object') {
      for (const key of ['error', 'message', 'reason', 'detail']) {
        const v = (data as Record<string, unknown>)[key];
        if (typeof v === 'string' && v.trim()) return v.trim();
        if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') {
          return (v as { message: string }).message;
        }
      }
    }
  } catch {
    // not JSON: the caller falls back to the status line
  }
  return undefined;
}

/** A short, single-line excerpt of a body for error messages. */
export function snippet(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
