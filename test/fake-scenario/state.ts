import { createHash, randomBytes } from 'node:crypto';
import type { GenerateRecord } from './types';
import { buildGlb, traceSvg, type SyntheticContent } from './outputs';

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

export type JobFate = 'fail' | 'never-finish' | 'stall' | 'normal';
export type JobStatus = 'queued' | 'warming-up' | 'in-progress' | 'success' | 'failure' | 'canceled';

export interface JobRecord {
  jobId: string;
  modelId: string;
  createdAt: number;
  /** This job's own running time, drawn when it is created (fixed or log-normal, see JobDurations). */
  durationMs: number;
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
  /** Why it failed: answered as `job.metadata.error` (docs/scenario-api.md "Jobs"). */
  error?: string;
}

export const INJECTED_FAILURE_REASON = 'Inference failed: the model could not process this input (injected failure)';

// Phase boundaries as fractions of the job duration.
const WARMING_AT = 0.15;
/** Share of the job's time after which its output is being made. */
const OUTPUTS_FROM = 0.5;
const WORKING_AT = 0.3;
const FAIL_AT = 0.6;
/** Where a stalled job's progress stops for good. */
const STALLED_PROGRESS = 0.4;

/** docs/scenario-api.md "A local file becomes an asset id": pending → validating → validated → imported, or failed. */
export type UploadStatus = 'pending' | 'validating' | 'validated' | 'imported' | 'failed';
export type UploadKind = '3d' | 'image';

export interface UploadRecord {
  id: string;
  fileName: string;
  contentType: string;
  kind: UploadKind;
  fileSize: number;
  parts: number;
  /** Part sizes as received (a part sent again replaces the earlier one). */
  partSizes: Map<number, number>;
  /** Part bytes, kept only for files up to KEEP_UPLOAD_BYTES; bigger ones keep their head alone. */
  partBytes: Map<number, Buffer>;
  /** The first HEAD_BYTES of part 1, enough to judge a big file's container. */
  head?: Buffer;
  /** The upload's own job id (Scenario answers one; it is not a generation job). */
  jobId: string;
  completedAt?: number;
  /** Set at completion when the file will fail validation. */
  errorMessage?: string;
  entityId?: string;
}

/** Every part but the last must be at least this big (docs/scenario-api.md: 5 MB, read as S3's 5 MiB). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;
/** Files up to this size are kept whole (and fully checked); bigger ones only by their head. */
export const KEEP_UPLOAD_BYTES = 64 * 1024 * 1024;
const HEAD_BYTES = 1024 * 1024;

export class FakeState {
  readonly assets = new Map<string, AssetRecord>();
  readonly jobs = new Map<string, JobRecord>();
  readonly uploads = new Map<string, UploadRecord>();
  readonly generates: GenerateRecord[] = [];
  private readonly outputCache = new Map<string, Promise<Buffer>>();

  /** Jobs not yet seen final, for the team's ceiling; pruned as they finish. */
  private readonly unfinished = new Set<JobRecord>();

  constructor(
    private readonly drawDurationMs: () => number,
    /** Time each upload status after `pending` lasts (validating, validated) before `imported`. */
    readonly uploadStepMs: number,
  ) {}

  /** Jobs running now (queued, warming up or in progress), as the team's ceiling counts them. */
  runningJobs(now: number): number {
    for (const job of this.unfinished) {
      const status = this.viewJob(job, now).status;
      if (status === 'success' || status === 'failure' || status === 'canceled') this.unfinished.delete(job);
    }
    return this.unfinished.size;
  }

