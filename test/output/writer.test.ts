import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputError, toOutputError } from '../../src/main/engine/output/errors';
import {
  assertInside,
  commitOutput,
  ensureOutputDir,
  isTempName,
  recoverCommit,
  sweepTemps,
  tempPathFor,
} from '../../src/main/engine/output/writer';

const roots: string[] = [];
function tempRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'kiln-out-'));
  roots.push(d);
  return d;
}
afterEach(() => {
  for (const d of roots.splice(0)) {
    // Undo any chmod so the cleanup itself can delete.
    try {
      chmodSync(d, 0o755);
      for (const e of readdirSync(d)) chmodSync(join(d, e), 0o755);
    } catch {
      /* already gone */
    }
    rmSync(d, { recursive: true, force: true });
  }
});

/** A finished download waiting in the folder, as the downloader leaves it. */
async function download(dir: string, content: string, itemId = 'item-1'): Promise<string> {
  const tmp = await tempPathFor(dir, itemId);
  await writeFile(tmp, content);
  return tmp;
}

const visible = (dir: string) => readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
const hidden = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.'));

describe('temporary files', () => {
  it('are hidden files in the target folder, created (with the folder) on request', async () => {
    const dir = join(tempRoot(), 'new', 'folder');
    const tmp = await tempPathFor(dir, 'abc-123');
    expect(dirname(tmp)).toBe(dir);
    expect(basename(tmp)).toMatch(/^\.kiln-abc-123-[0-9a-f]{12}\.part$/);
    expect(existsSync(tmp)).toBe(true);
    expect(isTempName(basename(tmp), 'abc-123')).toBe(true);
    expect(isTempName(basename(tmp), 'abc')).toBe(false);
    expect(await tempPathFor(dir, 'abc-123')).not.toBe(tmp);
  });

  it('sweepTemps removes leftovers of one item, or all, and nothing else', async () => {
    const dir = tempRoot();
    const a1 = await tempPathFor(dir, 'a');
    const a2 = await tempPathFor(dir, 'a');
    const b = await tempPathFor(dir, 'b');
    const ab = await tempPathFor(dir, 'a-b');
    writeFileSync(join(dir, 'art.svg'), 'keep');
    writeFileSync(join(dir, '.kiln-notes.txt'), 'keep');
    mkdirSync(join(dir, '.kiln-a-0123456789ab.part'));

    expect((await sweepTemps(dir, 'a')).sort()).toEqual([a1, a2].sort());
    expect(existsSync(b)).toBe(true);
    expect(existsSync(ab)).toBe(true);
    expect((await sweepTemps(dir)).sort()).toEqual([ab, b].sort());
    expect(readdirSync(dir).sort()).toEqual(['.kiln-a-0123456789ab.part', '.kiln-notes.txt', 'art.svg']);
    expect(await sweepTemps(join(dir, 'missing'))).toEqual([]);
  });
});

