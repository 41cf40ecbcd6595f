import { z } from 'zod';
import { queueConfigSchema, settingsSchema, type QueueConfig, type Settings } from '../../shared/contract';
import { DEFAULT_API_URL } from '../engine/scenario/types';

/** What electron-store (in the app) or conf (in the web host) keeps on disk. Never credentials. */
export const storedSettingsSchema = z.object({
  settings: settingsSchema,
  queues: z.array(queueConfigSchema),
  window: z
    .object({ width: z.number(), height: z.number(), x: z.number().optional(), y: z.number().optional(), maximized: z.boolean().optional() })
    .optional(),
});
export type StoredSettings = z.infer<typeof storedSettingsSchema>;

export function defaultSettings(defaultOutputDir: string): StoredSettings {
  return {
    settings: { apiUrl: DEFAULT_API_URL, concurrency: 4, defaultOutputDir },
    queues: [],
  };
}

/** The two stores this runs on share this much: electron-store is a subclass of conf. */
export interface KeyValueBackend {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/**
 * Settings and queue definitions, validated once when read from disk. A damaged or hand-edited
 * value falls back to its default rather than taking the app down.
 */
export class SettingsRepository {
  private cache: StoredSettings;

  constructor(
    private readonly backend: KeyValueBackend,
    private readonly defaults: StoredSettings,
  ) {
    this.cache = this.read();
  }

  private read(): StoredSettings {
    const raw = {
      settings: this.backend.get('settings') ?? this.defaults.settings,
      queues: this.backend.get('queues') ?? this.defaults.queues,
      window: this.backend.get('window'),
    };
    const parsed = storedSettingsSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const settings = settingsSchema.safeParse(raw.settings);
    const queues = z.array(queueConfigSchema).safeParse(raw.queues);
    return {
      settings: settings.success ? settings.data : this.defaults.settings,
      queues: queues.success ? queues.data : this.defaults.queues,
    };
  }

  get settings(): Settings {
    return this.cache.settings;
  }

  get queues(): QueueConfig[] {
    return this.cache.queues;
  }

  get window(): StoredSettings['window'] {
    return this.cache.window;
  }

  updateSettings(patch: Partial<Settings>): Settings {
    const next = settingsSchema.parse({ ...this.cache.settings, ...patch });
    this.cache = { ...this.cache, settings: next };
    this.backend.set('settings', next);
    return next;
  }

  saveQueues(queues: QueueConfig[]): void {
    const next = z.array(queueConfigSchema).parse(queues);
    this.cache = { ...this.cache, queues: next };
    this.backend.set('queues', next);
  }

  saveWindow(window: NonNullable<StoredSettings['window']>): void {
    this.cache = { ...this.cache, window };
    this.backend.set('window', window);
  }
}
