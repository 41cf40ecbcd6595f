/** The HTTP implementation of ScenarioApi: settings and defaults here, the work in the modules. */
import { createHash } from 'node:crypto';
import { getAsset, probe } from './assets';
import { TeamLimitError } from './errors';
import { download } from './download';
import { generate } from './generate';
import { HttpCore } from './http';
import { Jobs } from './jobs';
import {
  DEFAULT_API_URL,
  type AssetInfo,
  type DownloadRequest,
  type DownloadResult,
  type GenerateResult,
  type JobSnapshot,
  type ScenarioApi,
  type ScenarioClientOptions,
  type TeamLimitMemory,
  type UploadRequest,
  type WaitOptions,
} from './types';
import { Uploader } from './upload';

export const CLIENT_DEFAULTS = {
  requestTimeoutMs: 30_000,
  retries: 6,
  networkRetries: 2,
  retryBaseMs: 500,
  retryMaxMs: 20_000,
  pollInitialMs: 1_000,
  pollMaxMs: 10_000,
  pollFactor: 1.5,
  uploadPartBytes: 8 * 1024 * 1024,
  uploadPartConcurrency: 3,
  uploadImportTimeoutMs: 5 * 60_000,
} as const;

/** Who the ceiling belongs to: a fingerprint of the API URL and key; the key itself is never kept. */
export function accountFingerprint(baseUrl: string, apiKey: string): string {
  return createHash('sha256').update(`kiln-account\n${baseUrl}\n${apiKey}`).digest('hex').slice(0, 32);
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

export class ScenarioClient implements ScenarioApi {
  private readonly http: HttpCore;
  private readonly jobs: Jobs;
  private readonly uploader: Uploader;
  private readonly account: string;
  private readonly teamLimits: TeamLimitMemory | undefined;
  private ceiling: number | undefined;

  constructor(options: ScenarioClientOptions) {
    const d = CLIENT_DEFAULTS;
    const baseUrl = (options.baseUrl || DEFAULT_API_URL).replace(/\/+$/, '');
    const poll = {
      pollInitialMs: positive(options.pollInitialMs, d.pollInitialMs),
      pollMaxMs: positive(options.pollMaxMs, d.pollMaxMs),
      pollFactor: Math.max(1, positive(options.pollFactor, d.pollFactor)),
    };
    this.http = new HttpCore({
      baseUrl,
      apiKey: options.apiKey,
      apiSecret: options.apiSecret,
      requestTimeoutMs: positive(options.requestTimeoutMs, d.requestTimeoutMs),
      retries: options.retries !== undefined && options.retries >= 0 ? Math.floor(options.retries) : d.retries,
      networkRetries: options.networkRetries !== undefined && options.networkRetries >= 0 ? Math.floor(options.networkRetries) : d.networkRetries,
      retryBaseMs: positive(options.retryBaseMs, d.retryBaseMs),
      retryMaxMs: positive(options.retryMaxMs, d.retryMaxMs),
      ...(options.projectId?.trim() ? { projectId: options.projectId.trim() } : {}),
    });
    this.account = accountFingerprint(baseUrl, options.apiKey);
    this.teamLimits = options.teamLimitMemory;
    try {
      this.ceiling = this.teamLimits?.load(this.account);
    } catch {
      // Nothing remembered: the ceiling is learned again from the first 429.
    }
    this.jobs = new Jobs(this.http, poll, options.durationMemory);
    this.uploader = new Uploader(this.http, {
      ...poll,
      partBytes: Math.floor(positive(options.uploadPartBytes, d.uploadPartBytes)),
      partConcurrency: Math.floor(positive(options.uploadPartConcurrency, d.uploadPartConcurrency)),
      importTimeoutMs: positive(options.uploadImportTimeoutMs, d.uploadImportTimeoutMs),
    });
  }

  upload(req: UploadRequest): Promise<string> {
    return this.uploader.upload(req);
  }

  async generate(modelId: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<GenerateResult> {
    try {
      return await generate(this.http, modelId, body, signal);
    } catch (error) {
      if (error instanceof TeamLimitError) this.learnCeiling(error.actionLimit);
      throw error;
    }
  }

  jobCeiling(): number | undefined {
    return this.ceiling;
  }

  private learnCeiling(limit: number): void {
    if (this.ceiling === limit) return;
    this.ceiling = limit;
    try {
      this.teamLimits?.save(this.account, limit);
    } catch {
      // Remembering is an optimisation: a store that cannot write must never fail a job.
    }
  }

  getJob(jobId: string, signal?: AbortSignal): Promise<JobSnapshot> {
    return this.jobs.get(jobId, signal);
  }

  waitForJob(jobId: string, options?: WaitOptions): Promise<JobSnapshot> {
    return this.jobs.wait(jobId, options);
  }

  cancelJob(jobId: string): Promise<void> {
    return this.jobs.cancel(jobId);
  }

  getAsset(assetId: string, signal?: AbortSignal): Promise<AssetInfo> {
    return getAsset(this.http, assetId, signal);
  }

  download(req: DownloadRequest): Promise<DownloadResult> {
    return download(this.http, req);
  }

  probe(signal?: AbortSignal): Promise<void> {
    return probe(this.http, signal);
  }
}
