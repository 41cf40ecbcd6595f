import { EventEmitter } from 'node:events';
import { files } from '../files/calls';
import { InputError, checkInput } from '../inputs/validate';
import { prepareUpload } from '../inputs/prepare';
import { reserveOutput } from '../output/room';
import { findModel, ParameterError } from '../models/registry';
import { generateBody } from '../models/request';
import type { ModelDescriptor } from '../models/types';
import { commitOutput, recoverCommit, sweepTemps, tempPathFor } from '../output/writer';
import { renderName } from '../output/naming';
import { OutputError } from '../output/errors';
import { GoneError, JobFailedError, ScenarioError, StageTimeoutError, TeamLimitError, isScenarioError } from '../scenario/errors';
import type { JobSnapshot, ScenarioApi } from '../scenario/types';
import { formatWait } from '../scenario/upload';
import { LocalEnginePool } from '../local/pool';
import { isLocalEngineName } from '../local/types';
import { Connectivity } from './connectivity';
import { LeaseHeldError, ownerIsGone } from './lease';
import { IllegalTransitionError } from './state-machine';
import { JobSlots, type JobSlot } from './job-slots';
import { classifyFailure } from './classify-failure';
import type { QueueStore } from './store';
import type { ItemPatch, ItemState, QueueItem } from './types';
import { IN_FLIGHT_STATES, isFinalState, isInFlightState, isRetryableState } from '../../../shared/item-states';

export interface RunnerEvents {
  /** Every persisted change of an item. */
  item: [item: QueueItem];
  /** Byte progress of a download, too frequent to persist. */
  transfer: [progress: { itemId: string; receivedBytes: number; totalBytes: number | undefined }];
  /** The API refused the credentials: the runner stops starting work until `clearAuthBlock`. */
  'auth-failed': [message: string];
  connectivity: [state: { online: boolean; reason: string }];
  /** Scenario refused a generate for the team's ceiling: at most `limit` jobs now run at once. */
  'team-limit': [limit: number];
  /**
   * Items this runner accepts that another live Kiln process is working on (queue/lease.ts): they
   * are left to it, and taken over if its lease expires. Emitted when the number changes.
   */
  'held-elsewhere': [info: { count: number; owners: string[] }];
  /** A heartbeat found nothing running here: a caller waiting on items may look for them in the store. */
  idle: [];
}

export interface QueueRunnerOptions {
  store: QueueStore;
  api: ScenarioApi;
  /** Jobs running at once at Scenario, or local conversions (default 4); transfers overlap with them. */
  concurrency?: number;
  /** Restrict the runner to some items (the CLI runs only its own batch). */
  accept?: (item: QueueItem) => boolean;
  /** Network probing after an outage: first delay and cap (defaults 1 s and 60 s). */
  probeInitialMs?: number;
  probeMaxMs?: number;
  /** A job still unfinished after this long fails its item (default 30 min). */
  jobTimeoutMs?: number;
  /** A job whose status and progress have not changed for this long fails its item (default 10 min). */
  jobStallTimeoutMs?: number;
  /** Model lookup, so tests and future models can supply their own descriptors. */
  findModel?: (key: string) => ModelDescriptor | undefined;
  /** How often leases are renewed and other owners' items looked at (default 2 s, at most a third of the lease). */
  heartbeatMs?: number;
}

type StopReason = 'cancel' | 'stop';

/** What a canceled item whose job Scenario may have started reads (docs/scenario-api.md "Jobs"). */
export const CANCELED_MAY_BE_CHARGED = 'Canceled — a job Scenario had already started may still be charged';
export const DEFAULT_JOB_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_JOB_STALL_TIMEOUT_MS = 10 * 60_000;
/**
 * The API has no idempotency key and no job listing (docs/scenario-api.md), so a generate whose
 * answer was lost to a crash cannot be found again: the item is generated again and says so.
 */
export const CHARGED_TWICE_WARNING = 'may have been charged twice: Kiln stopped while Scenario was accepting this job';
/** Following a paid job through a 429 storm or a sick server: growing pauses, never a failure. */
const FOLLOW_FIRST_PAUSE_MS = 1_000;
const FOLLOW_MAX_PAUSE_MS = 60_000;

interface Running {
  controller: AbortController;
  reason?: StopReason;
  done: Promise<void>;
}

/** What every phase of one item's run needs. */
interface Work {
  model: ModelDescriptor;
  run: Running;
  /** `run`'s abort: a cancel or a stop. */
  signal: AbortSignal;
  /**
   * The item's temporary file in its output folder, made by the upload phase's room check
   * (output/room.ts reserveOutput) and written by the download; removed if the item stops before.
   */
  reserved?: string;
}

/** An item between phases, with what the next phase needs that is not (yet) stored. */
interface Step {
  item: QueueItem;
  /** The input's asset, uploaded but not yet written: stored with "generate sent". */
  assetId?: string;
  /**
   * When the job began at Scenario, as near as the client can tell: when its generate was sent
   * (GenerateResult.sentAt). Its duration is learned from it; unknown for a job picked up again.
   */
  submittedAt?: number;
  /** The finished job's results, when this run saw it finish (otherwise asked of Scenario). */
  assetIds?: string[];
}

