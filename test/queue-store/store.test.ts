import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  TEAM_LIMIT_TTL_MS,
  CorruptItemError,
  DB_FILE_NAME,
  IllegalTransitionError,
  InvalidItemError,
  ItemNotFoundError,
  QueueStore,
} from '../../src/main/engine/queue/store';
import { SCHEMA_VERSION, SchemaTooNewError } from '../../src/main/engine/queue/schema.sql';
import { LeaseHeldError } from '../../src/main/engine/queue/lease';
import { newItem, rollBackSchema } from './helpers';
import { failureText } from '../../src/shared/failure-text';

const open: QueueStore[] = [];
const dirs: string[] = [];
function memStore(): QueueStore {
  const s = QueueStore.open(':memory:');
  open.push(s);
  return s;
}
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kiln-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('adding and reading items', () => {
  it('assigns ids, positions at the end of each queue, and initial bookkeeping', () => {
    const store = memStore();
    const before = Date.now();
    const [a, b, c] = store.addItems([newItem(), newItem(), newItem({ queueId: 'q2' })]);
    expect(a?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set([a?.id, b?.id, c?.id]).size).toBe(3);
    expect([a?.position, b?.position, c?.position]).toEqual([1, 2, 1]);
    expect(a).toMatchObject({ state: 'queued', progress: 0, attempts: 0, outputs: [], downloadedAssetIds: [] });
    expect(a?.createdAt).toBeGreaterThanOrEqual(before);
    expect(a?.updatedAt).toBe(a?.createdAt);

    const [d] = store.addItems([newItem()]);
    expect(d?.position).toBe(3);
  });

  it('get returns exactly what was stored, JSON columns included', () => {
    const store = memStore();
    const input = newItem({ preset: 'illustration', params: { a: 1, b: 'two', c: false } });
    const [item] = store.addItems([input]);
    expect(store.get(item!.id)).toEqual(item);
    expect(store.get(item!.id)).toMatchObject({ preset: 'illustration', params: { a: 1, b: 'two', c: false }, output: input.output });
    expect(store.get('nope')).toBeUndefined();
  });

  it('rejects an invalid new item with the reason, adding nothing', () => {
    const store = memStore();
    const bad = { ...newItem(), inputSize: -1 };
    expect(() => store.addItems([newItem(), bad])).toThrow(InvalidItemError);
    expect(() => store.addItems([newItem(), bad])).toThrow(/Item 2.*inputSize/);
    expect(store.counts().total).toBe(0);
  });

  it('lists by queue then position, filtered by queue and states, with limit/offset', () => {
    const store = memStore();
    const items = store.addItems([newItem({ queueId: 'b' }), newItem({ queueId: 'a' }), newItem({ queueId: 'b' }), newItem({ queueId: 'a' })]);
    const ids = items.map((i) => i.id);
    expect(store.list().map((i) => i.id)).toEqual([ids[1], ids[3], ids[0], ids[2]]);
    expect(store.list({ queueId: 'b' }).map((i) => i.id)).toEqual([ids[0], ids[2]]);
    store.transition(ids[2]!, 'uploading');
    expect(store.list({ states: ['uploading'] }).map((i) => i.id)).toEqual([ids[2]]);
    expect(store.list({ queueId: 'b', states: ['queued', 'uploading'] })).toHaveLength(2);
    expect(store.list({ queueId: 'a', states: ['uploading'] })).toHaveLength(0);
    expect(store.list({ limit: 2, offset: 1 }).map((i) => i.id)).toEqual([ids[3], ids[0]]);
    expect(store.queueIds()).toEqual(['b', 'a']);
  });

  it("finds a queue's last item among some input kinds (the editor's sample), after a reorder too", () => {
    const store = memStore();
    const [png, glb, jpeg] = store.addItems([newItem(), newItem({ inputKind: 'glb' }), newItem({ inputKind: 'jpeg' }), newItem({ queueId: 'q2' })]);
    expect(store.latest('q1', ['png', 'jpeg'])?.id).toBe(jpeg!.id);
    expect(store.latest('q1', ['glb'])?.id).toBe(glb!.id);
    store.reorder(jpeg!.id, png!.id);
    expect(store.latest('q1', ['png', 'jpeg'])?.id).toBe(png!.id);
    expect(store.latest('q1', ['obj'])).toBeUndefined();
    expect(store.latest('empty', ['png'])).toBeUndefined();
  });

  it('counts per state, overall and per queue', () => {
    const store = memStore();
    const [a] = store.addItems([newItem(), newItem(), newItem({ queueId: 'q2' })]);
    store.transition(a!.id, 'canceled');
    const all = store.counts();
    expect(all.total).toBe(3);
    expect(all.byState).toMatchObject({ queued: 2, canceled: 1, done: 0, 'waiting-for-network': 0 });
    expect(Object.keys(all.byState)).toHaveLength(9);
    expect(store.counts('q2')).toMatchObject({ total: 1, byState: { queued: 1, canceled: 0 } });
    expect(store.counts('none').total).toBe(0);
  });

  it('removes items', () => {
    const store = memStore();
    const [a, b, c] = store.addItems([newItem(), newItem(), newItem()]);
    store.remove([a!.id, c!.id, 'unknown']);
    expect(store.list().map((i) => i.id)).toEqual([b!.id]);
    store.remove([]);
    expect(store.counts().total).toBe(1);
  });
});