describe('commitOutput collision policies', () => {
  it('writes into place and leaves no temp behind', async () => {
    const dir = tempRoot();
    const tmp = await download(dir, '<svg/>');
    const res = await commitOutput(tmp, { dir, fileName: 'art.svg', collision: 'keep-both' });
    expect(res).toEqual({ status: 'written', path: join(dir, 'art.svg') });
    expect(readFileSync(res.path, 'utf8')).toBe('<svg/>');
    expect(hidden(dir)).toEqual([]);
  });

  it('keep-both (the default) numbers new copies and never touches the existing file', async () => {
    const dir = tempRoot();
    writeFileSync(join(dir, 'art.svg'), 'original');
    const r1 = await commitOutput(await download(dir, 'one'), { dir, fileName: 'art.svg' });
    const r2 = await commitOutput(await download(dir, 'two'), { dir, fileName: 'art.svg', collision: 'keep-both' });
    expect(r1.path).toBe(join(dir, 'art (1).svg'));
    expect(r2.path).toBe(join(dir, 'art (2).svg'));
    expect(readFileSync(join(dir, 'art.svg'), 'utf8')).toBe('original');
    expect(readFileSync(r1.path, 'utf8')).toBe('one');
    expect(readFileSync(r2.path, 'utf8')).toBe('two');
    expect(hidden(dir)).toEqual([]);
  });

  it('overwrite replaces the existing file', async () => {
    const dir = tempRoot();
    writeFileSync(join(dir, 'art.svg'), 'old');
    const res = await commitOutput(await download(dir, 'new'), { dir, fileName: 'art.svg', collision: 'overwrite' });
    expect(res).toEqual({ status: 'written', path: join(dir, 'art.svg') });
    expect(readFileSync(res.path, 'utf8')).toBe('new');
    expect(visible(dir)).toEqual(['art.svg']);
    expect(hidden(dir)).toEqual([]);
  });

  it('skip keeps the existing file, deletes the temp and says so', async () => {
    const dir = tempRoot();
    writeFileSync(join(dir, 'art.svg'), 'old');
    const res = await commitOutput(await download(dir, 'new'), { dir, fileName: 'art.svg', collision: 'skip' });
    expect(res).toEqual({ status: 'skipped', path: join(dir, 'art.svg') });
    expect(readFileSync(res.path, 'utf8')).toBe('old');
    expect(hidden(dir)).toEqual([]);
    const fresh = await commitOutput(await download(dir, 'x'), { dir, fileName: 'other.svg', collision: 'skip' });
    expect(fresh.status).toBe('written');
  });

  it('concurrent keep-both commits of one name never overwrite each other', async () => {
    const dir = tempRoot();
    const n = 24;
    const temps = await Promise.all(Array.from({ length: n }, (_, i) => download(dir, `content-${i}`, `item-${i}`)));
    const results = await Promise.all(temps.map((t) => commitOutput(t, { dir, fileName: 'same.svg', collision: 'keep-both' })));
    const paths = results.map((r) => r.path);
    expect(new Set(paths).size).toBe(n);
    expect(visible(dir)).toHaveLength(n);
    // Each commit's path holds exactly its own content.
    results.forEach((r, i) => expect(readFileSync(r.path, 'utf8')).toBe(`content-${i}`));
    expect(hidden(dir)).toEqual([]);
  });

  it('concurrent skip commits of one new name keep exactly one', async () => {
    const dir = tempRoot();
    const temps = await Promise.all(Array.from({ length: 10 }, (_, i) => download(dir, `c${i}`, `i${i}`)));
    const results = await Promise.all(temps.map((t) => commitOutput(t, { dir, fileName: 'one.svg', collision: 'skip' })));
    const written = results.filter((r) => r.status === 'written');
    expect(written).toHaveLength(1);
    expect(visible(dir)).toEqual(['one.svg']);
    expect(readFileSync(join(dir, 'one.svg'), 'utf8')).toBe(`c${results.indexOf(written[0]!)}`);
    expect(hidden(dir)).toEqual([]);
  });

  it('refuses a file name that is really a path', async () => {
    const dir = tempRoot();
    const tmp = await download(dir, 'x');
    await expect(commitOutput(tmp, { dir, fileName: '../escape.svg' })).rejects.toMatchObject({ code: 'invalid-name' });
    await expect(commitOutput(tmp, { dir, fileName: '..' })).rejects.toBeInstanceOf(OutputError);
    expect(existsSync(join(dir, '..', 'escape.svg'))).toBe(false);
  });

  it('reports a missing temp file clearly', async () => {
    const dir = tempRoot();
    await expect(commitOutput(join(dir, '.kiln-x-000000000000.part'), { dir, fileName: 'a.svg' })).rejects.toMatchObject({
      code: 'missing-temp',
    });
  });

  it('a folder where the file should go is an error, and the folder is untouched', async () => {
    const dir = tempRoot();
    mkdirSync(join(dir, 'art.svg'));
    writeFileSync(join(dir, 'art.svg', 'inside.txt'), 'keep');
    const err = await commitOutput(await download(dir, 'x'), { dir, fileName: 'art.svg', collision: 'overwrite' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).code).toBe('name-is-folder');
    expect((err as OutputError).message).toMatch(/art\.svg is a folder/);
    expect(readFileSync(join(dir, 'art.svg', 'inside.txt'), 'utf8')).toBe('keep');
    expect(hidden(dir)).toEqual([]);
  });
});

