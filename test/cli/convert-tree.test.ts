import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failureText } from '../../src/shared/failure-text';
import { DEFAULT_FAULTS, startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { runCli } from '../support/cli';
import { flatImage, tempDir } from '../support/files';

let server: FakeScenario;
let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 100 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await tempDir('kiln-cli-tree-');
  server.setFaults(DEFAULT_FAULTS);
});
afterEach(async () => {
  await dir.remove();
});

async function tree(): Promise<string> {
  const src = join(dir.path, 'folder');
  await mkdir(join(src, 'sub1', 'deeper'), { recursive: true });
  await writeFile(join(src, 'top.png'), await flatImage('png'));
  await writeFile(join(src, 'sub1', 's1.png'), await flatImage('png'));
  await writeFile(join(src, 'sub1', 'deeper', 's2.png'), await flatImage('png'));
  return src;
}

describe('kiln convert keeps folder trees and ends with a summary', () => {
  it("mirrors the input tree under --out with --name '{dir}/{name}.{ext}'", async () => {
    const src = await tree();
    const out = join(dir.path, 'svg');
    const result = await runCli(['convert', src, '--model', 'vtracer', '--out', out, '--name', '{dir}/{name}.{ext}',
      '--api-url', server.url, '--state', join(dir.path, 'state'), '--json']);
    expect(result.code).toBe(0);
    expect((await readdir(out, { recursive: true })).filter((p) => p.endsWith('.svg')).sort())
      .toEqual(['sub1/deeper/s2.svg', 'sub1/s1.svg', 'top.svg']);
    expect(result.lines.map((l) => l['outputs'])).toContainEqual([join(out, 'sub1', 'deeper', 's2.svg')]);
  });

  it('refuses a {dir} that is not the leading folder of the template', async () => {
    const src = await tree();
    const result = await runCli(['convert', src, '--model', 'vtracer', '--out', join(dir.path, 'svg'), '--name', '{name}-{dir}.{ext}',
      '--api-url', server.url, '--state', join(dir.path, 'state')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\{dir\} is a folder: it can only start the template/);
  });

  it('prints each failure in plain words with its details, then one summary line', async () => {
    const src = await tree();
    await writeFile(join(src, 'sub1', 'empty.png'), '');
    await writeFile(join(src, 'readme.txt'), 'not an image');
    const out = join(dir.path, 'svg');
    const result = await runCli(['convert', src, '--model', 'vtracer', '--out', out,
      '--api-url', server.url, '--state', join(dir.path, 'state')]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    const failure = lines.findIndex((l) => l.startsWith('✖ folder/sub1/empty.png: '));
    expect(lines[failure]).toBe(`✖ folder/sub1/empty.png: ${failureText('the file is empty (0 bytes)').text}`);
    expect(lines[failure + 1]).toBe('    details: empty.png: the file is empty (0 bytes)');
    expect(lines.at(-1)).toMatch(new RegExp(`^kiln: 3 done · 1 failed · 1 skipped · \\d+\\.\\d s · results in ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });
});
