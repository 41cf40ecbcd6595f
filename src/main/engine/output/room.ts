import { statfs, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OutputError, toOutputError } from './errors';
import { tempPathFor } from './writer';

/**
 * Free space the output disk must have beyond the input's own size before a job is paid for. A
 * result is usually of the order of its input (an SVG trace, a low-poly GLB); this margin covers
 * the small ones and the file system's own bookkeeping.
 */
export const MIN_FREE_BYTES = 1024 * 1024;

/**
 * Spend nothing that cannot be saved (issue 14.6): before an input is uploaded, its output folder
 * must exist (it is created), take a new file (an empty probe file is created and removed — the
 * only honest test, since root and ACLs make permission bits lie) and have room (statfs).
 * Costs one statfs and one create + delete of an empty file per item.
 */
export async function checkOutputRoom(dir: string, expectedBytes: number, itemId: string): Promise<void> {
  // The probe is the item's own temporary file (output/writer.ts), so one left by a crash between
  // its creation and removal is swept with the item's other temps (a kill -9 lands anywhere).
  const probe = await tempPathFor(dir, itemId);
  const real = dirname(probe);
  try {
    await unlink(probe);
  } catch (error) {
    throw toOutputError(error, { dir });
  }
  let free: number;
  try {
    const fs = await statfs(real);
    free = fs.bavail * fs.bsize;
  } catch {
    // Some network shares cannot say; the write probe above is then all there is to go on.
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
