import { constants } from 'node:fs';
import { files, type OpenFile } from '../files/calls';
import { basename, extname } from 'node:path';
import type { Metadata } from 'sharp';
import type { ModelDescriptor } from '../models/types';
import { describeKinds, EXTENSIONS_BY_KIND, IMAGE_KINDS, KIND_LABEL, sentInline, type InputKind } from './kinds';
import { isIntactPng } from './png-integrity';
import { HEAD_BYTES, readHead, sniffKind } from './sniff';

/**
 * What is wrong with an input, said by the code that found it so nothing downstream has to read the
 * message to know (src/main/engine/queue/classify-failure.ts turns it into the artist's words).
 */
export type InputProblem =
  /** 0 bytes: nothing was saved in it. */
  | 'empty'
  /** Its content is not what a model takes, or is damaged, truncated or refers to what cannot be packed. */
  | 'damaged'
  | 'too-large'
  /** Gone, or no longer readable (moved, deleted, locked, permission). */
  | 'missing';

/** An input that cannot be converted; the message is meant for the artist, naming the file. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    message: string,
    readonly problem: InputProblem,
  ) {
    super(message);
  }
}

/** Images larger than this are refused before upload: no cloud model takes them and decoding them would exhaust memory. */
// Kept in kinds.ts so `kiln models` can describe inputs without loading sharp.
export { describeKinds };

export const MAX_IMAGE_PIXELS = 100_000_000;

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

function describeContent(head: Buffer): string {
  if (head.length === 0) return 'empty';
  const sample = head.subarray(0, 512);
  if (!sample.includes(0)) {
    const text = sample.toString('utf8').trimStart().toLowerCase();
    if (text.startsWith('<!doctype html') || text.startsWith('<html')) return 'an HTML page';
    if (text.startsWith('<svg') || text.startsWith('<?xml')) return 'an XML/SVG document';
    return 'text';
  }
  return 'an unrecognised binary format';
}

/**
 * Images up to this many pixels are decoded at full size: for a small image the shrinking pipeline
 * costs more than the pixels it saves (issue 13.3, bench/cli-cpu.ts). Bigger ones are decoded while
 * being shrunk, which keeps a large photo's decode cheap.
 */
const FULL_DECODE_MAX_PIXELS = 512 * 512;

/**
 * `source` is the path, or the whole file when it was already read (an image small enough to go up
 * inline): sharp then opens nothing itself, where from a path libvips opens and sniffs the file once
 * per candidate format.
 */
