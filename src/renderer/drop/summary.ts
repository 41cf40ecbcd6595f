import type { AddResult, FileReason } from '../../shared/contract';
import { baseName } from '../ui/format';

function part(count: number, word: string, reasons: readonly FileReason[]): string {
  if (count === 0) return '';
  const first = reasons[0];
  const detail = first ? ` (${baseName(first.path)}: ${first.reason}${reasons.length > 1 ? `, +${reasons.length - 1} more` : ''})` : '';
  return `${count} ${word}${detail}`;
}

/** "3 added · 1 skipped (readme.txt: not an image) · 1 failed (huge.png: too large)". */
export function summarize(result: AddResult): string {
  const parts = [
    `${result.added.length} added`,
    part(result.skipped.length, 'skipped', result.skipped),
    part(result.rejected.length, 'failed', result.rejected),
    result.alreadyConverted.length > 0 ? `${result.alreadyConverted.length} already converted` : '',
  ].filter(Boolean);
  return parts.join(' · ');
}

/** Folds a redo's result into the original drop's, so the summary stays one line. */
export function mergeResults(a: AddResult, b: AddResult): AddResult {
  return {
    added: [...a.added, ...b.added],
    skipped: [...a.skipped, ...b.skipped],
    rejected: [...a.rejected, ...b.rejected],
    alreadyConverted: b.alreadyConverted,
  };
}

/** "Watch folder: 2 files not added (bad.png: not a PNG, +1 more)", or why the folder cannot be watched. */
export function summarizeWatch(files: readonly FileReason[], message?: string): string {
  const parts = [
    message ?? '',
    part(files.length, files.length === 1 ? 'file not added' : 'files not added', files),
  ].filter(Boolean);
  return `Watch folder: ${parts.join(' · ')}`;
}
