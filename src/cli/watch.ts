import { resolve } from 'node:path';
import { isFinalState } from '../shared/item-states';
import { expandInputs } from '../main/engine/inputs/expand';
import { hashFile } from '../main/engine/inputs/hash';
import { dedupeKey } from '../main/engine/queue/dedupe-key';
import { QueueRunner } from '../main/engine/queue/runner';
import { FolderWatcher } from '../main/engine/watch/folder-watcher';
import { UsageError, type ConvertArgs } from './args';
import { cliApi, cliCredentials } from './credentials';
import { cliItem, lineFor, prepareOutputFolder, rejectedLine, resolveConversion } from './convert';
import { defaultStateDir } from './paths';
import { guardStoreFailures, openCliStore } from './open-state';
import { ConnectivityNotices, Reporter } from './report';

/**
 * `kiln watch <folder>`: converts every file that appears in the folder (once it has finished
 * being written), once, until interrupted. The queue is durable and named after the folder and
 * settings, so a restart picks up where it stopped, including files added while it was not running.
 */
export async function runWatch(args: ConvertArgs, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (args.inputs.length !== 1) throw new UsageError('kiln watch takes exactly one folder');
  const folder = resolve(args.inputs[0] as string);
  const { model, params } = resolveConversion(args);
  const credentials = await cliCredentials(args.engine, env);
  await prepareOutputFolder(args.out);
  const output = { dir: args.out, template: args.name, collision: args.onConflict };
  const queueId = `watch:${dedupeKey([folder, model.key, params, output, args.engine]).slice(0, 16)}`;
  const reporter = new Reporter(args.json);
  const stateDir = args.state ?? defaultStateDir(env);
  const store = openCliStore(stateDir, reporter);
  if (!store) return 1;
  const unguard = guardStoreFailures(stateDir, reporter);
  const runner = new QueueRunner({
    store,
    api: cliApi(args, credentials, store),
    concurrency: args.concurrency,
    accept: (item) => item.queueId === queueId,
    jobTimeoutMs: args.jobTimeout * 60_000,
    jobStallTimeoutMs: args.stallTimeout * 60_000,
  });
  runner.on('item', (item) => {
    if (isFinalState(item.state)) reporter.finished(lineFor(item));
  });
  const connectivity = new ConnectivityNotices(reporter, args.apiUrl);
  runner.on('connectivity', (state) => connectivity.update(state));
  runner.on('auth-failed', (message) => reporter.notice(`kiln: ${message}`));

  const enqueue = async (path: string) => {
    // {dir} and the shown path are relative to the watched folder.
    const found = await expandInputs([path], model, { foundInFolder: true, root: folder });
    for (const r of found.rejected) reporter.finished(rejectedLine(r));
    for (const f of found.accepted) {
      // The same bytes at the same place are converted once, however often they are seen.
      store.addItems([cliItem(queueId, f, await hashFile(f.path), args, model, params)]);
    }
    runner.poke();
  };

  const watcher = new FolderWatcher({
    folder,
    ignoreFolders: [args.out],
    onFile: (path) => void enqueue(path).catch((error: unknown) => reporter.notice(`kiln: ${(error as Error).message}`)),
    onError: (error) => reporter.notice(`kiln: watching ${folder}: ${error.message}`),
  });
  await runner.start();
  await watcher.start();
  reporter.notice(`kiln: watching ${folder} → ${args.out} with ${model.displayName} (Ctrl+C to stop)`);

  const code = await new Promise<number>((done) => {
    process.once('SIGINT', () => done(0));
    process.once('SIGTERM', () => done(0));
    reporter.onStdoutClosed(() => done(141));
  });
  await watcher.close();
  await runner.stop();
  store.close();
  connectivity.close();
  reporter.close();
  unguard();
  return code;
}
