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
    expect(plan("SELECT * FROM items WHERE state = 'queued' ORDER BY position, created_at, rowid LIMIT 8")).toMatch(
      /items_state_position/,
    );
    expect(plan("SELECT * FROM items WHERE queue_id = 'q1' ORDER BY queue_id, position, created_at, rowid")).toMatch(
      /USING INDEX items_queue/,
    );
    // The runner's pick with paused queues left out: the same index, no sort of the whole table.
    const pickUnpaused = plan(
      "SELECT * FROM items WHERE state = 'queued' AND queue_id NOT IN (SELECT value FROM json_each('[\"q1\"]')) ORDER BY position, created_at, rowid LIMIT 8",
    );
    expect(pickUnpaused).toMatch(/items_state_position/);
    expect(pickUnpaused).not.toMatch(/TEMP B-TREE/);
    expect(plan("SELECT * FROM items WHERE dedupe_key = 'k'")).toMatch(/SEARCH items USING INDEX/);
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
