import { EventEmitter } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import {
  calls,
  events as eventSchemas,
  type AddResult,
  type CallError,
  type CallName,
  type EventName,
  type EventPayload,
  type QueueConfig,
} from '../../shared/contract';
import { describeZodError } from '../../shared/zod-issues';
import { createEngine, scenarioClient, type Engine } from '../engine/create-engine';
import type { ExpandOptions } from '../engine/inputs/expand';
import { findModel, resolveParams, ParameterError } from '../engine/models/registry';
import { openQueueStore } from '../engine/queue/open-store';
import type { CorruptItemError, QueueStore } from '../engine/queue/store';
import type { QueueItem } from '../engine/queue/types';
import { isScenarioError } from '../engine/scenario/errors';
import type { Credentials } from '../engine/scenario/types';
import type { HostCapabilities } from './capabilities';
import type { CredentialStore } from './credentials';
import { previewPath } from './files';
import { CallFailure, type HandlerContext, type Handlers } from './handlers/context';
import { dialogHandlers, hostHandlers, networkHandlers, watchHandlers } from './handlers/host';
import { itemHandlers } from './handlers/items';
import { queueHandlers } from './handlers/queues';
import { credentialHandlers, settingsHandlers } from './handlers/settings';
import { ProgressReporter } from './progress';
import type { SettingsRepository } from './settings';
import { SwitchableApi } from './switchable-api';
import { itemView } from './views';
import { WatchFolders } from './watch-folders';

export type { HostCapabilities } from './capabilities';
export { CallFailure } from './handlers/context';

export interface KilnServiceOptions {
  stateDir: string;
  settings: SettingsRepository;
  credentials: CredentialStore;
  capabilities: HostCapabilities;
  version: string;
  /** Runner tuning for tests (probe intervals). */
  probeInitialMs?: number;
}

export interface ServiceEvents {
  event: [name: EventName, payload: unknown];
}

/**
 * The one handler table behind the UI contract. Electron serves it over IPC, the web host over a
 * WebSocket; neither adds behaviour of its own. Every input is validated here, once; each
 * namespace's handlers live in ./handlers, watch folders in ./watch-folders.ts, progress
 * reporting in ./progress.ts.
 */
export class KilnService extends EventEmitter<ServiceEvents> {
  /** For tests' read-only checks; hosts use the contract and the narrow methods below. */
  readonly store: QueueStore;
  private readonly engine: Engine;
  private readonly api = new SwitchableApi();
  private readonly handlers: Handlers;
  private readonly progress: ProgressReporter;
  private readonly watchFolders: WatchFolders;
  private hasCredentials = false;
  private readonly unreadableReported = new Set<string>();

  private constructor(private readonly options: KilnServiceOptions) {
    super();
    const opened = openQueueStore(options.stateDir, { onCorrupt: (error) => this.itemUnreadable(error) });
    if (opened.notice) console.warn(`[kiln] ${opened.notice}`);
    this.engine = createEngine({
      store: opened.store,
      api: this.api,
      concurrency: options.settings.settings.concurrency,
      probeInitialMs: options.probeInitialMs,
      // Only the queues this app shows: a `kiln convert` batch in the same database is its own
      // (README "Who owns an item"; queue/lease.ts).
      accept: (item) => options.settings.queues.some((q) => q.id === item.queueId),
    });
    const { store, runner } = this.engine;
    this.store = store;
    this.progress = new ProgressReporter({
      counts: (queueId) => store.counts(queueId),
      isPaused: (queueId) => runner.isPaused(queueId),
      queueName: (queueId) => options.settings.queues.find((q) => q.id === queueId)?.name,
      announce: (stats) => this.send('queue.stats', stats),
      capabilities: options.capabilities,
    });
    this.watchFolders = new WatchFolders({
      enqueue: (queueId, path, found) => this.addPaths(queueId, [path], false, found),
      announce: (problem) => this.send('watch.problem', problem),
    });
    runner.on('item', (item) => {
      this.send('item', itemView(item));
      this.progress.changed(item.queueId);
    });
    runner.on('transfer', (t) => this.send('transfer', t));
    runner.on('connectivity', ({ online, reason }) => {
      const waiting = store.counts().byState['waiting-for-network'];
      this.send('connectivity', { online, waiting, reason });
    });
    runner.on('auth-failed', (message) => this.send('auth.failed', { message }));
    runner.on('team-limit', (limit) => this.send('team.limit', { limit }));
    const context: HandlerContext = {
      settings: options.settings,
      capabilities: options.capabilities,
      credentials: options.credentials,
      version: options.version,
      store,
      runner,
      watchFolders: this.watchFolders,
      progress: this.progress,
      send: (name, payload) => this.send(name, payload),
      queue: (id) => this.queue(id),
      item: (id) => this.item(id),
      addPaths: (queueId, paths, redo) => this.addPaths(queueId, paths, redo),
      applyCredentials: (credentials) => this.applyCredentials(credentials),
      hasCredentials: () => this.hasCredentials,
      jobCeiling: () => this.api.jobCeiling(),
    };
    this.handlers = {
      ...hostHandlers(context),
      ...queueHandlers(context),
      ...itemHandlers(context),
      ...watchHandlers(context),
      ...networkHandlers(context),
      ...settingsHandlers(context),
      ...credentialHandlers(context),
      ...dialogHandlers(context),
    };
  }

