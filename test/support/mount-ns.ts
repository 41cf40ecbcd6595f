import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import type { CliRun } from './cli';
import { isRoot, startCliVia } from './run-as';

/**
 * Whether this process may make a private mount namespace (`unshare -m`): root on Linux with
 * util-linux. As root, permission bits do not stop writes, so a real read-only or full file system
 * is the only honest way to test them; a namespace keeps those mounts invisible to everything else
 * and they vanish when it ends.
 */
export function canUseMountNamespace(): boolean {
  return isRoot && spawnSync('unshare', ['-m', 'true']).status === 0 && spawnSync('nsenter', ['--version']).status === 0;
}

export interface MountNamespace {
  readonly pid: number;
  /** Runs a shell script inside the namespace and waits for it; throws if it fails. */
  sh(script: string, ...args: string[]): void;
  /** Like sh, without blocking the event loop (for scripts that wait on other processes). */
  shAsync(script: string, ...args: string[]): Promise<void>;
  /** Starts the real CLI inside the namespace. */
  startCli(args: string[], env?: NodeJS.ProcessEnv): CliRun;
  /** The path at which this process can read a path as the namespace sees it. */
  seen(path: string): string;
  close(): Promise<void>;
}

/** A private mount namespace, kept alive by a sleeping process until close(). */
export async function openMountNamespace(): Promise<MountNamespace> {
  const holder: ChildProcess = spawn('unshare', ['-m', '--propagation', 'private', 'sleep', 'infinity'], { stdio: 'ignore' });
  const pid = holder.pid;
  if (pid === undefined) throw new Error('unshare did not start');
  const ours = readlinkSync('/proc/self/ns/mnt');
  for (let i = 0; i < 200; i++) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/mnt`) !== ours) break;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const enter = ['nsenter', '-t', String(pid), '-m', '--'];
  return {
    pid,
    sh(script, ...args) {
      const r = spawnSync(enter[0] as string, [...enter.slice(1), 'sh', '-c', script, 'sh', ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`in the mount namespace, "${script}" failed (${r.status}): ${r.stderr}`);
    },
    shAsync(script, ...args) {
      return new Promise((resolve, reject) => {
        const child = spawn(enter[0] as string, [...enter.slice(1), 'sh', '-c', script, 'sh', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`in the mount namespace, "${script}" failed (${code}): ${stderr}`))));
      });
    },
    startCli: (args, env) => startCliVia(enter, args, env),
    seen: (path) => `/proc/${pid}/root${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (holder.exitCode !== null || holder.signalCode !== null) return resolve();
        holder.once('exit', () => resolve());
        holder.kill('SIGKILL');
      }),
  };
}
