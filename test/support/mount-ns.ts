import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll } from 'vitest';
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

/** Throws, saying what is missing, where a real read-only or full disk cannot be made. */
export function requireMountNamespace(): void {
  if (!canUseMountNamespace()) {
    throw new Error('this test needs a private mount namespace (root, `unshare -m` and `nsenter` from util-linux) to make a real read-only or full disk');
  }
}

/**
 * A small disk of its own: a tmpfs mounted in the namespace. Filling it or making it read-only
 * happens on the real file system, so Kiln meets exactly what a full or read-only disk does.
 */
export interface SmallDisk {
  /** Where it is mounted (as the namespace sees it). */
  readonly path: string;
  /** Something else takes space on it: every free byte, or `takeKiB` KiB when given. */
  fill(takeKiB?: number): void;
  /** The space taken by fill() is given back. */
  free(): void;
  /** Remounts it read-only as soon as no file is open for writing on it (tries for about 5 s). */
  remountReadOnly(): Promise<void>;
  remountWritable(): void;
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
  /** Mounts a tmpfs of `size` (`2m`, `256k`) at `path`, a folder made here if missing. */
  smallDisk(path: string, size: string): Promise<SmallDisk>;
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
  const sh = (script: string, ...args: string[]): void => {
    const r = spawnSync(enter[0] as string, [...enter.slice(1), 'sh', '-c', script, 'sh', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`in the mount namespace, "${script}" failed (${r.status}): ${r.stderr}`);
  };
  const ns: MountNamespace = {
    pid,
    sh,
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
    async smallDisk(path, size) {
      await mkdir(path, { recursive: true });
      sh('mount -t tmpfs -o size="$2" kiln-test "$1"', path, size);
      return {
        path,
        fill: (takeKiB) =>
          takeKiB === undefined
            ? sh('dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; test -f "$1/filler"', path)
            : sh('dd if=/dev/zero of="$1/filler" bs=1k count="$2" 2>/dev/null', path, String(takeKiB)),
        free: () => sh('rm "$1/filler"', path),
        remountReadOnly: () => ns.shAsync('for i in $(seq 500); do mount -o remount,ro "$1" 2>/dev/null && exit 0; sleep 0.01; done; exit 1', path),
        remountWritable: () => sh('mount -o remount,rw "$1"', path),
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (holder.exitCode !== null || holder.signalCode !== null) return resolve();
        holder.once('exit', () => resolve());
        holder.kill('SIGKILL');
      }),
  };
  return ns;
}

/** One namespace for the test file: opened before its tests (or a clear error), closed after. */
export function mountNamespaceForFile(): () => MountNamespace {
  let ns: MountNamespace | undefined;
  beforeAll(async () => {
    requireMountNamespace();
    ns = await openMountNamespace();
  });
  afterAll(async () => {
    await ns?.close();
  });
  return () => {
    if (!ns) throw new Error('the mount namespace opens in beforeAll: read it inside a test');
    return ns;
  };
}

/** A namespace for one test's body (or a clear error), closed after it. */
export async function withMountNamespace<T>(body: (ns: MountNamespace) => Promise<T>): Promise<T> {
  requireMountNamespace();
  const ns = await openMountNamespace();
  try {
    return await body(ns);
  } finally {
    await ns.close();
  }
}