/** Where an item picks up again after waiting for the network or a restart. */
function resumePoint(state: ItemState): ItemState {
  return state === 'uploading' ? 'queued' : state;
}

/**
 * Runs queued items through Scenario: upload → generate → poll → download → done, one method per
 * phase (upload, submit, awaitResult, download), chosen by the item's stored state (process).
 * Every transition is written to the store before the network call that depends on it, so a
 * restart (or `kill -9`) resumes from the store: submitted jobs are polled again, never generated
 * again, and downloads restart from scratch into a fresh temporary file.
 */
export class QueueRunner extends EventEmitter<RunnerEvents> {
  private readonly store: QueueStore;
  private readonly api: ScenarioApi;
  private concurrency: number;
  private readonly accept: (item: QueueItem) => boolean;
  private readonly lookupModel: (key: string) => ModelDescriptor | undefined;
  private readonly jobTimeoutMs: number;
  private readonly jobStallTimeoutMs: number;
  /** Items whose generate is on the wire: a cancel now may leave a job running at Scenario. */
  private readonly generating = new Set<string>();
  /** Items put back in line by Retry: if their job or input is gone, they start afresh at once. */
  private readonly retried = new Set<string>();
  private readonly running = new Map<string, Running>();
  private readonly pausedQueues = new Set<string>();
  private readonly connectivity: Connectivity;
  private localPool: LocalEnginePool | undefined;
  /** Jobs running at Scenario (or local conversions) now, under the concurrency or a team's ceiling. */
  private readonly slots = new JobSlots(() => this.jobLimit);
  /** In-flight items not being worked on (left by a previous run, retried, back from offline). */
  private readonly resumable = new Set<string>();
  /** Accepted items another live runner holds, by id → owner (queue/lease.ts). */
  private readonly foreign = new Map<string, string>();
  /** Items seen held elsewhere that this runner does not accept: never looked at again. */
  private readonly notOurs = new Set<string>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly heartbeatMs: number;
  private lastForeignCount = 0;
  /** Paid items waiting to follow their job again after a retryable failure, and how often they did. */
  private readonly followTimers = new Set<NodeJS.Timeout>();
  private readonly followPauses = new Map<string, number>();
  private started = false;
  private stopped = false;
  private authBlocked = false;
  private pumping = false;

  constructor(options: QueueRunnerOptions) {
    super();
    this.store = options.store;
    this.api = options.api;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.accept = options.accept ?? (() => true);
    this.lookupModel = options.findModel ?? findModel;
    this.jobTimeoutMs = options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
    this.jobStallTimeoutMs = options.jobStallTimeoutMs ?? DEFAULT_JOB_STALL_TIMEOUT_MS;
    this.heartbeatMs = Math.max(10, Math.min(options.heartbeatMs ?? 2_000, this.store.leaseMs / 3));
    this.connectivity = new Connectivity({
      probe: (signal) => this.api.probe(signal),
      initialDelayMs: options.probeInitialMs,
      maxDelayMs: options.probeMaxMs,
    });
    this.connectivity.on('offline', (reason) => this.emit('connectivity', { online: false, reason }));
    this.connectivity.on('online', () => this.onOnline());
  }

  get online(): boolean {
    return this.connectivity.online;
  }

  get activeCount(): number {
    return this.running.size;
  }

  /** Recovers what a previous run left in flight, then starts working. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.recover();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.pump();
  }

  /** Aborts in-flight work without changing what is stored: the next start resumes it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    for (const timer of this.followTimers) clearTimeout(timer);
    this.followTimers.clear();
    this.connectivity.stop();
    const pending = [...this.running.values()];
    for (const run of pending) {
      run.reason ??= 'stop';
      run.controller.abort();
    }
    await Promise.allSettled(pending.map((r) => r.done));
    // What we leave in flight is anyone's to resume at once (the next run of the same command).
    this.store.releaseLeases();
    await this.localPool?.close();
  }

  setConcurrency(n: number): void {
    this.concurrency = Math.max(1, Math.floor(n));
    this.pump();
  }

  /**
   * New credentials or base URL behind the same `api` (host/switchable-api.ts): clears an
   * authentication stop and carries on.
   */
  clearAuthBlock(): void {
    this.authBlocked = false;
    this.pump();
  }

  /** Pauses starting new items (of one queue, or all); work already in flight finishes. */
  pause(queueId?: string): void {
    if (queueId === undefined) for (const id of this.store.queueIds()) this.pausedQueues.add(id);
    else this.pausedQueues.add(queueId);
  }

  resume(queueId?: string): void {
    if (queueId === undefined) this.pausedQueues.clear();
    else this.pausedQueues.delete(queueId);
    this.pump();
  }

  isPaused(queueId: string): boolean {
    return this.pausedQueues.has(queueId);
  }

  /** A hint that the network may be back (the OS said so, or the artist asked): probe now. */
  checkNetworkNow(): void {
    this.connectivity.probeNow();
  }

  /** Wakes the scheduler after items were added or changed in the store. */
  poke(): void {
    this.pump();
  }

