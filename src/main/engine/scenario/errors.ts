/**
 * Typed failures of the Scenario client (the API facts behind them: docs/scenario-api.md). The queue decides what to do from `kind` alone:
 * auth stops the queue, validation and job failures fail the item, network waits for the network,
 * the rest are retried by the client before they ever reach the queue.
 */
export type ScenarioErrorKind =
  | 'auth'
  | 'validation'
  | 'rate-limit'
  | 'server'
  | 'network'
  | 'bad-response'
  | 'job-failed'
  | 'job-canceled'
  | 'download'
  | 'timeout'
  | 'canceled';

export class ScenarioError extends Error {
  override name = 'ScenarioError';
  constructor(
    readonly kind: ScenarioErrorKind,
    message: string,
    /** The HTTP status; for JobFailedError, the job's final status instead (the queue reads it). */
    readonly status?: number | 'failure' | 'canceled',
  ) {
    super(message);
  }
}

/** 401/403: the key pair is wrong. Nothing will work until the artist fixes it. */
export class AuthError extends ScenarioError {
  override name = 'AuthError';
  constructor(status: number) {
    super('auth', `Scenario rejected the API key and secret (HTTP ${status}); check them in Settings`, status);
  }
}

/** 400 and other non-retryable 4xx: the request itself is wrong; the message is the server's. */
export class ValidationError extends ScenarioError {
  override name = 'ValidationError';
  constructor(message: string, status: number) {
    super('validation', message, status);
  }
}

export class RateLimitError extends ScenarioError {
  override name = 'RateLimitError';
  constructor(readonly retryAfterMs: number) {
    super('rate-limit', `Scenario is rate limiting requests; retry after ${Math.ceil(retryAfterMs / 1000)} s`, 429);
  }
}

/**
 * 429 on generate with `details.actionLimit`: the team already runs as many jobs as it may
 * (docs/scenario-api.md "Being a good client"). Not retried by the client: retrying at once fails
 * again. The queue keeps at most `actionLimit` jobs running and submits again when one ends.
 */
export class TeamLimitError extends ScenarioError {
  override name = 'TeamLimitError';
  constructor(
    readonly actionLimit: number,
    /** Retry-After, when the answer carried one (the ceiling 429 usually does not). */
    readonly retryAfterMs: number | undefined,
    said: string | undefined,
  ) {
    super('rate-limit', `Scenario allows your team ${actionLimit} job${actionLimit === 1 ? '' : 's'} at once${said ? ` (${said})` : ''}`, 429);
  }
}

/**
 * Something Kiln had created on Scenario is no longer there (a job, an uploaded input or a result):
 * polling it again cannot help, so the item must start afresh (issue 15: Retry starts over).
 */
export class GoneError extends ValidationError {
  override name = 'GoneError';
  constructor(
    readonly what: 'job' | 'input' | 'output',
    message: string,
    status: number,
  ) {
    super(message, status);
  }
}

/** A stage (upload import, a job) did not move on within its limit: the message names both. */
export class StageTimeoutError extends ScenarioError {
  override name = 'StageTimeoutError';
  constructor(
    readonly stage: 'upload' | 'job',
    message: string,
  ) {
    super('timeout', message);
  }
}

export class ServerError extends ScenarioError {
  override name = 'ServerError';
  constructor(status: number, detail: string) {
    super('server', `Scenario server error (HTTP ${status})${detail ? `: ${detail}` : ''}`, status);
  }
}

/** DNS, refused, reset, timeout: the network, not the request, is at fault. */
export class NetworkError extends ScenarioError {
  override name = 'NetworkError';
  constructor(message: string) {
    super('network', message);
  }
}

/** The server answered, but not with what the API reference promises. */
export class BadResponseError extends ScenarioError {
  override name = 'BadResponseError';
  constructor(message: string, status?: number) {
    super('bad-response', message, status);
  }
}

/** The job ended in `failure` or `canceled` on Scenario's side; the reason is the job's own. */
export class JobFailedError extends ScenarioError {
  override name = 'JobFailedError';
  constructor(
    readonly jobId: string,
    override readonly status: 'failure' | 'canceled',
    readonly reason: string,
  ) {
    super(status === 'failure' ? 'job-failed' : 'job-canceled', reason);
  }
}

/** A download that cannot be completed or fails its checks (size, emptiness, kind of file). */
export class DownloadError extends ScenarioError {
  override name = 'DownloadError';
  constructor(
    message: string,
    /** The result arrived but the disk would not take it (full, no permission): the output folder's trouble, not Scenario's. */
    readonly onDisk = false,
  ) {
    super('download', message);
  }
}

/** The caller aborted the operation (cancel, pause, shutdown). */
export class CanceledError extends ScenarioError {
  override name = 'CanceledError';
  constructor(message = 'canceled') {
    super('canceled', message);
  }
}

export function isScenarioError(e: unknown): e is ScenarioError {
  return e instanceof ScenarioError;
}
