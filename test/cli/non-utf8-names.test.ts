import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { runCli } from '../support/cli';
import { flatImage, tempDir } from '../support/files';

/*
 * Issue 14.7: Linux file names are bytes, and some are not UTF-8 (an old archive's "café" in
 * Latin-1: 63 61 66 E9). Node reads such a name as "caf\uFFFD", a name no file has, and the file
 * failed with "no such file or folder". It is converted like any other, its result named after the
 * readable form of its name.
 */

let server: FakeScenario;
let dir: { path: string; remove: () => Promise<void> };
let src: string;
beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 50 });
  dir = await tempDir('kiln-bytes-');
  src = join(dir.path, 'in');
  await mkdir(src);
  const png = await flatImage('png');
  // Buffer paths: the only way to name these files from Node.
  await writeFile(Buffer.from(`${src}/caf\xe9.png`, 'latin1'), png);
  await mkdir(Buffer.from(`${src}/dossier-\xe9t\xe9`, 'latin1'));
  await writeFile(Buffer.from(`${src}/dossier-\xe9t\xe9/plage.png`, 'latin1'), await flatImage('png', 50, 40));
  await writeFile(join(src, 'plain.png'), await flatImage('png', 60, 40));
});
afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

describe('file and folder names that are not UTF-8', () => {
  it('are converted like any other, named after the readable form of their name', async () => {
    const out = join(dir.path, 'out');
    const result = await runCli(['convert', src, '--model', 'vtracer', '--out', out, '--api-url', server.url, '--state', join(dir.path, 'state'), '--json']);
    expect(result.stdout + result.stderr).not.toMatch(/no such file/);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.lines.map((l) => l['status'])).toEqual(['done', 'done', 'done']);
    expect((await readdir(out)).sort()).toEqual(['café.svg', 'plage.svg', 'plain.svg']);
    // A rerun recognises them: nothing is generated again.
    const generated = server.generates.length;
    const again = await runCli(['convert', src, '--model', 'vtracer', '--out', out, '--api-url', server.url, '--state', join(dir.path, 'state'), '--json']);
    expect(again.code).toBe(0);
    expect(server.generates.length).toBe(generated);
  }, 60_000);
});
