import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/main/engine/create-engine';
import { findModel } from '../../src/main/engine/models/registry';
import { enqueuePaths, type EnqueueTarget } from '../../src/main/engine/queue/enqueue';
import { openQueueStore } from '../../src/main/engine/queue/open-store';
import type { QueueStore } from '../../src/main/engine/queue/store';
import { WatchedFolder } from '../../src/main/engine/watch/watched-folder';
import { SwitchableApi } from '../../src/main/host/switchable-api';
import type { SkippedInput } from '../../src/main/engine/inputs/expand';
import { flatImage, tempDir } from '../support/files';

let dir: { path: string; remove: () => Promise<void> };
let store: QueueStore;
let target: EnqueueTarget;

beforeEach(async () => {
  dir = await tempDir('kiln-enqueue-');
  store = openQueueStore(join(dir.path, 'state')).store;
  target = {
    queueId: 'q1', model: findModel('vtracer')!, preset: 'poster', params: { presetName: 'poster' },
    output: { dir: join(dir.path, 'out'), template: '{dir}/{name}.{ext}', collision: 'keep-both' }, engine: 'cloud',
  };
  await mkdir(join(dir.path, 'in', 'props'), { recursive: true });
  await writeFile(join(dir.path, 'in', 'props', 'chair.png'), await flatImage('png'));
  await writeFile(join(dir.path, 'in', 'broken.png'), Buffer.alloc(0));
});
afterEach(async () => {
  store.close();
  await dir.remove();
});

