import { spawnSync } from 'node:child_process';
import { startCliVia, type CliResult } from './cli';

export { startCliVia };

/** The unprivileged user a permission check runs as when the tests run as root. */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

export const isRoot = process.getuid?.() === 0;

/** Whether `setpriv` can drop to NOBODY here (root, util-linux present). */
export function canDropPrivileges(): boolean {
  return isRoot && spawnSync('setpriv', ['--reuid', String(NOBODY.uid), '--regid', String(NOBODY.gid), '--clear-groups', 'true']).status === 0;
}

/**
 * Runs the real CLI as NOBODY when the tests run as root (root reads every file whatever its mode,
 * so a permission check must drop privileges to mean anything), or as the current user otherwise.
 */
export function runCliUnprivileged(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const wrapper = isRoot ? ['setpriv', '--reuid', String(NOBODY.uid), '--regid', String(NOBODY.gid), '--clear-groups', '--'] : [];
  return startCliVia(wrapper, args, env).result;
}
