import type { IncomingMessage, ServerResponse } from 'node:http';
import sharp from 'sharp';
import type { FaultInjector } from './faults';
import { IMAGE_MIME, sniffImage } from './formats';
import { parseJson, readBody, sendError, sendJson } from './http';
import type { Signer } from './signing';
import { MIN_PART_BYTES, type AssetRecord, type FakeState, type JobRecord, type UploadRecord } from './state';
import { checkModel } from './formats';
import {
  imageAssetBody,
  jobActionBody,
  parseWith,
  tripoParams,
  TRIPO_MODEL_ID,
  uploadActionBody,
  uploadCreateBody,
  UPLOAD_CONTENT_TYPES,
  VTRACER_MODEL_ID,
  vtracerParams,
} from './validation';
import type { RouteName } from './types';
import type { z } from 'zod';

/** What the handlers share; the server owns it and it outlives stop()/start(). */
export interface Context {
  state: FakeState;
  signer: Signer;
  faults: FaultInjector;
  maxUploadBytes: number;
  /** Counts a generate refused for the team's ceiling. */
  refusedForTeamLimit(): void;
  /** http://127.0.0.1:PORT, for the pre-signed URLs the API hands out. */
  origin(): string;
}

const JSON_BODY_CAP = 1024 * 1024;
const CREATIVE_UNITS: Record<string, number> = { [VTRACER_MODEL_ID]: 1, [TRIPO_MODEL_ID]: 10 };