describe('dedupe', () => {
  it('returns the existing item for a known dedupeKey, and says so', () => {
    const store = memStore();
    const [first] = store.addItems([newItem({ dedupeKey: 'k1' })]);
    store.transition(first!.id, 'uploading');
    const results = store.addItemsDetailed([newItem({ dedupeKey: 'k1' }), newItem({ dedupeKey: 'k2' })]);
    expect(results[0]).toEqual({ item: store.get(first!.id), existed: true });
    expect(results[0]?.item.state).toBe('uploading');
    expect(results[1]?.existed).toBe(false);
    expect(store.counts().total).toBe(2);
    expect(store.findByDedupeKey('k2')?.id).toBe(results[1]?.item.id);
    expect(store.findByDedupeKey('k3')).toBeUndefined();
  });

  it('dedupes within one batch too, and items without a key never collide', () => {
    const store = memStore();
    const out = store.addItemsDetailed([newItem({ dedupeKey: 'same' }), newItem({ dedupeKey: 'same' }), newItem(), newItem()]);
    expect(out.map((r) => r.existed)).toEqual([false, true, false, false]);
    expect(out[1]?.item.id).toBe(out[0]?.item.id);
    expect(store.counts().total).toBe(3);
  });
});

describe('updates and transitions', () => {
  it('update patches fields, bumps updatedAt and throws for a missing item', async () => {
    const store = memStore();
    const [a] = store.addItems([newItem()]);
    await new Promise((r) => setTimeout(r, 5));
    const updated = store.update(a!.id, { assetId: 'asset-1', attempts: 2, outputs: ['/out/x.svg'] });
    expect(updated).toMatchObject({ assetId: 'asset-1', attempts: 2, outputs: ['/out/x.svg'], state: 'queued' });
    expect(updated.updatedAt).toBeGreaterThan(a!.updatedAt);
    expect(store.get(a!.id)).toEqual(updated);
    expect(() => store.update('missing', { attempts: 1 })).toThrow(ItemNotFoundError);
  });

  it('an explicit undefined clears an optional field', () => {
    const store = memStore();
    const [a] = store.addItems([newItem()]);
    store.update(a!.id, { error: 'boom', jobId: 'j', pendingCommit: { assetId: 'x', tempPath: '/t', fileName: 'f.svg' } });
    expect(store.get(a!.id)).toMatchObject({ error: 'boom', jobId: 'j', pendingCommit: { assetId: 'x' } });
    const cleared = store.update(a!.id, { error: undefined, pendingCommit: undefined });
    expect(cleared.error).toBeUndefined();
    expect(cleared.pendingCommit).toBeUndefined();
    expect(cleared.jobId).toBe('j');
  });

  it('rejects invalid patches', () => {
    const store = memStore();
    const [a] = store.addItems([newItem()]);
    expect(() => store.update(a!.id, { progress: 2 })).toThrow(InvalidItemError);
    expect(() => store.update(a!.id, { progress: Number.NaN })).toThrow(InvalidItemError);
    expect(() => store.update(a!.id, { outputs: ['a.svg', 3] as never })).toThrow(/outputs/);
    // A field the store does not know is refused, not silently dropped.
    expect(() => store.update(a!.id, { colour: 'red' } as never)).toThrow(/unknown field "colour"/);
    // Nothing was written by the refused changes.
    expect(store.get(a!.id)).toMatchObject({ progress: 0, outputs: [] });
  });

  it('walks the happy path', () => {
    const store = memStore();
    const [a] = store.addItems([newItem()]);
    const id = a!.id;
    store.transition(id, 'uploading');
    store.transition(id, 'submitted', { assetId: 'as', jobId: 'job-1' });
    store.transition(id, 'processing', { progress: 0.3 });
    store.transition(id, 'processing', { progress: 0.6 });
    store.transition(id, 'downloading', { progress: 1 });
    const done = store.transition(id, 'done', { outputs: ['/out/a.svg'], downloadedAssetIds: ['o1'] });
    expect(done).toMatchObject({ state: 'done', jobId: 'job-1', progress: 1, outputs: ['/out/a.svg'] });
    expect(done.finishedAt).toBeTypeOf('number');
  });

  it('refuses illegal transitions, naming from and to, and changes nothing', () => {
    const store = memStore();
    const [a] = store.addItems([newItem()]);
    expect(() => store.transition(a!.id, 'done')).toThrow(IllegalTransitionError);
    expect(() => store.transition(a!.id, 'done')).toThrow(/from queued to done/);
    expect(() => store.update(a!.id, { state: 'downloading' })).toThrow(/from queued to downloading/);
    expect(store.get(a!.id)).toEqual(a);
    expect(() => store.transition('missing', 'uploading')).toThrow(ItemNotFoundError);
  });

  it('waiting-for-network remembers where to resume and only goes back there', () => {
    const store = memStore();
    const [a] = store.addItems([newItem()]);
    store.transition(a!.id, 'uploading');
    store.transition(a!.id, 'submitted', { jobId: 'j' });
    const parked = store.transition(a!.id, 'waiting-for-network', { error: 'offline' });
    expect(parked.resumeState).toBe('submitted');
    expect(() => store.transition(a!.id, 'downloading')).toThrow(/waiting-for-network to downloading.*resume submitted/);
    const back = store.transition(a!.id, 'submitted');
    expect(back.state).toBe('submitted');
    expect(back.resumeState).toBeUndefined();
  });

  it('a caller may choose the resume point (an interrupted upload resumes as queued)', () => {
    const store = memStore();
    const [a] = store.addItems([newItem()]);
    store.transition(a!.id, 'uploading');
    expect(store.transition(a!.id, 'waiting-for-network', { resumeState: 'queued' }).resumeState).toBe('queued');
    expect(() => store.transition(a!.id, 'uploading')).toThrow(IllegalTransitionError);
    expect(store.transition(a!.id, 'queued').state).toBe('queued');
  });

  it('retry clears the failure and its kind; finishing stamps finishedAt', () => {
    const store = memStore();
    const [a, b] = store.addItems([newItem(), newItem()]);
    store.transition(a!.id, 'uploading');
    const failed = store.transition(a!.id, 'failed', { error: 'bad input', failureKind: 'broken-file' });
    expect(failed.finishedAt).toBeTypeOf('number');
    expect(store.get(a!.id)).toMatchObject({ error: 'bad input', failureKind: 'broken-file' });
    const retried = store.transition(a!.id, 'queued', { attempts: 1 });
    expect(retried).toMatchObject({ state: 'queued', attempts: 1, progress: 0 });
    expect(retried.error).toBeUndefined();
    expect(retried.failureKind).toBeUndefined();
    expect(retried.finishedAt).toBeUndefined();
    // A retry that picks up a finished job reopens the item at submitted: the kind goes all the same.
    store.transition(b!.id, 'uploading');
    store.transition(b!.id, 'submitted', { jobId: 'job-2' });
    store.transition(b!.id, 'failed', { error: 'Could not write /out/b.svg', failureKind: 'output' });
    const resumed = store.transition(b!.id, 'submitted');
    expect(resumed.error).toBeUndefined();
    expect(resumed.failureKind).toBeUndefined();
    expect(store.get(b!.id)?.failureKind).toBeUndefined();
  });

  it('refuses a failure kind it does not know', () => {
    const store = memStore();
    const [a] = store.addItems([newItem()]);
    expect(() => store.update(a!.id, { failureKind: 'gremlins' as never })).toThrow(InvalidItemError);
  });

  it('persists a patch applied by a transition in the same write', () => {
    const store = memStore();
    const [a] = store.addItems([newItem()]);
    store.transition(a!.id, 'uploading');
    store.transition(a!.id, 'submitted', { jobId: 'job-7' });
    expect(store.get(a!.id)?.jobId).toBe('job-7');
  });
});