  static async create(options: KilnServiceOptions): Promise<KilnService> {
    const service = new KilnService(options);
    await service.applyCredentials(await options.credentials.get().catch(() => undefined));
    await service.engine.runner.start();
    await service.watchFolders.sync(options.settings.queues);
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
    this.progress.close();
    await this.watchFolders.close();
    await this.engine.runner.stop();
    this.store.close();
  }

  /** Logged, and told to the renderer once per item (a damaged row is skipped by every list, again and again). */
  private itemUnreadable(error: CorruptItemError): void {
    if (this.unreadableReported.has(error.itemId)) return;
    this.unreadableReported.add(error.itemId);
    console.warn(`[kiln] ${error.message}`);
    this.send('item.unreadable', { itemId: error.itemId, detail: error.message });
  }

  /** Network hint from the OS (Electron's online event). */
  networkMayBeBack(): void {
    this.engine.runner.checkNetworkNow();
  }

  /**
   * The file behind an item's preview or download (its input, or one of its results), for the
   * hosts' file routes and drag-out; undefined when there is none.
   */
  itemFile(itemId: string, which: 'input' | 'output', index = 0): string | undefined {
    const item = this.store.get(itemId);
    return item && previewPath(item, which, index);
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
    this.api.set(scenarioClient(this.store, credentials, this.options.settings.settings));
    this.engine.runner.clearAuthBlock();
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

  /** Enqueues files and folders for a queue: Electron drops, browser uploads (items.addPaths) and watch folders. */
  private async addPaths(queueId: string, paths: readonly string[], redo = false, found: ExpandOptions = {}): Promise<AddResult> {
    const queue = this.queue(queueId);
    const model = findModel(queue.modelKey);
    if (!model) throw new CallFailure('invalid-input', `unknown model "${queue.modelKey}"`);
    const target = {
      queueId, model, preset: queue.preset, params: resolveParams(model, queue.preset, queue.params),
      output: { dir: queue.outputDir, template: queue.nameTemplate, collision: queue.collision }, engine: queue.engine,
    };
    // The browser host uploads each drop into a batch folder of its inbox: the batch's entries are what was dropped.
    const inbox = join(this.options.stateDir, 'inbox');
    const containers = paths.length > 0 && paths.every((p) => dirname(resolve(p)) === inbox);
    const expand = { aliasDir: join(this.options.stateDir, 'aliases'), ...found, containers };
    // One rule for broken files, dropped or found by a watch folder: recorded on the queue as a failed item with its reason.
    const result = await this.engine.enqueuePaths(target, paths, expand, {
      skipConverted: !redo,
      recordBroken: true,
      requeueFinished: true,
      announce: ({ changed }) => {
        for (const item of changed) this.send('item', itemView(item));
        this.progress.changed(queueId);
      },
    });
    return { added: result.added.map(itemView), skipped: result.skipped, rejected: result.rejected, alreadyConverted: result.alreadyConverted };
  }
}
