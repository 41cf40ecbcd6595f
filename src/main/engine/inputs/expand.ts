import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { files } from '../files/calls';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { aliasFor, isUtf8Name, readableName } from './byte-names';
import type { ModelDescriptor } from '../models/types';
import { mapLimited } from './hash';
import { EXTENSIONS_BY_KIND, type InputKind } from './kinds';
import { HEAD_BYTES, sniffKind } from './sniff';
import { describeKinds } from './validate';

export interface FoundInput {
  path: string;
  kind: InputKind;
  size: number;
  mtimeMs: number;
  /** The path as the artist sees it: relative to the folder holding what was dropped or named (`folder/sub1/s1.png`). */
  displayPath: string;
  /** The input's folder inside the folder that was dropped or named ('' for a file named itself): the {dir} naming field. */
  relDir: string;
  /** sha256 of the file's bytes, when judging it read them all (a small file): enqueue then need not read it again. */
  sha256?: string;
}

export interface SkippedInput {
  path: string;
  reason: string;
  /** As in FoundInput, where known. */
  displayPath?: string;
}

export interface ExpandedInputs {
  accepted: FoundInput[];
  /** Files in folders that the model does not take (a .txt beside the images): listed, not errors. */
  skipped: SkippedInput[];
  /** Inputs the artist clearly meant but that cannot be converted: each becomes a failed item. */
  rejected: SkippedInput[];
}

function claimsAcceptedExtension(path: string, model: ModelDescriptor): boolean {
  const ext = extname(path).toLowerCase();
  return model.input.kinds.some((k) => EXTENSIONS_BY_KIND[k].includes(ext));
}

function reasonFor(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'ELOOP') return 'symbolic link loop';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (error as Error).message;
}

interface Candidate {
  path: string;
  /** Named by the artist rather than found in a folder. */
  explicit: boolean;
  /** Identity for "seen already": the real path. */
  real: string;
  /** What was dropped or named that led to this file (itself, or a folder above it). */
  root: string;
}

type Probe = { ok: true; size: number; mtimeMs: number; kind: InputKind | undefined; sha256?: string } | { ok: false; reason: string };

/**
 * Files up to this size are read whole by the probe, which hashes them too: the read costs about
 * what the 4 KB one does, and spares enqueue a second open, read and close of each (issue 13.3:
 * every file-system call is a trip through libuv's thread pool). The same size as the longest look
 * a text format gets below.
 */
const PROBE_WHOLE_MAX = HEAD_BYTES;

/** One open, one fstat, one or two reads: everything judging a file needs. */
async function probeFile(path: string): Promise<Probe> {
  let handle;
  try {
    handle = await files.open(path, 'r');
  } catch (error) {
    return { ok: false, reason: reasonFor(error) };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, reason: 'not a regular file' };
    if (info.size === 0) return { ok: true, size: 0, mtimeMs: info.mtimeMs, kind: undefined };
    const small = info.size <= PROBE_WHOLE_MAX;
    const first = Buffer.allocUnsafe(small ? info.size : 4096);
    const { bytesRead } = await handle.read(first, 0, first.length, 0);
    const head = first.subarray(0, Math.min(bytesRead, 4096));
    let kind = sniffKind(head);
    if (!kind && info.size > 4096 && !head.includes(0)) {
      // Text formats (OBJ, glTF) may need a longer look than binary signatures.
      let more = first.subarray(0, bytesRead);
      if (!small) {
        more = Buffer.alloc(Math.min(info.size, HEAD_BYTES));
        more = more.subarray(0, (await handle.read(more, 0, more.length, 0)).bytesRead);
      }
      kind = sniffKind(more);
    }
    // A short read means the file changed since its fstat: no hash, enqueue reads the file itself.
    const sha256 = small && bytesRead === info.size ? createHash('sha256').update(first).digest('hex') : undefined;
    return { ok: true, size: info.size, mtimeMs: info.mtimeMs, kind, sha256 };
  } catch (error) {
    return { ok: false, reason: reasonFor(error) };
  } finally {
    await handle.close();
  }
}

export interface ExpandOptions {
  /**
   * The paths were found in a folder (a watch folder), not named by the artist: a file the model
   * does not take is skipped rather than rejected, as in a dropped folder.
   */
  foundInFolder?: boolean;
  /**
   * A folder Kiln owns where files and folders whose names are not UTF-8 get a UTF-8 alias
   * (byte-names.ts). Without it such names are listed with the reason instead.
   */
  aliasDir?: string;
  /**
   * Each path is a folder holding what was dropped (the browser host's upload batches): its
   * entries, not the folder, are the roots that display paths and {dir} are relative to.
   */
  containers?: boolean;
  /** The paths lie inside this folder, which is what was named (a watch folder): {dir} and display paths are relative to it. */
  root?: string;
}

/** Where a file sits within what was dropped: shown to the artist, and the {dir} naming field. */
function placeOf(c: Candidate): { displayPath: string; relDir: string } {
  if (c.root === c.path) return { displayPath: basename(c.path), relDir: '' };
  return { displayPath: relative(dirname(c.root), c.path), relDir: relative(c.root, dirname(c.path)) };
}

/**
 * Turns what was dropped or named on the command line into the files a model accepts. Folders
 * are walked recursively (symlink loops are detected by real path), hidden files and Kiln's own
 * temporary files are ignored, and every file is judged by its content. Files are examined many
 * at a time, so a drop of thousands of files is enqueued in well under a second.
 */