type Handler = (ctx: Context, req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;

function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${bytes} bytes` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Reads and parses a JSON body; on any problem answers 400 itself and returns undefined. */
async function jsonBody<T>(req: IncomingMessage, res: ServerResponse, schema: z.ZodType<T>, cap = JSON_BODY_CAP): Promise<T | undefined> {
  const body = await readBody(req, cap);
  if (!body.ok) {
    if (body.tooLarge) sendError(res, 400, `request body is ${mib(body.received)}; the limit is ${mib(cap)}`);
    return undefined;
  }
  const json = parseJson(body.bytes);
  if (!json.ok) {
    sendError(res, 400, 'request body is not valid JSON');
    return undefined;
  }
  const parsed = parseWith(schema, json.value);
  if (!parsed.ok) {
    sendError(res, 400, parsed.error);
    return undefined;
  }
  return parsed.value;
}

function assetJson(ctx: Context, asset: AssetRecord, size: number | undefined, withUrl: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: asset.id,
    name: asset.name,
    mimeType: asset.mimeType,
    kind: asset.kind,
    status: 'success',
    createdAt: new Date(asset.createdAt).toISOString(),
  };
  if (size !== undefined) out['size'] = size;
  if (withUrl) {
    const expires = Date.now() + ctx.faults.faults.assetUrlTtlMs;
    const sig = ctx.signer.sign(`cdn:${asset.id}:${expires}`);
    out['url'] = `${ctx.origin()}/cdn/${encodeURIComponent(asset.id)}?expires=${expires}&sig=${sig}`;
  }
  return out;
}

function jobJson(ctx: Context, job: JobRecord, now: number): Record<string, unknown> {
  const view = ctx.state.viewJob(job, now);
  const out: Record<string, unknown> = {
    jobId: job.jobId,
    jobType: 'custom',
    modelId: job.modelId,
    status: view.status,
    progress: Math.round(view.progress * 1000) / 1000,
    createdAt: new Date(job.createdAt).toISOString(),
    metadata: {
      assetIds: view.status === 'success' ? [...job.outputAssetIds] : [],
      ...(view.error === undefined ? {} : { error: view.error }),
    },
  };
  return out;
}

function uploadJson(ctx: Context, upload: UploadRecord, now: number): Record<string, unknown> {
  const status = ctx.state.uploadStatus(upload, now, ctx.faults.faults.stuckUploads);
  const out: Record<string, unknown> = {
    id: upload.id,
    status,
    fileName: upload.fileName,
    contentType: upload.contentType,
    kind: upload.kind,
    fileSize: upload.fileSize,
    jobId: upload.jobId,
  };
  if (status === 'imported') out['entityId'] = upload.entityId;
  if (status === 'failed') out['errorMessage'] = upload.errorMessage;
  return out;
}

/** Largest `image` text POST /assets takes (docs/scenario-api.md: 6 MB, counted on the base64 text). */
export const IMAGE_ASSET_MAX_CHARS = 6_000_000;
/** How long a part URL stays valid. */
const PART_URL_TTL_MS = 60 * 60_000;

const DATA_URL = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)(?:;[a-z0-9=.+-]+)*;base64,(.*)$/is;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const createAsset: Handler = async (ctx, req, res) => {
  // The 6 MB limit on the image text, plus room for the JSON around it.
  const cap = IMAGE_ASSET_MAX_CHARS + 64 * 1024;
  const body = await jsonBody(req, res, imageAssetBody, cap);
  if (!body) return;
  const match = DATA_URL.exec(body.image);
  if (!match) {
    sendError(res, 400, '"image" must be a base64 data URL: data:<mime>;base64,<bytes>');
    return;
  }
  if (body.image.length > IMAGE_ASSET_MAX_CHARS) {
    sendError(res, 400, `"image" is ${body.image.length} characters of base64; POST /assets takes at most 6 MB: use the upload flow (POST /uploads) for bigger images`);
    return;
  }
  const declared = (match[1] ?? '').toLowerCase();
  const payload = (match[2] ?? '').replace(/\s+/g, '');
  if (!BASE64.test(payload) || payload.length % 4 !== 0) {
    sendError(res, 400, '"image" data URL payload is not valid base64');
    return;
  }
  const bytes = Buffer.from(payload, 'base64');
  if (bytes.length === 0) {
    sendError(res, 400, '"image" data URL is empty');
    return;
  }
  if (bytes.length > ctx.maxUploadBytes) {
    sendError(res, 400, `image is ${mib(bytes.length)}; uploads are limited to ${mib(ctx.maxUploadBytes)}`);
    return;
  }
  const format = sniffImage(bytes);
  if (!format) {
    sendError(res, 400, `image bytes are not PNG, JPEG or WEBP (first bytes 0x${bytes.subarray(0, 4).toString('hex')})`);
    return;
  }
  const actual = IMAGE_MIME[format];
  const declaredNormal = declared === 'image/jpg' ? 'image/jpeg' : declared;
  if (declaredNormal !== actual) {
    sendError(res, 400, `data URL declares ${declared} but the bytes are ${format.toUpperCase()} (${actual})`);
    return;
  }
  try {
    await sharp(bytes).metadata();
  } catch {
    sendError(res, 400, `image could not be decoded as ${format.toUpperCase()}`);
    return;
  }
  const asset = ctx.state.addAsset({ name: body.name, mimeType: actual, kind: 'image', source: { type: 'bytes', bytes } });
  sendJson(res, 200, { asset: assetJson(ctx, asset, bytes.length, false) });
};

const createUpload: Handler = async (ctx, req, res) => {
  const body = await jsonBody(req, res, uploadCreateBody);
  if (!body) return;
  if (body.fileSize > ctx.maxUploadBytes) {
    sendError(res, 400, `file is ${mib(body.fileSize)}; uploads are limited to ${mib(ctx.maxUploadBytes)}`);
    return;
  }
  if (body.parts > 1 && body.fileSize < (body.parts - 1) * MIN_PART_BYTES) {
    sendError(res, 400, `"parts" (${body.parts}) is too many for ${body.fileSize} bytes: every part but the last must be at least 5 MB`);
    return;
  }
  if (body.kind !== '3d' && body.kind !== 'image') {
    sendError(res, 400, `kind "${body.kind}" is not handled by this fake server (Kiln sends "3d" and "image")`);
    return;
  }
  const allowed = UPLOAD_CONTENT_TYPES[body.kind];
  if (!allowed.includes(body.contentType)) {
    sendError(res, 400, `"contentType" ${body.contentType} does not fit kind "${body.kind}" (expected ${allowed.join(', ')})`);
    return;
  }
  const upload = ctx.state.createUpload({ ...body, kind: body.kind });
  const expires = new Date(Date.now() + PART_URL_TTL_MS).toISOString();
  const parts = Array.from({ length: upload.parts }, (_, i) => {
    const number = i + 1;
    const sig = ctx.signer.sign(`part:${upload.id}:${number}`);
    return { number, url: `${ctx.origin()}/upload-parts/${upload.id}/${number}?sig=${sig}`, expires };
  });
  sendJson(res, 200, { upload: { id: upload.id, status: 'pending', jobId: upload.jobId, parts } });
};

const getUpload: Handler = async (ctx, _req, res, [id]) => {
  const upload = ctx.state.uploads.get(id ?? '');
  if (!upload) return sendError(res, 404, `upload ${id} not found`);
  sendJson(res, 200, { upload: uploadJson(ctx, upload, Date.now()) });
};

/** Judges an upload's content the way its kind needs; `whole` is false when only its head is at hand. */
function judgeUpload(upload: UploadRecord, bytes: Buffer, whole: boolean): string | undefined {
  if (upload.kind === 'image') {
    const format = sniffImage(bytes);
    if (!format) return `Unsupported file: ${upload.fileName} is not a PNG, JPEG or WEBP image`;
    if (IMAGE_MIME[format] !== upload.contentType) return `Unsupported file: ${upload.fileName} is ${IMAGE_MIME[format]}, not ${upload.contentType}`;
    return undefined;
  }
  if (!whole) {
    // A big file: its container header must promise exactly the size declared.
    if (bytes.toString('latin1', 0, 4) === 'glTF' && bytes.length >= 12) {
      const declared = bytes.readUInt32LE(8);
      return declared === upload.fileSize ? undefined : `Unsupported file: GLB header declares ${declared} bytes but the file has ${upload.fileSize}`;
    }
  }
  const check = checkModel(bytes);
  return check.ok ? undefined : `Unsupported file: ${upload.fileName}: ${check.error}`;
}

const completeUpload: Handler = async (ctx, req, res, [id]) => {
  const body = await jsonBody(req, res, uploadActionBody);
  if (!body) return;
  const upload = ctx.state.uploads.get(id ?? '');
  if (!upload) return sendError(res, 404, `upload ${id} not found`);
  const now = Date.now();
  const error = ctx.state.completeUpload(upload, now, judgeUpload);
  if (error) return sendError(res, 400, error);
  sendJson(res, 200, { upload: { id: upload.id, status: ctx.state.uploadStatus(upload, now, ctx.faults.faults.stuckUploads) } });
};

function inputAsset(ctx: Context, modelId: string, param: string, id: string | undefined, want: 'image' | '3d'): AssetRecord | string {
  if (id === undefined) return `missing required parameter "${param}" (the input ${want === 'image' ? 'image' : '3D model'} assetId) for ${modelId}`;
  const asset = ctx.state.visibleAsset(id, Date.now());
  if (!asset) return `"${param}": asset ${id} not found`;
  if (want === 'image' && asset.kind !== 'image') {
    return `"${param}": asset ${id} is ${asset.mimeType}, but ${modelId} needs a PNG, JPEG or WEBP image`;
  }
  if (want === '3d' && asset.kind !== '3d') {
    return `"${param}": asset ${id} is ${asset.mimeType}, but ${modelId} needs a 3D model`;
  }
  return asset;
}

const generate: Handler = async (ctx, req, res, [modelId = '']) => {
  if (modelId !== VTRACER_MODEL_ID && modelId !== TRIPO_MODEL_ID) {
    // Answer before reading: the body is irrelevant to an unknown model.
    return sendError(res, 404, `model ${modelId} not found`);
  }
  const body = await readBody(req, JSON_BODY_CAP);
  if (!body.ok) {
    if (body.tooLarge) sendError(res, 400, `request body is ${mib(body.received)}; the limit is ${mib(JSON_BODY_CAP)}`);
    return;
  }
  const json = parseJson(body.bytes);
  if (!json.ok) return sendError(res, 400, 'request body is not valid JSON');
  const raw = json.value;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return sendError(res, 400, 'request body must be a JSON object');
  const rawBody = raw as Record<string, unknown>;

  let input: AssetRecord | string;
  if (modelId === VTRACER_MODEL_ID) {
    const parsed = parseWith(vtracerParams, rawBody);
    if (!parsed.ok) return sendError(res, 400, parsed.error);
    input = inputAsset(ctx, modelId, 'image', parsed.value.image, 'image');
  } else {
    const parsed = parseWith(tripoParams, rawBody);
    if (!parsed.ok) return sendError(res, 400, parsed.error);
    input = inputAsset(ctx, modelId, 'model', parsed.value.model, '3d');
  }
  if (typeof input === 'string') return sendError(res, 400, input);

  const limit = ctx.faults.faults.teamJobLimit;
  if (limit !== null && ctx.state.runningJobs(Date.now()) >= limit) {
    ctx.refusedForTeamLimit();
    // docs/scenario-api.md "Being a good client": the ceiling 429 names the limit and carries no Retry-After.
    const retryAfter = ctx.faults.faults.teamLimitRetryAfterSeconds;
    return sendJson(
      res,
      429,
      { error: `Your team has reached its limit of ${limit} jobs running at once`, details: { actionName: 'generate', actionLimit: limit } },
      retryAfter === null ? {} : { 'Retry-After': String(retryAfter) },
    );
  }
  const job = ctx.state.createJob({ modelId, body: rawBody, input, fate: ctx.faults.jobFate() });
  // The job exists and is charged; the client is never told its id (closed with the server).
  if (ctx.faults.faults.holdGenerateAnswers) return;
  sendJson(res, 200, { job: jobJson(ctx, job, job.createdAt), creativeUnitsCost: CREATIVE_UNITS[modelId] ?? 1 });
};

const getJob: Handler = async (ctx, _req, res, [id]) => {
  const job = ctx.state.jobs.get(id ?? '');
  if (!job) return sendError(res, 404, `job ${id} not found`);
  job.polled = true;
  let now = Date.now();
  if (ctx.state.viewJob(job, now).status === 'success') {
    // Outputs are made while the job runs (createJob); the first look at the finished job settles
    // them, turning a failure to make them into a failed job.
    await ctx.state.settleOutputs(job);
    now = Date.now();
  }
  sendJson(res, 200, { job: jobJson(ctx, job, now) });
};

const cancelJob: Handler = async (ctx, req, res, [id]) => {
  const body = await jsonBody(req, res, jobActionBody);
  if (!body) return;
  const job = ctx.state.jobs.get(id ?? '');
  if (!job) return sendError(res, 404, `job ${id} not found`);
  // docs/scenario-api.md "Jobs": generation jobs refuse to be canceled; the job runs on (and is charged).
  sendError(res, 400, 'Cannot cancel this type of job');
};

/** Finds an asset a client may download, making a job's output first if needed. */
export async function resolveAsset(ctx: Context, id: string): Promise<{ asset: AssetRecord; size: number } | undefined> {
  const raw = ctx.state.assets.get(id);
  if (raw?.source.type === 'output') {
    const job = ctx.state.jobs.get(raw.source.jobId);
    if (job && ctx.state.viewJob(job, Date.now()).status === 'success') await ctx.state.settleOutputs(job);
  }
  const asset = ctx.state.visibleAsset(id, Date.now());
  if (!asset) return undefined;
  if (asset.source.type === 'synthetic') return { asset, size: asset.source.content.size };
  const bytes = await ctx.state.assetBytes(asset);
  return bytes ? { asset, size: bytes.length } : undefined;
}

const getAsset: Handler = async (ctx, _req, res, [id = '']) => {
  const found = await resolveAsset(ctx, id);
  if (!found) return sendError(res, 404, `asset ${id} not found`);
  sendJson(res, 200, { asset: assetJson(ctx, found.asset, found.size, true) });
};

export const apiHandlers: Partial<Record<RouteName, Handler>> = {
  'asset-create': createAsset,
  'asset-get': getAsset,
  'upload-create': createUpload,
  'upload-get': getUpload,
  'upload-complete': completeUpload,
  generate,
  'job-get': getJob,
  'job-cancel': cancelJob,
};