describe('scheduling order', () => {
  it('nextRunnable gives queued items by position, then creation, across or within queues', () => {
    const store = memStore();
    const [a1, a2, a3] = store.addItems([newItem({ queueId: 'a' }), newItem({ queueId: 'a' }), newItem({ queueId: 'a' })]);
    const [b1] = store.addItems([newItem({ queueId: 'b' })]);
    store.transition(a1!.id, 'uploading');
    expect(store.nextRunnable(10).map((i) => i.id)).toEqual([b1!.id, a2!.id, a3!.id]);
    expect(store.nextRunnable(1).map((i) => i.id)).toEqual([b1!.id]);
    expect(store.nextRunnable(10, ['a']).map((i) => i.id)).toEqual([a2!.id, a3!.id]);
    expect(store.nextRunnable(10, [])).toEqual([]);
    // All but some queues (the paused ones), in the same order.
    expect(store.nextRunnable(10, undefined, ['b']).map((i) => i.id)).toEqual([a2!.id, a3!.id]);
    expect(store.nextRunnable(10, undefined, []).map((i) => i.id)).toEqual([b1!.id, a2!.id, a3!.id]);
    expect(store.nextRunnable(0)).toEqual([]);
  });

  it('reorder moves an item before another or to the end, touching only that row', () => {
    const store = memStore();
    const items = store.addItems([newItem(), newItem(), newItem(), newItem()]);
    const [a, b, c, d] = items.map((i) => i.id) as [string, string, string, string];
    const order = () => store.list({ queueId: 'q1' }).map((i) => i.id);

    let changes = store.totalChanges();
    store.reorder(d, b);
    expect(store.totalChanges() - changes).toBe(1);
    expect(order()).toEqual([a, d, b, c]);

    store.reorder(a, null);
    expect(order()).toEqual([d, b, c, a]);
    store.reorder(c, d);
    expect(order()).toEqual([c, d, b, a]);
    changes = store.totalChanges();
    store.reorder(b, b);
    expect(store.totalChanges()).toBe(changes);
  });

  it('keeps order correct when repeated moves exhaust the gap (renumbers once)', () => {
    const store = memStore();
    const items = store.addItems(Array.from({ length: 5 }, () => newItem()));
    const ids = items.map((i) => i.id);
    // Always insert right before the second item: halves the same gap each time.
    const expected = [...ids];
    for (let i = 0; i < 80; i++) {
      const moving = expected[expected.length - 1]!;
      const before = expected[1]!;
      store.reorder(moving, before);
      expected.splice(expected.length - 1, 1);
      expected.splice(1, 0, moving);
      expect(store.list().map((x) => x.id)).toEqual(expected);
    }
  });

  it('refuses to reorder across queues or around unknown items', () => {
    const store = memStore();
    const [a] = store.addItems([newItem({ queueId: 'a' })]);
    const [b] = store.addItems([newItem({ queueId: 'b' })]);
    expect(() => store.reorder(a!.id, b!.id)).toThrow(/different queues/);
    expect(() => store.reorder('x', null)).toThrow(ItemNotFoundError);
    expect(() => store.reorder(a!.id, 'x')).toThrow(ItemNotFoundError);
  });
});

