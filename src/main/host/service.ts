import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import {
  calls,
  events as eventSchemas,
  type AddResult,
  type CallError,
  type CallName,
  type CallOutput,
  type EventName,
  type EventPayload,
  type FileReason,
  type QueueConfig,
  type WatchProblemView,
} from '../../shared/contract';
import { mergeWatchProblem } from '../../shared/watch-problems';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { expandInputs, type ExpandOptions } from '../engine/inputs/expand';
import { hashFile, mapLimited } from '../engine/inputs/hash';
import { MODELS, findModel, resolveParams, ParameterError } from '../engine/models/registry';
import { splitNameClashes } from '../engine/output/batch-names';
import { validateTemplate } from '../engine/output/naming';
import { dedupeKey } from '../engine/queue/dedupe-key';
import { QueueRunner } from '../engine/queue/runner';
import { FolderWatcher } from '../engine/watch/folder-watcher';
import { openQueueStore } from '../engine/queue/open-store';
import type { QueueStore } from '../engine/queue/store';
import type { NewItem, QueueItem } from '../engine/queue/types';
import { ScenarioClient } from '../engine/scenario/client';
import { durationMemory, teamLimitMemory } from '../engine/queue/duration-memory';
import { isScenarioError } from '../engine/scenario/errors';
import type { Credentials } from '../engine/scenario/types';
import type { CredentialStore } from './credentials';
import type { SettingsRepository } from './settings';
import { SwitchableApi } from './switchable-api';
import { itemView, modelInfo, queueStats } from './views';

/** What only some hosts can do (Electron has a shell and native dialogs; the browser host has not). */
export interface HostCapabilities {
  kind: 'electron' | 'web';
  reveal?(path: string): Promise<void>;
  open?(path: string): Promise<void>;
  chooseFolder?(title?: string): Promise<string | null>;
  /** A batch finished (a queue went idle after working). */
  notify?(title: string, body: string): void;
  /** Overall progress of all queues, 0..1, or -1 when idle (dock/taskbar). */
  setProgress?(fraction: number): void;
}

export interface KilnServiceOptions {
  stateDir: string;
  settings: SettingsRepository;
  credentials: CredentialStore;
  capabilities: HostCapabilities;
  version: string;
  /** Runner tuning for tests (probe intervals). */
  probeInitialMs?: number;
}

export class CallFailure extends Error {
  constructor(
    readonly code: CallError['code'],
    message: string,
  ) {
    super(message);
  }
}

type Handlers = { [N in CallName]: (input: z.output<(typeof calls)[N]['input']>) => Promise<CallOutput<N>> };

export interface ServiceEvents {
  event: [name: EventName, payload: unknown];
}

