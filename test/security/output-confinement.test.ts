import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertInside, commitOutput, tempPathFor } from '../../src/main/engine/output/writer';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { runCli } from '../support/cli';
import { flatImage, tempDir } from '../support/files';

/*
 * Kiln writes only inside the output folder the artist chose: no path, name, template or symbolic
 * link can make it write anywhere else. Each case checks that nothing appeared (or changed) outside.
 */

let root: { path: string; remove: () => Promise<void> };
let out: string;
let outside: string;
beforeAll(async () => {
  root = await tempDir('kiln-confine-');
  out = join(root.path, 'out');
  outside = join(root.path, 'outside');
  await mkdir(out);
  await mkdir(outside);
  await writeFile(join(outside, 'precious.svg'), 'precious');
});
afterAll(async () => {
  await root.remove();
});

async function outsideUntouched(): Promise<void> {
  expect(await readdir(outside)).toEqual(['precious.svg']);
  expect(await readFile(join(outside, 'precious.svg'), 'utf8')).toBe('precious');
}

describe('assertInside refuses every path that leads out of the output folder', () => {
  it.each([
    ['a parent reference', '../outside/x.svg'],
    ['a deep parent reference', 'a/b/../../../outside/x.svg'],
    ['an absolute path elsewhere', '/etc/passwd'],
    ['the folder itself', '.'],
    ['the folder itself, by absolute path', ''],
  ])('%s (%s)', async (_what, target) => {
    await expect(assertInside(out, target || out)).rejects.toMatchObject({ code: 'outside-folder' });
  });

  it('a symbolic link inside the folder pointing out of it, and anything under it', async () => {
    await symlink(outside, join(out, 'link-out'));
    await symlink(join(outside, 'precious.svg'), join(out, 'file-link.svg'));
    await symlink(join(outside, 'not-yet.svg'), join(out, 'dangling.svg'));
    for (const target of ['link-out', 'link-out/x.svg', 'file-link.svg', 'dangling.svg']) {
      await expect(assertInside(out, target), target).rejects.toMatchObject({ code: 'outside-folder' });
    }
    await outsideUntouched();
  });

  it('a plain file or sub-folder inside is accepted, resolved to its real path', async () => {
    await expect(assertInside(out, 'art.svg')).resolves.toBe(join(out, 'art.svg'));
    await expect(assertInside(out, 'sub/art.svg')).resolves.toBe(join(out, 'sub', 'art.svg'));
  });
});

describe('commitOutput never places a result outside the folder', () => {
  it.each(['../escape.svg', '../outside/precious.svg', 'sub/../../escape.svg', '..', '.', '', 'a\\..\\..\\escape.svg', 'nul\0.svg'])(
    'a file name that is not a single name (%j) is refused',
    async (fileName) => {
      const temp = await tempPathFor(out, 'item');
      await writeFile(temp, '<svg/>');
      await expect(commitOutput(temp, { dir: out, fileName, collision: 'overwrite' })).rejects.toMatchObject({ code: 'invalid-name' });
      await outsideUntouched();
      expect(await readdir(root.path)).toEqual(['out', 'outside']);
    },
  );

  it.each(['overwrite', 'skip', 'keep-both'] as const)('with %s, an existing name that is a link to a file outside is never written through', async (collision) => {
    const dir = join(root.path, 'out', `links-${collision}`);
    await mkdir(dir);
    await symlink(join(outside, 'precious.svg'), join(dir, 'art.svg'));
    const temp = await tempPathFor(dir, 'item');
    await writeFile(temp, '<svg>new</svg>');
    const result = await commitOutput(temp, { dir, fileName: 'art.svg', collision }).then(
      (r) => r,
      (e: { code?: string }) => e,
    );
    // Refused, or kept inside under another name — but the file outside is untouched.
    if ('status' in result) expect(result.path.startsWith(`${dir}/`)).toBe(true);
    else expect(result.code).toBe('outside-folder');
    await outsideUntouched();
  });
});

describe('the CLI, end to end: hostile names and links in the output folder stay confined', () => {
  let server: FakeScenario;
  beforeAll(async () => {
    server = await startFakeScenario({ jobDurationMs: 150 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('inputs named "..png", "...png" and "..\\..\\x.png", a climbing template, and an output name already taken by a link to outside', async () => {
    const src = join(root.path, 'cli-in');
    const cliOut = join(root.path, 'out', 'cli');
    await mkdir(src);
    await mkdir(cliOut);
    const names = ['..png', '...png', '..\\..\\x.png', 'art.png'];
    for (const [i, n] of names.entries()) await writeFile(join(src, n), await flatImage('png', 30 + i, 30));
    // The name "art.svg" in the output folder is taken by a link to a file outside it.
    await symlink(join(outside, 'precious.svg'), join(cliOut, 'art.svg'));
    const result = await runCli([
      'convert', ...names.map((n) => join(src, n)), '--model', 'vtracer', '--out', cliOut, '--name', '../{name}.{ext}', '--on-conflict', 'overwrite',
      '--api-url', server.url, '--state', join(root.path, 'cli-state'), '--json',
    ]);
    expect(result.lines).toHaveLength(names.length);
    for (const l of result.lines) {
      if (l['status'] === 'done') {
        for (const o of l['outputs'] as string[]) expect(o.startsWith(`${cliOut}/`), o).toBe(true);
      } else {
        // Refused with a reason about the name or the folder, never silently.
        expect(l['error']).toMatch(/no usable file name|outside the output folder/);
      }
      // A name that can never be used is known before the upload: no job is paid for it.
      if (/no usable file name/.test(String(l['error']))) {
        expect(server.generates.map((g) => g.inputName)).not.toContain(String(l['input']).replace(/^.*\//, ''));
      }
    }
    const art = result.lines.find((l) => l['input'] === join(src, 'art.png'));
    expect(art).toMatchObject({ status: 'failed', error: expect.stringContaining('leads outside the output folder') });
    await outsideUntouched();
    expect((await readdir(root.path)).sort()).toEqual(['cli-in', 'cli-state', 'out', 'outside']);
    // Nothing half-written either.
    expect((await readdir(cliOut)).filter((f) => f.startsWith('.kiln-'))).toEqual([]);
  });
});
