import { createHash } from 'node:crypto';
import { mkdir, readlink, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * File names that are not UTF-8 (issue 14.7). On Linux a name is bytes; Node turns bytes that are
 * not UTF-8 into U+FFFD, which names no file, and the whole engine (store, upload, local engines)
 * passes paths as strings. Rather than carry Buffer paths everywhere, such a file is reached
 * through an alias: a symlink with a UTF-8 name, in a folder Kiln owns, pointing at the raw bytes.
 * The alias's place is derived from those bytes, so a rerun finds the same alias (and resumes the
 * same item), and its name is the readable form of the original, which names the result.
 */

export function isUtf8Name(name: Buffer): boolean {
  return Buffer.from(name.toString('utf8'), 'utf8').equals(name);
}

/**
 * A readable form of a name that is not UTF-8: such names nearly always come from a single-byte
 * legacy encoding (Latin-1 "café" is 63 61 66 E9), which Latin-1 decoding reads right and which
 * never fails.
 */
export function readableName(name: Buffer): string {
  // Control characters are exactly what must not reach a file name, so the pattern names them.
  // eslint-disable-next-line no-control-regex
  return isUtf8Name(name) ? name.toString('utf8') : name.toString('latin1').replace(/[\u0000-\u001f\u007f-\u009f/]/g, '_');
}

/** The alias (see above) for the file or folder at `rawPath`, made or refreshed in `aliasDir`. */
export async function aliasFor(aliasDir: string, rawPath: Buffer, name: Buffer): Promise<string> {
  const folder = join(aliasDir, createHash('sha256').update(rawPath).digest('hex').slice(0, 20));
  const alias = join(folder, readableName(name));
  const current = await readlink(alias, { encoding: 'buffer' }).catch(() => undefined);
  if (current?.equals(rawPath)) return alias;
  await mkdir(folder, { recursive: true });
  await rm(alias, { force: true });
  await symlink(rawPath, alias);
  return alias;
}
