import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE_NAME, QueueStore } from '../../src/main/engine/queue/store';
import { newItem } from './helpers';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A store of `size` items with a statement log we can inspect. */
function storeOf(size: number) {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-scale-'));
  dirs.push(dir);
  const log: string[] = [];
  const store = QueueStore.open(dir, { verbose: (sql) => log.push(sql) });
  for (let i = 0; i < size; i += 1000) {
    store.addItems(Array.from({ length: Math.min(1000, size - i) }, (_, j) => newItem({ queueId: `q${(i + j) % 2}` })));
  }
  return { dir, log, store };
}

/** The SQL statements and rows changed by one call. */
function measure(s: ReturnType<typeof storeOf>, fn: () => void) {
  const before = s.store.totalChanges();
  s.log.length = 0;
  fn();
  const statements = s.log.filter((sql) => !/^\s*SELECT total_changes/i.test(sql));
  return { statements, changed: s.store.totalChanges() - before };
}

describe('a state change costs the same whatever the queue size', () => {
  for (const size of [10, 10_000]) {
    it(`with ${size} items: one transition = one UPDATE of one row; update and reorder likewise`, () => {
      const s = storeOf(size);
      const target = s.store.list({ queueId: 'q1', limit: 1, offset: Math.floor(size / 4) })[0]!;

      const t = measure(s, () => s.store.transition(target.id, 'uploading', { progress: 0.1 }));
      // The UPDATE checks the state machine itself: no statement reads the row first.
      expect(t.statements).toHaveLength(1);
      expect(t.statements.filter((sql) => /^\s*UPDATE/i.test(sql))).toHaveLength(1);
      expect(t.statements.filter((sql) => /^\s*(INSERT|DELETE|REPLACE)/i.test(sql))).toHaveLength(0);
      expect(t.changed).toBe(1);

      const u = measure(s, () => s.store.update(target.id, { assetId: 'asset-1' }));
      expect(u.statements.filter((sql) => /^\s*UPDATE/i.test(sql))).toHaveLength(1);
      expect(u.changed).toBe(1);

      const other = s.store.list({ queueId: 'q1', limit: 1, offset: 1 })[0]!;
      const r = measure(s, () => s.store.reorder(target.id, other.id));
      expect(r.changed).toBe(1);

      // The rest of an item's everyday life: each step is one UPDATE too.
      for (const to of ['submitted', 'processing', 'downloading', 'done'] as const) {
        const step = measure(s, () => s.store.transition(target.id, to));
        expect(step.statements, `→ ${to}`).toHaveLength(1);
        expect(step.changed).toBe(1);
      }
      s.store.close();
    });
  }

  it('the hot statements use indexes, never a full scan', () => {
    const s = storeOf(2000);
    s.store.close();
    const db = new Database(join(s.dir, DB_FILE_NAME), { readonly: true });
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan("UPDATE items SET state = 'uploading' WHERE id = 'x' AND state = 'queued'")).toMatch(/SEARCH items USING INDEX/);
    const pick = plan("SELECT * FROM items WHERE state = 'queued' ORDER BY position, created_at, rowid LIMIT 8");
    expect(pick).toMatch(/items_queued/);
    expect(pick).not.toMatch(/TEMP B-TREE/);
    expect(plan("SELECT * FROM items WHERE queue_id = 'q1' ORDER BY queue_id, position, created_at, rowid")).toMatch(
      /USING INDEX items_queue/,
    );
    // The runner's pick with paused queues left out: the same index, no sort of the whole table.
    const pickUnpaused = plan(
      "SELECT * FROM items WHERE state = 'queued' AND queue_id NOT IN (SELECT value FROM json_each('[\"q1\"]')) ORDER BY position, created_at, rowid LIMIT 8",
    );
    expect(pickUnpaused).toMatch(/items_queued/);
    expect(pickUnpaused).not.toMatch(/TEMP B-TREE/);
    expect(plan("SELECT * FROM items WHERE dedupe_key = 'k'")).toMatch(/SEARCH items USING INDEX/);
    // An input's finished results (an unchanged file dropped again): by hash and model.
    expect(plan("SELECT * FROM items WHERE content_hash = 'h' AND model_key = 'vtracer' AND state = 'done' ORDER BY finished_at DESC")).toMatch(
      /SEARCH items USING INDEX items_content/,
    );
    // The heartbeat's look for this connection's leases.
    expect(plan("UPDATE items SET lease_until = 1 WHERE owner = 'me'")).toMatch(/USING INDEX items_owner/);
    expect(plan("SELECT MAX(position) FROM items WHERE queue_id = 'q1'")).toMatch(/USING (COVERING )?INDEX items_queue/);
    db.close();
  });
});