describe('durability and integrity', () => {
  it('survives close and reopen from a state directory', () => {
    const dir = join(tempDir(), 'nested', 'state');
    const store = QueueStore.open(dir);
    const [a, b] = store.addItems([newItem({ dedupeKey: 'x' }), newItem()]);
    store.transition(a!.id, 'uploading');
    store.transition(a!.id, 'submitted', { jobId: 'job-1' });
    store.close();
    store.close(); // closing twice is harmless

    const again = QueueStore.open(dir);
    open.push(again);
    expect(again.get(a!.id)).toMatchObject({ state: 'submitted', jobId: 'job-1' });
    expect(again.get(b!.id)).toEqual(b);
    expect(again.findByDedupeKey('x')?.id).toBe(a!.id);
    const [c] = again.addItems([newItem()]);
    expect(c?.position).toBe(3);
  });

  it('uses WAL and records the schema version', () => {
    const dir = tempDir();
    QueueStore.open(dir).close();
    const db = new Database(join(dir, DB_FILE_NAME));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('opens a database of schema 2 (before anything was learned about jobs) and remembers what polling learns across a reopen', () => {
    const dir = tempDir();
    QueueStore.open(dir).close();
    // As an earlier Kiln left it: none of what migrations 3 to 7 add, schema 2.
    rollBackSchema(join(dir, DB_FILE_NAME), 2);

    const store = QueueStore.open(dir);
    expect(store.jobTimings().size).toBe(0);
    store.saveJobTiming('model_visioncortex-vtracer', { v: 1, durations: [212.5], progress: [], jobs: 1 });
    store.saveJobTiming('model_visioncortex-vtracer', { v: 1, durations: [212.5, 204], progress: [], jobs: 2 });
    store.saveJobTiming('model_tripo-retopology', { v: 1, durations: [61_000], progress: [], jobs: 1 });
    store.close();

    const again = QueueStore.open(dir);
    open.push(again);
    expect(Object.fromEntries(again.jobTimings())).toEqual({
      'model_visioncortex-vtracer': { v: 1, durations: [212.5, 204], progress: [], jobs: 2 },
      'model_tripo-retopology': { v: 1, durations: [61_000], progress: [], jobs: 1 },
    });
  });

  it('keeps what polling learned per kind and the team ceiling per account, also in a database of schema 3', () => {
    const dir = tempDir();
    QueueStore.open(dir).close();
    rollBackSchema(join(dir, DB_FILE_NAME), 3);

    const store = QueueStore.open(dir);
    expect(store.jobTimings().size).toBe(0);
    expect(store.teamLimit('acct')).toBeUndefined();
    store.saveJobTiming('model_visioncortex-vtracer', { v: 1, durations: [800, 950], progress: [[0.5, 0.65]], jobs: 2 });
    store.saveTeamLimit('acct', 4);
    store.saveTeamLimit('acct', 3);
    expect(() => store.saveTeamLimit('acct', 0)).toThrow(RangeError);
    store.close();

    const again = QueueStore.open(dir);
    open.push(again);
    expect(again.jobTimings().get('model_visioncortex-vtracer')).toEqual({ v: 1, durations: [800, 950], progress: [[0.5, 0.65]], jobs: 2 });
    expect(again.teamLimit('acct')).toBe(3);
    expect(again.teamLimit('other')).toBeUndefined();
    // A ceiling learned over a week ago is tried again: the team's plan may have grown.
    expect(again.teamLimit('acct', Date.now() + TEAM_LIMIT_TTL_MS + 1)).toBeUndefined();
  });

  it('opens a database of schema 6: items that failed before kinds were kept read as before and get the words their message gives', () => {
    const dir = tempDir();
    const store = QueueStore.open(dir);
    const messages = ['empty.png is empty (0 bytes)', 'connect ECONNREFUSED 127.0.0.1:443', 'The disk holding output folder /art/out is full', 'something nobody planned for'];
    const items = store.addItems(messages.map(() => newItem()));
    for (const [i, item] of items.entries()) {
      store.transition(item.id, 'uploading');
      store.transition(item.id, 'failed', { error: messages[i] });
    }
    store.close();
    // As Kiln left it before migration 7.
    rollBackSchema(join(dir, DB_FILE_NAME), 6);

    const again = QueueStore.open(dir);
    open.push(again);
    const read = again.list();
    expect(read.map((i) => [i.state, i.error])).toEqual(messages.map((m) => ['failed', m]));
    expect(read.every((i) => !('failureKind' in i))).toBe(true);
    // The words are the message rules' (src/shared/failure-text.ts), as before this version.
    expect(read.map((i) => failureText(i.error, i.failureKind).kind)).toEqual(['empty-file', 'network', 'output', 'unknown']);
    expect(read.map((i) => failureText(i.error, i.failureKind).text)).toEqual(messages.map((m) => failureText(m).text));
    // Once migrated, a new failure keeps its kind across a reopen.
    again.transition(read[3]!.id, 'queued');
    again.transition(read[3]!.id, 'uploading');
    again.transition(read[3]!.id, 'failed', { error: 'something nobody planned for', failureKind: 'server' });
    again.close();
    const third = QueueStore.open(dir);
    open.push(third);
    expect(third.get(read[3]!.id)).toMatchObject({ failureKind: 'server', error: 'something nobody planned for' });
  });

  it('opens a database of schema 7: the next queued item and an input\'s finished results are found through the new indexes', () => {
    const dir = tempDir();
    const store = QueueStore.open(dir);
    const [first, second, third] = store.addItems([newItem({ contentHash: 'a'.repeat(64) }), newItem(), newItem()]);
    store.transition(first!.id, 'uploading');
    store.transition(first!.id, 'failed', { error: 'connect ECONNREFUSED 127.0.0.1:443' });
    store.close();
    rollBackSchema(join(dir, DB_FILE_NAME), 7);

    const again = QueueStore.open(dir);
    open.push(again);
    const db = new Database(join(dir, DB_FILE_NAME), { readonly: true });
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);
    db.close();
    expect(indexes).toEqual(['items_content', 'items_owner', 'items_queue_position', 'items_queue_state_position', 'items_queued']);
    expect(again.nextRunnable(5).map((i) => i.id)).toEqual([second!.id, third!.id]);
    again.transition(first!.id, 'queued');
    expect(again.nextRunnable(5).map((i) => i.id)).toEqual([first!.id, second!.id, third!.id]);
    again.transition(first!.id, 'uploading');
    again.transition(first!.id, 'submitted', { jobId: 'job-1' });
    again.transition(first!.id, 'downloading');
    again.transition(first!.id, 'done', { outputs: ['/out/a.svg'] });
    expect(again.findConverted('a'.repeat(64), 'vtracer').map((i) => i.id)).toEqual([first!.id]);
  });

  it('reads a failure kind it does not know (written by a newer Kiln) as none, so the row is not lost', () => {
    const dir = tempDir();
    const store = QueueStore.open(dir);
    const [a] = store.addItems([newItem()]);
    store.transition(a!.id, 'uploading');
    store.transition(a!.id, 'failed', { error: 'connect ECONNREFUSED 127.0.0.1:443', failureKind: 'network' });
    store.close();
    const db = new Database(join(dir, DB_FILE_NAME));
    db.prepare("UPDATE items SET failure_kind = 'cosmic-ray' WHERE id = ?").run(a!.id);
    db.close();
    const again = QueueStore.open(dir);
    open.push(again);
    const item = again.get(a!.id);
    expect(item).toMatchObject({ state: 'failed', error: 'connect ECONNREFUSED 127.0.0.1:443' });
    expect(item?.failureKind).toBeUndefined();
  });

  it('refuses a database from a newer Kiln instead of damaging it', () => {
    const dir = tempDir();
    QueueStore.open(dir).close();
    const db = new Database(join(dir, DB_FILE_NAME));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => QueueStore.open(dir)).toThrow(SchemaTooNewError);
  });

  it('a corrupt row is reported by id without hiding the others', () => {
    const dir = tempDir();
    const store = QueueStore.open(dir);
    const [good, bad] = store.addItems([newItem(), newItem()]);
    store.close();
    const db = new Database(join(dir, DB_FILE_NAME));
    db.prepare('UPDATE items SET params_json = ? WHERE id = ?').run('{not json', bad!.id);
    db.close();

    const seen: CorruptItemError[] = [];
    const reopened = QueueStore.open(dir, { onCorrupt: (e) => seen.push(e) });
    open.push(reopened);
    expect(reopened.list().map((i) => i.id)).toEqual([good!.id]);
    expect(seen.map((e) => e.itemId)).toEqual([bad!.id]);
    expect(() => reopened.get(bad!.id)).toThrow(CorruptItemError);
    expect(() => reopened.get(bad!.id)).toThrow(new RegExp(`${bad!.id}.*params is not valid JSON`));
    expect(reopened.findCorrupt().map((e) => e.itemId)).toEqual([bad!.id]);
    // It can still be cleaned up.
    reopened.remove([bad!.id]);
    expect(reopened.findCorrupt()).toEqual([]);
  });

  it('a row with valid JSON of the wrong shape is corrupt too', () => {
    const dir = tempDir();
    const store = QueueStore.open(dir);
    const [item] = store.addItems([newItem()]);
    store.close();
    const db = new Database(join(dir, DB_FILE_NAME));
    db.prepare('UPDATE items SET output_json = ? WHERE id = ?').run('{"dir":"/x","collision":"explode"}', item!.id);
    db.close();
    const reopened = QueueStore.open(dir);
    open.push(reopened);
    expect(() => reopened.get(item!.id)).toThrow(/output settings/);
  });

  it('the database refuses an unknown state outright', () => {
    const dir = tempDir();
    const store = QueueStore.open(dir);
    const [item] = store.addItems([newItem()]);
    store.close();
    const db = new Database(join(dir, DB_FILE_NAME));
    expect(() => db.prepare("UPDATE items SET state = 'exploded' WHERE id = ?").run(item!.id)).toThrow(/CHECK/);
    db.close();
  });
});

