import { join, resolve } from 'node:path';
import { createEngine } from '../main/engine/create-engine';
import { isFinalState } from '../shared/item-states';
import { dedupeKey } from '../main/engine/queue/dedupe-key';
import { WatchedFolder } from '../main/engine/watch/watched-folder';
import { UsageError, type ConvertArgs } from './args';
import { cliApi, cliCredentials } from './credentials';
import { cliTarget, lineFor, prepareOutputFolder, rejectedLine, resolveConversion } from './convert';
import { defaultStateDir } from './paths';
import { guardStoreFailures, openCliStore } from './open-state';
import { ConnectivityNotices, Reporter, teamLimitNotices } from './report';

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
  const target = cliTarget(queueId, args, model, params);
  const { runner, enqueuePaths } = createEngine({
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
  runner.on('team-limit', teamLimitNotices(reporter, args.concurrency));

  // The app's watch folders, exactly (engine/watch/watched-folder.ts): the same bytes at the same
  // place are converted once however often they are seen, and a broken file is listed on the
  // queue with its reason as well as reported here.
  const watcher = new WatchedFolder({
    folder,
    ignoreFolders: [args.out],
    enqueue: (path, found) => enqueuePaths(target, [path], { aliasDir: join(stateDir, 'aliases'), ...found }, { recordBroken: true }),
    onProblem: (files, message) => {
      for (const f of files) reporter.finished(rejectedLine(f));
      if (message !== undefined) reporter.notice(`kiln: watching ${folder}: ${message}`);
    },
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
