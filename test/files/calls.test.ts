import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { files, useBlockingFileCalls, useThreadPoolFileCalls } from '../../src/main/engine/files/calls';
import { tempDir } from '../support/files';

/*
 * src/main/engine/files/calls.ts: the engine's per-item file-system calls, through libuv's thread
 * pool (the app) or on the calling thread (the CLI). Both ways must be indistinguishable to the code
 * that calls them: same results, same errors (code, syscall, path), same streams.
 */

let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir('kiln-calls-');
});
afterAll(async () => {
  useThreadPoolFileCalls();
  await dir.remove();
});
afterEach(() => useThreadPoolFileCalls());

const WAYS = [
  ['through the thread pool', useThreadPoolFileCalls],
  ['on the calling thread', useBlockingFileCalls],
] as const;

describe.each(WAYS)('file calls %s', (way, use) => {
  const base = () => join(dir.path, way.replace(/ /g, '-'));

  it('creates a file exclusively, and refuses a second time with EEXIST', async () => {
    use();
    mkdirSync(base(), { recursive: true });
    const path = join(base(), 'made.part');
    await (await files.open(path, 'wx')).close();
    expect(existsSync(path)).toBe(true);
    await expect(files.open(path, 'wx')).rejects.toMatchObject({ code: 'EEXIST', syscall: 'open', path });
  });

  it('writes through a stream, synced and closed when the pipeline ends, and reads back what it wrote', async () => {
    use();
    mkdirSync(base(), { recursive: true });
    const path = join(base(), 'written.svg');
    writeFileSync(path, 'x'.repeat(10_000));
    const file = await files.open(path, 'w');
    await pipeline(Readable.from([Buffer.from('<svg>'), Buffer.from('</svg>')]), file.writeStream());
    expect(readFileSync(path, 'utf8')).toBe('<svg></svg>');

    const again = await files.open(path, 'r');
    const buffer = Buffer.alloc(64);
    const { bytesRead } = await again.read(buffer, 0, buffer.length, 0);
    expect(buffer.subarray(0, bytesRead).toString()).toBe('<svg></svg>');
    expect((await again.stat()).size).toBe(11);
    await again.close();

    const chunks: Buffer[] = [];
    for await (const chunk of files.readStream(path)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('<svg></svg>');
    expect(await files.readFile(path)).toEqual(Buffer.from('<svg></svg>'));
  });

  it('says what is missing the way node:fs does: code, system call and path', async () => {
    use();
    const missing = join(base(), 'nowhere', 'gone.png');
    await expect(files.stat(missing)).rejects.toMatchObject({ code: 'ENOENT', syscall: 'stat', path: missing });
    await expect(files.lstat(missing)).rejects.toMatchObject({ code: 'ENOENT', syscall: 'lstat' });
    await expect(files.open(missing, 'r')).rejects.toMatchObject({ code: 'ENOENT', syscall: 'open' });
    await expect(files.unlink(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(files.rm(missing, { force: true })).resolves.toBeUndefined();
    const stream = files.readStream(missing);
    await expect(new Promise((_, reject) => stream.on('error', reject))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('links, renames, follows links to their real path and reports free space', async () => {
    use();
    const folder = join(base(), 'place');
    await files.mkdir(folder, { recursive: true });
    const temp = join(folder, '.kiln-a.part');
    writeFileSync(temp, 'result');
    await files.link(temp, join(folder, 'a.svg'));
    await expect(files.link(temp, join(folder, 'a.svg'))).rejects.toMatchObject({ code: 'EEXIST' });
    await files.unlink(temp);
    await files.rename(join(folder, 'a.svg'), join(folder, 'b.svg'));
    expect(await files.readdir(folder)).toEqual(['b.svg']);
    symlinkSync(folder, join(base(), 'alias'));
    expect(await files.realpath(join(base(), 'alias', 'b.svg'))).toBe(join(folder, 'b.svg'));
    expect(await files.readlink(join(base(), 'alias'))).toBe(folder);
    const fs = await files.statfs(folder);
    expect(fs.bavail * fs.bsize).toBeGreaterThan(0);
  });
});

describe('on the calling thread', () => {
  it('a call is done when it returns, before anything is awaited: no other thread takes part', async () => {
    useBlockingFileCalls();
    const path = join(dir.path, 'now.txt');
    writeFileSync(path, 'x');
    const removing = files.unlink(path);
    expect(existsSync(path)).toBe(false);
    await removing;
  });
});