describe('the write-ahead log', () => {
  it('stays a few MB however many transitions a long batch makes (SQLite checkpoints it)', () => {
    const s = storeOf(1000);
    const items = s.store.list();
    for (const state of ['uploading', 'submitted', 'processing', 'downloading', 'done'] as const) {
      for (const item of items) s.store.transition(item.id, state, { progress: 0.5 });
    }
    // 5,000 commits of ~8 pages each would be ~160 MB if the log were never copied back.
    const wal = statSync(join(s.dir, `${DB_FILE_NAME}-wal`)).size;
    expect(wal).toBeLessThan(12 * 1024 * 1024);
  });
});

/**
 * Pages the write-ahead log gains over a call: every page an UPDATE dirties is appended whole, so
 * this is the durable work a step costs (the CLI's CPU per item, issue 13.3, and the disk's wear).
 * The store's connection checkpoints only past 1,000 pages, far more than these steps write.
 */
function logPages(dir: string, fn: () => void): number {
  const wal = join(dir, `${DB_FILE_NAME}-wal`);
  const other = new Database(join(dir, DB_FILE_NAME));
  other.pragma('wal_checkpoint(TRUNCATE)');
  other.close();
  const size = () => statSync(wal, { throwIfNoEntry: false })?.size ?? 0;
  const before = size();
  fn();
  // 32-byte log header (written with the first frame), then 24 bytes of header per 4 KiB page.
  return Math.round((size() - Math.max(before, 32)) / (4096 + 24));
}

describe('pages written per step of an item', () => {
  it('the steps an item takes while its runner holds it rewrite neither the queued index nor the owner index', () => {
    // Few items, so the table and each index fit one page: the count is then which of them a step
    // touched, with no page split to blur it.
    const s = storeOf(10);
    const [item] = s.store.nextRunnable(1);
    const id = item!.id;
    const pages = (fn: () => void) => logPages(s.dir, fn);
    // Leaving the line: the row, the per-queue state index (the entry moves), the queued index (the
    // entry goes) and the owner index (the entry comes).
    expect(pages(() => s.store.transition(id, 'uploading'))).toBe(4);
    // Then the row, and the per-queue state index when the state changes; nothing else, as the
    // queued and owner indexes do not change while the same runner works the item.
    expect(pages(() => s.store.update(id, { assetId: 'asset-1', generateSentAt: Date.now() }))).toBe(1);
    expect(pages(() => s.store.transition(id, 'submitted', { jobId: 'job-1', generateSentAt: undefined }))).toBe(2);
    expect(pages(() => s.store.transition(id, 'processing', { progress: 0.5 }))).toBe(2);
    expect(pages(() => s.store.update(id, { progress: 0.7 }))).toBe(1);
    expect(pages(() => s.store.transition(id, 'downloading'))).toBe(2);
    expect(pages(() => s.store.update(id, { pendingCommit: { assetId: 'a', tempPath: '/out/.t', fileName: 'f.svg' } }))).toBe(1);
    // Done: the row, the per-queue state index, and the owner index (the entry goes).
    expect(pages(() => s.store.transition(id, 'done', { outputs: ['/out/f.svg'], pendingCommit: undefined }))).toBe(3);
    expect(s.store.get(id)).toMatchObject({ state: 'done', outputs: ['/out/f.svg'] });
    s.store.close();
  });

  it('a runner whose lease ran out and was taken over is refused, though it had the item a moment ago', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-scale-'));
    dirs.push(dir);
    const slow = QueueStore.open(dir, { owner: 'elsewhere/1/slow', leaseMs: 1 });
    const other = QueueStore.open(dir, { owner: 'elsewhere/1/other' });
    const [item] = slow.addItems([newItem()]);
    slow.transition(item!.id, 'uploading');
    slow.update(item!.id, { assetId: 'asset-1' });
    await new Promise((r) => setTimeout(r, 10));
    expect(other.claim(item!.id)).toMatchObject({ state: 'uploading', assetId: 'asset-1' });
    expect(() => slow.transition(item!.id, 'submitted', { jobId: 'job-1' })).toThrow(/being worked on/);
    expect(() => slow.update(item!.id, { progress: 0.5 })).toThrow(/being worked on/);
    // Once the other lets go (its lease ends without renewal), the first may take it back.
    other.releaseLeases();
    expect(slow.transition(item!.id, 'submitted', { jobId: 'job-1' })).toMatchObject({ state: 'submitted', jobId: 'job-1' });
    expect(other.heldElsewhere()).toEqual([{ id: item!.id, owner: 'elsewhere/1/slow', leaseUntil: expect.any(Number) }]);
    slow.close();
    other.close();
  });
});
