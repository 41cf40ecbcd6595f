import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackCli } from './live-clis';

export const KILN_BIN = fileURLToPath(new URL('../../bin/kiln.cjs', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (with --json). */
  lines: Array<Record<string, unknown>>;
}

export interface CliRun {
  child: ChildProcess;
  result: Promise<CliResult>;
}

/**
 * Starts the real CLI, directly or through a wrapper command (`setpriv …`, `nsenter …`) that ends
 * by running its arguments.
 */
export function startCliVia(wrapper: readonly string[], args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const [command, ...prefix] = wrapper.length ? [...wrapper, process.execPath] : [process.execPath];
  const child = spawn(command as string, [...prefix, KILN_BIN, ...args], {
    env: { ...process.env, SCENARIO_SDK_API_KEY: 'test-key', SCENARIO_SDK_API_SECRET: 'test-secret', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackCli(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
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

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  return startCliVia([], args, env);
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).result;
}