  /** Cancels one item: stops local work at once and cancels its remote job where there is one. */
  async cancel(itemId: string): Promise<void> {
    const item = this.store.get(itemId);
    if (!item || isFinalState(item.state)) return;
    const run = this.running.get(itemId);
    if (run) {
      run.reason = 'cancel';
      run.controller.abort();
    }
    // A job canceled on Scenario is gone, so a retry must generate again; a finished job (the item
    // was downloading) keeps its jobId, so a retry only downloads what was already paid for.
    const jobIsLive = item.jobId !== undefined && item.state !== 'downloading' && item.resumeState !== 'downloading';
    // Cancel is local (docs/scenario-api.md "Jobs"): a job Scenario started runs on and is charged.
    const started = jobIsLive || this.generating.has(itemId);
    this.transition(itemId, 'canceled', {
      error: started ? CANCELED_MAY_BE_CHARGED : undefined,
      resumeState: undefined,
      finishedAt: Date.now(),
      ...(jobIsLive ? { jobId: undefined } : {}),
    });
    if (jobIsLive && item.jobId) await this.cancelRemote(item.jobId);
    if (run) await run.done;
    await sweepTemps(item.output.dir, item.id).catch(() => undefined);
    this.pump();
  }

  async cancelAll(queueId?: string): Promise<void> {
    const open = this.store
      .list(queueId ? { queueId } : {})
      .filter((i) => !isFinalState(i.state) && this.accept(i));
    await Promise.all(open.map((i) => this.cancel(i.id)));
  }

  /**
   * Puts a failed or canceled item back in line. A job that succeeded on Scenario is not paid for
   * again: the item picks up from its jobId and only downloads.
   */
  retry(itemId: string): void {
    const item = this.store.get(itemId);
    if (!item || !isRetryableState(item.state)) return;
    const to: ItemState = item.jobId ? 'submitted' : 'queued';
    try {
      this.transition(itemId, to, { error: undefined, failureKind: undefined, finishedAt: undefined, attempts: item.attempts + 1 });
    } catch (error) {
      // Another Kiln process retried or took it a moment ago: it is in hand.
      if (error instanceof LeaseHeldError || error instanceof IllegalTransitionError) return;
      throw error;
    }
    this.retried.add(itemId);
    if (to === 'submitted') this.resumable.add(itemId);
    this.pump();
  }

  retryFailed(queueId?: string): void {
    for (const item of this.store.list({ ...(queueId ? { queueId } : {}), states: ['failed'] })) {
      if (this.accept(item)) this.retry(item.id);
    }
  }

  private async cancelRemote(jobId: string): Promise<void> {
    try {
      await this.api.cancelJob(jobId);
    } catch {
      // Best effort: a job that already ended, or an offline moment, must not block the cancel.
    }
  }

  /** Moves an item to `state` (queue/state-machine.ts says which moves are allowed), with `patch`. */
  private transition(itemId: string, state: ItemState, patch: ItemPatch = {}): QueueItem {
    return this.saved(this.store.transition(itemId, state, patch));
  }

  /** Changes an item's fields, not its state. */
  private patch(itemId: string, patch: ItemPatch): QueueItem {
    return this.saved(this.store.update(itemId, patch));
  }

  private saved(item: QueueItem): QueueItem {
    const itemId = item.id;
    if (item.state === 'done' || item.state === 'canceled') this.retried.delete(itemId);
    if (isFinalState(item.state)) this.followPauses.delete(itemId);
    this.emit('item', item);
    return item;
  }

  private async recover(): Promise<void> {
    this.expireGoneOwners();
    const leftovers = this.store.list({ states: [...IN_FLIGHT_STATES] }).filter((i) => this.accept(i));
    for (const item of leftovers) await this.takeOver(item);
    const waiting = this.store.list({ states: ['waiting-for-network'] }).filter((i) => this.accept(i) && !this.heldLive(i.id));
    if (waiting.length > 0) this.connectivity.reportOffline('resuming items that were waiting for the network');
    this.reportForeign();
  }

  /** Leases of processes of this machine that are gone (kill -9) end now rather than after LEASE_MS. */
  private expireGoneOwners(): void {
    this.store.expireGoneOwners();
  }

  private heldLive(itemId: string): boolean {
    return this.foreign.has(itemId);
  }

  /**
   * Picks up an item some runner left in flight (a previous run of ours, or a dead owner whose lease
   * expired): the lease is taken first, so an item a live process holds is left to it.
   */
  private async takeOver(start: QueueItem): Promise<void> {
    let item: QueueItem;
    try {
      item = this.store.claim(start.id);
    } catch (error) {
      if (!(error instanceof LeaseHeldError)) throw error;
      this.foreign.set(start.id, error.owner);
      return;
    }
    this.foreign.delete(item.id);
    // The run that died may have left the item's reserved temp (output/room.ts) in any state from
    // uploading on; a download under way is settled by recoverDownload instead.
    if (item.state !== 'downloading') await sweepTemps(item.output.dir, item.id).catch(() => undefined);
    if (item.state === 'uploading') {
      // The upload is redone; an assetId already stored is reused, so nothing is paid twice.
      // A generate sent but never answered (Kiln stopped while Scenario was accepting it): the job
      // may exist, and nothing can find it again, so it is generated again and the item says so.
      const lostGenerate = item.generateSentAt !== undefined && item.jobId === undefined;
      this.transition(item.id, 'queued', lostGenerate ? { generateSentAt: undefined, warnings: [...(item.warnings ?? []), CHARGED_TWICE_WARNING] } : {});
      return;
    }
    if (item.state === 'waiting-for-network') return;
    this.resumable.add(item.id);
    if (item.state === 'downloading') await this.recoverDownload(item);
  }

