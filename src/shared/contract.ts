/**
 * The one contract between the UI and the engine: every call the renderer may make, every event it
 * receives. Electron serves it over IPC (through the preload bridge), the web host over a
 * WebSocket; both validate every payload with these schemas in the main process.
 * This module depends only on zod, so main, preload and renderer can all import it.
 */
import { z } from 'zod';
import { ITEM_STATES } from './item-states';
import { COLLISION_POLICIES, ENGINE_CHOICES, ENGINES } from './output-options';
import { FAILURE_KINDS } from './failure-text';

export { ITEM_STATES, type ItemStateName } from './item-states';
export type { EngineChoice } from './output-options';

export const itemStateSchema = z.enum(ITEM_STATES);

export const collisionSchema = z.enum(COLLISION_POLICIES);
export const engineChoiceSchema = z.enum(ENGINE_CHOICES);

const paramValue = z.union([z.string(), z.number(), z.boolean()]);
export const paramsSchema = z.record(z.string().max(64), paramValue);

const id = z.string().min(1).max(128);
const absolutePath = z.string().min(1).max(4096);

// ---------------------------------------------------------------- models
export const parameterInfoSchema = z.object({
  name: z.string(),
  type: z.enum(['string', 'number', 'boolean']),
  integer: z.boolean().optional(),
  default: paramValue.optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  enum: z.array(z.string()).optional(),
  description: z.string(),
  /** The artist-facing name and help of the setting (the descriptor's), where it has them. */
  label: z.string().optional(),
  help: z.string().optional(),
  customOnly: z.boolean().optional(),
  /** Where a local engine cannot honour this parameter, why. */
  localNote: z.string().optional(),
});
export type ParameterInfo = z.infer<typeof parameterInfoSchema>;

