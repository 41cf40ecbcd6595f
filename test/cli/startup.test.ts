import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startFakeScenario } from '../fake-scenario/index';
import { KILN_BIN } from '../support/cli';
import { tempDir } from '../support/files';

// Every module the process loads is logged, so the test sees exactly what `kiln --help` and
// `kiln models` load: ES modules by a loader hook, CommonJS ones (the compiled CLI is CommonJS,
// vite.cli.config.ts) by each require's specifier, and at exit every file in require.cache.
// (How fast they start is measured by `npm run bench`.)
async function modulesLoadedBy(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; modules: string[] }> {
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
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, KILN_BIN, ...args], { env: { ...process.env, ...env } });
    return { stdout, modules: (await readFile(log, 'utf8')).trim().split('\n') };
  } finally {
    await dir.remove();
  }
}

const HEAVY = /sharp|better-sqlite3|@gltf-transform|meshoptimizer|chokidar|imagetracerjs|vtracer-wasm|keytar|node:worker_threads|node:http/;

/**
 * One sample converted by Scenario (the fake server): the cloud path runs wholly in the kiln
 * process, where a local trace would load its libraries in a worker that inherits the hook.
 */
async function converting(name: string): Promise<{ stdout: string; modules: string[] }> {
  const dir = await tempDir('kiln-startup-out-');
  const server = await startFakeScenario({ jobDurationMs: 50 });
  try {
    const sample = join(import.meta.dirname, '..', '..', 'samples', 'images', name);
    const args = ['convert', sample, '--model', 'vtracer', '--api-url', server.url, '--out', join(dir.path, 'svg'), '--state', join(dir.path, 'state'), '--json'];
    return await modulesLoadedBy(args, { SCENARIO_SDK_API_KEY: 'test-key', SCENARIO_SDK_API_SECRET: 'test-secret' });
  } finally {
    await server.close();
    await dir.remove();
  }
}

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

  it('a conversion does load them, so the hook above really sees packages being loaded: a JPEG is checked by decoding it', async () => {
    const { stdout, modules } = await converting('mountains.jpg');
    expect(stdout).toContain('"status":"done"');
    expect(modules.some((m) => m.includes('/node_modules/sharp/'))).toBe(true);
    expect(modules.some((m) => m.includes('/node_modules/better-sqlite3/'))).toBe(true);
  });

  it('a small PNG is proved whole without loading sharp (src/main/engine/inputs/png-integrity.ts)', async () => {
    const { stdout, modules } = await converting('badge.png');
    expect(stdout).toContain('"status":"done"');
    expect(modules.some((m) => m.includes('/node_modules/better-sqlite3/'))).toBe(true);
    expect(modules.filter((m) => /sharp/.test(m))).toEqual([]);
  });
});