  /**
   * Renews our leases; takes over accepted items whose owner's lease expired (or who died on this
   * machine); tells callers about items other processes finished, and about ones they still hold.
   */
  private heartbeat(): void {
    if (this.stopped) return;
    const now = Date.now();
    this.store.renewLeases(now);
    const stillHeld = new Set<string>();
    const gone = new Set<string>();
    const live = new Set<string>();
    for (const held of this.store.heldElsewhere()) {
      if (this.notOurs.has(held.id)) continue;
      if (!this.foreign.has(held.id)) {
        const item = this.store.get(held.id);
        if (!item || !this.accept(item)) {
          this.notOurs.add(held.id);
          continue;
        }
      }
      let expired = held.leaseUntil < now;
      if (!expired && !live.has(held.owner)) {
        if (gone.has(held.owner)) expired = true;
        else if (ownerIsGone(held.owner)) {
          // Its leases end in the store too, or the claim below would still find them live and
          // the items would wait out the lease (30 s) for a process known to be dead.
          this.store.expireLeasesOf(held.owner);
          gone.add(held.owner);
          expired = true;
        } else live.add(held.owner);
      }
      if (expired) {
        const item = this.store.get(held.id);
        if (item) void this.takeOver(item).then(() => this.pump(), () => undefined);
        continue;
      }
      stillHeld.add(held.id);
      this.foreign.set(held.id, held.owner);
    }
    for (const id of [...this.foreign.keys()]) {
      if (stillHeld.has(id)) continue;
      // Let go by its owner: finished (tell whoever waits on it), or back in line for anyone.
      this.foreign.delete(id);
      const item = this.store.get(id);
      if (item && isFinalState(item.state)) this.emit('item', item);
    }
    this.reportForeign();
    if (this.running.size === 0) this.emit('idle');
    this.pump();
  }

  private reportForeign(): void {
    if (this.foreign.size === this.lastForeignCount) return;
    this.lastForeignCount = this.foreign.size;
    this.emit('held-elsewhere', { count: this.foreign.size, owners: [...new Set(this.foreign.values())] });
  }

  /** A paid item hit a failure that passes (a 429 storm, a sick server): follow its job again later. */
  private followLater(itemId: string): void {
    const n = this.followPauses.get(itemId) ?? 0;
    this.followPauses.set(itemId, n + 1);
    const pause = Math.min(FOLLOW_MAX_PAUSE_MS, FOLLOW_FIRST_PAUSE_MS * 2 ** n);
    const timer = setTimeout(() => {
      this.followTimers.delete(timer);
      this.resumable.add(itemId);
      this.pump();
    }, pause / 2 + Math.random() * (pause / 2));
    this.followTimers.add(timer);
  }

  /** Keeps outputs whose commit finished before the crash; discards partial downloads. */
  private async recoverDownload(item: QueueItem): Promise<void> {
    let current = item;
    if (current.pendingCommit) {
      const { assetId, tempPath, fileName } = current.pendingCommit;
      const committed = await recoverCommit(tempPath, { dir: current.output.dir, fileName, collision: current.output.collision });
      current = this.patch(current.id, committed
        ? {
            outputs: [...current.outputs, committed.path],
            downloadedAssetIds: [...current.downloadedAssetIds, assetId],
            pendingCommit: undefined,
          }
        : { pendingCommit: undefined });
    }
    await sweepTemps(current.output.dir, current.id).catch(() => undefined);
  }

  private onOnline(): void {
    this.emit('connectivity', { online: true, reason: '' });
    for (const item of this.store.list({ states: ['waiting-for-network'] })) {
      if (!this.accept(item)) continue;
      let back: QueueItem;
      try {
        back = this.transition(item.id, resumePoint(item.resumeState ?? 'queued'), { resumeState: undefined });
      } catch (error) {
        if (!(error instanceof LeaseHeldError)) throw error;
        this.foreign.set(item.id, error.owner);
        continue;
      }
      if (back.state !== 'queued') this.resumable.add(back.id);
    }
    this.pump();
  }

  private pump(): void {
    if (!this.started || this.stopped || this.pumping) return;
    this.pumping = true;
    try {
      // Twice the job slots: one set of items holds the slots, the other uploads or downloads.
      while (this.running.size < this.concurrency * 2) {
        const next = this.pickNext();
        if (!next) break;
        this.launch(next);
      }
    } finally {
      this.pumping = false;
    }
  }

