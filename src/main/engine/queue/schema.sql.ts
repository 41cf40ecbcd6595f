import type Database from 'better-sqlite3';

/**
 * Schema migrations, applied in order; migration N brings `user_version` from N-1 to N.
 * Never edit a shipped migration: users' databases already ran it. Add a new one instead.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the item table. JSON columns hold values that are only ever read whole; everything the
  // store filters or orders by is a real column so it can be indexed.
  `
  CREATE TABLE items (
    id                   TEXT PRIMARY KEY,
    queue_id             TEXT NOT NULL,
    -- REAL so a reorder can pick a value between two neighbours and touch only the moved row.
    position             REAL NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('queued','uploading','submitted','processing',
                           'downloading','done','failed','canceled','waiting-for-network')),
    resume_state         TEXT,
    dedupe_key           TEXT UNIQUE,
    input_path           TEXT NOT NULL,
    input_kind           TEXT NOT NULL,
    input_size           INTEGER NOT NULL,
    model_key            TEXT NOT NULL,
    preset               TEXT,
    params_json          TEXT NOT NULL,
    output_json          TEXT NOT NULL,
    asset_id             TEXT,
    job_id               TEXT,
    progress             REAL NOT NULL DEFAULT 0,
    error                TEXT,
    outputs_json         TEXT NOT NULL DEFAULT '[]',
    downloaded_json      TEXT NOT NULL DEFAULT '[]',
    pending_commit_json  TEXT,
    attempts             INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    finished_at          INTEGER
  ) STRICT;
  -- list(queueId, states) and per-queue counts.
  CREATE INDEX items_queue_state_position ON items (queue_id, state, position);
  -- list(queueId) in display order, and "append at the end of this queue".
  CREATE INDEX items_queue_position ON items (queue_id, position);
  -- nextRunnable across queues: state = 'queued' ORDER BY position, created_at (replaced in 8).
  CREATE INDEX items_state_position ON items (state, position, created_at);
  `,
  // 2: provenance and engines. content_hash (sha256 of the input) lets an unchanged file dropped
  // again be recognised as already converted; engine_choice is the queue's policy when the item
  // was added, engine the one that actually made the result.
  `
  ALTER TABLE items ADD COLUMN content_hash TEXT;
  ALTER TABLE items ADD COLUMN engine_choice TEXT NOT NULL DEFAULT 'cloud'
    CHECK (engine_choice IN ('cloud','local','cloud-then-local'));
  ALTER TABLE items ADD COLUMN engine TEXT CHECK (engine IN ('cloud','local'));
  CREATE INDEX items_content ON items (content_hash, model_key, state);
  `,
  // 3: how long each kind of job takes, as one number learned from polling, so a restart or the next
  // `kiln convert` looks at its first jobs on time. Superseded by migration 4's job_timing (nothing
  // reads this table any more); kept, as every migration is, so older databases open in order.
  `
  CREATE TABLE job_durations (
    kind       TEXT PRIMARY KEY,
    ms         REAL NOT NULL CHECK (ms > 0),
    updated_at INTEGER NOT NULL
  );
  `,
  // 4: what polling learned about each kind of job as a distribution (recent durations and how
  // progress tracks time, scenario/duration-model.ts), replacing the single number of migration 3;
  // and the team's ceiling of jobs running at once, per account (a fingerprint of the API URL and
  // key, never the key), learned from a 429 (docs/scenario-api.md "Being a good client").
  `
  CREATE TABLE job_timing (
    kind       TEXT PRIMARY KEY,
    json       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE team_limits (
    account      TEXT PRIMARY KEY,
    action_limit INTEGER NOT NULL CHECK (action_limit > 0),
    updated_at   INTEGER NOT NULL
  );
  `,
  // 5: what the artist dropped, as they see it (`folder/sub1/s1.png`), instead of where the browser
  // host keeps uploaded bytes (`…/inbox/<batch>/folder/sub1/s1.png`). NULL for older rows.
  `
  ALTER TABLE items ADD COLUMN display_path TEXT;
  `,
  // 6: who works an item, and what a crash may have cost (issues 13.7 and 14.3). owner/lease_until
  // are the lease a runner takes in the same UPDATE that moves the item (queue/lease.ts);
  // generate_sent_at is written before a generate goes out and cleared with the job id's write, so
  // a restart can tell "Kiln stopped while Scenario was accepting this job"; warnings_json keeps
  // what the artist must be told about an item that nonetheless finished.
  `
  ALTER TABLE items ADD COLUMN owner TEXT;
  ALTER TABLE items ADD COLUMN lease_until INTEGER;
  ALTER TABLE items ADD COLUMN generate_sent_at INTEGER;
  ALTER TABLE items ADD COLUMN warnings_json TEXT NOT NULL DEFAULT '[]';
  CREATE INDEX items_owner ON items (owner) WHERE owner IS NOT NULL;
  `,
  // 7: what kind of failure a failed item's error is (queue/classify-failure.ts), so the artist's
  // words (src/shared/failure-text.ts) do not hang on the engine's wording. No CHECK: the kinds may
  // grow without a migration, and a kind this version does not know is read as none (store.ts).
  // NULL for rows that failed before, whose words are still guessed from the message.
  `
  ALTER TABLE items ADD COLUMN failure_kind TEXT;
  `,
  // 8: fewer pages written per step of an item (issue 13.3). An UPDATE rewrites every index holding
  // a column it sets, and each rewritten page is a page appended to the write-ahead log. Two indexes
  // held the state only to be searched by one value of it: the next queued item, and an input's
  // finished results. The queued items get a partial index, which the working steps (uploading …
  // done) never touch; the finished-results search narrows by hash and model and reads the few
  // rows' state. With the store leaving the owner column alone while it keeps an item (store.ts
  // `run`), an item's life went from 32 to 16.5 pages, 300 items worked 16 at a time; the pages each
  // step writes are specified in test/queue-store/scaling.test.ts.
  `
  DROP INDEX items_state_position;
  CREATE INDEX items_queued ON items (position, created_at) WHERE state = 'queued';
  DROP INDEX items_content;
  CREATE INDEX items_content ON items (content_hash, model_key);
  `,
  // 9: a count of the row's changes, so a connection can tell that an item's row is still exactly as
  // its own last write left it (store.ts `write`). It then writes the next step with
  // `WHERE version = @version` and builds the item from what it knows instead of reading the whole
  // row back: decoding a row's 33 columns and opening its JSON was about 70 µs per write, for all
  // but the first of an item's steps (issue 13.3). Every statement that changes what an item says
  // bumps it; the lease columns, which no item shows, do not.
  `
  ALTER TABLE items ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  constructor(readonly found: number) {
    super(
      `The queue database was written by a newer version of Kiln (schema ${found}, this version knows ${SCHEMA_VERSION}). ` +
        'Update Kiln to open it.',
    );
  }
}

/** Brings the database up to SCHEMA_VERSION, all in one transaction so a crash leaves the old schema. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw new SchemaTooNewError(current);
  if (current === SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let v = current; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v] as string);
      // pragma cannot take a bound parameter; v is our own integer.
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}
