import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { InputKind } from '../inputs/kinds';
import { DEFAULT_LEASE_MS, LeaseHeldError, newOwnerId, ownerIsGone } from './lease';
import { migrate } from './schema.sql';
import { IllegalTransitionError, RESUMABLE_STATES, TRANSITIONS, canTransition } from './state-machine';
import { FINAL_STATES, ITEM_STATES } from '../../../shared/item-states';
import { COLLISION_POLICIES, ENGINE_CHOICES, ENGINES } from '../../../shared/output-options';
import { describeZodError } from '../../../shared/zod-issues';
import { FAILURE_KINDS } from '../../../shared/failure-text';
import type { ItemPatch, ItemState, NewItem, QueueCounts, QueueItem } from './types';

export { IllegalTransitionError } from './state-machine';
export { LeaseHeldError } from './lease';

export const DB_FILE_NAME = 'kiln-queue.db';

// A record keyed by the union makes the compiler tell us when inputs/kinds.ts gains a kind.
const KIND_SET: Record<InputKind, true> = { png: true, jpeg: true, webp: true, glb: true, gltf: true, obj: true, fbx: true };
const stateSchema = z.enum(ITEM_STATES);
const kindSchema = z.enum(Object.keys(KIND_SET) as [InputKind, ...InputKind[]]);
const paramsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const outputSettingsSchema = z.object({
  dir: z.string().min(1),
  template: z.string().min(1),
  collision: z.enum(COLLISION_POLICIES),
});
const stringListSchema = z.array(z.string());
const pendingCommitSchema = z.object({ assetId: z.string(), tempPath: z.string(), fileName: z.string() });

