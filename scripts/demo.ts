/**
 * The main job, end to end, on a machine with no Scenario account: starts the project's fake
 * Scenario server, converts the samples through both models with `kiln convert`, and prints where
 * the results are. Usage: npm run demo [-- --out DIR]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeScenario } from '../test/fake-scenario/index';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const outRoot = resolve(values.out ?? 'demo-output');
const root = resolve(import.meta.dirname, '..');

const server = await startFakeScenario({ jobDurationMs: 1500, apiKey: 'demo-key', apiSecret: 'demo-secret' });
console.log(`Fake Scenario server on ${server.url}`);
const state = await mkdtemp(join(tmpdir(), 'kiln-demo-state-'));

function kiln(args: string[]): Promise<number> {
  return new Promise((resolveExit, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'kiln.cjs'), ...args], {
      stdio: 'inherit',
      env: { ...process.env, SCENARIO_SDK_API_KEY: 'demo-key', SCENARIO_SDK_API_SECRET: 'demo-secret' },
    });
    child.on('error', reject);
    child.on('exit', (code) => resolveExit(code ?? 1));
  });
}

let status = 0;
try {
  const jobs: Array<[string, string[]]> = [
    ['VTracer: images → SVG', ['convert', join(root, 'samples', 'images'), '--model', 'vtracer', '--out', join(outRoot, 'svg')]],
    ['Tripo Retopology: GLB → low-poly GLB', ['convert', join(root, 'samples', 'models'), '--model', 'tripo-retopology', '--preset', 'game-5k', '--param', 'faceLimit=1500', '--out', join(outRoot, 'lowpoly')]],
  ];
  for (const [title, args] of jobs) {
    console.log(`\n== ${title}`);
    const code = await kiln([...args, '--api-url', server.url, '--state', state, '--on-conflict', 'overwrite']);
    if (code !== 0) status = code;
  }
  console.log('\nResults:');
  for (const sub of ['svg', 'lowpoly']) {
    const dir = join(outRoot, sub);
    const files = await readdir(dir).catch(() => []);
    for (const f of files) console.log(`  ${join(dir, f)}`);
  }
  console.log(`\nRequests seen by the server: ${JSON.stringify(server.counts)}`);
} finally {
  await server.close();
  await rm(state, { recursive: true, force: true });
}
process.exit(status);
