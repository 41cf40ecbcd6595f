/**
 * `npm run check:bundle` (scripts/test.sh runs it after `npm run build`): the built app and CLI hold
 * everything they load at run time.
 *  1. Every file under out/ that the bundle references — relative imports, `new URL(…, import.meta.url)`,
 *     `join(import.meta.dirname, …)`, the renderer's index.html — exists, and none is TypeScript.
 *  2. Every package it imports is a production dependency (electron-builder packs only those) and
 *     is installed; Electron itself only from the main process and the preload.
 *  3. The built local-engine workers (the app's and the CLI's) convert a sample image and a sample
 *     model when started from out/ in plain Node, with no loader of any kind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findModel, resolveParams } from '../src/main/engine/models/registry';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'out');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const builtins = new Set(builtinModules);
const problems: string[] = [];

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

function checkBare(file: string, specifier: string): void {
  const where = relative(root, file);
  if (specifier.startsWith('node:') || builtins.has(specifier)) return;
  if (specifier === 'electron') {
    if (!where.startsWith('out/main/') && !where.startsWith('out/preload/')) problems.push(`${where} imports electron outside the Electron main process and preload`);
    return;
  }
  const name = packageName(specifier);
  if (!(name in pkg.dependencies)) problems.push(`${where} imports ${specifier}, but ${name} is not in package.json "dependencies", so the packaged app would not have it`);
  else if (!existsSync(join(root, 'node_modules', name, 'package.json'))) problems.push(`${where} imports ${specifier}, which is not installed`);
}

function checkPath(file: string, target: string, how: string): void {
  const where = relative(root, file);
  if (/\.(ts|tsx|mts|cts)$/.test(target)) problems.push(`${where} loads TypeScript at run time: ${target} (${how})`);
  const path = resolve(dirname(file), target);
  if (!existsSync(path)) problems.push(`${where} references ${target} (${how}), which is not in the build: ${relative(root, path)}`);
}

// Specifiers of static imports/exports, dynamic imports with a literal, and require() calls.
const IMPORT = /(?:^|[;\s}])(?:import|export)\s*(?:[\w*$\s{},]+from\s*)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)|\brequire\(\s*["']([^"']+)["']\s*\)/g;
// import.meta.url as written, or as rollup renders it in a CommonJS bundle (the CLI, vite.cli.config.ts).
const URL_REF = /new URL\(\s*["']([^"']+)["']\s*,\s*(?:import\.meta\.url\s*\)|typeof document === "undefined" \? require\("url"\)\.pathToFileURL\(__filename\)\.href)/g;
const DIRNAME_REF = /\bjoin(?:\$\d+)?\(\s*(?:import\.meta\.dirname|__dirname)\s*,\s*["']([^"']+)["']\s*\)/g;

for (const file of [...files(join(out, 'main')), ...files(join(out, 'preload')), ...files(join(out, 'cli')), ...files(join(out, 'renderer'))]) {
  if (!/\.(c|m)?js$/.test(file)) continue;
  // Whole comment lines are dropped first: bundled libraries keep their JSDoc, whose examples
  // (`* import { add } from 'gl-matrix/add'`) are not imports.
  const code = readFileSync(file, 'utf8').replace(/^[ \t]*(?:\*|\/\/).*$/gm, '');
  const inRenderer = relative(out, file).startsWith('renderer');
  for (const m of code.matchAll(IMPORT)) {
    const spec = (m[1] ?? m[2] ?? m[3]) as string;
    if (spec.startsWith('.') || spec.startsWith('/')) checkPath(file, spec, 'import');
    else if (inRenderer) problems.push(`${relative(root, file)} imports the package ${spec}, which a web page cannot load`);
    else checkBare(file, spec);
  }
  for (const m of code.matchAll(URL_REF)) checkPath(file, m[1] as string, 'new URL');
  for (const m of code.matchAll(DIRNAME_REF)) checkPath(file, m[1] as string, 'join(import.meta.dirname)');
}

const html = join(out, 'renderer', 'index.html');
if (!existsSync(html)) problems.push('out/renderer/index.html is missing');
else {
  const page = readFileSync(html, 'utf8');
  for (const m of page.matchAll(/(?:src|href)="([^"]+)"/g)) checkPath(html, m[1] as string, 'index.html');
  // The Electron build's policy (src/main/app/window-options.ts); 127.0.0.1 is for the browser host's build only.
  const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(page)?.[1];
  if (!csp) problems.push('out/renderer/index.html has no Content-Security-Policy');
  else if (csp.includes('127.0.0.1')) problems.push('out/renderer/index.html allows 127.0.0.1 in its CSP: that is the browser host\'s build, not the Electron one (run "npm run build")');
}

for (const required of ['main/index.js', 'preload/index.cjs', 'renderer/index.html', 'cli/kiln.cjs', 'cli/local-worker.cjs']) {
  if (!existsSync(join(out, required))) problems.push(`out/${required} is missing: run "npm run build"`);
}

// 3. The built workers, each in a plain Node process (no tsx, no NODE_OPTIONS).
const appWorkers = files(join(out, 'main', 'chunks')).filter((f) => /\/worker-[^/]+\.js$/.test(f));
if (appWorkers.length !== 1) problems.push(`expected one local-engine worker chunk in out/main/chunks, found ${appWorkers.length}`);
const workers = [...appWorkers, join(out, 'cli', 'local-worker.cjs')].filter((f) => existsSync(f));
const samples = [
  { engine: 'vectorise', model: 'vtracer', input: join(root, 'samples', 'images', 'badge.png'), ext: 'svg', looksRight: (b: Buffer) => b.toString('utf8').includes('<svg') },
  { engine: 'simplify', model: 'tripo-retopology', input: join(root, 'samples', 'models', 'torus-knot.glb'), ext: 'glb', looksRight: (b: Buffer) => b.subarray(0, 4).toString('latin1') === 'glTF' },
] as const;
const scratch = mkdtempSync(join(tmpdir(), 'kiln-bundle-check-'));
try {
  for (const worker of workers) {
    for (const sample of samples) {
      const model = findModel(sample.model);
      if (!model) throw new Error(`no model ${sample.model}`);
      const outputPath = join(scratch, `${sample.engine}-${workers.indexOf(worker)}.${sample.ext}`);
      const job = { engine: sample.engine, inputPath: sample.input, outputPath, params: resolveParams(model, undefined, {}) };
      const driver = `
        import { Worker } from 'node:worker_threads';
        const worker = new Worker(new URL(${JSON.stringify(pathToFileURL(worker).href)}), { execArgv: [] });
        worker.on('message', (msg) => { console.log(JSON.stringify(msg)); process.exit(msg.type === 'done' ? 0 : 1); });
        worker.on('error', (err) => { console.log(JSON.stringify({ type: 'failed', error: { message: String(err && err.stack || err) } })); process.exit(1); });
        worker.postMessage({ type: 'run', job: ${JSON.stringify(job)} });`;
      const env = { ...process.env };
      delete env['NODE_OPTIONS'];
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', driver], { cwd: scratch, env, encoding: 'utf8', timeout: 120_000 });
      const label = `${relative(root, worker)} (${sample.engine})`;
      if (run.status !== 0) problems.push(`${label} did not convert ${relative(root, sample.input)}: ${(run.stdout + run.stderr).trim()}`);
      else if (!existsSync(outputPath) || !sample.looksRight(readFileSync(outputPath))) problems.push(`${label} reported success but wrote no valid .${sample.ext}`);
      else console.log(`check-bundle: ${label} converted ${relative(root, sample.input)} in plain Node`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`check-bundle: ${problems.length} problem(s) in the build:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('check-bundle: every file the bundle loads is in out/ or a production dependency; no TypeScript at run time');
