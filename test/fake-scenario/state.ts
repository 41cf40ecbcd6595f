import { createHash, randomBytes } from 'node:crypto';
import type { GenerateRecord } from './types';
import { buildGlb, traceSvg, type SyntheticContent } from './outputs';
import { checkModel, MODEL_MIME } from './formats';

// All server state, with time-based job progress computed on read: no timer per job, so 1,000+
// jobs cost a few objects each and survive stop()/start() untouched.

export function newId(prefix: 'asset' | 'job' | 'upload'): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

export type AssetKind = 'image' | '3d' | 'vector';

export type AssetSource =
  | { type: 'bytes'; bytes: Buffer }
  | { type: 'output'; jobId: string; make: () => Promise<Buffer> }
  | { type: 'synthetic'; content: SyntheticContent };

export interface AssetRecord {
  id: string;
  name: string | undefined;
  mimeType: string;
  kind: AssetKind;
  createdAt: number;
  source: AssetSource;
  /** For output assets: filled on first need, shared by every later read. */
  bytes?: Promise<Buffer>;
}

export type JobFate = 'fail' | 'never-finish' | 'normal';
export type JobStatus = 'queued' | 'warming-up' | 'in-progress' | 'success' | 'failure' | 'canceled';

export interface JobRecord {
  jobId: string;
  modelId: string;
  createdAt: number;
  fate: JobFate;
  outputAssetIds: string[];
  polled: boolean;
  canceledAt?: number;
  /** Set when making the outputs failed (e.g. an image that does not decode): the job fails with it. */
  generationError?: string;
  outputsReady: boolean;
}

export interface JobView {
  status: JobStatus;
  progress: number;
  failureReason?: string;
}

export const INJECTED_FAILURE_REASON = 'Inference failed: the model could not process this input (injected failure)';
export const CANCELED_REASON = 'Canceled by request';

// Phase boundaries as fractions of the job duration.
const WARMING_AT = 0.15;
/** Share of the job's time after which its output is being made. */
const OUTPUTS_FROM = 0.5;
const WORKING_AT = 0.3;
const FAIL_AT = 0.6;

export type UploadStatus = 'pending' | 'processing' | 'complete';

export interface UploadRecord {
  id: string;
  fileName: string;
  contentType: string;
  fileSize: number;
  parts: number;
  received: Map<number, Buffer>;
  status: UploadStatus;
  readyAt?: number;
  assetId?: string;
}

/** Uploads above this complete asynchronously ("processing" first), to exercise client polling. */
export const ASYNC_UPLOAD_THRESHOLD_BYTES = 1024 * 1024;
export const ASYNC_UPLOAD_PROCESSING_MS = 300;

export class FakeState {
  readonly assets = new Map<string, AssetRecord>();
  readonly jobs = new Map<string, JobRecord>();
  readonly uploads = new Map<string, UploadRecord>();
  readonly generates: GenerateRecord[] = [];
  private readonly outputCache = new Map<string, Promise<Buffer>>();

  constructor(private readonly jobDurationMs: number) {}

  addAsset(asset: Omit<AssetRecord, 'id' | 'createdAt'>): AssetRecord {
    const record: AssetRecord = { ...asset, id: newId('asset'), createdAt: Date.now() };
    this.assets.set(record.id, record);
    return record;
  }

  /** An asset a client may see: an output exists only once its job has succeeded. */
  visibleAsset(id: string, now: number): AssetRecord | undefined {
    const asset = this.assets.get(id);
    if (!asset) return undefined;
    if (asset.source.type === 'output') {
      const job = this.jobs.get(asset.source.jobId);
      if (!job || this.viewJob(job, now).status !== 'success') return undefined;
    }
    return asset;
  }

  /** Bytes of a stored or output asset (synthetic assets are streamed instead). */
  assetBytes(asset: AssetRecord): Promise<Buffer> | undefined {
    if (asset.source.type === 'bytes') return Promise.resolve(asset.source.bytes);
    if (asset.source.type === 'output') {
      asset.bytes ??= asset.source.make();
      return asset.bytes;
    }
    return undefined;
  }

  private cached(key: string, make: () => Promise<Buffer>): Promise<Buffer> {
    let entry = this.outputCache.get(key);
    if (!entry) {
      entry = make();
      // A failure is not cached: the job that hit it records it, and a later job may try again.
      entry.catch(() => this.outputCache.delete(key));
      this.outputCache.set(key, entry);
    }
    return entry;
  }

