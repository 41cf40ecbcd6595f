import { durationMemory, teamLimitMemory } from './queue/duration-memory';
import { enqueueFiles, enqueuePaths, type Enqueued, type EnqueueOptions, type EnqueueTarget } from './queue/enqueue';
import { QueueRunner, type QueueRunnerOptions } from './queue/runner';
import type { QueueStore } from './queue/store';
import { ScenarioClient } from './scenario/client';
import type { Credentials, ScenarioClientOptions } from './scenario/types';
import type { ExpandedInputs, ExpandOptions, SkippedInput } from './inputs/expand';

export interface ScenarioConnection {
  apiUrl: string;
  projectId?: string;
  /** How long an upload may take to be imported (`kiln --upload-timeout`). */
  uploadImportTimeoutMs?: number;
}

/**
 * The one way Kiln talks to Scenario for conversions: a client that keeps what it learns about job
 * durations and each account's job ceiling in the queue store, so the next run starts knowing them.
 */
export function scenarioClient(store: QueueStore, credentials: Credentials, connection: ScenarioConnection): ScenarioClient {
  const options: ScenarioClientOptions = {
    baseUrl: connection.apiUrl,
    ...credentials,
    durationMemory: durationMemory(store),
    teamLimitMemory: teamLimitMemory(store),
    ...(connection.uploadImportTimeoutMs === undefined ? {} : { uploadImportTimeoutMs: connection.uploadImportTimeoutMs }),
    ...(connection.projectId ? { projectId: connection.projectId } : {}),
  };
  return new ScenarioClient(options);
}

export type EngineOptions = QueueRunnerOptions;

export interface EngineEnqueueOptions extends EnqueueOptions {
  /** Told the result before the runner wakes, so a host announces new items before their first move. */
  announce?: (result: Enqueued) => void;
}

/** The queue store, the runner that works it, and the one enqueue: what the app, `kiln convert` and `kiln watch` each run. */
export interface Engine {
  readonly store: QueueStore;
  readonly runner: QueueRunner;
  /** Enqueues an expanded batch and wakes the runner. */
  enqueue(target: EnqueueTarget, files: ExpandedInputs, options?: EngineEnqueueOptions): Promise<Enqueued>;
  /** Expands what was dropped or found, enqueues it and wakes the runner. */
  enqueuePaths(target: EnqueueTarget, paths: readonly string[], expand?: ExpandOptions, options?: EngineEnqueueOptions): Promise<Enqueued & { skipped: SkippedInput[] }>;
}

export function createEngine(options: EngineOptions): Engine {
  const { store } = options;
  const runner = new QueueRunner(options);
  return {
    store,
    runner,
    async enqueue(target, files, enqueueOptions) {
      const result = await enqueueFiles(store, target, files, enqueueOptions);
      enqueueOptions?.announce?.(result);
      runner.poke();
      return result;
    },
    async enqueuePaths(target, paths, expand, enqueueOptions) {
      const result = await enqueuePaths(store, target, paths, expand, enqueueOptions);
      enqueueOptions?.announce?.(result);
      runner.poke();
      return result;
    },
  };
}