function sameParams(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** A watch folder is checked when it is set: one that does not exist would silently pick up nothing. */
function checkWatchFolder(folder: string): void {
  const found = statSync(folder, { throwIfNoEntry: false });
  if (!found) throw new CallFailure('invalid-input', `the watched folder ${folder} does not exist`);
  if (!found.isDirectory()) throw new CallFailure('invalid-input', `the watched folder ${folder} is a file, not a folder`);
}

/**
 * The one handler table behind the UI contract. Electron serves it over IPC, the web host over a
 * WebSocket; neither adds behaviour of its own. Every input is validated here, once.
 */
export class KilnService extends EventEmitter<ServiceEvents> {
  readonly store: QueueStore;
  readonly runner: QueueRunner;
  private readonly api = new SwitchableApi();
  private readonly handlers: Handlers;
  private readonly busyQueues = new Set<string>();
  private statsTimer: NodeJS.Timeout | undefined;
  private readonly dirtyQueues = new Set<string>();
  private hasCredentials = false;
  private readonly watchers = new Map<string, { folder: string; watcher: FolderWatcher }>();
  /** Per queue, since the app started: kept so a window that opens later still shows them. */
  private readonly watchProblems = new Map<string, WatchProblemView>();

  private constructor(private readonly options: KilnServiceOptions) {
    super();
    const opened = openQueueStore(options.stateDir);
    if (opened.notice) console.warn(`[kiln] ${opened.notice}`);
    this.store = opened.store;
    this.runner = new QueueRunner({
      store: this.store,
      api: this.api,
      concurrency: options.settings.settings.concurrency,
      probeInitialMs: options.probeInitialMs,
      // Only the queues this app shows: a `kiln convert` batch in the same database is its own
      // (README "Who owns an item"; queue/lease.ts).
      accept: (item) => options.settings.queues.some((q) => q.id === item.queueId),
    });
    this.runner.on('item', (item) => {
      this.send('item', itemView(item));
      this.markDirty(item.queueId);
    });
    this.runner.on('transfer', (t) => this.send('transfer', t));
    this.runner.on('connectivity', ({ online, reason }) => {
      const waiting = this.store.counts().byState['waiting-for-network'];
      this.send('connectivity', { online, waiting, reason });
    });
    this.runner.on('auth-failed', (message) => this.send('auth.failed', { message }));
    this.handlers = this.buildHandlers();
  }

  static async create(options: KilnServiceOptions): Promise<KilnService> {
    const service = new KilnService(options);
    await service.applyCredentials(await options.credentials.get().catch(() => undefined));
    await service.runner.start();
    await service.syncWatchers();
    return service;
  }

  /** Validates and runs one call; never throws, so transports can answer every request. */
  async handle(name: string, rawInput: unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: CallError }> {
    if (!Object.hasOwn(calls, name)) return { ok: false, error: { code: 'invalid-input', message: `unknown call "${name}"` } };
    const callName = name as CallName;
    const parsed = calls[callName].input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      return { ok: false, error: { code: 'invalid-input', message: `${callName}: ${describeZodError(parsed.error)}` } };
    }
    try {
      const handler = this.handlers[callName] as (input: unknown) => Promise<unknown>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      if (error instanceof CallFailure) return { ok: false, error: { code: error.code, message: error.message } };
      if (error instanceof ParameterError) return { ok: false, error: { code: 'invalid-input', message: error.message } };
      if (isScenarioError(error) && error.kind === 'auth') return { ok: false, error: { code: 'auth', message: error.message } };
      return { ok: false, error: { code: 'failed', message: error instanceof Error ? error.message : String(error) } };
    }
  }

  async close(): Promise<void> {
    if (this.statsTimer) clearTimeout(this.statsTimer);
    await Promise.all([...this.watchers.values()].map((w) => w.watcher.close()));
    this.watchers.clear();
    await this.runner.stop();
    this.store.close();
  }

  /**
   * One watcher per queue that watches a folder; started, moved or stopped to match the queue
   * definitions. Files already in a folder are offered again after a restart and recognised as
   * converted by their content, so each is enqueued once.
   */
  async syncWatchers(): Promise<void> {
    const wanted = new Map(this.options.settings.queues.filter((q) => q.watchFolder).map((q) => [q.id, q]));
    for (const [id, entry] of this.watchers) {
      const queue = wanted.get(id);
      if (!queue || queue.watchFolder !== entry.folder) {
        await entry.watcher.close();
        this.watchers.delete(id);
        this.watchProblems.delete(id);
      }
    }
    for (const [id, queue] of wanted) {
      const folder = queue.watchFolder;
      if (this.watchers.has(id) || !folder) continue;
      const watcher = new FolderWatcher({
        folder,
        ignoreFolders: [queue.outputDir],
        onFile: (path) => {
          void this.addPaths(id, [path], false, { foundInFolder: true }).then(
            (result) => {
              if (result.rejected.length > 0) this.watchProblem(id, folder, result.rejected);
            },
            (error: unknown) => this.watchProblem(id, folder, [{ path, reason: error instanceof Error ? error.message : String(error) }]),
          );
        },
        onError: (error) => this.watchProblem(id, folder, [], error.message),
      });
      this.watchers.set(id, { folder, watcher });
      // A folder on a drive that is not mounted yet: watched anyway, picked up once it appears.
      const found = statSync(folder, { throwIfNoEntry: false });
      if (!found?.isDirectory()) this.watchProblem(id, folder, [], `the folder ${folder} ${found ? 'is a file' : 'is not there'}: nothing is picked up until it is`);
      await watcher.start();
    }
  }

  /** Kept for the renderer (watch.problems), told to it now (watch.problem), and logged. */
  private watchProblem(queueId: string, folder: string, files: FileReason[], message?: string): void {
    for (const f of files) console.warn(`[kiln] watch ${folder}: ${f.path}: ${f.reason}`);
    if (message !== undefined) console.warn(`[kiln] watch ${folder}: ${message}`);
    const problem: WatchProblemView = { queueId, folder, files, ...(message === undefined ? {} : { message }) };
    this.watchProblems.set(queueId, mergeWatchProblem(this.watchProblems.get(queueId), problem));
    this.send('watch.problem', problem);
  }

  /** Network hint from the OS (Electron's online event). */
  networkMayBeBack(): void {
    this.runner.checkNetworkNow();
  }

  private send<N extends EventName>(name: N, payload: EventPayload<N>): void {
    this.emit('event', name, eventSchemas[name].parse(payload));
  }

  private async applyCredentials(credentials: Credentials | undefined): Promise<void> {
    this.hasCredentials = credentials !== undefined;
    if (!credentials) {
      this.api.set(undefined);
      return;
    }
    const { apiUrl, projectId } = this.options.settings.settings;
    this.api.set(
      new ScenarioClient({
        baseUrl: apiUrl,
        ...credentials,
        durationMemory: durationMemory(this.store),
        teamLimitMemory: teamLimitMemory(this.store),
        ...(projectId ? { projectId } : {}),
      }),
    );
    this.runner.setApi(this.api);
  }

  private queue(id: string): QueueConfig {
    const q = this.options.settings.queues.find((c) => c.id === id);
    if (!q) throw new CallFailure('not-found', `no queue with id ${id}`);
    return q;
  }

  private item(id: string): QueueItem {
    const item = this.store.get(id);
    if (!item) throw new CallFailure('not-found', `no item with id ${id}`);
    return item;
  }

  private validateQueue(config: Omit<QueueConfig, 'id'>): Omit<QueueConfig, 'id'> {
    const model = findModel(config.modelKey);
    if (!model) throw new CallFailure('invalid-input', `unknown model "${config.modelKey}"`);
    resolveParams(model, config.preset, config.params);
    try {
      validateTemplate(config.nameTemplate);
    } catch (error) {
      throw new CallFailure('invalid-input', `naming template: ${(error as Error).message}`);
    }
    if (!config.outputDir.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(config.outputDir)) {
      throw new CallFailure('invalid-input', 'the output folder must be an absolute path');
    }
    const existing = statSync(config.outputDir, { throwIfNoEntry: false });
    if (existing && !existing.isDirectory()) throw new CallFailure('invalid-input', `the output folder ${config.outputDir} is a file, not a folder`);
    if (config.watchFolder !== undefined && !isAbsolute(config.watchFolder)) {
      throw new CallFailure('invalid-input', 'the watched folder must be an absolute path');
    }
    return config;
  }

  private markDirty(queueId: string): void {
    this.dirtyQueues.add(queueId);
    // Stats are recomputed at most ten times a second, however many items change.
    this.statsTimer ??= setTimeout(() => {
      this.statsTimer = undefined;
      for (const id of this.dirtyQueues) this.publishStats(id);
      this.dirtyQueues.clear();
      this.publishOverallProgress();
    }, 100);
  }

  private publishStats(queueId: string): void {
    const counts = this.store.counts(queueId);
    this.send('queue.stats', queueStats(queueId, counts, this.runner.isPaused(queueId)));
    const active = counts.total - counts.byState.done - counts.byState.failed - counts.byState.canceled;
    if (active > 0) this.busyQueues.add(queueId);
    else if (this.busyQueues.delete(queueId)) {
      const name = this.options.settings.queues.find((q) => q.id === queueId)?.name ?? 'Queue';
      const failed = counts.byState.failed;
      this.options.capabilities.notify?.(
        `${name} finished`,
        `${counts.byState.done} done${failed ? `, ${failed} failed` : ''}${counts.byState.canceled ? `, ${counts.byState.canceled} canceled` : ''}`,
      );
    }
  }

  private publishOverallProgress(): void {
    const counts = this.store.counts();
    const finished = counts.byState.done + counts.byState.failed + counts.byState.canceled;
    this.options.capabilities.setProgress?.(finished === counts.total ? -1 : finished / counts.total);
  }

  /** Enqueues files and folders for a queue; shared by Electron drops and browser uploads. */
  async addPaths(queueId: string, paths: readonly string[], redo = false, found: ExpandOptions = {}): Promise<AddResult> {
    const queue = this.queue(queueId);
    const model = findModel(queue.modelKey);
    if (!model) throw new CallFailure('invalid-input', `unknown model "${queue.modelKey}"`);
    const params = resolveParams(model, queue.preset, queue.params);
    const all = await expandInputs(paths, model, { aliasDir: join(this.options.stateDir, 'aliases'), ...found });
    const output = { dir: queue.outputDir, template: queue.nameTemplate, collision: queue.collision };
    // One drop is one batch: two results of one name would replace or hide each other (issue 14.7).
    const { kept, clashes } = splitNameClashes(all.accepted, output, { ext: model.output.extension, model: model.key, preset: queue.preset });
    const expanded = { ...all, accepted: kept, rejected: [...all.rejected, ...clashes] };
    const result: AddResult = { added: [], skipped: expanded.skipped, rejected: [...expanded.rejected], alreadyConverted: [] };
    const hashes = await mapLimited(expanded.accepted, 8, (f) => hashFile(f.path).catch(() => undefined));
    const newItems: NewItem[] = [];
    for (const [i, f] of expanded.accepted.entries()) {
      const contentHash = hashes[i];
      if (contentHash === undefined) {
        result.rejected.push({ path: f.path, reason: 'the file could not be read' });
        continue;
      }
      if (!redo) {
        // The same bytes through the same model and parameters, with the results still on disk:
        // converting again would only pay twice for the same files.
        const prior = this.store
          .findConverted(contentHash, model.key)
          .find((p) => sameParams(p.params, params) && p.outputs.length > 0 && p.outputs.every((o) => existsSync(o)));
        if (prior) {
          result.alreadyConverted.push({ path: f.path, itemId: prior.id, outputs: prior.outputs });
          continue;
        }
      }
      newItems.push({
        queueId,
        inputPath: f.path,
        inputKind: f.kind,
        inputSize: f.size,
        modelKey: model.key,
        preset: queue.preset,
        params,
        output,
        contentHash,
        engineChoice: queue.engine,
        dedupeKey: dedupeKey([queueId, f.path, contentHash, model.key, params, output, queue.engine]),
      });
    }
    const results = this.store.addItemsDetailed(newItems);
    for (const { item, existed } of results) {
      if (!existed) {
        result.added.push(itemView(item));
        this.send('item', itemView(item));
        continue;
      }
      if (item.state === 'done' && !redo) {
        result.alreadyConverted.push({ path: item.inputPath, itemId: item.id, outputs: item.outputs });
      } else if (item.state === 'done' || item.state === 'failed' || item.state === 'canceled') {
        const again = this.store.transition(item.id, 'queued', {
          error: undefined, outputs: [], downloadedAssetIds: [], jobId: undefined, assetId: undefined, progress: 0, finishedAt: undefined, engine: undefined,
        });
        result.added.push(itemView(again));
        this.send('item', itemView(again));
      }
    }
    this.markDirty(queueId);
    this.runner.poke();
    return result;
  }

  private buildHandlers(): Handlers {
    const settings = this.options.settings;
    const caps = this.options.capabilities;
    return {
      'host.info': async () => ({
        kind: caps.kind,
        version: this.options.version,
        hasCredentials: this.hasCredentials,
        keyLocation: await this.options.credentials.location?.(),
        online: this.runner.online,
      }),
      'models.list': async () => MODELS.map(modelInfo),

      'queues.list': async () => settings.queues,
      'queues.create': async (input) => {
        const config: QueueConfig = { id: randomUUID(), ...this.validateQueue(input) };
        if (config.watchFolder !== undefined) checkWatchFolder(config.watchFolder);
        settings.saveQueues([...settings.queues, config]);
        this.send('queues.changed', settings.queues);
        await this.syncWatchers();
        return config;
      },
      'queues.update': async ({ id, patch }) => {
        const current = this.queue(id);
        const { id: _id, ...rest } = current;
        const { watchFolder, ...fields } = patch;
        const merged: Omit<QueueConfig, 'id'> = { ...rest, ...fields };
        if (watchFolder === null) delete merged.watchFolder;
        else if (watchFolder !== undefined) merged.watchFolder = watchFolder;
        const next: QueueConfig = { id, ...this.validateQueue(merged) };
        // Checked only when it changes: a queue whose folder went away can still be renamed.
        if (next.watchFolder !== undefined && next.watchFolder !== current.watchFolder) checkWatchFolder(next.watchFolder);
        settings.saveQueues(settings.queues.map((q) => (q.id === id ? next : q)));
        this.send('queues.changed', settings.queues);
        await this.syncWatchers();
        return next;
      },
      'queues.remove': async ({ id }) => {
        this.queue(id);
        await this.runner.cancelAll(id);
        this.store.remove(this.store.list({ queueId: id }).map((i) => i.id));
        settings.saveQueues(settings.queues.filter((q) => q.id !== id));
        this.send('queues.changed', settings.queues);
        await this.syncWatchers();
        return null;
      },
      'queues.stats': async () =>
        settings.queues.map((q) => queueStats(q.id, this.store.counts(q.id), this.runner.isPaused(q.id))),
      'queues.pause': async ({ queueId }) => {
        this.queue(queueId);
        this.runner.pause(queueId);
        this.publishStats(queueId);
        return null;
      },
      'queues.resume': async ({ queueId }) => {
        this.queue(queueId);
        this.runner.resume(queueId);
        this.publishStats(queueId);
        return null;
      },
      'queues.cancelAll': async ({ queueId }) => {
        this.queue(queueId);
        await this.runner.cancelAll(queueId);
        return null;
      },
      'queues.retryFailed': async ({ queueId }) => {
        this.queue(queueId);
        this.runner.retryFailed(queueId);
        return null;
      },
      'queues.clearDone': async ({ queueId }) => {
        this.queue(queueId);
        const ids = this.store.list({ queueId, states: ['done'] }).map((i) => i.id);
        if (ids.length) {
          this.store.remove(ids);
          this.send('item.removed', { ids });
          this.markDirty(queueId);
        }
        return null;
      },

      'items.list': async ({ queueId }) => this.store.list({ queueId }).map(itemView),
      'items.addPaths': async ({ queueId, paths, redo }) => this.addPaths(queueId, paths, redo),
      'items.reorder': async ({ id, beforeId }) => {
        const item = this.item(id);
        if (beforeId !== null && this.item(beforeId).queueId !== item.queueId) {
          throw new CallFailure('invalid-input', 'an item can only move within its own queue');
        }
        this.store.reorder(id, beforeId);
        this.send('item', itemView(this.item(id)));
        return null;
      },
      'items.cancel': async ({ ids }) => {
        await Promise.all(ids.map((id) => this.runner.cancel(this.item(id).id)));
        return null;
      },
      'items.retry': async ({ ids }) => {
        for (const id of ids) this.runner.retry(this.item(id).id);
        return null;
      },
      'items.remove': async ({ ids }) => {
        const items = ids.map((id) => this.item(id));
        await Promise.all(items.map((i) => this.runner.cancel(i.id)));
        this.store.remove(ids);
        this.send('item.removed', { ids });
        for (const q of new Set(items.map((i) => i.queueId))) this.markDirty(q);
        return null;
      },
      'items.reveal': async ({ id }) => {
        const item = this.item(id);
        if (!caps.reveal) throw new CallFailure('unsupported', 'revealing files needs the desktop app');
        await caps.reveal(item.outputs[0] ?? item.inputPath);
        return null;
      },
      'watch.problems': async () => [...this.watchProblems.values()],
      'watch.dismiss': async ({ queueId }) => {
        this.queue(queueId);
        this.watchProblems.delete(queueId);
        return null;
      },
      'items.open': async ({ id }) => {
        const item = this.item(id);
        if (!caps.open) throw new CallFailure('unsupported', 'opening files needs the desktop app');
        const target = item.outputs[0];
        if (!target) throw new CallFailure('not-found', 'this item has no result yet');
        await caps.open(target);
        return null;
      },

      'settings.get': async () => settings.settings,
      'settings.update': async (patch) => {
        const before = settings.settings;
        const next = settings.updateSettings(patch);
        if (next.concurrency !== before.concurrency) this.runner.setConcurrency(next.concurrency);
        if (next.apiUrl !== before.apiUrl) {
          // The key pair was entered for the old address; a new one (which may be anyone's server)
          // gets it only when the artist enters it again. Issue 14.2.
          await this.options.credentials.clear();
          await this.applyCredentials(undefined);
        } else if (next.projectId !== before.projectId) {
          await this.applyCredentials(await this.options.credentials.get());
        }
        return next;
      },
      'credentials.set': async (input) => {
        await this.options.credentials.set(input);
        await this.applyCredentials(input);
        return null;
      },
      'credentials.clear': async () => {
        await this.options.credentials.clear();
        await this.applyCredentials(undefined);
        return null;
      },
      'credentials.test': async () => {
        const credentials = await this.options.credentials.get();
        if (!credentials) return { ok: false, message: 'No API key and secret are stored yet.' };
        const { apiUrl, projectId } = settings.settings;
        const client = new ScenarioClient({ baseUrl: apiUrl, ...credentials, retries: 1, requestTimeoutMs: 10_000, ...(projectId ? { projectId } : {}) });
        try {
          await client.probe();
          return { ok: true, message: `Connected to ${new URL(settings.settings.apiUrl).host}; the key pair is accepted.` };
        } catch (error) {
          return { ok: false, message: error instanceof Error ? error.message : String(error) };
        }
      },
      'dialog.chooseFolder': async ({ title }) => {
        if (!caps.chooseFolder) throw new CallFailure('unsupported', 'the folder dialog needs the desktop app; type the path instead');
        return caps.chooseFolder(title);
      },
    };
  }
}
