import type { AddResult, CallInput, CallName, CallOutput, EventName, EventPayload, ItemView, KilnApi, ModelInfo } from '../../src/shared/contract';
import { EventHub } from '../../src/renderer/transport/emitter';
import type { UploadEntry, UploadOptions } from '../../src/renderer/transport/upload';
import { MODELS } from '../../src/main/engine/models/registry';

/** The model infos the engine would send, built from the real descriptors so forms match them. */
export const MODEL_INFOS: ModelInfo[] = MODELS.map((m) => ({
  key: m.key,
  modelId: m.modelId,
  displayName: m.displayName,
  summary: m.summary,
  inputKinds: [...m.input.kinds],
  inputExtensions: [...m.input.kinds],
  outputKind: m.output.kind,
  outputExtension: m.output.extension,
  parameters: m.parameters.map((p) => ({ ...p, enum: p.enum ? [...p.enum] : undefined })),
  presets: m.presets.map((p) => ({ ...p, params: { ...p.params } })),
  defaultPreset: m.defaultPreset,
  hasLocalEngine: m.key === 'vtracer',
}));

type Handler<N extends CallName> = (input: CallInput<N>) => CallOutput<N> | Promise<CallOutput<N>>;
type Handlers = { [N in CallName]?: Handler<N> };

export interface RecordedCall { name: CallName; input: unknown }

export const emptyResult = (): AddResult => ({ added: [], skipped: [], rejected: [], alreadyConverted: [] });

/**
 * An in-memory KilnApi for component tests: records every call, answers from per-call handlers
 * (null by default) and lets a test emit events.
 */
export class FakeApi implements KilnApi {
  readonly calls: RecordedCall[] = [];
  readonly uploads: Array<{ queueId: string; files: UploadEntry[]; options: UploadOptions | undefined }> = [];
  private readonly hub = new EventHub();
  private readonly handlers: Handlers = {};
  uploadResult: (files: readonly UploadEntry[], options: UploadOptions | undefined) => AddResult = () => emptyResult();
  pathForFile?: (file: File) => string | undefined;
  uploadFiles?: (queueId: string, files: ReadonlyArray<UploadEntry>, options?: UploadOptions) => Promise<AddResult>;

  constructor(mode: 'web' | 'electron' = 'web') {
    this.handle('models.list', () => MODEL_INFOS);
    // As the real service answers with no damaged rows (a test that wants some replaces it).
    this.handle('items.unreadable', () => []);
    if (mode === 'electron') {
      this.pathForFile = (file) => `/drop/${file.name}`;
    } else {
      this.uploadFiles = async (queueId, files, options) => {
        this.uploads.push({ queueId, files: [...files], options });
        return this.uploadResult(files, options);
      };
    }
  }

  handle<N extends CallName>(name: N, handler: Handler<N>): this {
    (this.handlers as Record<string, unknown>)[name] = handler;
    return this;
  }

  async call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
    this.calls.push({ name, input });
    const handler = this.handlers[name] as Handler<N> | undefined;
    if (handler) return handler(input);
    return null as CallOutput<N>;
  }

  callsTo(name: CallName): unknown[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.input);
  }

  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void {
    return this.hub.on(name, listener);
  }

  emit<N extends EventName>(name: N, payload: EventPayload<N>): void {
    this.hub.emit(name, payload);
  }

  fileUrl(itemId: string, which: 'input' | 'output', index = 0): string {
    return `/files/${itemId}/${which}/${index}`;
  }
}

export function makeItem(i: number, patch: Partial<ItemView> = {}): ItemView {
  return {
    id: `item-${i}`,
    queueId: 'q1',
    inputPath: `/art/file-${i}.png`,
    displayPath: `art/file-${i}.png`,
    inputName: `file-${i}.png`,
    inputKind: 'png',
    inputSize: 1000 + i,
    state: 'queued',
    progress: 0,
    outputs: [],
    position: i,
    updatedAt: 1,
    ...patch,
  };
}
