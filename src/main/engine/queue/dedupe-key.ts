import { createHash } from 'node:crypto';

/**
 * The key under which the store refuses a second copy of an item: a hash of everything that makes
 * two drops "the same conversion" (queue, file, content or size/time, model, parameters, output).
 */
export function dedupeKey(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