export async function expandInputs(paths: readonly string[], model: ModelDescriptor, options: ExpandOptions = {}): Promise<ExpandedInputs> {
  const result: ExpandedInputs = { accepted: [], skipped: [], rejected: [] };
  const candidates: Candidate[] = [];
  const seenDirs = new Set<string>();

  /** `knownReal`: an alias's own path stands for the folder (its real path is not a UTF-8 string). */
  async function walk(dir: string, root: string | undefined, knownReal?: string): Promise<void> {
    let real: string;
    try {
      real = knownReal ?? (await files.realpath(dir));
    } catch (error) {
      result.skipped.push({ path: dir, reason: reasonFor(error) });
      return;
    }
    if (seenDirs.has(real)) {
      result.skipped.push({ path: dir, reason: 'folder already visited (symbolic link loop)' });
      return;
    }
    seenDirs.add(real);
    let raw;
    try {
      // Names as bytes: a name that is not UTF-8 would otherwise come back as one no file has.
      raw = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (error) {
      result.skipped.push({ path: dir, reason: reasonFor(error) });
      return;
    }
    const entries = raw.map((entry) => ({ entry, name: readableName(entry.name) }));
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const { entry, name } of entries) {
      if (name.startsWith('.')) continue;
      const child = join(dir, name);
      const childRoot = root ?? child;
      if (!isUtf8Name(entry.name)) {
        await considerByteName(dir, entry.name, child);
        continue;
      }
      if (entry.isFile()) {
        // A plain file's real path is its folder's real path plus its name: no extra lookup.
        candidates.push({ path: child, explicit: false, real: join(real, name), root: childRoot });
      } else if (entry.isDirectory()) {
        await walk(child, childRoot);
      } else if (entry.isSymbolicLink()) {
        await consider(child, false, childRoot);
      } else {
        result.skipped.push({ path: child, reason: 'not a regular file' });
      }
    }
  }

  /** A file or folder whose name is not UTF-8: reached through its alias, or listed with the reason. */
  async function considerByteName(dir: string, name: Buffer, shown: string): Promise<void> {
    if (!options.aliasDir) {
      const list = claimsAcceptedExtension(shown, model) ? result.rejected : result.skipped;
      list.push({ path: shown, reason: 'its name is not valid UTF-8; rename it to convert it' });
      return;
    }
    let alias: string;
    try {
      alias = await aliasFor(options.aliasDir, Buffer.concat([Buffer.from(`${dir}${sep}`), name]), name);
    } catch (error) {
      result.skipped.push({ path: shown, reason: `its name is not valid UTF-8 and Kiln could not make a readable alias for it (${reasonFor(error)})` });
      return;
    }
    // The alias lives in Kiln's state folder: it is its own root for display paths and {dir}.
    await consider(alias, false, alias, alias);
  }

  async function consider(path: string, explicit: boolean, root: string | undefined, knownReal?: string): Promise<void> {
    let info;
    try {
      info = await files.stat(path);
    } catch (error) {
      (explicit ? result.rejected : result.skipped).push({ path, reason: reasonFor(error) });
      return;
    }
    if (info.isDirectory()) {
      await walk(path, root, knownReal);
      return;
    }
    if (!info.isFile()) {
      (explicit ? result.rejected : result.skipped).push({ path, reason: 'not a regular file' });
      return;
    }
    candidates.push({ path, explicit, real: knownReal ?? (await files.realpath(path).catch(() => path)), root: root ?? path });
  }

  for (const p of paths) {
    const path = resolve(p);
    await consider(path, !options.foundInFolder, options.root !== undefined ? resolve(options.root) : options.containers ? undefined : path);
  }

  const seenFiles = new Set<string>();
  const unique = candidates.filter((c) => (seenFiles.has(c.real) ? false : (seenFiles.add(c.real), true)));
  const probes = await mapLimited(unique, 32, (c) => probeFile(c.path));
  for (const [i, c] of unique.entries()) {
    const probe = probes[i] as Probe;
    if (!probe.ok) {
      (c.explicit || claimsAcceptedExtension(c.path, model) ? result.rejected : result.skipped).push({ path: c.path, reason: probe.reason, displayPath: placeOf(c).displayPath });
      continue;
    }
    if (probe.size === 0) {
      result.rejected.push({ path: c.path, reason: 'the file is empty (0 bytes)', displayPath: placeOf(c).displayPath });
      continue;
    }
    if (probe.kind && model.input.kinds.includes(probe.kind)) {
      result.accepted.push({ path: c.path, kind: probe.kind, size: probe.size, mtimeMs: probe.mtimeMs, ...placeOf(c), sha256: probe.sha256 });
      continue;
    }
    const what = probe.kind ? `its content is ${probe.kind.toUpperCase()}` : 'its content is not a format Kiln recognises';
    const reason = `${what}; ${model.displayName} accepts ${describeKinds(model.input.kinds)}`;
    // A file named like an accepted type, or named explicitly, was meant to be converted: that is
    // an error on the item. Anything else found in a folder is simply not for this model.
    if (c.explicit || claimsAcceptedExtension(c.path, model)) result.rejected.push({ path: c.path, reason, displayPath: placeOf(c).displayPath });
    else result.skipped.push({ path: c.path, reason });
  }
  return result;
}
