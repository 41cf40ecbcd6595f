import { basename, join } from 'node:path';
import { expandInputs, type FoundInput } from '../main/engine/inputs/expand';
import { hashFile, mapLimited } from '../main/engine/inputs/hash';
import { findModel, parseParamAssignments, resolveParams, ParameterError } from '../main/engine/models/registry';
import { splitNameClashes } from '../main/engine/output/batch-names';
import { validateTemplate } from '../main/engine/output/naming';
import { ensureOutputDir } from '../main/engine/output/writer';
import { dedupeKey } from '../main/engine/queue/dedupe-key';
import { explainStoreFailure } from '../main/engine/queue/open-store';
import { describeOwner } from '../main/engine/queue/lease';
import { QueueRunner } from '../main/engine/queue/runner';
import type { NewItem, QueueItem } from '../main/engine/queue/types';
import type { ModelDescriptor, ModelParams } from '../main/engine/models/types';
import { UsageError, type ConvertArgs } from './args';
import { cliApi, cliCredentials } from './credentials';
import { guardStoreFailures, openCliStore } from './open-state';
import { defaultStateDir } from './paths';
import { ConnectivityNotices, Reporter, type FinishedLine } from './report';

export const CLI_QUEUE_ID = 'cli';

export function lineFor(item: QueueItem): FinishedLine {
  const line: FinishedLine = {
    input: item.inputPath,
    status: item.state === 'done' ? 'done' : item.state === 'canceled' ? 'canceled' : 'failed',
    outputs: item.outputs,
    jobId: item.jobId ?? null,
    error: item.state === 'done' ? null : (item.error ?? null),
  };
  if (item.warnings !== undefined && item.warnings.length > 0) line.warnings = item.warnings;
  return line;
}

/** The model and validated parameters a convert/watch command asks for; bad usage throws UsageError. */
export function resolveConversion(args: ConvertArgs): { model: ModelDescriptor; params: ModelParams } {
  const model = findModel(args.model);
  if (!model) throw new UsageError(`unknown model ${args.model}`);
  let params: ModelParams;
  try {
    params = resolveParams(model, args.preset, parseParamAssignments(model, args.param));
  } catch (error) {
    if (error instanceof ParameterError) throw new UsageError(error.message);
    throw error;
  }
  try {
    validateTemplate(args.name);
  } catch (error) {
    throw new UsageError(`--name: ${(error as Error).message}`);
  }
  if (args.engine !== 'cloud' && !model.local) throw new UsageError(`${model.displayName} has no local engine; use --engine cloud`);
  return { model, params };
}

/** A queue item for a file found by a CLI command, identified by queue, path, content and settings. */
export function cliItem(queueId: string, file: FoundInput, contentHash: string, args: ConvertArgs, model: ModelDescriptor, params: ModelParams): NewItem {
  const output = { dir: args.out, template: args.name, collision: args.onConflict };
  return {
    queueId,
    inputPath: file.path,
    inputKind: file.kind,
    inputSize: file.size,
    modelKey: model.key,
    preset: args.preset,
    params,
    output,
    contentHash,
    engineChoice: args.engine,
    dedupeKey: dedupeKey([queueId, file.path, contentHash, model.key, params, output, args.engine]),
  };
}

/** The output folder must be usable before anything is paid for: made if missing, refused if a file. */
export async function prepareOutputFolder(dir: string): Promise<void> {
  try {
    await ensureOutputDir(dir);
  } catch (error) {
    throw new UsageError(`--out: ${(error as Error).message}`);
  }
}

/** `kiln convert`: resolves to the process exit code. */
export async function runConvert(args: ConvertArgs, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    return await convertBatch(args, env);
  } catch (error) {
    // The state folder's disk filling up mid-batch is the machine's trouble, said in words (issue 14.5).
    const explained = explainStoreFailure(error, args.state ?? defaultStateDir(env));
    if (!explained) throw error;
    process.stderr.write(`kiln: ${explained.message}\n`);
    return 1;
  }
}

