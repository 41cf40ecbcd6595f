import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DB_FILE_NAME } from '../../src/main/engine/queue/store';
import type { WebApp } from '../../src/main/host/launch-web';
import { MemoryCredentialStore } from '../../src/main/host/credentials';
import { startFakeScenario, type FakeScenario } from '../fake-scenario/index';
import { flatImage, tempDir } from '../support/files';
import { joinState, startApp, waitFor } from '../support/web-app';

let server: FakeScenario;
let dir: { path: string; remove: () => Promise<void> };
let app: WebApp;

beforeAll(async () => {
  server = await startFakeScenario({ jobDurationMs: 200 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await tempDir('kiln-service-');
  app = await startApp(server, joinState(dir.path));
});
afterEach(async () => {
  await app.close();
  await dir.remove();
});

const call = (name: string, input: unknown) => app.service.handle(name, input);

async function makeQueue(overrides: Record<string, unknown> = {}) {
  const result = await call('queues.create', {
    name: 'Logos',
    modelKey: 'vtracer',
    preset: 'poster',
    params: {},
    outputDir: join(dir.path, 'out'),
    nameTemplate: '{name}.{ext}',
    collision: 'keep-both',
    engine: 'cloud',
    ...overrides,
  });
  if (!result.ok) throw new Error(result.error.message);
  return result.value as { id: string };
}

describe('the handler table', () => {
  it('refuses unknown calls and malformed payloads with a specific message', async () => {
    expect(await call('fs.readFile', {})).toEqual({ ok: false, error: { code: 'invalid-input', message: 'unknown call "fs.readFile"' } });
    const extra = await call('queues.list', { sneaky: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const wrongType = await call('items.cancel', { ids: 'not-a-list' });
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('ids') } });
  });

  it('refuses a queue with out-of-range parameters, naming the parameter', async () => {
    const result = await call('queues.create', {
      name: 'Bad', modelKey: 'vtracer', preset: 'custom', params: { colorPrecision: 0 }, outputDir: join(dir.path, 'o'),
      nameTemplate: '{name}.{ext}', collision: 'keep-both', engine: 'cloud',
    });
    expect(result).toEqual({ ok: false, error: { code: 'invalid-input', message: 'colorPrecision must be a whole number from 1 to 8 (got 0)' } });
  });

  it('refuses a relative output folder and an unknown template field', async () => {
    await expect(makeQueue({ outputDir: 'relative/out' })).rejects.toThrow('absolute path');
    await expect(makeQueue({ watchFolder: 'relative/inbox' })).rejects.toThrow('the watched folder must be an absolute path');
    await expect(makeQueue({ nameTemplate: '{name}-{color}.{ext}' })).rejects.toThrow(/naming template: .*color/);
  });

  it('takes an output folder on a Windows network share, where studios keep artists\' folders', async () => {
    const queue = await makeQueue({ outputDir: '\\\\nas\\art\\logos' });
    expect(queue).toMatchObject({ outputDir: '\\\\nas\\art\\logos' });
  });

  it('enqueues dropped paths, converts them, and streams item events', async () => {
    const queue = await makeQueue();
    const src = join(dir.path, 'drop');
    await mkdir(src);
    await writeFile(join(src, 'a.png'), await flatImage('png'));
    await writeFile(join(src, 'b.jpg'), await flatImage('jpeg'));
    await writeFile(join(src, 'readme.txt'), 'hi');
    const states: string[] = [];
    app.service.on('event', (name, payload) => {
      if (name === 'item') states.push((payload as { state: string }).state);
    });
    const added = await call('items.addPaths', { queueId: queue.id, paths: [src] });
    expect(added).toMatchObject({ ok: true, value: { added: [{ inputName: 'a.png' }, { inputName: 'b.jpg' }], skipped: [{ path: join(src, 'readme.txt') }] } });
    await waitFor(() => app.service.store.counts(queue.id).byState.done === 2, 20_000, 'two items done');
    expect(states).toEqual(expect.arrayContaining(['queued', 'uploading', 'submitted', 'downloading', 'done']));
    expect((await readdir(join(dir.path, 'out'))).sort()).toEqual(['a.svg', 'b.svg']);
  });

  it('an item whose stored row is damaged is left out of its list, logged, and reported to the window once', async () => {
    const queue = await makeQueue();
    const src = join(dir.path, 'drop');
    await mkdir(src);
    await writeFile(join(src, 'a.png'), await flatImage('png'));
    await writeFile(join(src, 'b.png'), await flatImage('png', 80));
    await call('items.addPaths', { queueId: queue.id, paths: [src] });
    await waitFor(() => app.service.store.counts(queue.id).byState.done === 2, 20_000, 'two items done');
    const [kept, damaged] = app.service.store.list({ queueId: queue.id });
    const db = new Database(join(joinState(dir.path), DB_FILE_NAME));
    db.prepare('UPDATE items SET params_json = ? WHERE id = ?').run('{not json', damaged!.id);
    db.close();

    const told: unknown[] = [];
    app.service.on('event', (name, payload) => {
      if (name === 'item.unreadable') told.push(payload);
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const listed = await call('items.list', { queueId: queue.id });
      expect(listed).toMatchObject({ ok: true, value: [{ id: kept!.id }] });
      expect((listed as { value: unknown[] }).value).toHaveLength(1);
      await call('items.list', { queueId: queue.id });
      const detail = expect.stringMatching(new RegExp(`Queue item ${damaged!.id} is corrupt in the queue database: .*params is not valid JSON`));
      expect(told).toEqual([{ itemId: damaged!.id, detail }]);
      expect(warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes(damaged!.id))).toHaveLength(1);
      // A window opened later asks for the whole list.
      expect(await call('items.unreadable', {})).toEqual({ ok: true, value: [{ itemId: damaged!.id, detail }] });
    } finally {
      warn.mockRestore();
    }
  });

  it('says a dropped file was already converted instead of paying for it twice, and redoes it on request', async () => {
    const queue = await makeQueue();
    const file = join(dir.path, 'a.png');
    await writeFile(file, await flatImage('png'));
    await call('items.addPaths', { queueId: queue.id, paths: [file] });
    await waitFor(() => app.service.store.counts(queue.id).byState.done === 1, 20_000, 'done');
    const again = await call('items.addPaths', { queueId: queue.id, paths: [file] });
    expect(again).toMatchObject({ ok: true, value: { added: [], alreadyConverted: [{ path: file, outputs: [join(dir.path, 'out', 'a.svg')] }] } });
    const generates = server.generates.length;
    const redo = await call('items.addPaths', { queueId: queue.id, paths: [file], redo: true });
    expect(redo).toMatchObject({ ok: true, value: { added: [{ inputName: 'a.png' }] } });
    await waitFor(() => server.generates.length === generates + 1 && app.service.store.counts(queue.id).byState.done === 1, 20_000, 'redone');
  });

  it('recognises a copy of a converted file by its content, wherever it was dropped from', async () => {
    const queue = await makeQueue();
    const original = join(dir.path, 'a.png');
    const bytes = await flatImage('png');
    await writeFile(original, bytes);
    await call('items.addPaths', { queueId: queue.id, paths: [original] });
    await waitFor(() => app.service.store.counts(queue.id).byState.done === 1, 20_000, 'done');
    const copy = join(dir.path, 'copy of a.png');
    await writeFile(copy, bytes);
    const again = await call('items.addPaths', { queueId: queue.id, paths: [copy] });
    expect(again).toMatchObject({ ok: true, value: { added: [], alreadyConverted: [{ path: copy, outputs: [join(dir.path, 'out', 'a.svg')] }] } });
    const done = app.service.store.list({ queueId: queue.id })[0]!;
    expect(done).toMatchObject({ engine: 'cloud', contentHash: expect.stringMatching(/^[0-9a-f]{64}$/), jobId: expect.stringMatching(/^job_/) });
    expect(done.finishedAt).toBeGreaterThan(0);
  });

  it('watches a queue folder: new files are converted once; clearing the folder stops watching', async () => {
    const inbox = join(dir.path, 'inbox');
    await mkdir(inbox);
    const queue = await makeQueue({ watchFolder: inbox });
    await writeFile(join(inbox, 'w.png'), await flatImage('png'));
    await waitFor(() => app.service.store.counts(queue.id).byState.done === 1, 20_000, 'the watched file to be converted');
    await call('queues.update', { id: queue.id, patch: { watchFolder: null } });
    await writeFile(join(inbox, 'after.png'), await flatImage('png', 20, 20));
    await new Promise((r) => setTimeout(r, 1800));
    expect(app.service.store.counts(queue.id).total).toBe(1);
    expect(server.generates.filter((g) => g.inputName === 'w.png')).toHaveLength(1);
  });

  it('keeps sub-folders of a watch folder with {dir}/{name}.{ext}, and shows files as they sit in it', async () => {
    const inbox = join(dir.path, 'inbox');
    await mkdir(join(inbox, 'props', 'chairs'), { recursive: true });
    const queue = await makeQueue({ watchFolder: inbox, nameTemplate: '{dir}/{name}.{ext}' });
    await writeFile(join(inbox, 'props', 'chairs', 'oak.png'), await flatImage('png'));
    await waitFor(() => app.service.store.counts(queue.id).byState.done === 1, 20_000, 'the watched file to be converted');
    const [item] = app.service.store.list({ queueId: queue.id });
    expect(item?.outputs).toEqual([join(dir.path, 'out', 'props', 'chairs', 'oak.svg')]);
    expect(item?.displayPath).toBe(join('inbox', 'props', 'chairs', 'oak.png'));
  });

  it("tells the renderer which files in a watch folder cannot be converted and why, and converts the rest", async () => {
    const inbox = join(dir.path, 'inbox');
    await mkdir(inbox);
    const problems: Array<{ queueId: string; files: Array<{ path: string; reason: string }> }> = [];
    app.service.on('event', (name, payload) => {
      if (name === 'watch.problem') problems.push(payload as (typeof problems)[number]);
    });
    const queue = await makeQueue({ watchFolder: inbox });
    await writeFile(join(inbox, 'notes.png'), 'meeting notes, not a picture');
    await writeFile(join(inbox, 'empty.png'), '');
    await writeFile(join(inbox, 'readme.txt'), 'not meant for this queue: skipped, not a problem');
    await writeFile(join(inbox, 'good.png'), await flatImage('png'));
    await waitFor(() => app.service.store.counts(queue.id).byState.done === 1 && problems.length === 2, 20_000, 'good.png converted, two problems told');
    const told = problems.flatMap((p) => p.files.map((f) => ({ queueId: p.queueId, ...f }))).sort((a, b) => a.path.localeCompare(b.path));
    expect(told).toEqual([
      { queueId: queue.id, path: join(inbox, 'empty.png'), reason: expect.stringMatching(/empty/) },
      { queueId: queue.id, path: join(inbox, 'notes.png'), reason: expect.stringMatching(/\S/) },
    ]);
    // One rule for broken files (issue 15): recorded on the queue as failed items with their reason, beside the converted one.
    expect(app.service.store.counts(queue.id).byState).toMatchObject({ done: 1, failed: 2 });
    expect(app.service.store.list({ queueId: queue.id, states: ['failed'] }).map((i) => i.displayPath).sort()).toEqual(['inbox/empty.png', 'inbox/notes.png']);
    // Kept for a window that opens later, until dismissed.
    const kept = await call('watch.problems', {});
    expect(kept).toMatchObject({ ok: true, value: [{ queueId: queue.id, folder: inbox, files: expect.arrayContaining(told.map(({ path, reason }) => ({ path, reason }))) }] });
    expect(await call('watch.dismiss', { queueId: queue.id })).toEqual({ ok: true, value: null });
    expect(await call('watch.problems', {})).toEqual({ ok: true, value: [] });
  });

  it('says when a watch folder is not there after a restart (an unplugged drive)', async () => {
    const inbox = join(dir.path, 'usb-inbox');
    await mkdir(inbox);
    const queue = await makeQueue({ watchFolder: inbox });
    await app.close();
    await rm(inbox, { recursive: true });
    app = await startApp(server, joinState(dir.path));
    expect(await call('watch.problems', {})).toEqual({
      ok: true,
      value: [{ queueId: queue.id, folder: inbox, files: [], message: `the folder ${inbox} is not there: nothing is picked up until it is` }],
    });
  });

  it('refuses a watch folder that does not exist or is a file', async () => {
    await expect(makeQueue({ watchFolder: join(dir.path, 'nowhere') })).rejects.toThrow(`the watched folder ${join(dir.path, 'nowhere')} does not exist`);
    const file = join(dir.path, 'a-file');
    await writeFile(file, 'x');
    const queue = await makeQueue();
    const result = await call('queues.update', { id: queue.id, patch: { watchFolder: file } });
    expect(result).toEqual({ ok: false, error: { code: 'invalid-input', message: `the watched folder ${file} is a file, not a folder` } });
  });

  it('reorders waiting items within their queue', async () => {
    const queue = await makeQueue();
    await call('queues.pause', { queueId: queue.id });
    for (const n of ['a', 'b', 'c']) await writeFile(join(dir.path, `${n}.png`), await flatImage('png', 20 + n.charCodeAt(0) % 7, 20));
    await call('items.addPaths', { queueId: queue.id, paths: ['a', 'b', 'c'].map((n) => join(dir.path, `${n}.png`)) });
    const names = () => app.service.store.list({ queueId: queue.id }).map((i) => i.inputPath.slice(-5));
    expect(names()).toEqual(['a.png', 'b.png', 'c.png']);
    const [a, , c] = app.service.store.list({ queueId: queue.id });
    expect(await call('items.reorder', { id: c!.id, beforeId: a!.id })).toEqual({ ok: true, value: null });
    expect(names()).toEqual(['c.png', 'a.png', 'b.png']);
    await call('items.reorder', { id: c!.id, beforeId: null });
    expect(names()).toEqual(['a.png', 'b.png', 'c.png']);
    expect(await call('items.reorder', { id: 'nope', beforeId: null })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('pauses and resumes a queue, cancels and retries items', async () => {
    const queue = await makeQueue();
    await call('queues.pause', { queueId: queue.id });
    const file = join(dir.path, 'a.png');
    await writeFile(file, await flatImage('png'));
    const added = (await call('items.addPaths', { queueId: queue.id, paths: [file] })) as { ok: true; value: { added: Array<{ id: string }> } };
    const id = added.value.added[0]!.id;
    await new Promise((r) => setTimeout(r, 300));
    expect(app.service.store.get(id)?.state).toBe('queued');
    const stats = (await call('queues.stats', {})) as { ok: true; value: Array<{ paused: boolean }> };
    expect(stats.value[0]?.paused).toBe(true);
    await call('items.cancel', { ids: [id] });
    expect(app.service.store.get(id)?.state).toBe('canceled');
    await call('queues.resume', { queueId: queue.id });
    await call('items.retry', { ids: [id] });
    await waitFor(() => app.service.store.get(id)?.state === 'done', 20_000, 'retried item done');
  });

  it('tests the connection with the stored key pair and reports a wrong one', async () => {
    expect(await call('credentials.test', {})).toMatchObject({ ok: true, value: { ok: true } });
    await call('credentials.set', { apiKey: 'test-key', apiSecret: 'wrong' });
    const bad = (await call('credentials.test', {})) as { ok: true; value: { ok: boolean; message: string } };
    expect(bad.value.ok).toBe(false);
    expect(bad.value.message).toMatch(/rejected the API key and secret/);
    expect(bad.value.message).not.toContain('wrong');
  });

  it('reports whether credentials exist but never returns them', async () => {
    const info = (await call('host.info', {})) as { ok: true; value: Record<string, unknown> };
    expect(info.value).toEqual({
      kind: 'web',
      version: 'test',
      hasCredentials: true,
      keyLocation: { kind: 'session', description: 'for this session only: in memory, forgotten when Kiln stops' },
      online: true,
    });
    await call('credentials.clear', {});
    expect(((await call('host.info', {})) as { value: { hasCredentials: boolean } }).value.hasCredentials).toBe(false);
  });
});

describe('without credentials', () => {
  it('keeps dropped items queued and says the key is missing', async () => {
    await app.close();
    app = await startApp(server, joinState(dir.path) + '-2', new MemoryCredentialStore());
    const queue = await makeQueue();
    const auth: string[] = [];
    app.service.on('event', (name, payload) => name === 'auth.failed' && auth.push((payload as { message: string }).message));
    const file = join(dir.path, 'a.png');
    await writeFile(file, await flatImage('png'));
    await call('items.addPaths', { queueId: queue.id, paths: [file] });
    await waitFor(() => auth.length > 0, 5000, 'auth.failed');
    expect(auth[0]).toContain('No Scenario API key and secret are set');
    expect(app.service.store.counts(queue.id).byState.queued).toBe(1);
    await call('credentials.set', { apiKey: 'test-key', apiSecret: 'test-secret' });
    await waitFor(() => app.service.store.counts(queue.id).byState.done === 1, 20_000, 'done after the key was set');
  });
});
