/**
 * Vitest global setup: the tests run the real `kiln` command, which is the compiled CLI in out/cli.
 * It is rebuilt (a few seconds) when any source it is made from is newer than the build, so a test
 * never runs yesterday's CLI.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function newest(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

export default function setup(): void {
  const built = statSync(join(root, 'out', 'cli', 'kiln.cjs'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(
    newest(join(root, 'src', 'cli')),
    newest(join(root, 'src', 'main')),
    newest(join(root, 'src', 'shared')),
    newest(join(root, 'vite.cli.config.ts')),
    newest(join(root, 'package.json')),
  );
  if (built > sources) return;
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '-c', 'vite.cli.config.ts'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
}
