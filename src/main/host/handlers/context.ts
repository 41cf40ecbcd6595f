import type { z } from 'zod';
import type { AddResult, CallError, CallName, CallOutput, calls, EventName, EventPayload, QueueConfig } from '../../../shared/contract';
import type { QueueRunner } from '../../engine/queue/runner';
import type { QueueStore } from '../../engine/queue/store';
import type { QueueItem } from '../../engine/queue/types';
import type { Credentials } from '../../engine/scenario/types';
import type { HostCapabilities } from '../capabilities';
import type { CredentialStore } from '../credentials';
import type { ProgressReporter } from '../progress';
import type { SettingsRepository } from '../settings';
import type { WatchFolders } from '../watch-folders';

/** A call refused for a reason the artist can act on; KilnService.handle turns it into a CallError. */
export class CallFailure extends Error {
  constructor(
    readonly code: CallError['code'],
    message: string,
  ) {
    super(message);
  }
}

export type Handlers = { [N in CallName]: (input: z.output<(typeof calls)[N]['input']>) => Promise<CallOutput<N>> };

/** The handlers of one namespace of the contract (`queues.*`, `items.*`…): each domain registers its own. */
export type NamespaceHandlers<P extends string> = Pick<Handlers, Extract<CallName, `${P}.${string}`>>;

/** What the handlers work with: the service's parts, and the few things they share. */
export interface HandlerContext {
  readonly settings: SettingsRepository;
  readonly capabilities: HostCapabilities;
  readonly credentials: CredentialStore;
  readonly version: string;
  readonly store: QueueStore;
  readonly runner: QueueRunner;
  readonly watchFolders: WatchFolders;
  readonly progress: ProgressReporter;
  send<N extends EventName>(name: N, payload: EventPayload<N>): void;
  /** The queue with this id, or a not-found CallFailure. */
  queue(id: string): QueueConfig;
  /** The item with this id, or a not-found CallFailure. */
  item(id: string): QueueItem;
  addPaths(queueId: string, paths: readonly string[], redo: boolean): Promise<AddResult>;
  applyCredentials(credentials: Credentials | undefined): Promise<void>;
  hasCredentials(): boolean;
  /** Scenario's limit of jobs at once for the current key's team, when a refusal has said one. */
  jobCeiling(): number | undefined;
}
