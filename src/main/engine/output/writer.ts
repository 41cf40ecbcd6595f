import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import { files } from '../files/calls';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { CollisionPolicy } from '../../../shared/output-options';
import { OutputError, toOutputError } from './errors';
import { FolderFlushes } from './folder-flush';

export { OutputError } from './errors';

export interface CommitOptions {
  dir: string;
  /** A single file name, as made by renderName. */
  fileName: string;
  /** Default 'keep-both'. */
  collision?: CollisionPolicy;
  /**
   * The temp's writer already flushed it to disk on the descriptor it wrote with (scenario/download.ts
   * does): the commit then does not open it again to sync it, two file-system calls fewer per result
   * (issue 13.3). Left unset for a file written by another process (a local engine's worker).
   */
  dataSynced?: boolean;
}

export interface CommitResult {
  status: 'written' | 'skipped';
  /** Where the result is: the new file, or for 'skipped' the existing file that was kept. */
  path: string;
}

const TEMP_PREFIX = '.kiln-';
const TEMP_SUFFIX = '.part';
const TEMP_RE = /^\.kiln-(.+)-([0-9a-f]{12})\.part$/;
const MAX_COPIES = 10_000;

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && codes.includes(String(err.code));
}

/**
 * Creates the output folder if needed (mkdir -p) and checks it is a folder. Returns its real path.
 */
export async function ensureOutputDir(dir: string): Promise<string> {
  const abs = resolve(dir);
  try {
    await files.mkdir(abs, { recursive: true }).catch(async (err: unknown) => {
      // Recursive mkdir reports ENOENT for several real causes (a read-only disk among them);
      // creating the first missing level by hand surfaces the actual reason.
      if (!isErrno(err, 'ENOENT')) throw err;
      await files.mkdir(await firstMissing(abs)).catch((e: unknown) => {
        if (!isErrno(e, 'EEXIST')) throw e;
      });
      await files.mkdir(abs, { recursive: true });
    });
    const st = await files.stat(abs);
    if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    return await files.realpath(abs);
  } catch (err) {
    // mkdir -p over an existing file reports EEXIST; to the artist that is "not a folder".
    if (isErrno(err, 'EEXIST')) throw toOutputError(Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }), { dir: abs });
    throw toOutputError(err, { dir: abs });
  }
}

/** The outermost folder of `abs` that does not exist yet (its parent exists). */
async function firstMissing(abs: string): Promise<string> {
  let missing = abs;
  for (let parent = dirname(abs); parent !== missing; parent = dirname(parent)) {
    if (await lstatOrUndefined(parent)) return missing;
    missing = parent;
  }
  return missing;
}

/**
 * A fresh hidden temporary file in the output folder itself, so moving it into place is a rename
 * within one file system (atomic). The folder is created if missing and the file is created empty
 * (exclusively), which both reserves the name and surfaces "read-only" or "disk full" before any
 * download starts. Pattern: `.kiln-<itemId>-<random>.part`.
 */
