/** The HTTP implementation of ScenarioApi: settings and defaults here, the work in the modules. */
import { getAsset, probe } from './assets';
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
} as const;

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

export class ScenarioClient implements ScenarioApi {
  private readonly http: HttpCore;
  private readonly jobs: Jobs;
  private readonly uploader: Uploader;

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
    });
    this.jobs = new Jobs(this.http, poll, options.durationMemory);
    this.uploader = new Uploader(this.http, { ...poll, partBytes: Math.floor(positive(options.uploadPartBytes, d.uploadPartBytes)) });
  }

  upload(req: UploadRequest): Promise<string> {
    return this.uploader.upload(req);
  }

  generate(modelId: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<GenerateResult> {
    return generate(this.http, modelId, body, signal);
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