  private pickNext(): QueueItem | undefined {
    const free = (i: QueueItem) => !this.running.has(i.id) && !this.pausedQueues.has(i.queueId) && this.accept(i);
    // Offline, or with the key refused, only work this machine can do on its own goes ahead.
    const usable = !this.connectivity.online || this.authBlocked
      ? (i: QueueItem) => {
          const model = this.lookupModel(i.modelKey);
          return free(i) && model !== undefined && this.shouldRunLocally(i, model);
        }
      : free;
    if (this.connectivity.online && !this.authBlocked) {
      // Work already paid for (submitted jobs, downloads) goes before new uploads.
      for (const id of this.resumable) {
        const item = this.store.get(id);
        if (!item || !isInFlightState(item.state) || item.state === 'uploading') {
          this.resumable.delete(id);
          continue;
        }
        if (free(item) && !this.foreign.has(id)) {
          this.resumable.delete(id);
          return item;
        }
      }
    }
    // Queued items are never running (an item leaves 'queued' as it starts), so a small page
    // usually holds the next one; paused queues are left out by the query itself (a paused queue of
    // 10,000 items must not be read on every pump); only filters make it look further.
    const paused = [...this.pausedQueues];
    // One row first: reading (and validating) a page of rows per item started was a measurable share
    // of the CLI's CPU per item (issue 13.3).
    for (const page of [1, 32, 100_000]) {
      const queued = this.store.nextRunnable(page, undefined, paused);
      const next = queued.find(usable);
      if (next || queued.length < page) return next;
    }
    return undefined;
  }

  private launch(item: QueueItem): void {
    const controller = new AbortController();
    const run: Running = { controller, done: Promise.resolve() };
    this.running.set(item.id, run);
    run.done = this.process(item, run)
      .catch((error: unknown) => this.onItemError(item.id, run, error))
      .finally(() => {
        this.running.delete(item.id);
        setImmediate(() => this.pump());
      });
  }

  /** Jobs that may run at once: the concurrency, or the team's ceiling if Scenario named a lower one. */
  private get jobLimit(): number {
    const ceiling = this.api.jobCeiling();
    return ceiling === undefined ? this.concurrency : Math.max(1, Math.min(this.concurrency, ceiling));
  }

  private checkRunning(run: Running): void {
    if (run.controller.signal.aborted) throw new ScenarioError('canceled', 'stopped');
  }

  /**
   * Takes one item as far as it goes: each phase moves it on from the state it is in, so an item
   * picked up again after a stop or a crash starts at the phase its stored state names.
   */
  private async process(start: QueueItem, run: Running): Promise<void> {
    const model = this.lookupModel(start.modelKey);
    if (!model) throw new ParameterError(`unknown model "${start.modelKey}"`);
    // Resuming an item left in flight: take its lease first, or leave it to the live runner holding it.
    const item = start.state === 'queued' ? start : this.store.claim(start.id);
    if (item.state === 'queued' && this.shouldRunLocally(item, model)) return this.processLocally(item, model, run);
    const work: Work = { model, run, signal: run.controller.signal };
    // Held from the generate (or from picking up a running job) until the job ends; given back
    // here, once, whatever phase stops the item.
    const slot = this.slots.slot();
    try {
      for (let step: Step = { item }; ; ) {
        switch (step.item.state) {
          case 'queued':
            step = await this.upload(step, work);
            break;
          case 'uploading':
            step = await this.submit(step, work, slot);
            break;
          case 'submitted':
          case 'processing':
            step = await this.awaitResult(step, work, slot);
            break;
          case 'downloading':
            step = await this.download(step, work);
            break;
          default:
            return;
        }
      }
    } finally {
      slot.release();
      if (work.reserved) await files.rm(work.reserved, { force: true }).catch(() => undefined);
    }
  }

  /**
   * queued → uploading: everything that can fail does so before anything is paid for (the result's
   * name, the input, room for the output), then the input goes up unless an earlier attempt's
   * asset is stored.
   */
  private async upload({ item: queued }: Step, work: Work): Promise<Step> {
    const { model, run, signal } = work;
    const item = this.transition(queued.id, 'uploading', { error: undefined, progress: 0, generateSentAt: undefined });
    this.outputName(item, model, new Date());
    const checked = await checkInput(item.inputPath, model);
    // A probe or temp an earlier attempt could not remove (the folder had gone read-only, say).
    if (item.attempts > 0) await sweepTemps(item.output.dir, item.id).catch(() => undefined);
    work.reserved = await reserveOutput(item.output.dir, checked.size, item.id);
    this.checkRunning(run);
    if (item.assetId) return { item, assetId: item.assetId };
    const prepared = await prepareUpload(item.inputPath, checked.kind);
    let assetId: string;
    try {
      // The bytes the check read are the file's, unless the input was packed into another file.
      const bytes = prepared.path === item.inputPath ? checked.bytes : undefined;
      assetId = await this.api.upload({ path: prepared.path, name: prepared.name, kind: prepared.kind, route: model.input.upload, bytes, signal });
    } finally {
      await prepared.cleanup();
    }
    this.checkRunning(run);
    // Not written yet: stored with "generate sent" (submit), one write instead of two (issue 13.3);
    // a stop while waiting for a slot costs a free re-upload, never a second generate.
    return { item, assetId };
  }

  /**
   * uploading → submitted: takes a job slot and creates the job. The job id is written first,
   * before any other work: the window a crash could fall into (accepted by Scenario, not yet
   * recorded) is only as wide as this write.
   */
  private async submit(step: Step, work: Work, slot: JobSlot): Promise<Step> {
    const { item, jobId, sentAt } = await this.generate(step, work, slot);
    if (work.signal.aborted && work.run.reason === 'cancel') {
      // Canceled while the job was being created: record it and cancel it remotely too.
      this.patch(item.id, { jobId, generateSentAt: undefined });
      this.generating.delete(item.id);
      await this.cancelRemote(jobId);
      // The item already reads canceled (cancel): this run ends here, whatever the store says now.
      throw new ScenarioError('canceled', 'stopped');
    }
    const submitted = this.transition(item.id, 'submitted', { jobId, progress: 0, generateSentAt: undefined });
    this.generating.delete(item.id);
    return { item: submitted, submittedAt: sentAt };
  }

