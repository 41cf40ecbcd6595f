import { spawn, spawnSync } from 'node:child_process';
import { KILN_BIN, type CliResult, type CliRun } from './cli';

/** The unprivileged user a permission check runs as when the tests run as root. */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

export const isRoot = process.getuid?.() === 0;

/** Whether `setpriv` can drop to NOBODY here (root, util-linux present). */
export function canDropPrivileges(): boolean {
  return isRoot && spawnSync('setpriv', ['--reuid', String(NOBODY.uid), '--regid', String(NOBODY.gid), '--clear-groups', 'true']).status === 0;
}

/**
 * Starts the real CLI through a wrapper command (`setpriv …`, `nsenter …`) that ends by running
 * its arguments; with an empty wrapper, directly. Same result shape as startCli.
 */
export function startCliVia(wrapper: readonly string[], args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const [command, ...prefix] = wrapper.length ? [...wrapper, process.execPath] : [process.execPath];
  const child = spawn(command as string, [...prefix, KILN_BIN, ...args], {
    env: { ...process.env, SCENARIO_SDK_API_KEY: 'test-key', SCENARIO_SDK_API_SECRET: 'test-secret', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = stdout
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, signal, stdout, stderr, lines });
    });
  });
  return { child, result };
}

/**
 * Runs the real CLI as NOBODY when the tests run as root (root reads every file whatever its mode,
 * so a permission check must drop privileges to mean anything), or as the current user otherwise.
 */
export function runCliUnprivileged(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const wrapper = isRoot ? ['setpriv', '--reuid', String(NOBODY.uid), '--regid', String(NOBODY.gid), '--clear-groups', '--'] : [];
  return startCliVia(wrapper, args, env).result;
}
