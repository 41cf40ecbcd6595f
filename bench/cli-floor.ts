/**
 * The floor under `kiln convert`'s CPU per item (bench/cli-cpu.ts): a client with no Kiln code that
 * does the same durable work per item on the same machine, against the same fake server.
 * - reads the input whole and proves it undamaged before paying, as Kiln does for a small PNG
 *   (src/main/engine/inputs/png-integrity.ts): each chunk's CRC checked, the image data inflated;
 * - reserves the result's file in the output folder (created exclusively, as Kiln's reservation);
 * - commits each step to the queue database Kiln's own schema made (WAL, synchronous NORMAL):
 *   added, claimed, generate sent, submitted, downloading, result being moved, done — Kiln's steps
 *   but the progress it records while a job runs, each an UPDATE of the same row and indexes on
 *   condition of the row's version, read back only by the pick;
 * - uploads inline, generates, looks at the job once at its known end then every 50 ms, reads the
 *   result's asset, downloads it, writes and flushes the file, links it into place, flushes the folder;
 * - prints one JSON line per item, as `kiln convert --json` does.
 * What it leaves out is what Kiln adds: retries and deadlines, validation of every answer, the
 * duration model, leases, naming rules, cancellation, events. The difference between the two
 * figures is Kiln's own cost; the floor itself is what this machine charges for the work, which is
 * why it is measured in the same run rather than assumed.
 *
 * KILN_BENCH_FLOOR_WITHOUT=check,database,flushes (any of them) leaves those steps out, to see what
 * each costs on this machine (bench/cli-cpu.ts); the section then says the floor was cut down.
 *
 * Run by cli-cpu.ts as plain CommonJS (transformed once, no loader), so its start is node's and
 * SQLite's, like the compiled CLI's.
 * argv: apiUrl key secret inputDir outDir databasePath concurrency jobMs
 */