  /** Forgets a job, upload or asset, as if Scenario had lost it (GET answers 404). */
  forget(id: string): boolean {
    const job = this.jobs.get(id);
    if (job) this.unfinished.delete(job);
    return this.jobs.delete(id) || this.uploads.delete(id) || this.assets.delete(id);
  }

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
      durationMs: Math.max(0, this.drawDurationMs()),
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
    this.unfinished.add(job);
    // As on Scenario, the output is made while the job runs (from half way, so the job's first
    // moments, and the polls that see it queued, are not slowed by it): the poll that first sees
    // the job done answers at once instead of tracing then. A failure is only recorded when someone
    // looks (settleOutputs), exactly as before.
    setTimeout(() => {
      for (const id of job.outputAssetIds) {
        const asset = this.assets.get(id);
        if (asset) void this.assetBytes(asset)?.catch(() => undefined);
      }
    }, Math.floor(job.durationMs * OUTPUTS_FROM)).unref();
    this.generates.push({
      jobId: job.jobId,
      modelId: input.modelId,
      body: input.body,
      inputName: source.name,
      at: job.createdAt,
      durationMs: job.durationMs,
    });
    return job;
  }

  viewJob(job: JobRecord, now: number): JobView {
    if (job.canceledAt !== undefined) return { status: 'canceled', progress: this.progressAt(job, job.canceledAt) };
    if (job.generationError) return { status: 'failure', progress: 1, error: job.generationError };
    const d = job.durationMs;
    const elapsed = now - job.createdAt;
    if (job.fate === 'fail' && elapsed >= FAIL_AT * d) {
      return { status: 'failure', progress: FAIL_AT, error: INJECTED_FAILURE_REASON };
    }
    if (elapsed < WARMING_AT * d) return { status: 'queued', progress: 0 };
    if (elapsed < WORKING_AT * d) return { status: 'warming-up', progress: 0 };
    if (job.fate === 'stall') return { status: 'in-progress', progress: STALLED_PROGRESS };
    if (job.fate === 'never-finish' || elapsed < d) return { status: 'in-progress', progress: this.progressAt(job, now) };
    return { status: 'success', progress: 1 };
  }

  private progressAt(job: JobRecord, now: number): number {
    const d = Math.max(1, job.durationMs);
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

  jobsAwaitingFirstPoll(): number {
    let n = 0;
    for (const job of this.jobs.values()) if (!job.polled) n++;
    return n;
  }

  createUpload(input: { fileName: string; contentType: string; kind: UploadKind; fileSize: number; parts: number }): UploadRecord {
    const upload: UploadRecord = { ...input, id: newId('upload'), partSizes: new Map(), partBytes: new Map(), jobId: newId('job') };
    this.uploads.set(upload.id, upload);
    return upload;
  }

  /** Takes one part; answers a refusal for the client, or undefined. */
  putPart(upload: UploadRecord, number: number, bytes: Buffer): string | undefined {
    if (number < upload.parts && bytes.length < MIN_PART_BYTES) {
      return `part ${number} is ${bytes.length} bytes; every part but the last must be at least ${MIN_PART_BYTES} bytes (5 MB)`;
    }
    upload.partSizes.set(number, bytes.length);
    if (upload.fileSize <= KEEP_UPLOAD_BYTES) upload.partBytes.set(number, bytes);
    if (number === 1) upload.head = Buffer.from(bytes.subarray(0, HEAD_BYTES));
    return undefined;
  }

  /** The status now: each step after `pending` lasts uploadStepMs; `stuck` keeps it validating. */
  uploadStatus(upload: UploadRecord, now: number, stuck = false): UploadStatus {
    if (upload.completedAt === undefined) return 'pending';
    const steps = Math.floor((now - upload.completedAt) / Math.max(1, this.uploadStepMs));
    if (stuck || steps < 1) return 'validating';
    if (upload.errorMessage !== undefined) return 'failed';
    if (steps < 2) return 'validated';
    if (upload.entityId === undefined) this.importUpload(upload);
    return 'imported';
  }

  private importUpload(upload: UploadRecord): void {
    const ordered: Buffer[] = [];
    for (let n = 1; n <= upload.parts; n++) ordered.push(upload.partBytes.get(n) ?? Buffer.alloc(0));
    const whole = upload.fileSize <= KEEP_UPLOAD_BYTES;
    const asset = this.addAsset({
      name: upload.fileName,
      mimeType: upload.contentType,
      kind: upload.kind,
      // A big model is judged by its head and never made into anything from its bytes (Tripo's
      // output is made from its parameters), so its bytes are not kept.
      source: { type: 'bytes', bytes: whole ? Buffer.concat(ordered) : Buffer.alloc(0) },
    });
    upload.partBytes.clear();
    upload.entityId = asset.id;
  }

  /**
   * Completion: answers a refusal (400) when parts are missing or do not add up; a file that is
   * not what its kind says is accepted here and fails validation a moment later, with errorMessage.
   */
  completeUpload(upload: UploadRecord, now: number, judge: (upload: UploadRecord, bytes: Buffer, whole: boolean) => string | undefined): string | undefined {
    if (upload.completedAt !== undefined) return undefined;
    const missing: number[] = [];
    for (let n = 1; n <= upload.parts; n++) if (!upload.partSizes.has(n)) missing.push(n);
    if (missing.length > 0) {
      return `upload ${upload.id} is missing part${missing.length > 1 ? 's' : ''} ${missing.slice(0, 10).join(', ')} of ${upload.parts}`;
    }
    let total = 0;
    for (const size of upload.partSizes.values()) total += size;
    if (total !== upload.fileSize) return `uploaded parts add up to ${total} bytes but fileSize was declared as ${upload.fileSize}`;
    const whole = upload.fileSize <= KEEP_UPLOAD_BYTES;
    const bytes = whole ? Buffer.concat([...Array(upload.parts).keys()].map((i) => upload.partBytes.get(i + 1) ?? Buffer.alloc(0))) : (upload.head ?? Buffer.alloc(0));
    const problem = judge(upload, bytes, whole);
    if (problem !== undefined) upload.errorMessage = problem;
    upload.completedAt = now;
    return undefined;
  }
}

function baseName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const base = name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  return base || undefined;
}