describe('one owner per item (queue/lease.ts)', () => {
  it('a working item is its owner\'s until given up: another connection can neither move nor claim it', () => {
    const dir = tempDir();
    const a = QueueStore.open(dir, { owner: 'elsewhere/1/a' });
    const b = QueueStore.open(dir, { owner: 'elsewhere/1/b' });
    open.push(a, b);
    const [item] = a.addItems([newItem()]);
    a.transition(item!.id, 'uploading');
    expect(() => b.transition(item!.id, 'failed', { error: 'not mine' })).toThrow(LeaseHeldError);
    // Whose it is, not whether the move would be legal: a second `kiln convert` that picked the item
    // while it was queued learns that another process took it, not "uploading to uploading".
    expect(() => b.transition(item!.id, 'uploading')).toThrow(LeaseHeldError);
    expect(() => b.claim(item!.id)).toThrow(/being worked on by Kiln on elsewhere/);
    expect(b.heldElsewhere()).toEqual([{ id: item!.id, owner: 'elsewhere/1/a', leaseUntil: expect.any(Number) }]);
    // Stopping gives the lease up; the item is then anyone's to resume.
    a.releaseLeases();
    expect(b.claim(item!.id).state).toBe('uploading');
    expect(() => a.transition(item!.id, 'submitted', { jobId: 'j' })).toThrow(LeaseHeldError);
    // Queued and finished items are nobody's.
    b.transition(item!.id, 'queued');
    expect(b.heldElsewhere()).toEqual([]);
    expect(a.transition(item!.id, 'uploading').state).toBe('uploading');
  });

  it('a lease not renewed expires, and a lease of a process of this machine that is gone ends at once', async () => {
    const dir = tempDir();
    const a = QueueStore.open(dir, { owner: 'elsewhere/1/a', leaseMs: 1 });
    const b = QueueStore.open(dir, { owner: 'elsewhere/1/b' });
    open.push(a, b);
    const [first, second] = a.addItems([newItem({ dedupeKey: '1' }), newItem({ dedupeKey: '2' })]);
    a.transition(first!.id, 'uploading');
    await new Promise((r) => setTimeout(r, 20));
    expect(b.transition(first!.id, 'queued').state).toBe('queued');

    // An owner id naming this host and a pid that cannot exist.
    const dead = QueueStore.open(dir, { owner: `${hostname()}/2147483646/x` });
    open.push(dead);
    dead.transition(second!.id, 'uploading');
    expect(() => b.claim(second!.id)).toThrow(LeaseHeldError);
    const reopened = QueueStore.open(dir, { owner: 'elsewhere/1/c' });
    open.push(reopened);
    expect(reopened.claim(second!.id).state).toBe('uploading');
  });
});

