import type { InputKind } from '../inputs/kinds';
import type { ModelOutput, UploadRoute } from '../models/types';

export const DEFAULT_API_URL = 'https://api.cloud.scenario.com/v1';

export interface Credentials {
  apiKey: string;
  apiSecret: string;
}

export interface ScenarioClientOptions extends Credentials {
  /** Base URL including the version, e.g. https://api.cloud.scenario.com/v1 (no trailing slash needed). */
  baseUrl: string;
  /** Per-request timeout (default 30 s); downloads use it as an idle timeout between chunks. */
  requestTimeoutMs?: number;
  /** Attempts after the first for retryable failures (network, 5xx, 408, 429) (default 6). */
  retries?: number;
  /**
   * Attempts after the first for network failures (refused, reset, DNS, timeout) (default 2): a
   * blip is ridden out here, a real outage goes to the queue, which waits for the network.
   */
  networkRetries?: number;
  /** Backoff for retries: first delay and cap, with full jitter (defaults 500 ms, 20 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Polling backoff: first interval, cap and growth (defaults 1000 ms, 10000 ms, 1.5). */
  pollInitialMs?: number;
  pollMaxMs?: number;
  pollFactor?: number;
  /** Part size for the upload flow (default 8 MiB; never under 5 MiB, raised to stay within 10,000 parts). */
  uploadPartBytes?: number;
  /** Parts sent at once (default 3); each holds one part in memory. */
  uploadPartConcurrency?: number;
  /** How long an upload may take to be imported after it was completed (default 5 min, as Scenario's SDK). */
  uploadImportTimeoutMs?: number;
  /** Scenario project id, sent as `?projectId=` on every API call when set. */
  projectId?: string;
  /** Where the team's job ceiling is kept per account between runs (the queue store). */
  teamLimitMemory?: TeamLimitMemory;
  /** Where learned job durations are kept between runs (the queue store); in memory only without it. */
  durationMemory?: DurationMemory;
}

/**
 * The team's ceiling of jobs running at once, learned from a 429 (docs/scenario-api.md "Being a
 * good client"), kept per account: a fingerprint of the API URL and key, never the key itself.
 */
export interface TeamLimitMemory {
  load(account: string): number | undefined;
  save(account: string, limit: number): void;
}

/** What polling learned about each kind of job (duration-model.ts), kept across runs; checked when loaded. */
export interface DurationMemory {
  load(): ReadonlyMap<string, unknown>;
  save(kind: string, value: unknown): void;
}

export type JobStatus = 'queued' | 'warming-up' | 'in-progress' | 'success' | 'failure' | 'canceled' | (string & {});

export interface JobSnapshot {
  jobId: string;
  status: JobStatus;
  /** 0..1 when the server reports it. */
  progress?: number;
  assetIds: string[];
  /** The failure or cancellation reason where the server gives one. */
  reason?: string;
}

export interface GenerateResult {
  jobId: string;
  status: JobStatus;
  /**
   * When the request that created the job was sent (epoch ms). The job began between then and the
   * answer, and the answer can wait behind the client's other work (a batch's first uploads, say),
   * so a job's duration is timed from here (queue/runner.ts, scenario/duration-model.ts).
   */
  sentAt: number;
  creativeUnitsCost?: number;
}

export interface AssetInfo {
  id: string;
  url?: string;
  mimeType?: string;
  /** Byte size when the server states it. */
  size?: number;
  name?: string;
}

export interface UploadRequest {
  path: string;
  /** Name shown on Scenario (the file's base name). */
  name: string;
  kind: InputKind;
  route: UploadRoute;
  /** The file's whole content, already read and checked; the uploader then neither stats nor reads the file. */
  bytes?: Uint8Array;
  signal?: AbortSignal;
}

export interface DownloadRequest {
  assetId: string;
  /**
   * Where to write; the caller owns naming, temp files and renaming into place. When download()
   * resolves, the file is complete and already synced to disk (output/writer.ts CommitOptions.dataSynced).
   */
  destPath: string;
  expected: ModelOutput;
  signal?: AbortSignal;
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
}

export interface DownloadResult {
  bytes: number;
  mimeType: string | undefined;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Called after each poll, so the caller can persist progress. */
  onUpdate?: (job: JobSnapshot) => void;
  /** Jobs with the same key take similar time (e.g. the model id): their durations are learned to time polls. */
  durationKey?: string;
  /** When the job was submitted (ms since epoch), if this process saw it submitted. */
  submittedAt?: number;
}

/** What the queue needs from Scenario. One implementation talks HTTP; nothing else is needed. */
export interface ScenarioApi {
  /** Local file → assetId, through the route the model's input needs. */
  upload(req: UploadRequest): Promise<string>;
  generate(modelId: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<GenerateResult>;
  getJob(jobId: string, signal?: AbortSignal): Promise<JobSnapshot>;
  /** Polls with backoff until success (resolves) or failure/canceled (throws JobFailedError). */
  waitForJob(jobId: string, options?: WaitOptions): Promise<JobSnapshot>;
  cancelJob(jobId: string): Promise<void>;
  getAsset(assetId: string, signal?: AbortSignal): Promise<AssetInfo>;
  /** Streams an output asset to destPath, refreshing an expired URL, and checks what arrived. */
  download(req: DownloadRequest): Promise<DownloadResult>;
  /** Cheap authenticated round trip: resolves when the API answers and accepts the credentials. */
  probe(signal?: AbortSignal): Promise<void>;
  /** The team's ceiling of jobs running at once, if one was learned for this account. */
  jobCeiling(): number | undefined;
}