  /**
   * Sends the generate once a job slot is free. A refusal for the team's ceiling is not a failure:
   * the slot goes back and the item waits its turn again (JobSlots.waitAfterTeamLimit).
   */
  private async generate({ item: uploading, assetId }: Step, { model, signal }: Work, slot: JobSlot): Promise<{ item: QueueItem; jobId: string; sentAt: number }> {
    if (!assetId) throw new Error(`item ${uploading.id} is uploading without an assetId`);
    let item = uploading;
    for (let refusals = 0; ; refusals++) {
      await slot.acquire(signal);
      this.generating.add(item.id);
      // Durably "generate sent" before it goes: a crash from here until the job id is written
      // is recognised on restart (takeOver) and the item carries CHARGED_TWICE_WARNING.
      const body = generateBody(model, item.params, assetId);
      item = this.patch(item.id, { assetId, generateSentAt: Date.now() });
      try {
        const { jobId, sentAt } = await this.api.generate(model.modelId, body, signal);
        return { item, jobId, sentAt };
      } catch (error) {
        this.generating.delete(item.id);
        if (!(error instanceof TeamLimitError)) throw error;
        // Refused for the ceiling: no job was created.
        item = this.patch(item.id, { generateSentAt: undefined });
        // Back in line, not a failure: the ceiling is now the limit, and it goes when a job ends.
        slot.release(false);
        this.emit('team-limit', error.actionLimit);
        await this.slots.waitAfterTeamLimit(error, refusals, signal);
      }
    }
  }

  /**
   * submitted/processing → downloading: follows the job to its end, holding its slot meanwhile,
   * and fails it when it takes too long or stops moving (JobWatch).
   */
  private async awaitResult({ item: submitted, submittedAt }: Step, { model, run, signal }: Work, slot: JobSlot): Promise<Step> {
    let item = submitted;
    const jobId = item.jobId;
    if (!jobId) throw new Error(`item ${item.id} is ${item.state} without a jobId`);
    // Held since submit, or (a job picked up again) taken at once, over the limit if need be: the
    // job runs at Scenario whether we wait for a slot or not.
    slot.adopt();
    const watch = new JobWatch(this.jobTimeoutMs, this.jobStallTimeoutMs);
    let job;
    try {
      job = await this.api.waitForJob(jobId, {
        signal: AbortSignal.any([signal, watch.signal]),
        durationKey: model.modelId,
        submittedAt,
        onUpdate: (snapshot) => {
          watch.saw(snapshot);
          // A finished job goes straight to downloading: no write between seeing it done and freeing its slot.
          if (signal.aborted || snapshot.status === 'success') return;
          const progress = snapshot.progress ?? item.progress;
          if (item.state !== 'processing' || progress !== item.progress) {
            item = this.transition(item.id, 'processing', { progress });
          }
        },
      });
    } catch (error) {
      if (!watch.signal.aborted || signal.aborted) throw error;
      // Kiln stops following it; Scenario may still run it (cancel is best effort, usually refused).
      void this.cancelRemote(jobId);
      throw watch.timeoutError(jobId);
    } finally {
      watch.clear();
    }
    slot.release();
    this.checkRunning(run);
    return { item: this.transition(item.id, 'downloading', { progress: 1 }), assetIds: job.assetIds };
  }

  /**
   * downloading → done: settles a move into place an earlier attempt left under way, then brings
   * each result home (downloadAll).
   */
  private async download({ item: downloading, assetIds: seen }: Step, work: Work): Promise<Step> {
    const { signal } = work;
    let item = downloading;
    // A retry after a failed move into place: settle that move before downloading anything.
    if (item.pendingCommit) {
      await this.recoverDownload(item);
      item = this.store.get(item.id) ?? item;
    } else if (item.attempts > 0 && !work.reserved) {
      // A temporary file an earlier attempt could not remove (the folder had gone read-only, say);
      // this attempt's own reservation was made after the same sweep (upload).
      await sweepTemps(item.output.dir, item.id).catch(() => undefined);
    }
    let assetIds = seen;
    if (!assetIds) {
      if (!item.jobId) throw new Error(`item ${item.id} is downloading without a jobId`);
      assetIds = (await this.api.getJob(item.jobId, signal)).assetIds;
    }
    if (assetIds.length === 0) throw new OutputError(`job ${item.jobId} succeeded but returned no output`, { code: 'no-output' });
    // The last result's write is also the move to done (one write, issue 13.3).
    item = await this.downloadAll(item, assetIds, work);
    if (item.state !== 'done') item = this.transition(item.id, 'done', { finishedAt: Date.now(), error: undefined, engine: 'cloud' });
    return { item };
  }

  private outputName(item: QueueItem, model: ModelDescriptor, date: Date, index?: number): string {
    return renderName(item.output.template, {
      name: item.inputPath,
      ext: model.output.extension,
      model: model.key,
      preset: item.preset ?? '',
      index,
      date,
    });
  }