describe('staying inside the chosen folder', () => {
  it('assertInside accepts paths inside and refuses .. escapes', async () => {
    const dir = tempRoot();
    await expect(assertInside(dir, join(dir, 'a.svg'))).resolves.toBeTruthy();
    await expect(assertInside(dir, 'sub/new/a.svg')).resolves.toBeTruthy();
    await expect(assertInside(dir, join(dir, '..', 'a.svg'))).rejects.toMatchObject({ code: 'outside-folder' });
    await expect(assertInside(dir, '/etc/passwd')).rejects.toMatchObject({ code: 'outside-folder' });
    await expect(assertInside(dir, dir)).rejects.toMatchObject({ code: 'outside-folder' });
  });

  it('refuses a symlink in the folder that points outside, even a dangling one', async () => {
    const root = tempRoot();
    const dir = join(root, 'out');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(dir);
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'precious.svg'), 'precious');
    symlinkSync(join(elsewhere, 'precious.svg'), join(dir, 'art.svg'));
    symlinkSync(join(elsewhere, 'not-yet.svg'), join(dir, 'dangling.svg'));
    symlinkSync(elsewhere, join(dir, 'linkdir'));

    await expect(assertInside(dir, join(dir, 'art.svg'))).rejects.toMatchObject({ code: 'outside-folder' });
    await expect(assertInside(dir, join(dir, 'dangling.svg'))).rejects.toMatchObject({ code: 'outside-folder' });
    await expect(assertInside(dir, join(dir, 'linkdir', 'x.svg'))).rejects.toMatchObject({ code: 'outside-folder' });

    for (const collision of ['overwrite', 'keep-both', 'skip'] as const) {
      const tmp = await download(dir, 'attack');
      const err = await commitOutput(tmp, { dir, fileName: 'art.svg', collision }).catch((e: unknown) => e);
      expect((err as OutputError).code, collision).toBe('outside-folder');
      expect(readFileSync(join(elsewhere, 'precious.svg'), 'utf8')).toBe('precious');
      expect(lstatSync(join(dir, 'art.svg')).isSymbolicLink()).toBe(true);
    }
    await expect(commitOutput(await download(dir, 'x'), { dir, fileName: 'dangling.svg', collision: 'overwrite' })).rejects.toMatchObject({
      code: 'outside-folder',
    });
    expect(existsSync(join(elsewhere, 'not-yet.svg'))).toBe(false);
    expect(readdirSync(elsewhere)).toEqual(['precious.svg']);
  });

  it('a symlink pointing inside the folder is fine', async () => {
    const dir = tempRoot();
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'alias'));
    await expect(assertInside(dir, join(dir, 'alias', 'a.svg'))).resolves.toBe(join(dir, 'real', 'a.svg'));
  });

  it('never deletes a "temp" that is outside the folder', async () => {
    const root = tempRoot();
    const dir = join(root, 'out');
    mkdirSync(dir);
    const outside = join(root, 'precious.part');
    writeFileSync(outside, 'precious');
    await expect(commitOutput(outside, { dir, fileName: 'a.svg' })).rejects.toMatchObject({ code: 'outside-folder' });
    expect(readFileSync(outside, 'utf8')).toBe('precious');
  });
});