describe('an item this connection holds is written without reading it back (schema 9: the row\'s version)', () => {
  /** A connection with a log of its statements, and another one to read the row as stored. */
  function twoConnections() {
    const dir = tempDir();
    const log: string[] = [];
    const mine = QueueStore.open(dir, { owner: 'elsewhere/1/mine', verbose: (sql) => log.push(sql) });
    const other = QueueStore.open(dir, { owner: 'elsewhere/1/other' });
    open.push(mine, other);
    /** Runs a write and says how its statements ended: read back (RETURNING) or not. */
    const written = <T,>(fn: () => T): { result: T; statements: string[] } => {
      log.length = 0;
      const result = fn();
      return { result, statements: log.filter((sql) => /^\s*UPDATE/i.test(sql)).map((sql) => (/RETURNING/.test(sql) ? 'read back' : 'known')) };
    };
    return { dir, mine, other, written };
  }

  it('each step returns exactly the row as stored; only the step that takes the item reads it back', () => {
    const { mine, other, written } = twoConnections();
    const [queued] = mine.addItems([newItem({ preset: 'illustration' })]);
    const id = queued!.id;
    const outputs = ['/out/a.svg'];
    const steps: [string, () => unknown, string[]][] = [
      ['take it', () => mine.transition(id, 'uploading'), ['read back']],
      ['record the upload', () => mine.update(id, { assetId: 'asset-1', generateSentAt: 1_700_000_000_000 }), ['known']],
      ['record the job', () => mine.transition(id, 'submitted', { jobId: 'job-1', generateSentAt: undefined }), ['known']],
      ['running', () => mine.transition(id, 'processing', { progress: 0.5 }), ['known']],
      ['progress', () => mine.update(id, { progress: 1 }), ['known']],
      ['a warning', () => mine.update(id, { warnings: ['the mesh had 3 loose parts'] }), ['known']],
      ['downloading', () => mine.transition(id, 'downloading'), ['known']],
      ['about to place', () => mine.update(id, { pendingCommit: { assetId: 'a', tempPath: '/out/.t', fileName: 'a.svg' }, downloadedAssetIds: ['a'] }), ['known']],
      ['done', () => mine.transition(id, 'done', { outputs, pendingCommit: undefined, engine: 'cloud' }), ['known']],
      // Finished, the item is nobody's: reopening it takes it again, reading it back.
      ['reopened', () => mine.transition(id, 'queued'), ['read back']],
    ];
    const returned: unknown[] = [];
    for (const [step, write, expected] of steps) {
      const { result, statements } = written(write);
      expect(statements, step).toEqual(expected);
      expect(result, step).toEqual(other.get(id));
      returned.push(result);
    }
    // The item returned owns its values: changing what was passed in changes nothing.
    outputs.push('/out/b.svg');
    expect(returned[8]).toMatchObject({ state: 'done', outputs: ['/out/a.svg'] });
  });

  it('the item a pick returned is taken without reading it back, as stored', () => {
    const { mine, other, written } = twoConnections();
    const [first] = mine.addItems([newItem(), newItem()]);
    const [picked] = mine.nextRunnable(1);
    expect(picked?.id).toBe(first!.id);
    const taken = written(() => mine.transition(first!.id, 'uploading', { progress: 0 }));
    expect(taken.statements).toEqual(['known']);
    expect(taken.result).toEqual(other.get(first!.id));
    expect(written(() => mine.update(first!.id, { assetId: 'asset-1' })).statements).toEqual(['known']);
    expect(other.heldElsewhere()).toEqual([{ id: first!.id, owner: 'elsewhere/1/mine', leaseUntil: expect.any(Number) }]);
  });

  it('an item another connection took or moved after the pick is not taken from memory', () => {
    const { mine, other, written } = twoConnections();
    const [first, second] = mine.addItems([newItem(), newItem()]);
    mine.nextRunnable(2);
    // Taken by another runner between the pick and the take: its lease is what the write finds.
    other.transition(first!.id, 'uploading');
    expect(() => mine.transition(first!.id, 'uploading')).toThrow(LeaseHeldError);
    // Moved meanwhile: taking it reads the row back, with its new position.
    other.reorder(second!.id, first!.id);
    const taken = written(() => mine.transition(second!.id, 'uploading'));
    expect(taken.statements).toEqual(['known', 'read back']);
    expect(taken.result).toEqual(other.get(second!.id));
  });

  it('a row another connection changed meanwhile is read back, never overwritten from memory', () => {
    const { mine, other, written } = twoConnections();
    const [first, second] = mine.addItems([newItem(), newItem()]);
    mine.transition(second!.id, 'uploading');
    // A reorder moves an item whoever works it: its version changes.
    other.reorder(second!.id, first!.id);
    const moved = other.get(second!.id)!;
    expect(moved.position).toBeLessThan(first!.position);
    const { result, statements } = written(() => mine.transition(second!.id, 'submitted', { jobId: 'job-1' }));
    expect(statements).toEqual(['known', 'read back']);
    expect(result).toEqual(other.get(second!.id));
    expect(result).toMatchObject({ position: moved.position, state: 'submitted', jobId: 'job-1' });
    // And the next step is known again.
    expect(written(() => mine.update(second!.id, { progress: 0.25 })).statements).toEqual(['known']);
  });

  it('a write the state machine refuses is refused on the known path too, and says why', () => {
    const { mine, other, written } = twoConnections();
    const [item] = mine.addItems([newItem()]);
    mine.transition(item!.id, 'uploading');
    const before = other.get(item!.id);
    expect(() => written(() => mine.transition(item!.id, 'downloading'))).toThrow(IllegalTransitionError);
    expect(other.get(item!.id)).toEqual(before);
    expect(mine.transition(item!.id, 'submitted', { jobId: 'job-1' })).toEqual(other.get(item!.id));
  });

  it('opens a database of schema 8: its rows count their changes from there', () => {
    const dir = tempDir();
    const store = QueueStore.open(dir, { owner: 'elsewhere/1/mine' });
    const [item] = store.addItems([newItem()]);
    store.transition(item!.id, 'uploading');
    store.close();
    rollBackSchema(join(dir, DB_FILE_NAME), 8);
    const again = QueueStore.open(dir, { owner: 'elsewhere/1/mine' });
    open.push(again);
    expect(again.claim(item!.id).state).toBe('uploading');
    expect(again.transition(item!.id, 'submitted', { jobId: 'job-1' })).toEqual(again.get(item!.id));
    const db = new Database(join(dir, DB_FILE_NAME), { readonly: true });
    expect(db.prepare('SELECT version FROM items WHERE id = ?').pluck().get(item!.id)).toBe(2);
    db.close();
  });
});