const newItemSchema = z.object({
  queueId: z.string().min(1),
  inputPath: z.string().min(1),
  displayPath: z.string().min(1).optional(),
  inputKind: kindSchema,
  inputSize: z.number().int().nonnegative(),
  modelKey: z.string().min(1),
  preset: z.string().optional(),
  params: paramsSchema,
  output: outputSettingsSchema,
  dedupeKey: z.string().min(1).optional(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  engineChoice: z.enum(ENGINE_CHOICES).optional(),
});

/** What each field of a change may hold; a change may name any of them and nothing else. */
const PATCH_FIELDS: Record<keyof ItemPatch, z.ZodType> = {
  state: stateSchema,
  resumeState: stateSchema.optional(),
  assetId: z.string().optional(),
  jobId: z.string().optional(),
  progress: z.number().min(0).max(1),
  error: z.string().optional(),
  failureKind: z.enum(FAILURE_KINDS).optional(),
  outputs: stringListSchema,
  downloadedAssetIds: stringListSchema,
  pendingCommit: pendingCommitSchema.optional(),
  attempts: z.number().int().nonnegative(),
  generateSentAt: z.number().int().optional(),
  warnings: stringListSchema,
  finishedAt: z.number().int().optional(),
  position: z.number().refine(Number.isFinite, 'position must be finite'),
  params: paramsSchema,
  preset: z.string().optional(),
  output: outputSettingsSchema,
  engine: z.enum(ENGINES).optional(),
};


/**
 * A change is checked field by field, only the fields it names: a whole-object parse walked every
 * field the schema knows on every write, several per item (issue 13.3). Unknown fields are refused,
 * as a strict object would.
 */
function checkPatch(id: string, patch: ItemPatch): void {
  for (const field of Object.keys(patch)) {
    const schema = Object.hasOwn(PATCH_FIELDS, field) ? PATCH_FIELDS[field as keyof ItemPatch] : undefined;
    if (!schema) throw new InvalidItemError(`Invalid change to item ${id}: unknown field "${field}"`);
    const value = patch[field as keyof ItemPatch];
    if (value === undefined) continue;
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new InvalidItemError(`Invalid change to item ${id}: ${field}: ${describeZodError(parsed.error)}`);
  }
}

/** The row as SQLite hands it back, before the JSON columns are opened. */
const rawRowSchema = z.object({
  id: z.string(),
  queue_id: z.string(),
  position: z.number(),
  state: stateSchema,
  resume_state: stateSchema.nullable(),
  dedupe_key: z.string().nullable(),
  input_path: z.string(),
  input_kind: kindSchema,
  input_size: z.number().int(),
  model_key: z.string(),
  preset: z.string().nullable(),
  params_json: z.string(),
  output_json: z.string(),
  asset_id: z.string().nullable(),
  job_id: z.string().nullable(),
  progress: z.number(),
  error: z.string().nullable(),
  outputs_json: z.string(),
  downloaded_json: z.string(),
  pending_commit_json: z.string().nullable(),
  attempts: z.number().int(),
  created_at: z.number().int(),
  updated_at: z.number().int(),
  finished_at: z.number().int().nullable(),
  content_hash: z.string().nullable(),
  engine_choice: z.enum(ENGINE_CHOICES),
  engine: z.enum(ENGINES).nullable(),
  display_path: z.string().nullable(),
  generate_sent_at: z.number().int().nullable(),
  warnings_json: z.string(),
  // A kind a newer Kiln wrote that this one does not know: read as none, the words then come from the message.
  failure_kind: z.enum(FAILURE_KINDS).nullable().catch(null),
  // The row's change count (schema 9): lets a write that follows a read check that nothing changed between.
  version: z.number().int(),
});

const jobTimingRowSchema = z.object({ kind: z.string().min(1), json: z.string() });
const teamLimitRowSchema = z.object({ action_limit: z.number().int().positive(), updated_at: z.number() });
/** How long a learned team ceiling is trusted (a week). */
export const TEAM_LIMIT_TTL_MS = 7 * 24 * 60 * 60_000;

/** A row whose stored data cannot be read back; names the item so it can be shown or removed. */
export class CorruptItemError extends Error {
  override readonly name = 'CorruptItemError';
  constructor(
    readonly itemId: string,
    readonly detail: string,
  ) {
    super(`Queue item ${itemId} is corrupt in the queue database: ${detail}`);
  }
}

export class ItemNotFoundError extends Error {
  override readonly name = 'ItemNotFoundError';
  constructor(readonly itemId: string) {
    super(`Queue item ${itemId} does not exist`);
  }
}

export class InvalidItemError extends Error {
  override readonly name = 'InvalidItemError';
}

function readTrustedJson<T>(_id: string, _column: string, text: string, _schema: z.ZodType<T>): T {
  return JSON.parse(text) as T;
}

function readCheckedJson<T>(id: string, column: string, text: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CorruptItemError(id, `${column} is not valid JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CorruptItemError(id, `${column}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

type RawRow = z.infer<typeof rawRowSchema>;

/** A row as this connection last wrote or read it, and the item read from it (QueueStore.write). */
interface KnownRow {
  /** The row, its change count (`version`, schema 9) included. */
  raw: RawRow;
  item: QueueItem;
}

/**
 * A row read from the database file (a boundary: the file may be damaged or older) is validated
 * in full. A row handed back by our own UPDATE … RETURNING, or built from what our own write set
 * (QueueStore.write), is not checked again: every value in it was either validated on the way in
 * (checkPatch) or came from a row that was (issue 13.3: this re-validation was the queue's largest
 * CPU cost per item). Given the `previous` row of the same item, a JSON column whose text did not
 * change keeps the value already opened, rather than parsing it again. Gives the row as validated
 * too, which a later write may build on.
 */
function readRow(raw: unknown, trusted = false, previous?: KnownRow): KnownRow {
  const id = typeof raw === 'object' && raw !== null && 'id' in raw ? String(raw.id) : '(unknown id)';
  let r: RawRow;
  if (trusted) r = raw as RawRow;
  else {
    const parsed = rawRowSchema.safeParse(raw);
    if (!parsed.success) throw new CorruptItemError(id, describeZodError(parsed.error));
    r = parsed.data;
  }
  const readJson = trusted ? readTrustedJson : readCheckedJson;
  const before = previous?.raw;
  const was = previous?.item;
  const item: QueueItem = {
    id: r.id,
    queueId: r.queue_id,
    inputPath: r.input_path,
    inputKind: r.input_kind,
    inputSize: r.input_size,
    modelKey: r.model_key,
    params: was && before?.params_json === r.params_json ? was.params : readJson(r.id, 'params', r.params_json, paramsSchema),
    output: was && before?.output_json === r.output_json ? was.output : readJson(r.id, 'output settings', r.output_json, outputSettingsSchema),
    position: r.position,
    state: r.state,
    progress: r.progress,
    outputs: was && before?.outputs_json === r.outputs_json ? was.outputs : readJson(r.id, 'outputs', r.outputs_json, stringListSchema),
    downloadedAssetIds:
      was && before?.downloaded_json === r.downloaded_json
        ? was.downloadedAssetIds
        : readJson(r.id, 'downloadedAssetIds', r.downloaded_json, stringListSchema),
    attempts: r.attempts,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  // Absent rather than undefined, so items compare and serialise the same as freshly built ones.
  if (r.preset !== null) item.preset = r.preset;
  if (r.dedupe_key !== null) item.dedupeKey = r.dedupe_key;
  if (r.resume_state !== null) item.resumeState = r.resume_state;
  if (r.asset_id !== null) item.assetId = r.asset_id;
  if (r.job_id !== null) item.jobId = r.job_id;
  if (r.error !== null) item.error = r.error;
  if (r.failure_kind !== null) item.failureKind = r.failure_kind;
  if (r.finished_at !== null) item.finishedAt = r.finished_at;
  if (r.content_hash !== null) item.contentHash = r.content_hash;
  if (r.engine_choice !== 'cloud') item.engineChoice = r.engine_choice;
  if (r.engine !== null) item.engine = r.engine;
  if (r.display_path !== null) item.displayPath = r.display_path;
  if (r.generate_sent_at !== null) item.generateSentAt = r.generate_sent_at;
  if (r.warnings_json !== '[]') {
    const warnings: string[] =
      was && before?.warnings_json === r.warnings_json ? (was.warnings ?? []) : readJson(r.id, 'warnings', r.warnings_json, stringListSchema);
    if (warnings.length > 0) item.warnings = warnings;
  }
  if (r.pending_commit_json !== null) {
    const kept = was && before?.pending_commit_json === r.pending_commit_json ? was.pendingCommit : undefined;
    item.pendingCommit = kept ?? readJson(r.id, 'pendingCommit', r.pending_commit_json, pendingCommitSchema);
  }
  return { raw: r, item };
}

/** The item a row holds (readRow, without the row). */
function rowToItem(raw: unknown, trusted = false): QueueItem {
  return readRow(raw, trusted).item;
}

type SqlValue = string | number | null;

/** How each patchable field is stored; the order fixes the SET clause so statements can be cached. */
const PATCH_COLUMNS: ReadonlyArray<[keyof ItemPatch, string, (v: unknown) => SqlValue, boolean]> = [
  // [field, column, encode, nullable]
  ['state', 'state', (v) => v as string, false],
  ['resumeState', 'resume_state', (v) => (v as string | undefined) ?? null, true],
  ['assetId', 'asset_id', (v) => (v as string | undefined) ?? null, true],
  ['jobId', 'job_id', (v) => (v as string | undefined) ?? null, true],
  ['progress', 'progress', (v) => v as number, false],
  ['error', 'error', (v) => (v as string | undefined) ?? null, true],
  ['failureKind', 'failure_kind', (v) => (v as string | undefined) ?? null, true],
  ['outputs', 'outputs_json', (v) => JSON.stringify(v), false],
  ['downloadedAssetIds', 'downloaded_json', (v) => JSON.stringify(v), false],
  ['pendingCommit', 'pending_commit_json', (v) => (v === undefined ? null : JSON.stringify(v)), true],
  ['attempts', 'attempts', (v) => v as number, false],
  ['generateSentAt', 'generate_sent_at', (v) => (v as number | undefined) ?? null, true],
  ['warnings', 'warnings_json', (v) => JSON.stringify(v ?? []), true],
  ['finishedAt', 'finished_at', (v) => (v as number | undefined) ?? null, true],
  ['position', 'position', (v) => v as number, false],
  ['params', 'params_json', (v) => JSON.stringify(v), false],
  ['preset', 'preset', (v) => (v as string | undefined) ?? null, true],
  ['output', 'output_json', (v) => JSON.stringify(v), false],
  ['engine', 'engine', (v) => (v as string | undefined) ?? null, true],
];

export interface QueueStoreOptions {
  /** Called with every SQL statement executed (diagnostics, and tests that count statements). */
  verbose?: (sql: string) => void;
  /** How long a write waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
  /** Told about rows skipped by list()/nextRunnable() because they cannot be read back. */
  onCorrupt?: (error: CorruptItemError) => void;
  /** Who this connection works items for (queue/lease.ts); default a fresh id for this process. */
  owner?: string;
  /** How long a lease lasts without renewal (default DEFAULT_LEASE_MS). */
  leaseMs?: number;
}

/** States an item is worked in: entering or staying in one holds the lease (queue/lease.ts). */
const HELD_STATES: readonly ItemState[] = ['uploading', 'submitted', 'processing', 'downloading', 'waiting-for-network'];
const HELD_SQL = HELD_STATES.map((st) => `'${st}'`).join(',');
/**
 * What a write checks of the row's current state: nothing, exactly one state (a transition checked
 * in JavaScript first), or any state `to` may be reached from (a transition checked by the UPDATE
 * itself: `sqlFromStates`).
 */
type StateGuard = undefined | { exactly: ItemState } | { into: ItemState };

/**
 * Targets whose patch always depends on where the item comes from (the state it parks from, a
 * return to the line): these read the current state first.
 */
const NEEDS_CURRENT_STATE = new Set<ItemState>(['waiting-for-network', 'queued']);

/**
 * The states each target may be reached from in one statement, as SQL: TRANSITIONS read backwards
 * (state-machine.ts), final states left out. Reopening a finished item clears how it ended
 * (checkedTransition), so it never matches here and takes the checked path instead; the everyday
 * uploading → submitted then costs one statement rather than a read and a write (issue 13.3).
 */
function sqlFromStates(to: ItemState): string {
  const from = ITEM_STATES.filter((f) => f !== 'waiting-for-network' && !FINAL_STATES.includes(f) && TRANSITIONS[f].includes(to));
  const list = from.map((f) => `'${f}'`).join(',');
  // Leaving waiting-for-network for a working state goes back to where the item was (canTransition).
  const parked = TRANSITIONS['waiting-for-network'].includes(to)
    ? to === 'failed' || to === 'canceled'
      ? ` OR state = 'waiting-for-network'`
      : ` OR (state = 'waiting-for-network' AND (resume_state IS NULL OR resume_state = '${to}'))`
    : '';
  return `(${list ? `state IN (${list})` : '0'}${parked})`;
}

/** A write ready to run: its statement, its parameters, and the columns it sets as stored. */
interface PreparedWrite {
  statement: Database.Statement;
  params: Record<string, SqlValue>;
  columns: [string, SqlValue][];
  now: number;
}

/** How many rows of a pick are remembered: the runner takes the first that suits it (runner.ts pickNext). */
const PICKED_ROWS_KEPT = 32;

/** How a write treats the row's lease and what it reads back (QueueStore.prepare says each). */
type LeaseMode = 'kept' | 'handed-back' | 'taken' | 'held' | 'released' | 'any';

/** The lease guard every write carries: nobody else holds a live lease on the row. */
const FREE_FOR_ME = '(owner IS NULL OR owner = @owner OR lease_until < @now)';

/** An item leased by another runner (queue/lease.ts). */
export interface HeldItem {
  id: string;
  owner: string;
  leaseUntil: number;
}

/** One input of addItemsDetailed: the item stored for it. */
export interface AddedItem {
  item: QueueItem;
  /** True when the dedupeKey already existed and `item` is that existing row, unchanged. */
  existed: boolean;
}

export interface ListFilter {
  queueId?: string;
  states?: ItemState[];
  limit?: number;
  offset?: number;
}

/**
 * The durable queue: one SQLite database, one row per item.
 *
 * Every method is synchronous and each state change is committed before it returns, so "write the
 * transition, then make the network call" is simply two lines in that order.
 *
 * Writes touch only the rows they change (no rewriting of the queue), so a transition costs the
 * same with 10 items as with 10,000.
 */
export class QueueStore {
  private readonly stmts = new Map<string, Database.Statement>();
  /** write()'s statements by the shape of the change (see write). */
  private readonly writes = new Map<string, Database.Statement>();
  /**
   * Items whose row names this connection as owner, as its last write left them (with the row's
   * version, schema 9). A write to one of them checks the version instead of reading the row back:
   * it sets only what changes (not the owner column, so SQLite leaves the owner index alone) and
   * builds the item from the row it knew. Only a hint: a row changed meanwhile by anyone (a reorder,
   * another runner taking it over) has another version, and the full statement decides (write).
   */
  private readonly known = new Map<string, KnownRow>();
  /**
   * The first rows the last pick (nextRunnable) returned, as it read them. The runner takes the item
   * it picked at once (runner.ts launch, upload), so taking it is written on condition that its
   * version is still the one read, and not read back either. Replaced by every pick.
   */
  private picked = new Map<string, KnownRow>();
  /** The lease holder this connection writes as (queue/lease.ts). */
  readonly owner: string;
  readonly leaseMs: number;

  private constructor(
    private readonly db: Database.Database,
    private readonly onCorrupt: ((error: CorruptItemError) => void) | undefined,
    options: QueueStoreOptions,
  ) {
    this.owner = options.owner ?? newOwnerId();
    this.leaseMs = Math.max(1, options.leaseMs ?? DEFAULT_LEASE_MS);
  }

  /** Opens (creating if needed) `<stateDir>/kiln-queue.db`; `':memory:'` gives a throwaway store. */
  static open(stateDir: string, options: QueueStoreOptions = {}): QueueStore {
    let file = ':memory:';
    if (stateDir !== ':memory:') {
      mkdirSync(stateDir, { recursive: true });
      file = join(stateDir, DB_FILE_NAME);
    }
    const db = new Database(file, options.verbose ? { verbose: (sql) => options.verbose?.(String(sql)) } : {});
    try {
      // WAL: a commit is an append to the -wal file, and readers never block the writer.
      db.pragma('journal_mode = WAL');
      // The requirement is surviving the app being killed (kill -9, a crash) at any moment. In WAL
      // mode a commit has been written into the -wal file with write() before it returns; those
      // bytes sit in the OS page cache, which outlives our process, so a killed process never loses
      // a committed transaction and never corrupts the file. NORMAL only skips the fsync per commit,
      // which matters solely if the whole machine loses power — then the last few transitions may
      // roll back (never corrupt), and resume-after-restart redoes them. FULL would cost an fsync
      // per progress update for no gain against process crashes.
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    const store = new QueueStore(db, options.onCorrupt, options);
    store.expireGoneOwners();
    return store;
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /**
   * Adds items in one transaction, appended at the end of their queues in the given order.
   * An item whose dedupeKey is already stored (or appears earlier in the same call) is not added;
   * the existing item is returned in its place. Use addItemsDetailed to tell which were existing.
   */
  addItems(items: NewItem[]): QueueItem[] {
    return this.addItemsDetailed(items).map((r) => r.item);
  }

  /** As addItems, reporting for each input whether it was already stored (`existed`). */
  addItemsDetailed(items: NewItem[]): AddedItem[] {
    const valid = items.map((item, i) => {
      const parsed = newItemSchema.safeParse(item);
      if (!parsed.success) throw new InvalidItemError(`Item ${i + 1} cannot be queued: ${describeZodError(parsed.error)}`);
      return parsed.data;
    });
    const insert = this.stmt(
      `INSERT INTO items (id, queue_id, position, state, dedupe_key, input_path, input_kind, input_size, model_key,
         preset, params_json, output_json, progress, outputs_json, downloaded_json, attempts, created_at, updated_at,
         content_hash, engine_choice, display_path)
       VALUES (@id, @queue_id, @position, 'queued', @dedupe_key, @input_path, @input_kind, @input_size, @model_key,
         @preset, @params_json, @output_json, 0, '[]', '[]', 0, @now, @now, @content_hash, @engine_choice, @display_path)`,
    );
    const maxPos = this.stmt('SELECT MAX(position) AS p FROM items WHERE queue_id = ?');
    const run = this.db.transaction((): AddedItem[] => {
      const now = Date.now();
      const nextPos = new Map<string, number>();
      const results: AddedItem[] = [];
      for (const n of valid) {
        if (n.dedupeKey !== undefined) {
          const existing = this.findByDedupeKey(n.dedupeKey);
          if (existing) {
            results.push({ item: existing, existed: true });
            continue;
          }
        }
        let pos = nextPos.get(n.queueId);
        if (pos === undefined) {
          const row = maxPos.get(n.queueId) as { p: number | null } | undefined;
          pos = Math.floor(row?.p ?? 0) + 1;
        }
        nextPos.set(n.queueId, pos + 1);
        const item: QueueItem = {
          id: randomUUID(),
          queueId: n.queueId,
          inputPath: n.inputPath,
          inputKind: n.inputKind,
          inputSize: n.inputSize,
          modelKey: n.modelKey,
          params: n.params,
          output: n.output,
          position: pos,
          state: 'queued',
          progress: 0,
          outputs: [],
          downloadedAssetIds: [],
          attempts: 0,
          createdAt: now,
          updatedAt: now,
        };
        if (n.preset !== undefined) item.preset = n.preset;
        if (n.dedupeKey !== undefined) item.dedupeKey = n.dedupeKey;
        if (n.contentHash !== undefined) item.contentHash = n.contentHash;
        if (n.engineChoice !== undefined && n.engineChoice !== 'cloud') item.engineChoice = n.engineChoice;
        if (n.displayPath !== undefined) item.displayPath = n.displayPath;
        insert.run({
          id: item.id,
          queue_id: item.queueId,
          position: pos,
          dedupe_key: n.dedupeKey ?? null,
          input_path: item.inputPath,
          input_kind: item.inputKind,
          input_size: item.inputSize,
          model_key: item.modelKey,
          preset: n.preset ?? null,
          params_json: JSON.stringify(item.params),
          output_json: JSON.stringify(item.output),
          content_hash: n.contentHash ?? null,
          engine_choice: n.engineChoice ?? 'cloud',
          display_path: n.displayPath ?? null,
          now,
        });
        results.push({ item, existed: false });
      }
      return results;
    });
    // IMMEDIATE takes the write lock up front, so the dedupe check and the insert cannot interleave
    // with another connection doing the same.
    return run.immediate();
  }

  /** The item, or undefined if there is none; throws CorruptItemError if its row cannot be read. */
  get(id: string): QueueItem | undefined {
    const row = this.stmt('SELECT * FROM items WHERE id = ?').get(id);
    return row === undefined ? undefined : rowToItem(row);
  }

  /** The item added last to a queue among these input kinds (walks the queue's position index from its end). */
  latest(queueId: string, kinds: readonly string[]): QueueItem | undefined {
    const row = this.stmt(
      'SELECT * FROM items WHERE queue_id = ? AND input_kind IN (SELECT value FROM json_each(?)) ORDER BY position DESC LIMIT 1',
    ).get(queueId, JSON.stringify(kinds));
    return row === undefined ? undefined : rowToItem(row);
  }

  /** Finished items made from these exact bytes by this model: the provenance behind "already converted". */
  findConverted(contentHash: string, modelKey: string): QueueItem[] {
    return this.readRows(
      this.stmt("SELECT * FROM items WHERE content_hash = ? AND model_key = ? AND state = 'done' ORDER BY finished_at DESC").all(contentHash, modelKey),
    );
  }

  findByDedupeKey(key: string): QueueItem | undefined {
    const row = this.stmt('SELECT * FROM items WHERE dedupe_key = ?').get(key);
    return row === undefined ? undefined : rowToItem(row);
  }

  /**
   * Items ordered by queue id then position. Rows that cannot be read back are left out (and
   * reported to `onCorrupt`) so one damaged row never hides the rest; see findCorrupt().
   */
  list(filter: ListFilter = {}): QueueItem[] {
    const where: string[] = [];
    const params: Record<string, SqlValue> = {};
    if (filter.queueId !== undefined) {
      where.push('queue_id = @queueId');
      params.queueId = filter.queueId;
    }
    if (filter.states !== undefined) {
      where.push('state IN (SELECT value FROM json_each(@states))');
      params.states = JSON.stringify(filter.states);
    }
    params.limit = filter.limit ?? -1;
    params.offset = filter.offset ?? 0;
    const sql =
      `SELECT * FROM items ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY queue_id, position, created_at, rowid LIMIT @limit OFFSET @offset';
    return this.readRows(this.stmt(sql).all(params));
  }

  /** Every row that cannot be read back, with the reason; for showing or removing them. */
  findCorrupt(): CorruptItemError[] {
    const found: CorruptItemError[] = [];
    for (const row of this.stmt('SELECT * FROM items ORDER BY rowid').iterate()) {
      try {
        rowToItem(row);
      } catch (err) {
        if (err instanceof CorruptItemError) found.push(err);
        else throw err;
      }
    }
    return found;
  }

  /** The rows as items; a pick (`picking`) remembers its first few as read (`picked`). */
  private readRows(rows: unknown[], picking = false): QueueItem[] {
    const items: QueueItem[] = [];
    if (picking) this.picked = new Map();
    for (const row of rows) {
      try {
        const read = readRow(row);
        items.push(read.item);
        if (picking && this.picked.size < PICKED_ROWS_KEPT) this.picked.set(read.item.id, read);
      } catch (err) {
        if (!(err instanceof CorruptItemError)) throw err;
        this.onCorrupt?.(err);
      }
    }
    return items;
  }

  counts(queueId?: string): QueueCounts {
    const rows = (
      queueId === undefined
        ? this.stmt('SELECT state, COUNT(*) AS n FROM items GROUP BY state').all()
        : this.stmt('SELECT state, COUNT(*) AS n FROM items WHERE queue_id = ? GROUP BY state').all(queueId)
    ) as { state: ItemState; n: number }[];
    const byState = Object.fromEntries(ITEM_STATES.map((s) => [s, 0])) as Record<ItemState, number>;
    let total = 0;
    for (const r of rows) {
      byState[r.state] = r.n;
      total += r.n;
    }
    return { total, byState };
  }

  /**
   * Changes fields other than state with a single UPDATE and bumps updatedAt. A patch containing
   * `state` is a transition and goes through transition(). A key present with value undefined
   * clears that optional field (e.g. `{ error: undefined }`).
   */
  update(id: string, patch: ItemPatch): QueueItem {
    if (patch.state !== undefined) return this.transition(id, patch.state, patch);
    const item = this.write(id, patch, undefined);
    if (!item) {
      this.throwIfHeld(id);
      throw new ItemNotFoundError(id);
    }
    return item;
  }

  /**
   * Moves the item to `to` if the state machine allows it, applying `patch` in the same UPDATE.
   * Also keeps the bookkeeping consistent: entering waiting-for-network records resumeState (the
   * state it left) unless the patch names one, leaving it clears resumeState; entering
   * done/failed/canceled stamps finishedAt; reopening a finished item (or requeueing any) clears
   * finishedAt, error and failureKind, and requeueing resets progress. Fields named in `patch` always win;
   * jobId, assetId, outputs and pendingCommit are the caller's to keep or clear.
   */
  transition(id: string, to: ItemState, patch: ItemPatch = {}): QueueItem {
    if (!NEEDS_CURRENT_STATE.has(to)) {
      // One statement: the UPDATE itself checks that `to` may follow the row's state. Reading the
      // state first cost a second statement per state change (issue 13.3). Anything unusual (no
      // row matched) takes the checked path below, which says precisely why.
      const full: ItemPatch = { ...patch, state: to, resumeState: undefined };
      if (FINAL_STATES.includes(to) && !('finishedAt' in patch)) full.finishedAt = Date.now();
      const item = this.write(id, full, { into: to });
      if (item) return item;
    }
    return this.checkedTransition(id, to, patch);
  }

  /** A transition whose patch depends on the current state, or one the one-statement path refused. */
  private checkedTransition(id: string, to: ItemState, patch: ItemPatch): QueueItem {
    const cur = this.stmt('SELECT state, resume_state, owner, lease_until FROM items WHERE id = ?').get(id) as
      | { state: ItemState; resume_state: ItemState | null; owner: string | null; lease_until: number | null }
      | undefined;
    if (!cur) throw new ItemNotFoundError(id);
    // Held by another live runner: that is why the move cannot be made here, whether or not it would
    // be legal from the state that runner has put it in (a second `kiln convert` that claimed it a
    // moment ago has it in 'uploading', and "cannot go from uploading to uploading" is not the reason).
    if (this.heldByOther(cur)) throw new LeaseHeldError(id, cur.owner);
    const resume = cur.resume_state ?? undefined;
    if (!canTransition(cur.state, to, resume)) {
      const detail =
        cur.state === 'waiting-for-network' && resume !== undefined ? `it was waiting to resume ${resume}` : undefined;
      throw new IllegalTransitionError(id, cur.state, to, detail);
    }
    const full: ItemPatch = { ...patch, state: to };
    if (to === 'waiting-for-network') {
      const back = 'resumeState' in patch ? patch.resumeState : cur.state;
      if (back === undefined || !RESUMABLE_STATES.includes(back)) {
        throw new IllegalTransitionError(id, cur.state, to, `cannot resume to ${String(back)}`);
      }
      full.resumeState = back;
    } else {
      full.resumeState = undefined;
    }
    if (FINAL_STATES.includes(to) && !('finishedAt' in patch)) full.finishedAt = Date.now();
    const reopening = FINAL_STATES.includes(cur.state) && !FINAL_STATES.includes(to);
    if (reopening || to === 'queued') {
      if (!('finishedAt' in patch)) full.finishedAt = undefined;
      if (!('error' in patch)) full.error = undefined;
      if (!('failureKind' in patch)) full.failureKind = undefined;
    }
    if (to === 'queued' && !('progress' in patch)) full.progress = 0;
    // Guarded on the state we checked, so a change made meanwhile by another connection is not
    // silently overwritten with a transition that was only legal from the old state.
    const item = this.write(id, full, { exactly: cur.state });
    if (!item) {
      this.throwIfHeld(id);
      const now = this.stmt('SELECT state FROM items WHERE id = ?').get(id) as { state: ItemState } | undefined;
      if (!now) throw new ItemNotFoundError(id);
      throw new IllegalTransitionError(id, now.state, to, `it changed from ${cur.state} meanwhile`);
    }
    return item;
  }

  /**
   * Takes (or renews) the item's lease without changing anything else; throws LeaseHeldError when
   * another live runner holds it. Used before resuming an item some runner left in flight.
   */
  claim(id: string): QueueItem {
    return this.update(id, {});
  }

  /** Pushes out the lease of every item this connection holds (the runner's heartbeat). */
  renewLeases(now = Date.now()): void {
    this.stmt('UPDATE items SET lease_until = ? WHERE owner = ?').run(now + this.leaseMs, this.owner);
  }

  /** Ends this connection's leases, keeping the items as they are: stopping, or closing. */
  releaseLeases(): void {
    if (this.db.open) this.stmt('UPDATE items SET lease_until = 0 WHERE owner = ?').run(this.owner);
  }

  /** Items leased by others (live or expired): few, and read without opening their JSON. */
  heldElsewhere(): HeldItem[] {
    const rows = this.stmt(
      'SELECT id, owner, lease_until FROM items WHERE owner IS NOT NULL AND owner <> ?',
    ).all(this.owner) as { id: string; owner: string; lease_until: number | null }[];
    return rows.map((r) => ({ id: r.id, owner: r.owner, leaseUntil: r.lease_until ?? 0 }));
  }

  /** Ends the leases of an owner known to be dead (queue/lease.ts ownerIsGone), so they are taken over now. */
  expireLeasesOf(owner: string): void {
    if (owner === this.owner) return;
    this.stmt('UPDATE items SET lease_until = 0 WHERE owner = ?').run(owner);
  }

  /** Leases of processes of this machine that are gone (kill -9) end now rather than after leaseMs. */
  expireGoneOwners(): void {
    const owners = this.stmt('SELECT DISTINCT owner FROM items WHERE owner IS NOT NULL AND lease_until >= ?').pluck().all(Date.now()) as string[];
    for (const owner of owners) if (ownerIsGone(owner)) this.expireLeasesOf(owner);
  }

  private throwIfHeld(id: string): void {
    const row = this.stmt('SELECT owner, lease_until FROM items WHERE id = ?').get(id) as
      | { owner: string | null; lease_until: number | null }
      | undefined;
    if (row && this.heldByOther(row)) throw new LeaseHeldError(id, row.owner);
  }

  /** Another runner's lease on the row is live. */
  private heldByOther<Row extends { owner: string | null; lease_until: number | null }>(row: Row): row is Row & { owner: string } {
    return row.owner !== null && row.owner !== this.owner && (row.lease_until ?? 0) >= Date.now();
  }

  /**
   * One UPDATE; undefined when no row matched. The same statement checks and takes the lease
   * (queue/lease.ts): a row another live runner holds is not matched, a working state leaves it held
   * by us, queued or a final state gives it up.
   *
   * A row this connection holds and last wrote (`known`), or has just picked and now takes
   * (`picked`), is written on condition that its version is still the one it knows, and is not read
   * back: the item is the known row with this write's columns. Any other row, or one changed
   * meanwhile, is written on the lease's condition and read back (RETURNING). So in a batch the
   * pick is an item's one read of its row.
   */
  private write(id: string, patch: ItemPatch, guard: StateGuard): QueueItem | undefined {
    checkPatch(id, patch);
    const keepsHeld = patch.state === undefined || HELD_STATES.includes(patch.state);
    const known = this.known.get(id);
    if (known !== undefined) {
      const change = this.prepare(id, patch, guard, keepsHeld ? 'kept' : 'handed-back', known.raw.version);
      if (change.statement.run(change.params).changes === 1) return this.written(id, known, change, keepsHeld);
    }
    const seen = this.picked.get(id);
    if (seen !== undefined) {
      this.picked.delete(id);
      if (known === undefined && keepsHeld && patch.state !== undefined) {
        const change = this.prepare(id, patch, guard, 'taken', seen.raw.version);
        if (change.statement.run(change.params).changes === 1) return this.written(id, seen, change, true);
      }
    }
    const change = this.prepare(id, patch, guard, patch.state === undefined ? 'any' : keepsHeld ? 'held' : 'released');
    // all(), not get(): a RETURNING statement left mid-step by get() keeps SQLite from ever
    // checkpointing, and the write-ahead log grows without bound (hundreds of MB per thousand items).
    const [row] = change.statement.all(change.params) as (RawRow & { owner: string | null })[];
    if (row === undefined) {
      this.known.delete(id);
      return undefined;
    }
    const read = readRow(row, true);
    if (row.owner === this.owner) this.known.set(id, read);
    else this.known.delete(id);
    return read.item;
  }

  /**
   * The item a write that read nothing back leaves: the row it was made on (`from`), with the
   * write's columns and one more change; remembered while this connection holds it.
   */
  private written(id: string, from: KnownRow, change: PreparedWrite, held: boolean): QueueItem {
    const raw: RawRow = { ...from.raw, updated_at: change.now, version: from.raw.version + 1 };
    for (const [column, value] of change.columns) (raw as Record<string, SqlValue>)[column] = value;
    const read = readRow(raw, true, from);
    if (held) this.known.set(id, read);
    else this.known.delete(id);
    return read.item;
  }

  /**
   * The UPDATE of `patch` and its parameters, as `lease` says:
   * - kept / handed-back: the row must be ours and exactly as we last left it (owner = us, the
   *   version we know); it stays ours without setting the owner column, or is given up; nothing is
   *   read back;
   * - taken: the row must be as the pick read it (the version we know) and free (FREE_FOR_ME); it
   *   becomes ours; nothing is read back;
   * - held / released: the item enters a working state and is ours, or leaves one and is nobody's;
   * - any: no state named, so the row's own state decides (SET expressions read the old row).
   * The last three take the row only if nobody else holds a live lease on it (FREE_FOR_ME), and
   * return it.
   */
  private prepare(
    id: string,
    patch: ItemPatch,
    guard: StateGuard,
    lease: LeaseMode,
    version?: number,
  ): PreparedWrite {
    // The statement depends only on which fields are set: cache it under that short key rather
    // than hashing the long SQL text on every write (issue 13.3).
    let shape: string = lease;
    const now = Date.now();
    const params: Record<string, SqlValue> = { id, updated_at: now, now, owner: this.owner, lease_until: now + this.leaseMs };
    if (version !== undefined) params.version = version;
    const columns: [string, SqlValue][] = [];
    for (const [field, column, encode, nullable] of PATCH_COLUMNS) {
      if (!(field in patch)) continue;
      const value = patch[field];
      // Required columns cannot be cleared; an undefined there means "not changing it".
      if (value === undefined && !nullable) continue;
      shape += `,${column}`;
      const stored = encode(value);
      params[column] = stored;
      columns.push([column, stored]);
    }
    if (guard && 'exactly' in guard) {
      shape += ',?';
      params.expected_state = guard.exactly;
    } else if (guard) {
      // The guard's SQL is fixed per target state: part of the statement, not a parameter.
      shape += `,<${guard.into}`;
    }
    let statement = this.writes.get(shape);
    if (!statement) {
      statement = this.stmt(this.writeSql(columns, guard, lease));
      this.writes.set(shape, statement);
    }
    return { statement, params, columns, now };
  }

  private writeSql(columns: [string, SqlValue][], guard: StateGuard, lease: LeaseMode): string {
    const sets: string[] = [];
    if (lease === 'kept') sets.push('lease_until = @lease_until');
    else if (lease === 'held' || lease === 'taken') sets.push('owner = @owner', 'lease_until = @lease_until');
    else if (lease === 'released' || lease === 'handed-back') sets.push('owner = NULL', 'lease_until = NULL');
    else {
      sets.push(
        `owner = CASE WHEN state IN (${HELD_SQL}) THEN @owner ELSE NULL END`,
        `lease_until = CASE WHEN state IN (${HELD_SQL}) THEN @lease_until ELSE NULL END`,
      );
    }
    for (const [column] of columns) sets.push(`${column} = @${column}`);
    sets.push('updated_at = @updated_at', 'version = version + 1');
    const where = lease === 'kept' || lease === 'handed-back' ? 'owner = @owner AND version = @version' : lease === 'taken' ? `version = @version AND ${FREE_FOR_ME}` : FREE_FOR_ME;
    const checked = !guard ? '' : 'exactly' in guard ? ' AND state = @expected_state' : ` AND ${sqlFromStates(guard.into)}`;
    const readBack = lease === 'held' || lease === 'released' || lease === 'any';
    return `UPDATE items SET ${sets.join(', ')} WHERE id = @id AND ${where}${checked}${readBack ? ' RETURNING *' : ''}`;
  }

  /**
   * Up to `limit` queued items, lowest position first (ties by creation time), optionally only from
   * some queues, or from all but some (paused ones: skipped by SQLite, never read into JavaScript).
   * Positions are per queue, so across queues this interleaves them fairly.
   */
  nextRunnable(limit: number, queueIds?: string[], exceptQueueIds?: readonly string[]): QueueItem[] {
    if (limit <= 0) return [];
    // The limit is written into the statement, not bound: SQLite plans a query by the value of a
    // bound LIMIT (sqlite3ExprIsInteger), so a statement with `LIMIT ?` was prepared again on every
    // pick (sqlite3Reprepare in a perf profile of `kiln convert`): a pick in a batch took 117 µs, and
    // takes 39 µs with the limit in its text (issue 13.3). The runner
    // asks for a few page sizes only (runner.ts pickNext), so there are a few statements.
    const page = Number.isFinite(limit) ? String(Math.floor(limit)) : '-1';
    if (queueIds === undefined && exceptQueueIds !== undefined && exceptQueueIds.length > 0) {
      return this.readRows(
        this.stmt(
          `SELECT * FROM items WHERE state = 'queued' AND queue_id NOT IN (SELECT value FROM json_each(?))
           ORDER BY position, created_at, rowid LIMIT ${page}`,
        ).all(JSON.stringify(exceptQueueIds)),
        true,
      );
    }
    if (queueIds !== undefined) {
      if (queueIds.length === 0) return [];
      return this.readRows(
        this.stmt(
          `SELECT * FROM items WHERE state = 'queued' AND queue_id IN (SELECT value FROM json_each(?))
           ORDER BY position, created_at, rowid LIMIT ${page}`,
        ).all(JSON.stringify(queueIds)),
        true,
      );
    }
    return this.readRows(this.stmt(`SELECT * FROM items WHERE state = 'queued' ORDER BY position, created_at, rowid LIMIT ${page}`).all(), true);
  }

  /**
   * Moves an item within its queue to just before `beforeId` (or to the end when null). The new
   * position is the midpoint of its new neighbours, so normally only the moved row is written; in
   * the rare case repeated moves to the same spot exhaust floating-point precision the queue is
   * renumbered once and the move retried.
   */
  reorder(id: string, beforeId: string | null): void {
    if (id === beforeId) return;
    this.db
      .transaction(() => {
        const cur = this.stmt('SELECT queue_id FROM items WHERE id = ?').get(id) as { queue_id: string } | undefined;
        if (!cur) throw new ItemNotFoundError(id);
        let pos = this.positionFor(id, cur.queue_id, beforeId);
        if (pos === undefined) {
          this.renumber(cur.queue_id);
          pos = this.positionFor(id, cur.queue_id, beforeId);
          if (pos === undefined) throw new Error(`Could not find a position for item ${id}`);
        }
        this.stmt('UPDATE items SET position = ?, updated_at = ?, version = version + 1 WHERE id = ?').run(pos, Date.now(), id);
      })
      .immediate();
    // The row moved on from what this connection knew of it: its next write reads it back.
    this.known.delete(id);
  }

  /** A position strictly between the new neighbours, or undefined if none is representable. */
  private positionFor(id: string, queueId: string, beforeId: string | null): number | undefined {
    if (beforeId === null) {
      const row = this.stmt('SELECT MAX(position) AS p FROM items WHERE queue_id = ? AND id <> ?').get(queueId, id) as {
        p: number | null;
      };
      return Math.floor(row.p ?? 0) + 1;
    }
    const before = this.stmt('SELECT queue_id, position FROM items WHERE id = ?').get(beforeId) as
      | { queue_id: string; position: number }
      | undefined;
    if (!before) throw new ItemNotFoundError(beforeId);
    if (before.queue_id !== queueId) {
      throw new InvalidItemError(`Item ${id} cannot be moved next to ${beforeId}: they are in different queues`);
    }
    const prev = this.stmt(
      'SELECT position AS p FROM items WHERE queue_id = ? AND position < ? AND id <> ? ORDER BY position DESC LIMIT 1',
    ).get(queueId, before.position, id) as { p: number } | undefined;
    if (!prev) return before.position - 1;
    const mid = (prev.p + before.position) / 2;
    return mid > prev.p && mid < before.position ? mid : undefined;
  }

  private renumber(queueId: string): void {
    const ids = this.stmt('SELECT id FROM items WHERE queue_id = ? ORDER BY position, created_at, rowid')
      .pluck()
      .all(queueId) as string[];
    const set = this.stmt('UPDATE items SET position = ?, version = version + 1 WHERE id = ?');
    ids.forEach((itemId, i) => set.run(i + 1, itemId));
    this.known.clear();
  }

  /** Deletes the items in one statement; unknown ids are ignored. */
  remove(ids: string[]): void {
    if (ids.length === 0) return;
    this.stmt('DELETE FROM items WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids));
    for (const id of ids) this.known.delete(id);
  }

  /** What polling learned per kind of job (scenario/duration-model.ts), as the JSON it saved. */
  jobTimings(): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const row of this.stmt('SELECT kind, json FROM job_timing').all()) {
      const parsed = jobTimingRowSchema.safeParse(row);
      if (!parsed.success) continue;
      try {
        out.set(parsed.data.kind, JSON.parse(parsed.data.json) as unknown);
      } catch {
        // A damaged row is the same as nothing learned: that kind is timed again.
      }
    }
    return out;
  }

  saveJobTiming(kind: string, value: unknown): void {
    this.stmt(
      `INSERT INTO job_timing (kind, json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (kind) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
    ).run(kind, JSON.stringify(value), Date.now());
  }

  /**
   * The team's ceiling learned for an account, if learned within TEAM_LIMIT_TTL_MS: a team whose
   * plan grew is then tried higher again, at the cost of a handful of refused generates.
   */
  teamLimit(account: string, now = Date.now()): number | undefined {
    const row = this.stmt('SELECT action_limit, updated_at FROM team_limits WHERE account = ?').get(account);
    const parsed = teamLimitRowSchema.safeParse(row);
    if (!parsed.success || now - parsed.data.updated_at > TEAM_LIMIT_TTL_MS) return undefined;
    return parsed.data.action_limit;
  }

  saveTeamLimit(account: string, limit: number): void {
    if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError(`A team's job ceiling must be a positive whole number, not ${limit}`);
    this.stmt(
      `INSERT INTO team_limits (account, action_limit, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (account) DO UPDATE SET action_limit = excluded.action_limit, updated_at = excluded.updated_at`,
    ).run(account, limit, Date.now());
  }

  /** Queue ids that have at least one item, oldest queue first. */
  queueIds(): string[] {
    return this.stmt('SELECT queue_id FROM items GROUP BY queue_id ORDER BY MIN(created_at), MIN(rowid)')
      .pluck()
      .all() as string[];
  }

  /** Rows changed by this connection since it opened (SQLite's total_changes()); for diagnostics and tests. */
  totalChanges(): number {
    return this.stmt('SELECT total_changes()').pluck().get() as number;
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.releaseLeases();
    } catch {
      // A database that cannot be written (a full disk) keeps the leases; they expire by themselves.
    }
    this.db.close();
  }
}
