import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { ModelDescriptor } from '../models/types';
import { EXTENSIONS_BY_KIND, type InputKind } from './kinds';
import { sniffFile } from './sniff';
import { describeKinds } from './validate';

export interface FoundInput {
  path: string;
  kind: InputKind;
  size: number;
  mtimeMs: number;
}

export interface SkippedInput {
  path: string;
  reason: string;
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

/**
 * Turns what was dropped or named on the command line into the files a model accepts. Folders
 * are walked recursively (symlink loops are detected by real path), hidden files and Kiln's own
 * temporary files are ignored, and every file is judged by its content.
 */
export async function expandInputs(paths: readonly string[], model: ModelDescriptor): Promise<ExpandedInputs> {
  const result: ExpandedInputs = { accepted: [], skipped: [], rejected: [] };
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();

  async function consider(path: string, explicit: boolean): Promise<void> {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT' ? 'no such file or folder'
        : code === 'ELOOP' ? 'symbolic link loop'
        : code === 'EACCES' ? 'permission denied'
        : (error as Error).message;
      (explicit ? result.rejected : result.skipped).push({ path, reason });
      return;
    }
    if (info.isDirectory()) {
      await walk(path);
      return;
    }
    if (!info.isFile()) {
      (explicit ? result.rejected : result.skipped).push({ path, reason: 'not a regular file' });
      return;
    }
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      real = path;
    }
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    if (info.size === 0) {
      result.rejected.push({ path, reason: 'the file is empty (0 bytes)' });
      return;
    }
    let kind: InputKind | undefined;
    try {
      kind = await sniffFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      result.rejected.push({ path, reason: code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message });
      return;
    }
    if (kind && model.input.kinds.includes(kind)) {
      result.accepted.push({ path, kind, size: info.size, mtimeMs: info.mtimeMs });
      return;
    }
    const what = kind ? `its content is ${kind.toUpperCase()}` : 'its content is not a format Kiln recognises';
    const reason = `${what}; ${model.displayName} accepts ${describeKinds(model.input.kinds)}`;
    // A file named like an accepted type, or named explicitly, was meant to be converted: that is
    // an error on the item. Anything else found in a folder is simply not for this model.
    if (explicit || claimsAcceptedExtension(path, model)) result.rejected.push({ path, reason });
    else result.skipped.push({ path, reason });
  }

  async function walk(dir: string): Promise<void> {
    let real: string;
    try {
      real = await realpath(dir);
    } catch (error) {
      result.skipped.push({ path: dir, reason: (error as Error).message });
      return;
    }
    if (seenDirs.has(real)) {
      result.skipped.push({ path: dir, reason: 'folder already visited (symbolic link loop)' });
      return;
    }
    seenDirs.add(real);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      result.skipped.push({ path: dir, reason: code === 'EACCES' ? 'permission denied' : (error as Error).message });
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const child = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        try {
          await lstat(child);
        } catch {
          continue;
        }
      }
      await consider(child, false);
    }
  }

  for (const p of paths) await consider(resolve(p), true);
  return result;
}