import Database from 'better-sqlite3';
import { Agent, request } from 'node:http';
import { closeSync, constants, fsyncSync, linkSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';

const [apiUrl = '', key = '', secret = '', inputDir = '', outDir = '', databasePath = '', concurrencyArg = '16', jobMsArg = '200'] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const jobMs = Number(jobMsArg);
const STEPS = ['check', 'database', 'flushes'] as const;
const without = new Set((process.env.KILN_BENCH_FLOOR_WITHOUT ?? '').split(',').filter(Boolean));
for (const step of without) {
  if (!(STEPS as readonly string[]).includes(step)) throw new Error(`KILN_BENCH_FLOOR_WITHOUT: "${step}" is not one of ${STEPS.join(', ')}`);
}
const auth = `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
const agent = new Agent({ keepAlive: true });
let requests = 0;

function call(method: string, url: string, body?: string): Promise<Buffer> {
  requests++;
  const target = new URL(url);
  const headers: Record<string, string | number> = target.pathname.startsWith('/v1') ? { authorization: auth } : {};
  if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  return new Promise((resolve, reject) => {
    const req = request(target, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const answer = Buffer.concat(chunks);
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${target.pathname}: ${res.statusCode} ${answer.toString()}`));
        else resolve(answer);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const api = (path: string) => `${apiUrl}${path}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const db = new Database(databasePath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const insert = db.prepare(
  `INSERT INTO items (id, queue_id, position, state, dedupe_key, input_path, input_kind, input_size, model_key, params_json, output_json, created_at, updated_at)
   VALUES (?, 'floor', ?, 'queued', ?, ?, 'png', 0, 'vtracer', '{}', '{}', ?, ?)`,
);
const next = db.prepare(`SELECT * FROM items WHERE state = 'queued' ORDER BY position, created_at, rowid LIMIT 1`);

// One prepared statement per step, setting only what the step changes (as Kiln's store does), so
// SQLite touches only those columns' indexes: the owner is set when the item is taken and when it
// is given up, and left alone in between. Each step is written on condition that the row is as the
// pick read it or the last step left it (its version, schema 9), and nothing is read back (store.ts
// `write`).
const taken = (sets: string) =>
  db.prepare(`UPDATE items SET ${sets}, owner = 'floor', lease_until = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ? AND owner IS NULL`);
const kept = (sets: string) =>
  db.prepare(`UPDATE items SET ${sets}, lease_until = ?, updated_at = ?, version = version + 1 WHERE id = ? AND owner = 'floor' AND version = ?`);
const plain = (sets: string) => db.prepare(`UPDATE items SET ${sets}, updated_at = ?, version = version + 1 WHERE id = ? AND owner = 'floor' AND version = ?`);
const claim = taken(`state = 'uploading'`);
const sent = plain('asset_id = ?, generate_sent_at = ?');
const submitted = kept(`state = 'submitted', job_id = ?, generate_sent_at = NULL`);
const downloading = kept(`state = 'downloading'`);
const moving = plain('pending_commit_json = ?');
const done = plain(`state = 'done', owner = NULL, lease_until = NULL, pending_commit_json = NULL, outputs_json = ?`);
const lease = () => Date.now() + 30_000;
/** Commits one step, as Kiln does, unless the database is left out. */
function commit(step: Database.Statement, ...params: unknown[]): void {
  if (!without.has('database') && step.run(...params).changes !== 1) throw new Error('the floor lost its item');
}
function flush(fd: number): void {
  if (!without.has('flushes')) fsyncSync(fd);
}

/** Every chunk against its CRC, then the image data through zlib (its own checksum included). */
function proveWhole(png: Buffer): void {
  const data: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (crc32(png.subarray(at + 4, at + 8 + length)) !== png.readUInt32BE(at + 8 + length)) throw new Error('bad CRC');
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') data.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  inflateSync(Buffer.concat(data));
}

async function convert(id: string, input: string, version: number): Promise<void> {
  commit(claim, lease(), Date.now(), id, version);
  const bytes = readFileSync(input);
  if (!without.has('check')) proveWhole(bytes);
  const temp = join(outDir, `.${id}.part`);
  closeSync(openSync(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY));
  const image = `data:image/png;base64,${bytes.toString('base64')}`;
  const asset = JSON.parse((await call('POST', api('/assets'), JSON.stringify({ image, name: basename(input) }))).toString()).asset;
  commit(sent, asset.id, Date.now(), Date.now(), id, 1);
  const job = JSON.parse((await call('POST', api('/generate/custom/model_visioncortex-vtracer'), JSON.stringify({ image: asset.id }))).toString()).job;
  commit(submitted, job.jobId, lease(), Date.now(), id, 2);
  await sleep(jobMs);
  for (;;) {
    const seen = JSON.parse((await call('GET', api(`/jobs/${job.jobId}`))).toString()).job;
    if (seen.status === 'success') {
      commit(downloading, lease(), Date.now(), id, 3);
      const result = JSON.parse((await call('GET', api(`/assets/${seen.metadata.assetIds[0]}`))).toString()).asset;
      const data = await call('GET', result.url);
      const fd = openSync(temp, constants.O_WRONLY | constants.O_TRUNC);
      writeSync(fd, data);
      flush(fd);
      closeSync(fd);
      const target = join(outDir, `${basename(input, '.png')}.svg`);
      commit(moving, JSON.stringify({ temp, target }), Date.now(), id, 4);
      linkSync(temp, target);
      unlinkSync(temp);
      const folder = openSync(outDir, 'r');
      flush(folder);
      closeSync(folder);
      commit(done, JSON.stringify([target]), Date.now(), id, 5);
      process.stdout.write(`${JSON.stringify({ input, status: 'done', outputs: [target] })}\n`);
      return;
    }
    if (seen.status === 'failure' || seen.status === 'canceled') throw new Error(`job ${job.jobId} ${seen.status}`);
    await sleep(50);
  }
}

const inputs = readdirSync(inputDir).filter((name) => name.endsWith('.png')).sort();
const now = Date.now();
db.transaction(() => inputs.forEach((name, i) => insert.run(`floor-${i}`, i, `floor:${name}`, join(inputDir, name), now, now)))();

// Without the database, the same order from memory.
const unclaimed = without.has('database') ? inputs.map((name, i) => ({ id: `floor-${i}`, input_path: join(inputDir, name), version: 0 })) : [];
let running = 0;
let failed = false;
function pump(): void {
  while (running < concurrency && !failed) {
    const row = (without.has('database') ? unclaimed.shift() : next.get()) as { id: string; input_path: string; version: number } | undefined;
    if (!row) break;
    running++;
    convert(row.id, row.input_path, row.version)
      .catch((error: unknown) => {
        failed = true;
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      })
      .finally(() => {
        running--;
        setImmediate(pump);
      });
  }
}
process.on('exit', () => process.stderr.write(`\nfloor-requests=${requests}\n`));
pump();
