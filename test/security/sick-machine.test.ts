import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { KILN_BIN, runCli } from '../support/cli';
import { flatImage, tempDir } from '../support/files';
import { withMountNamespace } from '../support/mount-ns';

/*
 * Issue 14.5: a sick machine gets a message, not a trace. The state folder on a full disk, a
 * damaged queue database and a stdout closed by `| head` each end the CLI with words an artist
 * can act on — and never with a stack trace.
 */

const TRACE = /\n\s+at |SqliteError|Error: write EPIPE/;

let server: FakeScenario;
let dir: { path: string; remove: () => Promise<void> };
let src: string;
beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 100 });
  dir = await tempDir('kiln-sick-');
  src = join(dir.path, 'in');
  await mkdir(src);
  for (let i = 0; i < 6; i++) await writeFile(join(src, `art-${i}.png`), await flatImage('png', 40 + i, 40));
});
afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

const convert = (state: string, out: string) => ['convert', src, '--model', 'vtracer', '--out', out, '--api-url', server.url, '--state', state, '--json'];

describe('a damaged queue database', () => {
  it('is moved aside with a timestamp, the artist is told where, and the batch runs on a fresh queue', async () => {
    const state = join(dir.path, 'state-corrupt');
    await mkdir(state);
    await writeFile(join(state, 'kiln-queue.db'), Buffer.alloc(8192, 'this is not a database '));
    const result = await runCli(convert(state, join(dir.path, 'out-corrupt')));
    expect(result.stderr).not.toMatch(TRACE);
    expect(result.code, result.stderr).toBe(0);
    expect(result.lines.map((l) => l['status'])).toEqual(Array(6).fill('done'));
    const names = await readdir(state);
    const aside = names.find((n) => /^kiln-queue\.db\.damaged-\d{8}-\d{6}$/.test(n));
    expect(aside, names.join(', ')).toBeDefined();
    expect(result.stderr).toContain(join(state, aside ?? ''));
    expect(result.stderr).toMatch(/damaged/);
  }, 60_000);
});

describe('stdout closed early (`kiln convert --json | head -1`)', () => {
  it('ends quietly: no EPIPE, no trace, and a rerun finishes the batch', async () => {
    const state = join(dir.path, 'state-pipe');
    const out = join(dir.path, 'out-pipe');
    const child = spawn(process.execPath, [KILN_BIN, ...convert(state, out), '--concurrency', '1'], {
      env: { ...process.env, SCENARIO_SDK_API_KEY: 'test-key', SCENARIO_SDK_API_SECRET: 'test-secret' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Like `head -1`: read one line, then close the read end of the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(stderr).not.toMatch(TRACE);
    expect(stderr).not.toMatch(/EPIPE/);
    expect(code).toBe(141);
    const rerun = await runCli(convert(state, out));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.lines.map((l) => l['status'])).toEqual(Array(6).fill('done'));
  }, 60_000);
});

describe('the state folder on a full disk', () => {
  it('is reported in plain words, with the folder, and no trace', async () => {
    await withMountNamespace(async (ns) => {
      // A 256 KiB disk, filled to the last block before Kiln starts.
      const disk = await ns.smallDisk(join(dir.path, 'full'), '256k');
      disk.fill();
      const state = join(disk.path, 'state');
      const result = await ns.startCli(convert(state, join(dir.path, 'out-full'))).result;
      expect(result.stderr).not.toMatch(TRACE);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(state);
      expect(result.stderr).toMatch(/full/);
    });
  }, 60_000);

  it('filling up while the batch runs is reported the same way', async () => {
    const many = join(dir.path, 'many');
    await mkdir(many);
    const png = await flatImage('png');
    for (let i = 0; i < 30; i++) await writeFile(join(many, `img-${String(i).padStart(2, '0')}.png`), png);
    await withMountNamespace(async (ns) => {
      // Room to create the queue, not to keep 30 items' history in it.
      const disk = await ns.smallDisk(join(dir.path, 'filling'), '160k');
      disk.fill(16);
      const state = join(disk.path, 'state');
      const result = await ns.startCli(['convert', many, '--model', 'vtracer', '--out', join(dir.path, 'out-filling'), '--api-url', server.url, '--state', state, '--json']).result;
      expect(result.stderr).not.toMatch(TRACE);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(state);
      expect(result.stderr).toMatch(/full/);
    });
  }, 60_000);
});