  /** Local when the queue says so, or when it allows it and Scenario cannot be reached right now. */
  private shouldRunLocally(item: QueueItem, model: ModelDescriptor): boolean {
    const choice = item.engineChoice ?? 'cloud';
    if (choice === 'local') return true;
    return choice === 'cloud-then-local' && model.local !== undefined && !this.connectivity.online;
  }

  private async processLocally(start: QueueItem, model: ModelDescriptor, run: Running): Promise<void> {
    const signal = run.controller.signal;
    const engine = model.local?.workerModule;
    if (!engine || !isLocalEngineName(engine)) throw new ParameterError(`${model.displayName} has no local engine; choose the cloud for this queue`);
    let item = this.transition(start.id, 'processing', { error: undefined, progress: 0 });
    const fileName = this.outputName(item, model, new Date());
    await checkInput(item.inputPath, model);
    this.checkRunning(run);
    this.localPool ??= new LocalEnginePool({ size: this.concurrency });
    const tempPath = await tempPathFor(item.output.dir, item.id);
    const slot = this.slots.slot();
    await slot.acquire(signal);
    try {
      await this.localPool.run({ engine, inputPath: item.inputPath, outputPath: tempPath, params: item.params }, signal);
    } catch (error) {
      await files.rm(tempPath, { force: true }).catch(() => undefined);
      throw error;
    } finally {
      slot.release();
    }
    this.checkRunning(run);
    item = this.patch(item.id, { pendingCommit: { assetId: 'local', tempPath, fileName } });
    const result = await commitOutput(tempPath, { dir: item.output.dir, fileName, collision: item.output.collision });
    this.transition(item.id, 'done', {
      outputs: [result.path],
      downloadedAssetIds: ['local'],
      pendingCommit: undefined,
      engine: 'local',
      progress: 1,
      finishedAt: Date.now(),
    });
  }

  private async downloadAll(start: QueueItem, assetIds: string[], work: Work): Promise<QueueItem> {
    const { model, run, signal } = work;
    let item = start;
    const date = new Date();
    for (const [index, assetId] of assetIds.entries()) {
      if (item.downloadedAssetIds.includes(assetId)) continue;
      // The first result goes into the file reserved before the upload; any further one into a new temp.
      const tempPath = work.reserved ?? (await tempPathFor(item.output.dir, item.id));
      work.reserved = undefined;
      try {
        await this.api.download({
          assetId,
          destPath: tempPath,
          expected: model.output,
          signal,
          onProgress: (receivedBytes, totalBytes) => this.emit('transfer', { itemId: item.id, receivedBytes, totalBytes }),
        });
      } catch (error) {
        // Whatever comes next (a retry, waiting for the network, a restart) starts a fresh file.
        await files.rm(tempPath, { force: true }).catch(() => undefined);
        throw error;
      }
      this.checkRunning(run);
      const fileName = this.outputName(item, model, date, assetIds.length > 1 ? index + 1 : undefined);
      // The intent is stored before the file moves into place, so a crash in between is
      // recognised on restart instead of producing the same output twice.
      item = this.patch(item.id, { pendingCommit: { assetId, tempPath, fileName } });
      // download() resolved only once the file was flushed to disk (DownloadRequest.destPath).
      const result = await commitOutput(tempPath, { dir: item.output.dir, fileName, collision: item.output.collision, dataSynced: true });
      const recorded: ItemPatch = {
        outputs: [...item.outputs, result.path],
        downloadedAssetIds: [...item.downloadedAssetIds, assetId],
        pendingCommit: undefined,
      };
      const complete = assetIds.every((id) => id === assetId || item.downloadedAssetIds.includes(id));
      item = complete
        ? this.transition(item.id, 'done', { ...recorded, finishedAt: Date.now(), error: undefined, engine: 'cloud' })
        : this.patch(item.id, recorded);
    }
    return item;
  }

  private onItemError(itemId: string, run: Running, error: unknown): void {
    try {
      this.settleFailure(itemId, run, error);
    } catch (settling) {
      // Another live Kiln process took the item between our read and our write: it is that
      // process's to finish, fail or clean up, not ours (issue 13.7).
      if (!(settling instanceof LeaseHeldError)) throw settling;
      this.foreign.set(itemId, settling.owner);
      this.reportForeign();
    }
  }

