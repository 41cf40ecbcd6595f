import { files } from '../files/calls';
import { dirname } from 'node:path';
import { OutputError } from './errors';
import { tempPathFor } from './writer';

/**
 * Free space the output disk must have beyond the input's own size before a job is paid for. A
 * result is usually of the order of its input (an SVG trace, a low-poly GLB); this margin covers
 * the small ones and the file system's own bookkeeping.
 */
export const MIN_FREE_BYTES = 1024 * 1024;

/**
 * Spend nothing that cannot be saved (issue 14.6): before an input is uploaded, its output folder
 * must exist (it is created), take a new file (an empty file is created — the only honest test,
 * since root and ACLs make permission bits lie) and have room (statfs).
 *
 * The file created is kept and returned: it is the item's temporary file, which the download later
 * writes into (queue/runner.ts). Creating it once rather than creating a probe, deleting it and
 * creating the download's temp later saves a file creation and deletion per item (issue 13.3: on a
 * file system with many recently deleted files, creating one is the dearest call an item makes).
 * Named like every temp (output/writer.ts), so one left by a crash is swept with the item's others.
 * The caller removes it if the item stops before its download.
 */
export async function reserveOutput(dir: string, expectedBytes: number, itemId: string): Promise<string> {
  const temp = await tempPathFor(dir, itemId);
  try {
    await checkRoom(dir, dirname(temp), expectedBytes);
  } catch (error) {
    await files.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  return temp;
}

async function checkRoom(dir: string, real: string, expectedBytes: number): Promise<void> {
  let free: number;
  try {
    const fs = await files.statfs(real);
    free = fs.bavail * fs.bsize;
  } catch {
    // Some network shares cannot say; the file just created is then all there is to go on.
    return;
  }
  const needed = expectedBytes + MIN_FREE_BYTES;
  if (free < needed) {
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    throw new OutputError(
      `The disk holding output folder ${dir} is full (${mb(free)} free; Kiln wants ${mb(needed)} before converting this file, so nothing is paid for that cannot be saved)`,
      { code: 'disk-full', path: dir },
    );
  }
}
