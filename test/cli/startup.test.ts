import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KILN_BIN } from '../support/cli';
import { tempDir } from '../support/files';

// Every module the process loads is logged, so the test sees exactly what `kiln --help` and
// `kiln models` load: ES modules by a loader hook, CommonJS ones (the compiled CLI is CommonJS,
// vite.cli.config.ts) by each require's specifier, and at exit every file in require.cache.
// (How fast they start is measured by `npm run bench`.)
async function modulesLoadedBy(args: string[]): Promise<{ stdout: string; modules: string[] }> {
  const dir = await tempDir('kiln-startup-');
  try {
    const log = join(dir.path, 'modules.log');
    const hook = `import { appendFileSync } from 'node:fs'; export async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }`;
    const register = [
      `import { register, createRequire } from 'node:module'; import { appendFileSync } from 'node:fs';`,
      `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`,
      `const Module = createRequire(${JSON.stringify(log)})('node:module'); const original = Module.prototype.require;`,
      `Module.prototype.require = function (id) { appendFileSync(${JSON.stringify(log)}, id + '\\n'); return original.call(this, id); };`,
      `process.on('exit', () => appendFileSync(${JSON.stringify(log)}, Object.keys(createRequire(${JSON.stringify(log)}).cache).join('\\n') + '\\n'));`,
    ].join(' ');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, KILN_BIN, ...args]);
    return { stdout, modules: (await readFile(log, 'utf8')).trim().split('\n') };
  } finally {
    await dir.remove();
  }
}

const HEAVY = /sharp|better-sqlite3|@gltf-transform|meshoptimizer|chokidar|imagetracerjs|vtracer-wasm|keytar|node:worker_threads|node:http/;

describe('kiln starts light', () => {
  it('--help runs the compiled CLI and loads no conversion library, database, keychain or TypeScript compiler', async () => {
    const { stdout, modules } = await modulesLoadedBy(['--help']);
    expect(stdout).toContain('Usage: kiln <command>');
    expect(modules.some((m) => m.includes('/out/cli/'))).toBe(true);
    expect(modules.filter((m) => HEAVY.test(m) || /tsx|typescript|esbuild|\.ts$/.test(m))).toEqual([]);
  });

  it('models loads no conversion library either', async () => {
    const { stdout, modules } = await modulesLoadedBy(['models']);
    expect(stdout).toContain('tripo-retopology');
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([]);
  });

  it('a conversion does load them, so the hook above really sees packages being loaded', async () => {
    const dir = await tempDir('kiln-startup-out-');
    try {
      const sample = join(import.meta.dirname, '..', '..', 'samples', 'images', 'badge.png');
      const { modules } = await modulesLoadedBy(['convert', sample, '--model', 'vtracer', '--engine', 'local', '--out', join(dir.path, 'svg'), '--state', join(dir.path, 'state'), '--json']);
      expect(modules.some((m) => m.includes('/node_modules/sharp/'))).toBe(true);
      expect(modules.some((m) => m.includes('/node_modules/better-sqlite3/'))).toBe(true);
    } finally {
      await dir.remove();
    }
  });
});