export const modelInfoSchema = z.object({
  key: z.string(),
  modelId: z.string(),
  displayName: z.string(),
  summary: z.string(),
  inputKinds: z.array(z.string()),
  inputExtensions: z.array(z.string()),
  outputKind: z.enum(['svg', 'glb']),
  outputExtension: z.string(),
  parameters: z.array(parameterInfoSchema),
  presets: z.array(z.object({ name: z.string(), label: z.string(), description: z.string(), params: paramsSchema, expands: paramsSchema.optional() })),
  defaultPreset: z.string().optional(),
  hasLocalEngine: z.boolean(),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

// ---------------------------------------------------------------- queues
export const queueConfigSchema = z.object({
  id,
  name: z.string().trim().min(1, 'a queue needs a name').max(120),
  modelKey: z.string().min(1),
  preset: z.string().optional(),
  params: paramsSchema,
  outputDir: absolutePath,
  nameTemplate: z.string().min(1).max(300),
  collision: collisionSchema,
  engine: engineChoiceSchema,
  /** A folder whose new files are enqueued automatically. */
  watchFolder: absolutePath.optional(),
});
export type QueueConfig = z.infer<typeof queueConfigSchema>;
export const newQueueSchema = queueConfigSchema.omit({ id: true });
export type NewQueue = z.infer<typeof newQueueSchema>;

export const queueStatsSchema = z.object({
  queueId: id,
  total: z.number(),
  byState: z.record(itemStateSchema, z.number()),
  paused: z.boolean(),
  /** Overall progress of the queue, 0..1. */
  progress: z.number(),
});
export type QueueStats = z.infer<typeof queueStatsSchema>;

// ---------------------------------------------------------------- items
export const itemViewSchema = z.object({
  id,
  queueId: id,
  inputPath: z.string(),
  /** What the artist dropped or named (`folder/sub1/s1.png`), never the host's own copy of it. */
  displayPath: z.string(),
  inputName: z.string(),
  inputKind: z.string(),
  inputSize: z.number(),
  state: itemStateSchema,
  progress: z.number(),
  error: z.string().optional(),
  /** What kind of failure `error` is, when the engine knew (src/shared/failure-text.ts words it). */
  failureKind: z.enum(FAILURE_KINDS).optional(),
  jobId: z.string().optional(),
  outputs: z.array(z.string()),
  engine: z.enum(ENGINES).optional(),
  /** Said even when the item finished, e.g. "may have been charged twice: …" (queue/runner.ts CHARGED_TWICE_WARNING). */
  warnings: z.array(z.string()).optional(),
  position: z.number(),
  updatedAt: z.number(),
});
export type ItemView = z.infer<typeof itemViewSchema>;

/** A file and why it was not taken. */
export const fileReasonSchema = z.object({ path: z.string(), reason: z.string() });
export type FileReason = z.infer<typeof fileReasonSchema>;

/**
 * A queue's watch folder had files that cannot be converted (each with its reason), or could not
 * be watched (message).
 */
export const watchProblemSchema = z.object({ queueId: id, folder: z.string(), files: z.array(fileReasonSchema), message: z.string().optional() });
export type WatchProblemView = z.infer<typeof watchProblemSchema>;

/**
 * A queue item whose stored row cannot be read back (a damaged value in the queue database): it is
 * left out of its queue's list so the rest still shows, and the artist is told it is missing.
 */
export const unreadableItemSchema = z.object({ itemId: z.string(), detail: z.string() });
export type UnreadableItem = z.infer<typeof unreadableItemSchema>;

export const addResultSchema = z.object({
  added: z.array(itemViewSchema),
  /** Files the queue's model does not take (listed, not errors). */
  skipped: z.array(fileReasonSchema),
  /** Files meant for the queue that cannot be converted: each is reported with its reason. */
  rejected: z.array(fileReasonSchema),
  /** Unchanged files already converted with the same settings: not paid for twice unless redone. */
  alreadyConverted: z.array(z.object({ path: z.string(), itemId: id, outputs: z.array(z.string()) })),
});
export type AddResult = z.infer<typeof addResultSchema>;

// ---------------------------------------------------------------- settings
export const settingsSchema = z.object({
  apiUrl: z.url({ protocol: /^https?$/ }),
  concurrency: z.number().int().min(1).max(32),
  defaultOutputDir: z.string(),
  /** Scenario project to work in (sent as ?projectId= on every call); none when absent. */
  projectId: z.string().trim().max(200).optional(),
});
export type Settings = z.infer<typeof settingsSchema>;

export const credentialsInputSchema = z.object({
  apiKey: z.string().trim().min(1, 'the API key is empty').max(512),
  apiSecret: z.string().trim().min(1, 'the API secret is empty').max(512),
});

export const connectionTestSchema = z.object({ ok: z.boolean(), message: z.string() });
export type ConnectionTest = z.infer<typeof connectionTestSchema>;

/** Where the key pair is kept: the OS keychain, an encrypted file (Electron safeStorage), or memory for this session. */
export const keyLocationSchema = z.object({
  kind: z.enum(['keychain', 'encrypted-file', 'session']),
  /** A phrase for Settings: "Kept " + description. */
  description: z.string(),
  /** Why the keychain was not used, or what weakens the protection (Linux basic_text); shown under Details. */
  details: z.string().optional(),
});
export type KeyLocation = z.infer<typeof keyLocationSchema>;

export const hostInfoSchema = z.object({
  /** 'electron' has native dialogs, reveal and drag-out; 'web' is the browser host. */
  kind: z.enum(['electron', 'web']),
  version: z.string(),
  hasCredentials: z.boolean(),
  keyLocation: keyLocationSchema.optional(),
  online: z.boolean(),
  /** How many jobs Scenario runs at once for this key's team, once a refusal has said so (kept a week). */
  jobCeiling: z.number().int().positive().optional(),
});
export type HostInfo = z.infer<typeof hostInfoSchema>;

// ---------------------------------------------------------------- calls
const none = z.object({}).strict();
const byId = z.object({ id }).strict();
const byIds = z.object({ ids: z.array(id).min(1).max(100_000) }).strict();
const byQueue = z.object({ queueId: id }).strict();

/**
 * Every call: its input schema and its output schema. Inputs are validated in the main process
 * (the renderer is untrusted); outputs are the engine's own and validated in tests.
 */
export const calls = {
  'host.info': { input: none, output: hostInfoSchema },
  'models.list': { input: none, output: z.array(modelInfoSchema) },

  'queues.list': { input: none, output: z.array(queueConfigSchema) },
  'queues.create': { input: newQueueSchema.strict(), output: queueConfigSchema },
  /** A patch of the queue; `watchFolder: null` stops watching. */
  'queues.update': {
    input: z.object({ id, patch: newQueueSchema.partial().extend({ watchFolder: absolutePath.nullable().optional() }).strict() }).strict(),
    output: queueConfigSchema,
  },
  'queues.remove': { input: byId, output: z.null() },
  'queues.stats': { input: none, output: z.array(queueStatsSchema) },
  'queues.pause': { input: byQueue, output: z.null() },
  'queues.resume': { input: byQueue, output: z.null() },
  'queues.cancelAll': { input: byQueue, output: z.null() },
  'queues.retryFailed': { input: byQueue, output: z.null() },
  'queues.clearDone': { input: byQueue, output: z.null() },

  'items.list': { input: byQueue, output: z.array(itemViewSchema) },
  /** The queue's last item of these input kinds, or null: the editor's sample, without sending the whole list. */
  'items.latest': {
    input: z.object({ queueId: id, kinds: z.array(z.string().min(1).max(16)).min(1).max(16) }).strict(),
    output: itemViewSchema.nullable(),
  },
  /** Electron: paths of dropped files and folders. (The web host adds uploaded files over HTTP.) */
  'items.addPaths': {
    input: z.object({ queueId: id, paths: z.array(absolutePath).min(1).max(100_000), redo: z.boolean().optional() }).strict(),
    output: addResultSchema,
  },
  /** Moves an item within its queue, before another (or to the end with null); works offline too. */
  'items.reorder': { input: z.object({ id, beforeId: id.nullable() }).strict(), output: z.null() },
  'items.cancel': { input: byIds, output: z.null() },
  'items.retry': { input: byIds, output: z.null() },
  'items.remove': { input: byIds, output: z.null() },
  'items.reveal': { input: byId, output: z.null() },
  'items.open': { input: byId, output: z.null() },
  /** Every item the queue database holds but cannot read back (see item.unreadable). */
  'items.unreadable': { input: none, output: z.array(unreadableItemSchema) },

  /** What each watch folder could not take since the app started, until dismissed (events add to it). */
  'watch.problems': { input: none, output: z.array(watchProblemSchema) },
  /** Look for the network now instead of at the next scheduled probe (the offline banner's "Try now"). */
  'network.checkNow': { input: none, output: z.null() },
  'watch.dismiss': { input: byQueue, output: z.null() },

  'settings.get': { input: none, output: settingsSchema },
  'settings.update': { input: settingsSchema.partial().strict(), output: settingsSchema },
  'credentials.set': { input: credentialsInputSchema.strict(), output: z.null() },
  'credentials.clear': { input: none, output: z.null() },
  'credentials.test': { input: none, output: connectionTestSchema },
  'dialog.chooseFolder': { input: z.object({ title: z.string().max(200).optional() }).strict(), output: z.string().nullable() },
} as const;

export type CallName = keyof typeof calls;
export type CallInput<N extends CallName> = z.input<(typeof calls)[N]['input']>;
export type CallOutput<N extends CallName> = z.output<(typeof calls)[N]['output']>;

// ---------------------------------------------------------------- events
export const events = {
  item: itemViewSchema,
  'item.removed': z.object({ ids: z.array(id) }),
  'queue.stats': queueStatsSchema,
  connectivity: z.object({ online: z.boolean(), waiting: z.number(), reason: z.string() }),
  'auth.failed': z.object({ message: z.string() }),
  /** Scenario refused a job for the team's limit of jobs at once: Kiln now keeps to `limit`. */
  'team.limit': z.object({ limit: z.number().int().positive() }),
  transfer: z.object({ itemId: id, receivedBytes: z.number(), totalBytes: z.number().optional() }),
  'queues.changed': z.array(queueConfigSchema),
  /** New watch-folder problems (see watch.problems): nobody dropped those files, so this is where the artist learns why. */
  'watch.problem': watchProblemSchema,
  /** An item was found unreadable while listing (once per item while the app runs); items.unreadable lists them all. */
  'item.unreadable': unreadableItemSchema,
} as const;

export type EventName = keyof typeof events;
export type EventPayload<N extends EventName> = z.output<(typeof events)[N]>;

/**
 * A file dropped on the window, as far as the contract needs to know it. src/shared has no DOM
 * types (it must also compile for Node); the renderer and preload pass the DOM's real File.
 */
export interface DroppedFile {
  readonly name: string;
  readonly size: number;
}

/** What the renderer sees, whichever transport serves it (window.kiln in Electron). */
export interface KilnApi {
  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>>;
  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void;
  /** How to reach a file for previews: an input or an output of an item. */
  fileUrl(itemId: string, which: 'input' | 'output', index?: number): string;
  /** Electron only: the absolute path of a dropped File (webUtils.getPathForFile). */
  pathForFile?(file: DroppedFile): string | undefined;
  /** Web host only: send dropped files' bytes to the host, which enqueues them. */
  uploadFiles?(
    queueId: string,
    files: ReadonlyArray<{ file: DroppedFile; relativePath: string }>,
    options?: { redo?: boolean; onProgress?: (sentBytes: number, totalBytes: number) => void },
  ): Promise<AddResult>;
  /** Electron only: start dragging a finished output out of the window into another app. */
  startDrag?(itemId: string): void;
}

/** Errors crossing the boundary: a message for the artist plus a code the UI can branch on. */
export const callErrorSchema = z.object({
  code: z.enum(['invalid-input', 'not-found', 'unsupported', 'auth', 'failed']),
  message: z.string(),
});
export type CallError = z.infer<typeof callErrorSchema>;
