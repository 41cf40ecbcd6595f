import { constants as fsConstants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { InputError, type InputProblem } from './validate';

/**
 * What a .gltf may make Kiln read (issue 14.1). Packing a .gltf for upload reads every file its
 * buffers and images name, and the result is sent to Scenario, so the file decides what leaves
 * the machine. Only two kinds of reference are followed: a relative URI that resolves — symlinks
 * included — to a regular file inside the .gltf's own folder, and a `data:` URI. Every read is
 * bounded in size (a buffer by its declared byteLength, all of them together by
 * MAX_GLTF_TOTAL_BYTES) and in time, and nothing but a regular file is ever opened, so /dev/zero
 * cannot fill memory and a FIFO cannot hang the batch.
 */

/** Everything read for one .gltf (its JSON and all resources): the largest model Scenario takes, with headroom. */
export const MAX_GLTF_TOTAL_BYTES = 512 * 1024 * 1024;
/** A read of a regular local file that takes this long is on a dead network mount or worse. */
export const GLTF_READ_TIMEOUT_MS = 60_000;

const resourceJson = z.looseObject({ uri: z.string().optional() });
const gltfJson = z.looseObject({
  asset: z.looseObject({ version: z.string() }),
  buffers: z.array(z.looseObject({ uri: z.string().optional(), byteLength: z.number().int().min(0) })).optional(),
  images: z.array(resourceJson).optional(),
});
export type GltfJson = z.infer<typeof gltfJson>;

/** A resource file a .gltf names, checked to be a regular file inside its folder. */
export interface LocalResource {
  uri: string;
  /** Real path of the file. */
  path: string;
  size: number;
  /** Bytes to read: the declared byteLength for a buffer, the whole file for an image. */
  bytes: number;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** A file the .gltf names cannot be packed: the .gltf as given cannot be converted, unless `problem` says otherwise. */
function refuse(uri: string, why: string, problem: InputProblem = 'damaged'): InputError {
  return new InputError(`the glTF refers to "${uri}", ${why}`, problem);
}

/**
 * Opens a path as a regular file without ever blocking (O_NONBLOCK: opening a FIFO with no writer
 * would wait forever) and reads its first `want` bytes (all of it when undefined, refused past
 * `limit`), within GLTF_READ_TIMEOUT_MS.
 */
async function readRegularFile(
  path: string,
  bounds: { limit: number; want?: number; noFollow?: boolean },
  describe: (why: string, problem?: InputProblem) => InputError,
): Promise<Buffer<ArrayBuffer>> {
  const { limit, want } = bounds;
  // A resource is opened by the real path checked earlier; O_NOFOLLOW refuses it if that name
  // has since been replaced by a symlink.
  const flags = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | (bounds.noFollow ? fsConstants.O_NOFOLLOW : 0);
  const handle = await open(path, flags).catch((error: unknown) => {
    throw describe(`which cannot be opened (${(error as Error).message})`, 'missing');
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    // fstat of the opened handle: what is read is what was checked, even if the name was swapped.
    const info = await handle.stat();
    if (!info.isFile()) throw describe('which is not a regular file');
    const length = Math.min(info.size, want ?? info.size);
    if (length > limit) throw describe(`which is ${length} bytes, more than the ${limit} bytes allowed`, 'too-large');
    const buffer = Buffer.alloc(length);
    const read = (async () => {
      let offset = 0;
      while (offset < buffer.length) {
        const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
      }
      return buffer.subarray(0, offset);
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(describe(`which could not be read within ${GLTF_READ_TIMEOUT_MS / 1000} s`, 'missing')), GLTF_READ_TIMEOUT_MS);
    });
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
    await handle.close().catch(() => undefined);
  }
}

/** Reads and validates a .gltf's JSON (bounded like its resources). */
export async function readGltfJson(path: string): Promise<{ json: GltfJson; bytes: number }> {
  const text = await readRegularFile(path, { limit: MAX_GLTF_TOTAL_BYTES }, (why, problem = 'damaged') => new InputError(`the glTF file ${why}`, problem));
  let raw: unknown;
  try {
    raw = JSON.parse(text.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    throw new InputError('the glTF file is damaged: its JSON does not parse', 'damaged');
  }
  const parsed = gltfJson.safeParse(raw);
  if (!parsed.success) throw new InputError(`the glTF file is damaged: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim(), 'damaged');
  return { json: parsed.data, bytes: text.length };
}

/** Resolves one non-data URI to a regular file inside `folder` (a real path), or says why not. */
async function resolveResource(folder: string, uri: string): Promise<{ path: string; size: number }> {
  if (SCHEME.test(uri)) throw refuse(uri, 'a URL: Kiln only packs files in the .gltf\'s own folder and data: URIs');
  let decoded: string;
  try {
    decoded = decodeURIComponent(uri);
  } catch {
    throw refuse(uri, 'which is not a valid URI');
  }
  if (decoded.includes('\0')) throw refuse(uri, 'which is not a valid file name');
  if (isAbsolute(decoded) || /^[\\/]/.test(decoded) || /^[a-z]:/i.test(decoded)) {
    throw refuse(uri, 'an absolute path: Kiln only packs files in the .gltf\'s own folder');
  }
  let real: string;
  try {
    real = await realpath(resolve(folder, decoded));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw refuse(uri, 'which is not in the .gltf\'s folder');
    throw refuse(uri, `which cannot be read (${(error as Error).message})`, 'missing');
  }
  const rel = relative(folder, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw refuse(uri, 'which leads outside the .gltf\'s folder: Kiln only packs files in that folder');
  }
  // stat before any open: opening a FIFO or a device is itself the danger.
  const info = await stat(real);
  if (!info.isFile()) throw refuse(uri, 'which is not a regular file');
  return { path: real, size: info.size };
}

/**
 * Every file a .gltf names, checked without reading any of them: inside its folder, a regular
 * file, at least as long as a buffer's declared byteLength, all within MAX_GLTF_TOTAL_BYTES.
 */
export async function listGltfResources(gltfPath: string, json: GltfJson, jsonBytes: number): Promise<LocalResource[]> {
  const folder = await realpath(dirname(resolve(gltfPath)));
  const wanted = new Map<string, { declared: number | undefined }>();
  for (const buffer of json.buffers ?? []) {
    if (buffer.uri === undefined || /^data:/i.test(buffer.uri)) continue;
    const before = wanted.get(buffer.uri);
    wanted.set(buffer.uri, { declared: Math.max(before?.declared ?? 0, buffer.byteLength) });
  }
  for (const image of json.images ?? []) {
    if (image.uri === undefined || /^data:/i.test(image.uri) || wanted.has(image.uri)) continue;
    wanted.set(image.uri, { declared: undefined });
  }
  // Declared lengths first: a huge one is refused before a single file is touched.
  let total = jsonBytes;
  for (const [uri, { declared }] of wanted) {
    total += declared ?? 0;
    if (total > MAX_GLTF_TOTAL_BYTES) {
      throw refuse(uri, `which declares more data than Kiln packs (at most ${MAX_GLTF_TOTAL_BYTES / 1024 / 1024} MB for a glTF and all its files)`, 'too-large');
    }
  }
  const resources: LocalResource[] = [];
  total = jsonBytes;
  for (const [uri, { declared }] of wanted) {
    const { path, size } = await resolveResource(folder, uri);
    if (declared !== undefined && size < declared) throw refuse(uri, `which has ${size} bytes where the glTF declares ${declared}`);
    const bytes = declared ?? size;
    total += bytes;
    if (total > MAX_GLTF_TOTAL_BYTES) {
      throw refuse(uri, `which takes the glTF past the ${MAX_GLTF_TOTAL_BYTES / 1024 / 1024} MB Kiln packs`, 'too-large');
    }
    resources.push({ uri, path, size, bytes });
  }
  return resources;
}

/** The bytes of every file a .gltf names, keyed by URI as written (what glTF-Transform's readJSON expects). */
export async function readGltfResources(resources: readonly LocalResource[]): Promise<Record<string, Uint8Array<ArrayBuffer>>> {
  const out: Record<string, Uint8Array<ArrayBuffer>> = {};
  for (const r of resources) {
    const bytes = await readRegularFile(r.path, { limit: r.bytes, want: r.bytes, noFollow: true }, (why, problem) => refuse(r.uri, why, problem));
    if (bytes.length < r.bytes) throw refuse(r.uri, `which has ${bytes.length} bytes where the glTF declares ${r.bytes}`);
    out[r.uri] = bytes;
  }
  return out;
}
