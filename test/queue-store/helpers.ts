import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../../src/main/engine/queue/schema.sql';
import type { NewItem } from '../../src/main/engine/queue/types';

let counter = 0;

/** A valid NewItem; override what the test cares about. */
export function newItem(overrides: Partial<NewItem> = {}): NewItem {
  counter++;
  return {
    queueId: 'q1',
    inputPath: `/art/input-${counter}.png`,
    inputKind: 'png',
    inputSize: 1234,
    modelKey: 'vtracer',
    params: { colorPrecision: 6, hierarchical: 'stacked', keepHoles: true },
    output: { dir: '/out', template: '{name}.{ext}', collision: 'keep-both' },
    ...overrides,
  };
}

/**
 * What each migration after the first two added, undone: the one place a new migration's test
 * support goes (src/main/engine/queue/schema.sql.ts), so a test can stand a database at an older schema.
 */
const UNDO_MIGRATION: Readonly<Record<number, string>> = {
  3: 'DROP TABLE job_durations',
  4: 'DROP TABLE job_timing; DROP TABLE team_limits',
  5: 'ALTER TABLE items DROP COLUMN display_path',
  6: 'DROP INDEX items_owner; ALTER TABLE items DROP COLUMN owner; ALTER TABLE items DROP COLUMN lease_until; ALTER TABLE items DROP COLUMN generate_sent_at; ALTER TABLE items DROP COLUMN warnings_json',
  7: 'ALTER TABLE items DROP COLUMN failure_kind',
  8: "DROP INDEX items_queued; CREATE INDEX items_state_position ON items (state, position, created_at); DROP INDEX items_content; CREATE INDEX items_content ON items (content_hash, model_key, state)",
  9: 'ALTER TABLE items DROP COLUMN version',
};

/** The queue database at `file` as an earlier Kiln left it: schema `version` (2 or later). */
export function rollBackSchema(file: string, version: number): void {
  const db = new Database(file);
  try {
    for (let v = SCHEMA_VERSION; v > version; v--) {
      const undo = UNDO_MIGRATION[v];
      if (undo === undefined) throw new Error(`test support cannot undo migration ${v}: add it to UNDO_MIGRATION`);
      db.exec(undo);
    }
    db.pragma(`user_version = ${version}`);
  } finally {
    db.close();
  }
}