async function convertBatch(args: ConvertArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const { model, params } = resolveConversion(args);
  const credentials = await cliCredentials(args.engine, env);

  const reporter = new Reporter(args.json);
  const stateDir = args.state ?? defaultStateDir(env);
  const found = await expandInputs(args.inputs, model, { aliasDir: join(stateDir, 'aliases') });
  const output = { template: args.name, collision: args.onConflict };
  const { kept, clashes } = splitNameClashes(found.accepted, output, { ext: model.output.extension, model: model.key, preset: args.preset });
  const expanded = { ...found, accepted: kept, rejected: [...found.rejected, ...clashes] };
  if (expanded.accepted.length === 0 && expanded.rejected.length === 0) {
    for (const s of expanded.skipped) reporter.finished({ input: s.path, status: 'skipped', outputs: [], jobId: null, error: s.reason });
    throw new UsageError(`nothing to convert: no file the ${model.displayName} model accepts was found`);
  }

  await prepareOutputFolder(args.out);
  const hashes = await mapLimited(expanded.accepted, 8, (f) => hashFile(f.path));
  const store = openCliStore(stateDir, reporter);
  if (!store) return 1;
  const unguard = guardStoreFailures(stateDir, reporter);
  // The same file (unchanged) with the same settings is the same work: a rerun resumes it.
  const newItems = expanded.accepted.map((f, i) => cliItem(CLI_QUEUE_ID, f, hashes[i] as string, args, model, params));
  const items = store.addItems(newItems);
  const ours = new Set(items.map((i) => i.id));

  const client = cliApi(args, credentials, store);
  const runner = new QueueRunner({
    store,
    api: client,
    concurrency: args.concurrency,
    accept: (item) => ours.has(item.id),
    jobTimeoutMs: args.jobTimeout * 60_000,
    jobStallTimeoutMs: args.stallTimeout * 60_000,
  });

  for (const s of expanded.skipped) reporter.finished({ input: s.path, status: 'skipped', outputs: [], jobId: null, error: s.reason });
  let failed = expanded.rejected.length;
  for (const r of expanded.rejected) {
    reporter.finished({ input: r.path, status: 'failed', outputs: [], jobId: null, error: `${basename(r.path)}: ${r.reason}` });
  }

  const reported = new Set<string>();
  let done = 0;
  const total = items.length + expanded.rejected.length;
  // Last known state of each item, kept from the runner's events: counting must not re-read the
  // whole batch from the store on every change.
  const states = new Map<string, QueueItem['state']>(items.map((i) => [i.id, i.state]));
  const tally = () => {
    let active = 0;
    let waiting = 0;
    for (const s of states.values()) {
      if (s === 'waiting-for-network') waiting++;
      else if (s !== 'queued' && s !== 'done' && s !== 'failed' && s !== 'canceled') active++;
    }
    return { total, done, failed, active, waiting };
  };

  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const checkComplete = () => {
    if (reported.size === ours.size) finish(failed > 0 ? 1 : 0);
  };
  const onFinal = (item: QueueItem) => {
    if (reported.has(item.id)) return;
    reported.add(item.id);
    if (item.state === 'done') done++;
    else failed++;
    reporter.finished(lineFor(item));
    if (reporter.showsProgress) reporter.progress(tally());
    checkComplete();
  };

  runner.on('item', (item) => {
    if (!ours.has(item.id)) return;
    states.set(item.id, item.state);
    if (item.state === 'done' || item.state === 'failed' || item.state === 'canceled') onFinal(item);
    else if (reporter.showsProgress) reporter.progress(tally(), `${item.state} ${basename(item.inputPath)}`);
  });
  const connectivity = new ConnectivityNotices(reporter, args.apiUrl);
  runner.on('connectivity', (state) => connectivity.update(state));
  // `kiln convert --json | head -3`: the reader has gone, so stop as if interrupted, in silence.
  reporter.onStdoutClosed(() => finish(141));
  // Another `kiln convert` of this batch (or one that died moments ago) holds some items: say so once
  // and wait; what it finishes is reported here too, what it drops is taken over (queue/lease.ts).
  let toldHeld = false;
  runner.on('held-elsewhere', ({ count, owners }) => {
    if (count === 0 || toldHeld) return;
    toldHeld = true;
    reporter.notice(
      `kiln: ${count} item${count === 1 ? ' is' : 's are'} being converted by ${owners.map(describeOwner).join(' and ')}; ` +
        'leaving them to it and waiting for them (taken over here if it stops)',
    );
  });
  runner.on('idle', () => {
    // Nothing running here: items another process took and finished are only in the store.
    for (const id of ours) {
      if (reported.has(id)) continue;
      const item = store.get(id);
      if (item && (item.state === 'done' || item.state === 'failed' || item.state === 'canceled')) onFinal(item);
    }
  });
  runner.on('auth-failed', (message) => {
    reporter.notice(`kiln: ${message}`);
    finish(1);
  });

  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    reporter.notice('kiln: interrupted; run the same command again to finish the batch');
    finish(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Items finished by an earlier run are reported, not redone; failed ones get another try.
  for (const item of items) {
    if (item.state === 'done') onFinal(item);
    else if (item.state === 'failed' || item.state === 'canceled') runner.retry(item.id);
  }
  checkComplete();

  try {
    await runner.start();
    const code = await finished;
    await runner.stop();
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    connectivity.close();
    reporter.close();
    store.close();
    unguard();
  }
}
