import { cpSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { gltfWithExternalBuffer } from '../support/bad-files';
import { runCli, type CliResult } from '../support/cli';
import { flatImage, tempDir } from '../support/files';

/*
 * A batch with a known key pair, through an auth failure (a wrong secret), a 5xx storm and resets,
 * then a scan of every byte Kiln wrote: the state folder (the SQLite store with its WAL and shared
 * memory files), the output folder, its temporary folder (TMPDIR), its home and config folders,
 * stdout and stderr. Neither secret may appear anywhere, in clear or in the base64 `key:secret`
 * form the Authorization header carries.
 */

const KEY = 'kiln-scan-key-7Hq2';
const SECRET = 'kiln-scan-SECRET-x9Vw4tLp2Rz8';
const WRONG_SECRET = 'kiln-scan-WRONG-b3Nd6yQs1Mk0';

function needles(secret: string): string[] {
  const basic = Buffer.from(`${KEY}:${secret}`).toString('base64');
  return [secret, basic, encodeURIComponent(secret), Buffer.from(secret, 'utf8').toString('hex'), Buffer.from(secret, 'utf16le').toString('latin1')];
}

async function everyFile(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await everyFile(path)));
    else if ((await lstat(path)).isFile()) out.push(path);
  }
  return out;
}

let server: FakeScenario;
let root: { path: string; remove: () => Promise<void> };
let wrong: CliResult;
let right: CliResult;
let written: string[];

beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 200, apiKey: KEY, apiSecret: SECRET, seed: 5, faults: { resetRate: 0.05 } });
  root = await tempDir('kiln-secret-scan-');
  const src = join(root.path, 'in');
  await mkdir(src);
  for (let i = 0; i < 4; i++) await writeFile(join(src, `s-${i}.png`), await flatImage('png', 30 + i, 30));
  const models = join(root.path, 'models');
  await mkdir(models);
  // A glTF is packed into a GLB in TMPDIR before its multipart upload: temp files are scanned too.
  const triangle = Buffer.from(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]).buffer).toString('base64');
  await writeFile(join(models, 'tri.gltf'), gltfWithExternalBuffer(`data:application/octet-stream;base64,${triangle}`));
  const kilnDirs = ['tmp', 'home', 'config', 'state', 'out', 'state-while-running'];
  for (const d of kilnDirs.slice(0, -1)) await mkdir(join(root.path, d));
  const env = { SCENARIO_SDK_API_KEY: KEY, TMPDIR: join(root.path, 'tmp'), HOME: join(root.path, 'home'), XDG_CONFIG_HOME: join(root.path, 'config') };
  const common = ['--api-url', server.url, '--state', join(root.path, 'state'), '--json'];

  // 1. The wrong secret: Scenario refuses it.
  wrong = await runCli(['convert', src, '--model', 'vtracer', '--out', join(root.path, 'out'), ...common], { ...env, SCENARIO_SDK_API_SECRET: WRONG_SECRET });

  // 2. The right one, through a storm of server errors that calms down after 30 requests.
  server.setFaults({ serverErrorRate: 0.6 });
  let requests = 0;
  let downloads = 0;
  server.on('request', (route) => {
    if (++requests === 30) server.setFaults({ serverErrorRate: 0 });
    // Mid-batch, the store as it is on disk while Kiln runs: the write-ahead log is only there then.
    if (route === 'download' && ++downloads === 2) cpSync(join(root.path, 'state'), join(root.path, 'state-while-running'), { recursive: true });
  });
  const images = runCli(['convert', src, '--model', 'vtracer', '--out', join(root.path, 'out'), ...common], { ...env, SCENARIO_SDK_API_SECRET: SECRET });
  const meshes = runCli(['convert', models, '--model', 'tripo-retopology', '--out', join(root.path, 'out'), ...common, '--state', join(root.path, 'state')], { ...env, SCENARIO_SDK_API_SECRET: SECRET });
  const [a, b] = await Promise.all([images, meshes]);
  right = { ...a, stdout: a.stdout + b.stdout, stderr: a.stderr + b.stderr, lines: [...a.lines, ...b.lines] };
  written = (await Promise.all(kilnDirs.map((d) => everyFile(join(root.path, d))))).flat();
}, 120_000);

afterAll(async () => {
  await server?.close();
  await root?.remove();
});

describe('the API secret never leaves the process', () => {
  it('the batch really went through the faults: refused with the wrong secret, then converted', () => {
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Scenario rejected the API key and secret (HTTP 401)');
    expect(right.lines.map((l) => l['status'])).toEqual(Array(5).fill('done'));
    expect(server.generates).toHaveLength(5);
  });

  it('what Kiln wrote includes the SQLite store and its write-ahead log, the outputs and the temp folder', () => {
    const names = written.map((p) => p.slice(root.path.length + 1));
    expect(names.some((n) => n.startsWith('state/') && /\.(db|sqlite)$/.test(n))).toBe(true);
    expect(names.some((n) => n.startsWith('state-while-running/') && n.endsWith('-wal'))).toBe(true);
    expect(names.filter((n) => n.startsWith('out/')).length).toBe(5);
  });

  it('no file Kiln wrote holds either secret, in clear, base64 key:secret, URL-encoded, hex or UTF-16', async () => {
    for (const path of written) {
      const bytes = await readFile(path);
      for (const needle of [...needles(SECRET), ...needles(WRONG_SECRET)]) {
        expect(bytes.includes(Buffer.from(needle, 'latin1')) || bytes.includes(Buffer.from(needle, 'utf8')), `${needle} in ${path}`).toBe(false);
      }
    }
  });

  it('neither stdout nor stderr of any run holds either secret, even in the auth failure message', () => {
    for (const text of [wrong.stdout, wrong.stderr, right.stdout, right.stderr]) {
      for (const needle of [...needles(SECRET), ...needles(WRONG_SECRET)]) expect(text.includes(needle)).toBe(false);
    }
  });
});