  createJob(input: {
    modelId: string;
    body: Record<string, unknown>;
    input: AssetRecord;
    fate: JobFate;
  }): JobRecord {
    const job: JobRecord = {
      jobId: newId('job'),
      modelId: input.modelId,
      createdAt: Date.now(),
      fate: input.fate,
      outputAssetIds: [],
      polled: false,
      outputsReady: false,
    };
    const source = input.input;
    if (input.modelId === 'model_tripo-retopology') {
      const faceLimit = typeof input.body['faceLimit'] === 'number' ? input.body['faceLimit'] : undefined;
      const bake = input.body['bake'] !== false;
      const output = this.addAsset({
        name: `${baseName(source.name) ?? 'model'}-retopo.glb`,
        mimeType: 'model/gltf-binary',
        kind: '3d',
        source: {
          type: 'output',
          jobId: job.jobId,
          make: () => this.cached(`glb:${faceLimit ?? 'adaptive'}:${bake}`, () => buildGlb(faceLimit, bake)),
        },
      });
      job.outputAssetIds.push(output.id);
    } else {
      const output = this.addAsset({
        name: `${baseName(source.name) ?? 'image'}.svg`,
        mimeType: 'image/svg+xml',
        kind: 'vector',
        source: {
          type: 'output',
          jobId: job.jobId,
          make: async () => {
            const bytes = await this.assetBytes(source);
            if (!bytes) throw new Error('input image has no stored bytes');
            // The trace depends only on the pixels, so the same picture uploaded again is traced once.
            return this.cached(`svg:${createHash('sha256').update(bytes).digest('hex')}`, () => traceSvg(bytes));
          },
        },
      });
      job.outputAssetIds.push(output.id);
    }
    this.jobs.set(job.jobId, job);
    // As on Scenario, the output is made while the job runs (from half way, so the job's first
    // moments, and the polls that see it queued, are not slowed by it): the poll that first sees
    // the job done answers at once instead of tracing then. A failure is only recorded when someone
    // looks (settleOutputs), exactly as before.
    setTimeout(() => {
      for (const id of job.outputAssetIds) {
        const asset = this.assets.get(id);
        if (asset) void this.assetBytes(asset)?.catch(() => undefined);
      }
    }, Math.floor(this.jobDurationMs * OUTPUTS_FROM)).unref();
    this.generates.push({
      jobId: job.jobId,
      modelId: input.modelId,
      body: input.body,
      inputName: source.name,
      at: job.createdAt,
    });
    return job;
  }

  viewJob(job: JobRecord, now: number): JobView {
    if (job.canceledAt !== undefined) return { status: 'canceled', progress: this.progressAt(job, job.canceledAt), failureReason: CANCELED_REASON };
    if (job.generationError) return { status: 'failure', progress: 1, failureReason: job.generationError };
    const d = this.jobDurationMs;
    const elapsed = now - job.createdAt;
    if (job.fate === 'fail' && elapsed >= FAIL_AT * d) {
      return { status: 'failure', progress: FAIL_AT, failureReason: INJECTED_FAILURE_REASON };
    }
    if (elapsed < WARMING_AT * d) return { status: 'queued', progress: 0 };
    if (elapsed < WORKING_AT * d) return { status: 'warming-up', progress: 0 };
    if (job.fate === 'never-finish' || elapsed < d) return { status: 'in-progress', progress: this.progressAt(job, now) };
    return { status: 'success', progress: 1 };
  }

  private progressAt(job: JobRecord, now: number): number {
    const d = Math.max(1, this.jobDurationMs);
    const working = Math.max(0, now - job.createdAt - WORKING_AT * d);
    // A job that never finishes keeps creeping up without reaching the end, like a stuck worker.
    if (job.fate === 'never-finish') return 0.9 * (1 - Math.exp(-working / d));
    return Math.min(0.99, working / ((1 - WORKING_AT) * d));
  }

  /** Makes a succeeded job's outputs; a failure to make them turns the job into a failure. */
  async settleOutputs(job: JobRecord): Promise<void> {
    if (job.outputsReady || job.generationError) return;
    try {
      for (const id of job.outputAssetIds) {
        const asset = this.assets.get(id);
        if (asset) await this.assetBytes(asset);
      }
      job.outputsReady = true;
    } catch (err) {
      job.generationError = `Inference failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  cancelJob(job: JobRecord, now: number): void {
    const status = this.viewJob(job, now).status;
    if (status === 'success' || status === 'failure' || status === 'canceled') return;
    job.canceledAt = now;
  }

  jobsAwaitingFirstPoll(): number {
    let n = 0;
    for (const job of this.jobs.values()) if (!job.polled) n++;
    return n;
  }

  createUpload(input: { fileName: string; contentType: string; fileSize: number; parts: number }): UploadRecord {
    const upload: UploadRecord = { ...input, id: newId('upload'), received: new Map(), status: 'pending' };
    this.uploads.set(upload.id, upload);
    return upload;
  }

  uploadStatus(upload: UploadRecord, now: number): UploadStatus {
    if (upload.status === 'processing' && upload.readyAt !== undefined && now >= upload.readyAt) upload.status = 'complete';
    return upload.status;
  }

  /** Assembles and checks an upload; returns an error message for the client, or undefined. */
  completeUpload(upload: UploadRecord, now: number): string | undefined {
    if (upload.status !== 'pending') return undefined;
    const missing: number[] = [];
    for (let n = 1; n <= upload.parts; n++) if (!upload.received.has(n)) missing.push(n);
    if (missing.length > 0) {
      return `upload ${upload.id} is missing part${missing.length > 1 ? 's' : ''} ${missing.slice(0, 10).join(', ')} of ${upload.parts}`;
    }
    const ordered: Buffer[] = [];
    for (let n = 1; n <= upload.parts; n++) ordered.push(upload.received.get(n) ?? Buffer.alloc(0));
    const bytes = Buffer.concat(ordered);
    if (bytes.length !== upload.fileSize) {
      return `uploaded parts add up to ${bytes.length} bytes but fileSize was declared as ${upload.fileSize}`;
    }
    const check = checkModel(bytes);
    if (!check.ok) return `${upload.fileName}: ${check.error}`;
    const asset = this.addAsset({
      name: upload.fileName,
      mimeType: upload.contentType || MODEL_MIME[check.format],
      kind: '3d',
      source: { type: 'bytes', bytes },
    });
    upload.received.clear();
    upload.assetId = asset.id;
    if (upload.fileSize > ASYNC_UPLOAD_THRESHOLD_BYTES) {
      upload.status = 'processing';
      upload.readyAt = now + ASYNC_UPLOAD_PROCESSING_MS;
    } else {
      upload.status = 'complete';
    }
    return undefined;
  }
}

function baseName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const base = name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  return base || undefined;
}