async function checkImage(kind: InputKind, source: string | Buffer): Promise<void> {
  // A small PNG proved whole without a decoder is done: sharp is not even loaded (issue 13.3).
  if (kind === 'png' && typeof source !== 'string' && isIntactPng(source, FULL_DECODE_MAX_PIXELS)) return;
  const { default: sharp } = await import('sharp');
  if (typeof source !== 'string') {
    // Most inputs are small and whole: one decode, bounded to what would be decoded at full size
    // anyway, proves it in one trip through libuv's thread pool instead of two (issue 13.3). Any
    // failure (too many pixels included) is judged again below, so each message stays the careful
    // path's own.
    try {
      await sharp(source, { failOn: 'error', limitInputPixels: FULL_DECODE_MAX_PIXELS }).raw().toBuffer();
      return;
    } catch {
      // Judged below.
    }
  }
  let meta: Metadata;
  try {
    meta = await sharp(source, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new InputError(`cannot read the image: ${(error as Error).message}`, 'damaged');
  }
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (!meta.width || !meta.height) throw new InputError('the image has no dimensions', 'damaged');
  if (pixels > MAX_IMAGE_PIXELS) {
    throw new InputError(`the image is ${meta.width}×${meta.height} pixels; at most ${MAX_IMAGE_PIXELS / 1e6} megapixels are accepted`, 'too-large');
  }
  try {
    // A full decode (at a small size for big images) catches truncated and corrupt data (bad CRCs
    // included) that the header hides, before a job is paid for.
    const image = sharp(source, { failOn: 'error', limitInputPixels: MAX_IMAGE_PIXELS });
    await (pixels <= FULL_DECODE_MAX_PIXELS ? image : image.resize(32, 32, { fit: 'inside' })).raw().toBuffer();
  } catch (error) {
    throw new InputError(`the image data is damaged or truncated (${(error as Error).message})`, 'damaged');
  }
}

async function checkGlb(path: string, size: number): Promise<void> {
  const head = await readHead(path, 20);
  if (head.length < 20) throw new InputError('the GLB file is truncated (shorter than its header)', 'damaged');
  const version = head.readUInt32LE(4);
  const declared = head.readUInt32LE(8);
  if (version !== 2) throw new InputError(`the GLB file is version ${version}; only glTF 2.0 is supported`, 'damaged');
  if (declared !== size) {
    throw new InputError(`the GLB file is damaged: its header says ${declared} bytes but the file has ${size}`, 'damaged');
  }
  if (head.toString('latin1', 16, 20) !== 'JSON') throw new InputError('the GLB file is damaged: its first chunk is not JSON', 'damaged');
  const jsonLength = head.readUInt32LE(12);
  const handle = await files.open(path, 'r');
  try {
    const json = Buffer.alloc(Math.min(jsonLength, 64 * 1024 * 1024));
    await handle.read(json, 0, json.length, 20);
    const doc = JSON.parse(json.toString('utf8')) as { meshes?: unknown[] };
    if (!Array.isArray(doc.meshes) || doc.meshes.length === 0) throw new InputError('the GLB file contains no meshes', 'damaged');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError('the GLB file is damaged: its JSON chunk does not parse', 'damaged');
  } finally {
    await handle.close();
  }
}

async function checkObj(path: string): Promise<void> {
  const { createInterface } = await import('node:readline');
  let faces = 0;
  const lines = createInterface({ input: files.readStream(path).setEncoding('utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (/^\s*f\s/.test(line)) {
      faces++;
      break;
    }
  }
  if (faces === 0) throw new InputError('the OBJ file has vertices but no faces, so there is no surface to retopologise', 'damaged');
}

/** The files a .gltf names are checked (where they are, what they are, how big) without being read. */
async function checkGltf(path: string): Promise<void> {
  // Imported here: gltf-resources imports InputError from this module.
  const { listGltfResources, readGltfJson } = await import('./gltf-resources');
  const { json, bytes } = await readGltfJson(path);
  await listGltfResources(path, json, bytes);
}

export interface CheckedInput {
  kind: InputKind;
  size: number;
  /**
   * The file's whole content, when the check read all of it: an image small enough to go up inline
   * (kinds.ts sentInline), which the upload then sends as it is instead of reading the file again.
   */
  bytes?: Buffer;
}

/**
 * O_NONBLOCK: opening a FIFO named as an input would otherwise wait for a writer forever, where its
 * stat (now taken from the open file) refuses it; the flag changes nothing for a regular file.
 * Windows has no such flag.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** The artist's words for a file that cannot be opened or read. */
function unreadable(error: unknown, path: string, name: string): InputError {
  if (error instanceof InputError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError(`the input file no longer exists: ${path}`, 'missing');
  if (code === 'EISDIR') return new InputError(`${name} is a folder, not a file`, 'damaged');
  if (code === 'EACCES' || code === 'EPERM') return new InputError(`cannot read ${name}: permission denied`, 'missing');
  return new InputError(`cannot read ${name}: ${(error as Error).message}`, 'missing');
}

/** Up to `length` bytes from `position`; fewer only when the file ends first. */
async function readAt(handle: OpenFile, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/**
 * Everything Kiln can check about an input before spending a network call on it:
 * it exists and is readable, is not empty or too big, really is a kind the model accepts
 * (by content, not by name), and is not damaged.
 *
 * The file is opened once, and sized and read through that one handle: each file-system call is a
 * trip through libuv's thread pool, the largest share of the client's CPU per item (issue 13.3,
 * bench/cli-cpu.ts). An image that goes up inline is read whole, so the upload reads nothing again.
 */
export async function checkInput(path: string, model: ModelDescriptor, options: { deep?: boolean } = {}): Promise<CheckedInput> {
  const name = basename(path);
  let handle: OpenFile;
  try {
    handle = await files.open(path, OPEN_FLAGS);
  } catch (error) {
    throw unreadable(error, path, name);
  }
  let size: number;
  let content: Buffer;
  let kind: InputKind | undefined;
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new InputError(`${name} is a folder, not a file`, 'damaged');
    if (!info.isFile()) throw new InputError(`${name} is not a regular file`, 'damaged');
    size = info.size;
    if (size === 0) throw new InputError(`${name} is empty (0 bytes)`, 'empty');
    if (size > model.input.maxBytes) {
      throw new InputError(`${name} is ${formatBytes(size)}; ${model.displayName} accepts files up to ${formatBytes(model.input.maxBytes)}`, 'too-large');
    }
    // The name is only a hint, but when it says "image sent inline" the whole file is read at once;
    // otherwise the head decides, and an inline image's rest is read after it.
    const ext = extname(path).toLowerCase();
    const named = model.input.kinds.find((k) => EXTENSIONS_BY_KIND[k].includes(ext));
    const wanted = named && sentInline(named, size) ? size : Math.min(size, HEAD_BYTES);
    content = await readAt(handle, wanted, 0);
    kind = sniffKind(content.subarray(0, HEAD_BYTES));
    if (kind && model.input.kinds.includes(kind) && sentInline(kind, size) && wanted < size && content.length === wanted) {
      content = Buffer.concat([content, await readAt(handle, size - wanted, wanted)]);
    }
  } catch (error) {
    throw unreadable(error, path, name);
  } finally {
    await handle.close();
  }
  if (!kind || !model.input.kinds.includes(kind)) {
    const found = kind ? `a ${KIND_LABEL[kind]}` : describeContent(content.subarray(0, HEAD_BYTES));
    throw new InputError(`${name} is ${found}; ${model.displayName} accepts ${describeKinds(model.input.kinds)}`, 'damaged');
  }
  // Content shorter than the size fstat gave means the file changed meanwhile: it is then checked
  // from its path and sent from the file, as a big one is.
  const whole = content.length === size && sentInline(kind, size) ? content : undefined;
  if (options.deep !== false) {
    try {
      if (IMAGE_KINDS.has(kind)) await checkImage(kind, whole ?? path);
      else if (kind === 'glb') await checkGlb(path, size);
      else if (kind === 'obj') await checkObj(path);
      else if (kind === 'gltf') await checkGltf(path);
    } catch (error) {
      if (error instanceof InputError) throw new InputError(`${name}: ${error.message}`, error.problem);
      throw error;
    }
  }
  return whole ? { kind, size, bytes: whole } : { kind, size };
}