export async function tempPathFor(dir: string, itemId: string): Promise<string> {
  const abs = resolve(dir);
  // The id goes into a file name, so keep it to characters that are safe everywhere.
  const safeId = itemId.replace(/[^A-Za-z0-9_-]/g, '_');
  const path = join(abs, `${TEMP_PREFIX}${safeId}-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  try {
    await (await files.open(path, 'wx')).close();
  } catch (first) {
    // Usually the folder exists and the first try is all it takes; otherwise make the folder
    // (which names the real problem: a file in the way, a read-only disk) and try once more.
    if (!isErrno(first, 'ENOENT') && !isErrno(first, 'ENOTDIR')) throw toOutputError(first, { dir: abs, file: path });
    await ensureOutputDir(abs);
    try {
      await (await files.open(path, 'wx')).close();
    } catch (err) {
      throw toOutputError(err, { dir: abs, file: path });
    }
  }
  return path;
}

/** Whether a file name is one of Kiln's temporary files (of `itemId`, when given). */
export function isTempName(name: string, itemId?: string): boolean {
  const m = TEMP_RE.exec(name);
  if (!m) return false;
  return itemId === undefined || m[1] === itemId.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * Deletes leftover temporary files in `dir` (only those of `itemId` when given) and returns their
 * paths. Without an itemId this also removes temps of downloads in progress, so call it that way
 * only when nothing is running (at startup).
 */
export async function sweepTemps(dir: string, itemId?: string): Promise<string[]> {
  const abs = resolve(dir);
  let names: string[];
  try {
    names = await files.readdir(abs);
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return [];
    throw toOutputError(err, { dir: abs });
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!isTempName(name, itemId)) continue;
    const path = join(abs, name);
    try {
      const st = await files.lstat(path);
      // A folder with a temp-like name is not ours to delete.
      if (st.isDirectory()) continue;
      await files.unlink(path);
      removed.push(path);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw toOutputError(err, { dir: abs, file: path });
    }
  }
  return removed;
}

/** The real path `p` would have, following symlinks as far as they exist (dangling ones too). */
async function resolveReal(p: string, depth = 0): Promise<string> {
  if (depth > 40) throw Object.assign(new Error(`too many symbolic links at ${p}`), { code: 'ELOOP' });
  try {
    return await files.realpath(p);
  } catch (err) {
    if (!isErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
  }
  const st = await files.lstat(p).catch(() => undefined);
  if (st?.isSymbolicLink()) return resolveReal(resolve(dirname(p), await files.readlink(p)), depth + 1);
  const parent = dirname(p);
  if (parent === p) return p;
  return join(await resolveReal(parent, depth), basename(p));
}

/** The output folder as given (absolute) and as it really is, symlinks followed: one commit's view of it. */
interface Folder {
  abs: string;
  real: string;
}

/**
 * Where a name in `folder` really leads, and its lstat (undefined when nothing is there). A name
 * directly in the folder that is not a symbolic link (the usual case: our temp, a result about to
 * be placed) is one lstat, since the folder's real path is already known; a link is followed as
 * resolveReal does.
 */
async function resolveRealIn(folder: Folder, abs: string): Promise<{ real: string; stat: Stats | undefined }> {
  if (dirname(abs) !== folder.abs) return { real: await resolveReal(abs), stat: await lstatOrUndefined(abs) };
  const stat = await lstatOrUndefined(abs);
  if (stat?.isSymbolicLink()) return { real: await resolveReal(abs), stat };
  return { real: join(folder.real, basename(abs)), stat };
}

function refuseOutside(folder: Folder, abs: string, real: string): void {
  const rel = relative(folder.real, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new OutputError(`Kiln will not write ${abs}: it leads outside the output folder ${folder.abs}`, {
      code: 'outside-folder',
      path: abs,
    });
  }
}

/**
 * Refuses (OutputError 'outside-folder') any path that does not resolve to somewhere strictly
 * inside `dir` once symlinks are followed — including a link inside the folder that points out.
 * `target` may be absolute or relative to `dir`. Returns the resolved real path.
 */
export async function assertInside(dir: string, target: string): Promise<string> {
  const absDir = resolve(dir);
  const abs = resolve(absDir, target);
  let folder: Folder;
  let real: string;
  try {
    folder = { abs: absDir, real: await files.realpath(absDir) };
    real = await resolveReal(abs);
  } catch (err) {
    throw toOutputError(err, { dir: absDir, file: abs });
  }
  refuseOutside(folder, abs, real);
  return real;
}

/**
 * The folder of a commit, when it is there: it holds the temp just written, so the usual case needs
 * only its real path (one realpath, not ensureOutputDir's mkdir + stat + realpath). Undefined when it
 * cannot be resolved; the caller then makes and checks it as ensureOutputDir does.
 */
async function existingFolder(dir: string): Promise<Folder | undefined> {
  try {
    return { abs: dir, real: await files.realpath(dir) };
  } catch {
    return undefined;
  }
}

/** assertInside for a folder whose real path this commit already has (one realpath per commit, not three); returns the target's lstat. */
async function assertInsideFolder(folder: Folder, target: string): Promise<Stats | undefined> {
  const abs = resolve(folder.abs, target);
  let found: { real: string; stat: Stats | undefined };
  try {
    found = await resolveRealIn(folder, abs);
  } catch (err) {
    throw toOutputError(err, { dir: folder.abs, file: abs });
  }
  refuseOutside(folder, abs, found.real);
  return found.stat;
}

function checkFileName(fileName: string, dir: string): void {
  if (fileName === '' || fileName === '.' || fileName === '..' || /[/\\\0]/.test(fileName)) {
    throw new OutputError(`"${fileName}" is not a single file name, so it cannot be saved in ${dir}`, {
      code: 'invalid-name',
      path: fileName,
    });
  }
}

/** `name (n).ext` — the extension is what follows the last dot, as file browsers show it. */
function numbered(fileName: string, n: number): string {
  if (n === 0) return fileName;
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return `${fileName} (${n})`;
  return `${fileName.slice(0, dot)} (${n})${fileName.slice(dot)}`;
}

async function fsyncFile(path: string): Promise<void> {
  // r+ rather than r: Windows refuses to flush a handle opened read-only.
  const handle = await files.open(path, fsConstants.O_RDWR);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the rename itself durable. Best effort: Windows and some network shares cannot open or sync a folder. */
async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await files.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Nothing to do: the data itself was already synced; only the rename's durability is at stake.
  }
}

/** One flush serves the results that land in a folder together (folder-flush.ts). */
const folderFlushes = new FolderFlushes(fsyncDir);

/**
 * Puts `temp` at `target` only if nothing is there, atomically: a hard link fails with EEXIST
 * when the name is taken, so two concurrent commits can never clobber each other. File systems
 * without hard links (FAT, exFAT, some shares) fall back to reserving the name with an exclusive
 * create and renaming over that reservation.
 */
async function placeExclusive(temp: string, target: string): Promise<void> {
  try {
    await files.link(temp, target);
  } catch (err) {
    if (isErrno(err, 'EEXIST') || !isErrno(err, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK')) throw err;
    const reservation = await files.open(target, 'wx');
    await reservation.close();
    try {
      await files.rename(temp, target);
    } catch (renameErr) {
      // Only the empty reservation we just made is removed; nobody else's file is touched.
      await files.unlink(target).catch(() => undefined);
      throw renameErr;
    }
    return;
  }
  // The output is in place once the link exists; failing to remove the temp name (the folder just
  // went read-only, say) must not report a finished result as failed. Startup sweeps it later.
  await files.unlink(temp).catch(() => undefined);
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await files.lstat(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/**
 * Moves a finished temporary file (from tempPathFor) into place as `dir/fileName`:
 * - keep-both (default): takes the first free name of `name.ext`, `name (1).ext`, `name (2).ext`…;
 * - overwrite: atomically replaces an existing file (readers see the old or the new, never half);
 * - skip: keeps an existing file, deletes the temp and reports 'skipped'.
 * The data is fsynced before the move (unless its writer did: dataSynced) and the folder after. On failure the temp is deleted and
 * no existing file is changed.
 */
export async function commitOutput(tempPath: string, options: CommitOptions): Promise<CommitResult> {
  const dir = resolve(options.dir);
  const collision = options.collision ?? 'keep-both';
  checkFileName(options.fileName, dir);
  // Set once the temp is known to be ours to delete: a path outside the folder is never removed.
  let tempIsInside = false;
  try {
    let folder = await existingFolder(dir);
    let tempStat = folder && (await assertInsideFolder(folder, tempPath).catch(() => undefined));
    if (!folder || !tempStat) {
      // Anything unusual (the folder or the temp gone, a refusal): the full checks, with their own errors.
      folder = { abs: dir, real: await ensureOutputDir(dir) };
      tempStat = await assertInsideFolder(folder, tempPath);
    }
    tempIsInside = true;
    if (!tempStat) {
      throw new OutputError(`The downloaded file ${tempPath} has disappeared before it could be saved`, {
        code: 'missing-temp',
        path: tempPath,
      });
    }
    if (!tempStat.isFile()) throw new OutputError(`${tempPath} is not a downloaded file`, { code: 'missing-temp', path: tempPath });
    if (!options.dataSynced) await fsyncFile(tempPath);
    const result = await place(tempPath, folder, options.fileName, collision);
    // Shared with the other results landing here now (folder-flush.ts); done is recorded after it.
    await folderFlushes.flush(dir);
    return result;
  } catch (err) {
    if (tempIsInside) await files.rm(tempPath, { force: true }).catch(() => undefined);
    throw toOutputError(err, { dir, file: join(dir, options.fileName) });
  }
}

async function place(tempPath: string, folder: Folder, fileName: string, collision: CollisionPolicy): Promise<CommitResult> {
  const dir = folder.abs;
  if (collision === 'overwrite') {
    const target = join(dir, fileName);
    const existing = await assertInsideFolder(folder, target);
    if (existing?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    await files.rename(tempPath, target);
    return { status: 'written', path: target };
  }
  if (collision === 'skip') {
    const target = join(dir, fileName);
    if (await assertInsideFolder(folder, target)) {
      await files.unlink(tempPath);
      return { status: 'skipped', path: target };
    }
    try {
      await placeExclusive(tempPath, target);
    } catch (err) {
      // Someone else wrote that name between our check and our move: theirs is kept.
      if (!isErrno(err, 'EEXIST')) throw err;
      await files.unlink(tempPath);
      return { status: 'skipped', path: target };
    }
    return { status: 'written', path: target };
  }
  for (let n = 0; n < MAX_COPIES; n++) {
    const target = join(dir, numbered(fileName, n));
    await assertInsideFolder(folder, target);
    try {
      await placeExclusive(tempPath, target);
      return { status: 'written', path: target };
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
  }
  throw new OutputError(`There are already ${MAX_COPIES} files named like ${fileName} in ${dir}`, {
    code: 'io',
    path: join(dir, fileName),
  });
}

/**
 * Finishes, after a crash, a commit that was recorded as pending: if the temp file is still there
 * the commit is completed (or, if the crash came between placing the file and removing the temp,
 * the placed file is recognised by its inode and the temp removed). If the temp is gone the commit
 * had finished; the result is then the file under that name — for keep-both the most recently
 * placed of `name`, `name (1)`… (best effort: the exact copy cannot be known once the temp is
 * gone). Returns undefined when no result can be found, so the caller downloads again.
 */
export async function recoverCommit(tempPath: string, options: CommitOptions): Promise<CommitResult | undefined> {
  const dir = resolve(options.dir);
  const collision = options.collision ?? 'keep-both';
  checkFileName(options.fileName, dir);
  const maxN = collision === 'keep-both' ? MAX_COPIES : 1;
  try {
    const temp = await lstatOrUndefined(tempPath);
    if (temp?.isFile()) {
      for (let n = 0; n < maxN; n++) {
        const target = join(dir, numbered(options.fileName, n));
        const st = await lstatOrUndefined(target);
        if (!st) break;
        if (st.ino === temp.ino && st.dev === temp.dev) {
          await files.unlink(tempPath);
          return { status: 'written', path: target };
        }
      }
      return await commitOutput(tempPath, options);
    }
    let best: { path: string; ctime: number } | undefined;
    for (let n = 0; n < maxN; n++) {
      const target = join(dir, numbered(options.fileName, n));
      const st = await lstatOrUndefined(target);
      if (!st) break;
      if (st.isFile() && (!best || st.ctimeMs >= best.ctime)) best = { path: target, ctime: st.ctimeMs };
    }
    return best && { status: 'written', path: best.path };
  } catch (err) {
    throw toOutputError(err, { dir, file: join(dir, options.fileName) });
  }
}