describe('the engine enqueue', () => {
  it('queues each file once, placed in its sub-folder, whatever how often it is added', async () => {
    const first = await enqueuePaths(store, target, [join(dir.path, 'in')]);
    expect(first.added.map((i) => [i.displayPath, i.output.dir])).toEqual([['in/props/chair.png', join(dir.path, 'out', 'props')]]);
    const again = await enqueuePaths(store, target, [join(dir.path, 'in')]);
    expect(again.added).toEqual([]);
    expect(again.items.map((i) => i.id)).toEqual(first.added.map((i) => i.id));
    expect(store.list({ queueId: 'q1' })).toHaveLength(1);
  });

  it('reports a broken file with its reason, and records it on the queue only when asked', async () => {
    const told = await enqueuePaths(store, target, [join(dir.path, 'in', 'broken.png')]);
    expect(told.rejected).toEqual([expect.objectContaining({ path: join(dir.path, 'in', 'broken.png'), reason: expect.stringMatching(/empty/) })]);
    expect(store.list({ queueId: 'q1' })).toEqual([]);

    const recorded = await enqueuePaths(store, target, [join(dir.path, 'in', 'broken.png')], {}, { recordBroken: true });
    expect(recorded.added).toEqual([]);
    expect(recorded.changed.map((i) => [i.state, i.error])).toEqual([['failed', told.rejected[0]?.reason]]);
    // Seen again (a watch folder after a restart): the same failed item, not a second one.
    await enqueuePaths(store, target, [join(dir.path, 'in', 'broken.png')], {}, { recordBroken: true });
    expect(store.list({ queueId: 'q1' })).toHaveLength(1);
  });

  it('says a file was already converted when its results are on disk, and queues it afresh when redone', async () => {
    const [item] = (await enqueuePaths(store, target, [join(dir.path, 'in', 'props', 'chair.png')])).added;
    const output = join(dir.path, 'chair.svg');
    await writeFile(output, '<svg/>');
    for (const state of ['uploading', 'submitted', 'processing', 'downloading'] as const) store.transition(item!.id, state, state === 'submitted' ? { jobId: 'job1' } : {});
    store.transition(item!.id, 'done', { outputs: [output], finishedAt: Date.now() });

    const app = { skipConverted: true, requeueFinished: true };
    const seen = await enqueuePaths(store, target, [join(dir.path, 'in', 'props', 'chair.png')], {}, app);
    expect(seen.alreadyConverted).toEqual([{ path: join(dir.path, 'in', 'props', 'chair.png'), itemId: item!.id, outputs: [output] }]);
    expect(seen.added).toEqual([]);

    const redone = await enqueuePaths(store, target, [join(dir.path, 'in', 'props', 'chair.png')], {}, { ...app, skipConverted: false });
    expect(redone.added.map((i) => [i.id, i.state, i.jobId, i.outputs])).toEqual([[item!.id, 'queued', undefined, []]]);
  });

  it('identifies each file by the sha256 of its bytes, small or large', async () => {
    // A small file is hashed as it is judged (expand.ts), a larger one read again to be hashed.
    const large = await flatImage('png', 2000, 1500);
    const noise = await sharp(randomBytes(200 * 150 * 3), { raw: { width: 200, height: 150, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    expect(noise.length).toBeGreaterThan(64 * 1024);
    await writeFile(join(dir.path, 'in', 'noise.png'), noise);
    await writeFile(join(dir.path, 'in', 'large.png'), large);
    const { added } = await enqueuePaths(store, target, [join(dir.path, 'in')]);
    const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');
    expect(added.map((i) => i.displayPath)).toEqual(['in/large.png', 'in/noise.png', 'in/props/chair.png']);
    for (const item of added) expect(item.contentHash).toBe(await sha256(item.inputPath));
  });
});

describe('createEngine', () => {
  let engine: Engine;
  beforeEach(() => {
    engine = createEngine({ store, api: new SwitchableApi() });
  });
  afterEach(async () => {
    await engine.runner.stop();
  });

  it('announces what it queued before the runner can move it', async () => {
    const seen: string[] = [];
    engine.runner.on('item', (i) => seen.push(`runner:${i.state}`));
    await engine.runner.start();
    await engine.enqueuePaths(target, [join(dir.path, 'in', 'props', 'chair.png')], {}, {
      announce: ({ changed }) => seen.push(...changed.map((i) => `announced:${i.state}`)),
    });
    expect(seen[0]).toBe('announced:queued');
  });
});

describe('a watched folder', () => {
  it('enqueues files as they appear ({dir} relative to the folder, shown as they sit in it) and tells the broken ones with their reason', async () => {
    const folder = join(dir.path, 'in');
    const problems: SkippedInput[] = [];
    const found: string[] = [];
    const watched = new WatchedFolder({
      folder, ignoreFolders: [target.output.dir], stableMs: 50,
      enqueue: async (path, expand) => {
        const result = await enqueuePaths(store, target, [path], expand, { recordBroken: true });
        found.push(...result.added.map((i) => i.displayPath ?? ''));
        return result;
      },
      onProblem: (files) => problems.push(...files),
    });
    await watched.start();
    try {
      await expect.poll(() => found.length + problems.length, { timeout: 10_000 }).toBe(2);
      expect(found).toEqual(['in/props/chair.png']);
      expect(problems).toEqual([expect.objectContaining({ displayPath: 'in/broken.png', reason: expect.stringMatching(/empty/) })]);
      expect(store.list({ queueId: 'q1' }).map((i) => [i.displayPath, i.output.dir, i.state]).sort()).toEqual([
        ['in/broken.png', target.output.dir, 'failed'],
        ['in/props/chair.png', join(target.output.dir, 'props'), 'queued'],
      ]);
    } finally {
      await watched.close();
    }
  });

  it('says when its folder is not there', async () => {
    const messages: string[] = [];
    const missing = join(dir.path, 'nowhere');
    const watched = new WatchedFolder({ folder: missing, ignoreFolders: [], enqueue: async () => ({ rejected: [] }), onProblem: (_f, m) => messages.push(m ?? '') });
    await watched.start();
    await watched.close();
    expect(messages).toEqual([`the folder ${missing} is not there: nothing is picked up until it is`]);
  });
});
