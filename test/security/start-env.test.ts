import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/files';

/*
 * Issue 14.7: `npm start` reads the key pair from SCENARIO_SDK_API_KEY / SCENARIO_SDK_API_SECRET,
 * and must not hand them on to the build tools it runs (Vite, and the esbuild service Vite starts).
 * Watched the way an attacker would: every descendant's /proc/<pid>/environ while it runs. tsx's
 * transform cache is off so its own esbuild service (started from bin/run-ts.js) is watched too.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'secret-that-must-stay-home-0123456789';

/** Every process under `root` (children, their children, …) with its parent, from one pass over /proc. */
function descendants(root: number): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command (field 2) may contain spaces.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone already
    }
  }
  const found = new Map<number, number>();
  let frontier = [root];
  while (frontier.length) {
    const next: number[] = [];
    for (const [pid, ppid] of parentOf) {
      if (!frontier.includes(ppid) || found.has(pid)) continue;
      found.set(pid, ppid);
      next.push(pid);
    }
    frontier = next;
  }
  return found;
}

/** What a process runs: its program and arguments. */
function image(pid: number): string {
  return `${readlinkSync(`/proc/${pid}/exe`)}\n${readFileSync(`/proc/${pid}/cmdline`, 'latin1')}`;
}

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('npm start keeps the key pair away from its child processes', () => {
  it('no process it starts sees SCENARIO_SDK_API_KEY or SCENARIO_SDK_API_SECRET', async () => {
    const state = await tempDir('kiln-start-env-');
    cleanup.push(state.remove);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run-ts.js'), join(ROOT, 'scripts', 'start.ts'), '--web', '--port', '0', '--state', state.path], {
      cwd: ROOT,
      env: { ...process.env, TSX_DISABLE_CACHE: '1', SCENARIO_SDK_API_KEY: 'key-0123456789', SCENARIO_SDK_API_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(() => void child.kill('SIGTERM'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const seen = new Map<number, string>();
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    let ended = false;
    void exited.then(() => (ended = true));
    while (!ended && !/serving its interface at/.test(out)) {
      for (const [pid, ppid] of descendants(child.pid ?? -1)) {
        if (seen.has(pid)) continue;
        try {
          // Between fork and exec a child still runs its parent's program, and its environ shows the
          // parent's initial environment block (where a key deleted from process.env still is):
          // it has been given nothing yet. Looked at again on a later pass, once it runs its own.
          const runs = image(pid);
          if (runs === image(ppid)) continue;
          const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
          // Read last, so the environ above belongs to the program named here (no exec in between).
          if (image(pid) === runs) seen.set(pid, `${runs}\n${environ}`);
        } catch {
          // exited between listing and reading
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(out).toMatch(/serving its interface at http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(seen.size).toBeGreaterThan(0);
    for (const environ of seen.values()) {
      expect(environ).not.toContain(SECRET);
      expect(environ).not.toContain('SCENARIO_SDK_API_KEY=');
    }
  }, 180_000);
});
