import type { UploadEntry } from '../transport/upload';

/**
 * Minimal shapes of the File System Entry API; declared here because lib.dom's types are
 * incomplete for reading folders recursively.
 */
interface FsEntry { isFile: boolean; isDirectory: boolean; name: string; fullPath: string }
interface FsFileEntry extends FsEntry { file(ok: (f: File) => void, fail: (e: unknown) => void): void }
interface FsDirReader { readEntries(ok: (entries: FsEntry[]) => void, fail: (e: unknown) => void): void }
interface FsDirEntry extends FsEntry { createReader(): FsDirReader }

function entryOf(item: DataTransferItem): FsEntry | null {
  const get = (item as DataTransferItem & { webkitGetAsEntry?: () => FsEntry | null }).webkitGetAsEntry;
  return typeof get === 'function' ? get.call(item) : null;
}

const readFile = (e: FsFileEntry) => new Promise<File>((ok, fail) => e.file(ok, fail));
const readBatch = (r: FsDirReader) => new Promise<FsEntry[]>((ok, fail) => r.readEntries(ok, fail));

async function walk(entry: FsEntry, prefix: string, out: UploadEntry[]): Promise<void> {
  const relativePath = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    out.push({ file: await readFile(entry as FsFileEntry), relativePath });
  } else if (entry.isDirectory) {
    const reader = (entry as FsDirEntry).createReader();
    // readEntries hands out a folder in chunks (100 in Chromium) until it returns an empty one.
    for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) {
      for (const child of batch) {
        // Finder and Explorer litter folders with .DS_Store and friends; listing them as skipped is noise.
        if (child.name.startsWith('.')) continue;
        await walk(child, relativePath, out);
      }
    }
  }
}

export type Dropped =
  | { kind: 'paths'; paths: string[] }
  | { kind: 'files'; files: UploadEntry[] };

/**
 * Turns a drop into what the transport can send. Entries must be taken from the DataTransfer
 * synchronously, inside the drop event: the browser empties it as soon as the handler returns.
 */
export function collectDrop(dt: DataTransfer, pathForFile?: (file: File) => string | undefined): () => Promise<Dropped> {
  const files = Array.from(dt.files ?? []);
  if (pathForFile) {
    const paths = files.map((f) => pathForFile(f)).filter((p): p is string => Boolean(p));
    return async () => ({ kind: 'paths', paths });
  }
  const entries = Array.from(dt.items ?? []).filter((i) => i.kind === 'file').map(entryOf);
  if (entries.length > 0 && entries.every((e): e is FsEntry => e !== null)) {
    return async () => {
      const out: UploadEntry[] = [];
      for (const entry of entries) await walk(entry, '', out);
      return { kind: 'files', files: out };
    };
  }
  // Without the entry API (older engines, tests), only loose files can be read.
  return async () => ({
    kind: 'files',
    files: files.map((file) => ({ file, relativePath: (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name })),
  });
}