  /** What a failed attempt leaves the item as: waiting, back in line, or failed with its reason. */
  private settleFailure(itemId: string, run: Running, error: unknown): void {
    const item = this.store.get(itemId);
    if (!item) return;
    if (run.controller.signal.aborted) {
      // Canceled items were already marked; stopped items stay as stored and resume next start.
      return;
    }
    if (error instanceof LeaseHeldError) {
      // Another live Kiln process took it first: its to work, not ours to fail or clean up.
      this.foreign.set(itemId, error.owner);
      this.reportForeign();
      return;
    }
    if (item.jobId !== undefined && passes(error) && (item.state === 'submitted' || item.state === 'processing' || item.state === 'downloading')) {
      // The job is paid for: a 429 storm or a sick server delays following it, never fails it.
      this.followLater(itemId);
      return;
    }
    if (isScenarioError(error) && error.kind === 'network') {
      if (isFinalState(item.state)) return;
      if (item.state === 'uploading' && item.engineChoice === 'cloud-then-local' && this.lookupModel(item.modelKey)?.local) {
        // Nothing was paid for yet: convert here now rather than wait for the network.
        this.connectivity.reportOffline(error.message);
        this.transition(itemId, 'queued', { error: undefined });
        setImmediate(() => this.pump());
        return;
      }
      this.transition(itemId, 'waiting-for-network', { resumeState: resumePoint(item.state), error: error.message });
      this.connectivity.reportOffline(error.message);
      return;
    }
    if (isScenarioError(error) && error.kind === 'auth') {
      if (item.state === 'uploading') this.transition(itemId, 'queued', { error: error.message });
      else {
        this.patch(itemId, { error: error.message });
        this.resumable.add(itemId);
      }
      if (!this.authBlocked) {
        this.authBlocked = true;
        this.emit('auth-failed', error.message);
      }
      return;
    }
    if (isFinalState(item.state)) return;
    const afresh = startAfresh(error);
    if (error instanceof GoneError && this.retried.has(itemId)) {
      // The artist asked for a retry and what it would have picked up is gone: start over now.
      this.retried.delete(itemId);
      this.transition(itemId, 'failed', { ...afresh, ...failure(error), finishedAt: Date.now() });
      this.transition(itemId, 'queued', { error: undefined, failureKind: undefined, finishedAt: undefined });
      setImmediate(() => this.pump());
      return;
    }
    this.retried.delete(itemId);
    // A half-written temporary file is of no use to anyone; one whose move into place was under
    // way is kept for the retry to settle (see recoverDownload).
    if (!item.pendingCommit) void sweepTemps(item.output.dir, item.id).catch(() => undefined);
    this.transition(itemId, 'failed', {
      ...failure(error),
      finishedAt: Date.now(),
      ...afresh,
    });
  }
}

/** A failure that goes away by itself (the client's own retries ran out): worth waiting out for a paid job. */
function passes(error: unknown): boolean {
  if (!isScenarioError(error) || error instanceof StageTimeoutError || error instanceof TeamLimitError) return false;
  return error.kind === 'rate-limit' || error.kind === 'server' || error.kind === 'bad-response' || error.kind === 'timeout';
}

/** What a failed item must forget so that a Retry starts it afresh instead of failing the same way. */
function startAfresh(error: unknown): ItemPatch {
  // A job that failed on Scenario is finished, and one Kiln stopped following (a stage timeout)
  // may never end: a retry generates again rather than re-poll it.
  if (error instanceof JobFailedError) return { jobId: undefined };
  if (error instanceof StageTimeoutError) return error.stage === 'job' ? { jobId: undefined } : { assetId: undefined };
  if (error instanceof GoneError) {
    // The job or its result vanished: generate again; the input vanished: upload again too.
    return error.what === 'input' ? { assetId: undefined, jobId: undefined } : { jobId: undefined };
  }
  return {};
}

/**
 * Fails a job that takes too long (`timeoutMs` in all) or shows no change of status or progress
 * for `stallMs`, with a message naming the stage and how long it waited.
 */
class JobWatch {
  private readonly controller = new AbortController();
  private readonly started = Date.now();
  private lastChange = Date.now();
  private last: JobSnapshot | undefined;
  private readonly total: NodeJS.Timeout;
  private stall: NodeJS.Timeout;
  private reason: 'total' | 'stall' | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly stallMs: number,
  ) {
    this.total = setTimeout(() => this.fire('total'), timeoutMs);
    this.stall = setTimeout(() => this.fire('stall'), stallMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  saw(job: JobSnapshot): void {
    if (this.last && this.last.status === job.status && this.last.progress === job.progress) return;
    this.last = job;
    this.lastChange = Date.now();
    this.stall.refresh();
  }

  timeoutError(jobId: string): StageTimeoutError {
    const where = this.last ? ` (last seen "${this.last.status}"${this.last.progress !== undefined ? ` at ${Math.round(this.last.progress * 100)} %` : ''})` : '';
    if (this.reason === 'stall') {
      return new StageTimeoutError('job', `Processing: Scenario's job ${jobId} showed no progress for ${formatWait(Date.now() - this.lastChange)}${where}, so Kiln stopped following it; it may still be charged`);
    }
    return new StageTimeoutError('job', `Processing: Scenario's job ${jobId} had no result after ${formatWait(Date.now() - this.started)}${where}, so Kiln stopped following it; it may still be charged`);
  }

  clear(): void {
    clearTimeout(this.total);
    clearTimeout(this.stall);
  }

  private fire(reason: 'total' | 'stall'): void {
    this.reason ??= reason;
    this.controller.abort(new ScenarioError('timeout', reason));
  }
}

/** What a failed item records: the engine's words (the Details) and, where the error's type says it, their kind. */
function failure(error: unknown): Pick<ItemPatch, 'error' | 'failureKind'> {
  return { error: describeFailure(error), failureKind: classifyFailure(error) };
}

function describeFailure(error: unknown): string {
  if (error instanceof JobFailedError) {
    return `Scenario job ${error.jobId} ${error.status === 'failure' ? 'failed' : 'was canceled'}: ${error.reason}`;
  }
  if (error instanceof InputError || error instanceof ParameterError || error instanceof OutputError || isScenarioError(error)) {
    return error.message;
  }
  return `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}
