import { basename, join, relative } from 'node:path';
import { failureText } from '../shared/failure-text';
import { isFinalState, isInFlightState, isRetryableState } from '../shared/item-states';
import { createEngine } from '../main/engine/create-engine';
import { findModel, parseParamAssignments, resolveParams, ParameterError } from '../main/engine/models/registry';
import { validateTemplate } from '../main/engine/output/naming';
import { ensureOutputDir } from '../main/engine/output/writer';
import { expandBatch, type EnqueueTarget } from '../main/engine/queue/enqueue';
import { explainStoreFailure } from '../main/engine/queue/open-store';
import { describeOwner } from '../main/engine/queue/lease';
import type { QueueItem } from '../main/engine/queue/types';
import type { ModelDescriptor, ModelParams } from '../main/engine/models/types';
import { UsageError, type ConvertArgs } from './args';
import { cliApi, cliCredentials } from './credentials';
import { guardStoreFailures, openCliStore } from './open-state';
import { defaultStateDir } from './paths';
import { ConnectivityNotices, Reporter, teamLimitNotices, type FinishedLine } from './report';
import { sizeTierUpToBatch } from './v8-budget';

export const CLI_QUEUE_ID = 'cli';

export function lineFor(item: QueueItem): FinishedLine {
  const failed = item.state === 'failed';
  const line: FinishedLine = {
    input: item.inputPath,
    shown: item.displayPath ?? item.inputPath,
    status: item.state === 'done' ? 'done' : item.state === 'canceled' ? 'canceled' : 'failed',
    outputs: item.outputs,
    jobId: item.jobId ?? null,
    error: item.state === 'done' ? null : (item.error ?? null),
    message: failed ? failureText(item.error, item.failureKind).text : null,
  };
  if (item.warnings !== undefined && item.warnings.length > 0) line.warnings = item.warnings;
  return line;
}

/** A file that could not be converted at all, reported like a failed item (same words as the app). */
export function rejectedLine(r: { path: string; reason: string; displayPath?: string }): FinishedLine {
  // `error` names the file like the runner's own pre-flight messages (inputs/validate.ts), so a
  // --json reader sees one form whichever stage refused the file.
  return { input: r.path, shown: r.displayPath ?? r.path, status: 'failed', outputs: [], jobId: null, error: `${basename(r.path)}: ${r.reason}`, message: failureText(r.reason).text };
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

/** Where a CLI command's files go: the queue, the model and validated parameters, and the output flags. */
export function cliTarget(queueId: string, args: ConvertArgs, model: ModelDescriptor, params: ModelParams): EnqueueTarget {
  return { queueId, model, preset: args.preset, params, output: { dir: args.out, template: args.name, collision: args.onConflict }, engine: args.engine };
}

function skippedLine(s: { path: string; reason: string; displayPath?: string }): FinishedLine {
  return { input: s.path, shown: s.displayPath ?? s.path, status: 'skipped', outputs: [], jobId: null, error: s.reason, message: null };
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

  const started = Date.now();
  const reporter = new Reporter(args.json);
  const stateDir = args.state ?? defaultStateDir(env);
  const target = cliTarget(CLI_QUEUE_ID, args, model, params);
  const expanded = await expandBatch(args.inputs, target, { aliasDir: join(stateDir, 'aliases') });
  if (expanded.accepted.length === 0 && expanded.rejected.length === 0) {
    for (const s of expanded.skipped) reporter.finished(skippedLine(s));
    throw new UsageError(`nothing to convert: no file the ${model.displayName} model accepts was found`);
  }

  await prepareOutputFolder(args.out);
  const store = openCliStore(stateDir, reporter);
  if (!store) return 1;
  const unguard = guardStoreFailures(stateDir, reporter);
  const ours = new Set<string>();
  const api = cliApi(args, credentials, store);
  const { runner, enqueue } = createEngine({
    store,
    api,
    concurrency: args.concurrency,
    accept: (item) => ours.has(item.id),
    jobTimeoutMs: args.jobTimeout * 60_000,
    jobStallTimeoutMs: args.stallTimeout * 60_000,
  });
  // The same file (unchanged) with the same settings is the same work: a rerun resumes it.
  const { items, rejected } = await enqueue(target, expanded);
  for (const item of items) ours.add(item.id);

  for (const s of expanded.skipped) reporter.finished(skippedLine(s));
  let failed = rejected.length;
  let canceled = 0;
  for (const r of rejected) reporter.finished(rejectedLine(r));

  const reported = new Set<string>();
  let done = 0;
  const total = items.length + rejected.length;
  // Last known state of each item, kept from the runner's events: counting must not re-read the
  // whole batch from the store on every change.
  const states = new Map<string, QueueItem['state']>(items.map((i) => [i.id, i.state]));
  const tally = () => {
    let active = 0;
    let waiting = 0;
    for (const s of states.values()) {
      if (s === 'waiting-for-network') waiting++;
      else if (isInFlightState(s)) active++;
    }
    return { total, done, failed: failed + canceled, active, waiting };
  };

  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const checkComplete = () => {
    if (reported.size === ours.size) finish(failed + canceled > 0 ? 1 : 0);
  };
  const onFinal = (item: QueueItem) => {
    if (reported.has(item.id)) return;
    reported.add(item.id);
    if (item.state === 'done') done++;
    else if (item.state === 'canceled') canceled++;
    else failed++;
    reporter.finished(lineFor(item));
    if (reporter.showsProgress) reporter.progress(tally());
    checkComplete();
  };

  runner.on('item', (item) => {
    if (!ours.has(item.id)) return;
    states.set(item.id, item.state);
    if (isFinalState(item.state)) onFinal(item);
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
      if (item && isFinalState(item.state)) onFinal(item);
    }
  });
  runner.on('auth-failed', (message) => {
    reporter.notice(`kiln: ${message}`);
    finish(1);
  });
  const teamLimit = teamLimitNotices(reporter, args.concurrency);
  runner.on('team-limit', teamLimit);
  // A limit learned by an earlier run (kept a week for this key) applies from the first item: say so now.
  const knownLimit = args.engine === 'local' ? undefined : api.jobCeiling();
  if (knownLimit !== undefined) teamLimit(knownLimit);

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
    else if (isRetryableState(item.state)) runner.retry(item.id);
  }
  checkComplete();
  // How eagerly V8 optimises the items' code depends on how many will run (v8-budget.ts says why);
  // measured for cloud conversions, whose per-item work is the engine's JavaScript.
  if (args.engine === 'cloud') sizeTierUpToBatch(items.filter((item) => item.state !== 'done').length);

  try {
    await runner.start();
    const code = await finished;
    await runner.stop();
    const cwd = process.cwd();
    reporter.summary({
      done, failed, canceled, skipped: expanded.skipped.length, ms: Date.now() - started,
      where: args.out.startsWith(cwd) && args.out !== cwd ? relative(cwd, args.out) : args.out,
    });
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
