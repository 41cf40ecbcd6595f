import { relative } from 'node:path';
import { splitDirTemplate } from '../../../shared/naming';
import type { CollisionPolicy } from '../../../shared/output-options';
import { renderName, type NameVars } from './naming';

export interface NameClash {
  path: string;
  /** What the artist dropped, where known (expand.ts). */
  displayPath?: string;
  reason: string;
}

/** How the output folder's file system compares names: macOS and Windows ignore case by default. */
function sameNameKey(name: string): string {
  const nfc = name.normalize('NFC');
  return process.platform === 'darwin' || process.platform === 'win32' ? nfc.toLowerCase() : nfc;
}

/**
 * Inputs of one batch whose results would get the same file name (a/logo.png and b/logo.png →
 * logo.svg). With keep-both each gets its own file; with overwrite or skip one result would
 * silently replace or hide the other while both were reported done, so every input after the
 * first of a name is set apart as a conflict, before anything is paid for (issue 14.7).
 * Names the template cannot render are left for the runner to report.
 */
export function splitNameClashes<T extends { path: string; relDir?: string; displayPath?: string }>(
  inputs: readonly T[],
  output: { template: string; collision: CollisionPolicy },
  vars: Omit<NameVars, 'name'>,
): { kept: T[]; clashes: NameClash[] } {
  if (output.collision === 'keep-both') return { kept: [...inputs], clashes: [] };
  const firstByName = new Map<string, string>();
  const kept: T[] = [];
  const clashes: NameClash[] = [];
  const date = vars.date ?? new Date();
  // With {dir} each input's sub-folder is part of where its result goes (naming.ts resolveSubfolder).
  const { keepsFolders, fileTemplate } = splitDirTemplate(output.template);
  for (const input of inputs) {
    let name: string;
    try {
      name = renderName(fileTemplate, { ...vars, date, name: input.path });
    } catch {
      kept.push(input);
      continue;
    }
    const key = sameNameKey(keepsFolders && input.relDir ? `${input.relDir}/${name}` : name);
    const first = firstByName.get(key);
    if (first === undefined) {
      firstByName.set(key, input.path);
      kept.push(input);
      continue;
    }
    const rel = relative(process.cwd(), first);
    const shown = rel === '' || rel.startsWith('..') ? first : rel;
    clashes.push({
      path: input.path,
      ...(input.displayPath !== undefined ? { displayPath: input.displayPath } : {}),
      reason:
        `name conflict: its result would be ${name}, like that of ${shown} in this batch, and with "${output.collision}" ` +
        'one would replace or hide the other. Rename one of the two, or use keep-both',
    });
  }
  return { kept, clashes };
}