describe('folder problems are clear errors', () => {
  it('creates a missing folder (mkdir -p)', async () => {
    const dir = join(tempRoot(), 'a', 'b', 'c');
    await ensureOutputDir(dir);
    const res = await commitOutput(await download(dir, 'x'), { dir, fileName: 'a.svg' });
    expect(res.path).toBe(join(dir, 'a.svg'));
  });

  it('a folder that is really a file (or under a file) says so', async () => {
    const root = tempRoot();
    const file = join(root, 'out');
    writeFileSync(file, 'i am a file');
    await expect(tempPathFor(file, 'i')).rejects.toThrow(`Output folder ${file} is not a folder`);
    await expect(tempPathFor(join(file, 'sub'), 'i')).rejects.toMatchObject({ code: 'not-a-folder' });
    expect(readFileSync(file, 'utf8')).toBe('i am a file');
  });

  // Root ignores permission bits, so chmod 555 proves nothing when the tests run as root (as they
  // do here). Then a real read-only file system is used instead: a tmpfs mounted read-only in a
  // private mount namespace (`unshare -m`), which vanishes with the child and touches nothing else.
  const isRoot = process.getuid?.() === 0;
  const canUnshare = isRoot && spawnSync('unshare', ['-m', 'true']).status === 0;
  it.skipIf(isRoot && !canUnshare)('a read-only folder is reported as read-only, and its files are untouched', async () => {
    const dir = tempRoot();
    let result: { inFolder: { code?: string; message?: string }; subFolder: { code?: string; message?: string }; existing: string };
    if (!isRoot) {
      writeFileSync(join(dir, 'art.svg'), 'original');
      chmodSync(dir, 0o555);
      const report = (fn: () => Promise<unknown>) =>
        fn().then(
          () => ({}),
          (e: OutputError) => ({ code: e.code, message: e.message }),
        );
      result = {
        inFolder: await report(() => tempPathFor(dir, 'item')),
        subFolder: await report(() => tempPathFor(join(dir, 'new-sub'), 'item')),
        existing: readFileSync(join(dir, 'art.svg'), 'utf8'),
      };
    } else {
      const script = [
        `mount -t tmpfs none "$1"`,
        `echo -n original > "$1/art.svg"`,
        `mount -o remount,ro "$1"`,
        `exec "$2" --import tsx/esm "$3" "$1"`,
      ].join(' && ');
      const child = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', dir, process.execPath, join(__dirname, 'readonly-child.ts')], {
        cwd: join(__dirname, '../..'),
        encoding: 'utf8',
      });
      expect(child.status, child.stderr).toBe(0);
      result = JSON.parse(child.stdout) as typeof result;
    }
    expect(result.inFolder).toEqual({ code: 'read-only', message: `Output folder ${dir} is read-only: Kiln is not allowed to write there` });
    expect(result.subFolder.code).toBe('read-only');
    expect(result.subFolder.message).toMatch(/is read-only/);
    expect(result.existing).toBe('original');
  });

  it('maps read-only, disk-full and other fs errors to messages an artist understands', () => {
    const errno = (code: string) => Object.assign(new Error(`${code}: raw`), { code });
    const ctx = { dir: '/Volumes/Card/out', file: '/Volumes/Card/out/a.svg' };
    expect(toOutputError(errno('EROFS'), ctx)).toMatchObject({ code: 'read-only', message: 'Output folder /Volumes/Card/out is read-only: Kiln is not allowed to write there' });
    expect(toOutputError(errno('EACCES'), ctx).code).toBe('read-only');
    expect(toOutputError(errno('ENOSPC'), ctx)).toMatchObject({ code: 'disk-full', message: 'The disk holding output folder /Volumes/Card/out is full' });
    expect(toOutputError(errno('ENOTDIR'), ctx).code).toBe('not-a-folder');
    expect(toOutputError(errno('EIO'), ctx)).toMatchObject({ code: 'io', message: 'Could not write /Volumes/Card/out/a.svg: EIO: raw' });
    const passthrough = new OutputError('already clear');
    expect(toOutputError(passthrough, ctx)).toBe(passthrough);
  });

  it('a failure while committing leaves existing files intact', async () => {
    const dir = tempRoot();
    writeFileSync(join(dir, 'art.svg'), 'original');
    const tmp = await download(dir, 'new');
    // Make the rename fail by pulling the temp away: the original must be untouched.
    rmSync(tmp);
    await expect(commitOutput(tmp, { dir, fileName: 'art.svg', collision: 'overwrite' })).rejects.toBeInstanceOf(OutputError);
    expect(readFileSync(join(dir, 'art.svg'), 'utf8')).toBe('original');
  });
});

describe('recoverCommit after a crash', () => {
  it('finishes a commit whose temp is still there', async () => {
    const dir = tempRoot();
    const tmp = await download(dir, 'data');
    const res = await recoverCommit(tmp, { dir, fileName: 'a.svg', collision: 'keep-both' });
    expect(res?.path).toBe(join(dir, 'a.svg'));
    expect(readFileSync(join(dir, 'a.svg'), 'utf8')).toBe('data');
    expect(hidden(dir)).toEqual([]);
  });

  it('recognises a file already placed (crash between link and unlink) instead of copying it twice', async () => {
    const dir = tempRoot();
    writeFileSync(join(dir, 'a.svg'), 'older');
    const tmp = await download(dir, 'data');
    const { linkSync } = await import('node:fs');
    linkSync(tmp, join(dir, 'a (1).svg'));
    const res = await recoverCommit(tmp, { dir, fileName: 'a.svg', collision: 'keep-both' });
    expect(res?.path).toBe(join(dir, 'a (1).svg'));
    expect(visible(dir)).toEqual(['a (1).svg', 'a.svg']);
    expect(hidden(dir)).toEqual([]);
  });

  it('when the temp is gone, returns the placed file, or undefined if there is none', async () => {
    const dir = tempRoot();
    const tmp = await download(dir, 'data');
    await commitOutput(tmp, { dir, fileName: 'a.svg', collision: 'overwrite' });
    expect(await recoverCommit(tmp, { dir, fileName: 'a.svg', collision: 'overwrite' })).toEqual({ status: 'written', path: join(dir, 'a.svg') });
    expect(await recoverCommit(tmp, { dir, fileName: 'b.svg', collision: 'keep-both' })).toBeUndefined();
  });
});
