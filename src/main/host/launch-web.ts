import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Conf from 'conf';
import { KeychainCredentialStore, MemoryCredentialStore, type CredentialStore } from './credentials';
import { FallbackCredentialStore } from './keystore';
import { KilnService } from './service';
import { defaultSettings, SettingsRepository } from './settings';
import { startWebHost, type WebHost } from './web-host';

export interface WebAppOptions {
  stateDir: string;
  rendererDir: string;
  port?: number;
  version: string;
  /** Credentials to use instead of the keychain (tests, or env-provided keys); kept in memory only. */
  credentials?: CredentialStore;
  apiUrl?: string;
  probeInitialMs?: number;
}

export interface WebApp {
  host: WebHost;
  service: KilnService;
  close(): Promise<void>;
}

/** The desktop app's engine and UI served to a browser: what `npm start` runs where Electron cannot. */
export async function launchWebApp(options: WebAppOptions): Promise<WebApp> {
  await mkdir(options.stateDir, { recursive: true });
  // conf is the store electron-store wraps; the web host keeps its settings in the same format.
  const conf = new Conf<Record<string, unknown>>({ cwd: options.stateDir, configName: 'settings', projectName: 'kiln' });
  const settings = new SettingsRepository(conf, defaultSettings(join(homedir(), 'Kiln Output')));
  if (options.apiUrl) settings.updateSettings({ apiUrl: options.apiUrl });
  // Where no keychain answers, the browser host keeps the key pair for this session only.
  const credentials = options.credentials ?? new FallbackCredentialStore(new KeychainCredentialStore(), new MemoryCredentialStore());
  const service = await KilnService.create({
    stateDir: options.stateDir,
    settings,
    credentials,
    capabilities: { kind: 'web' },
    version: options.version,
    probeInitialMs: options.probeInitialMs,
  });
  const host = await startWebHost({ service, rendererDir: options.rendererDir, inboxDir: join(options.stateDir, 'inbox'), port: options.port });
  return {
    host,
    service,
    async close() {
      await host.close();
      await service.close();
    },
  };
}

/** The variables the key pair may come in (README: `npm start` accepts them, kept in memory only). */
export const CREDENTIAL_ENV = ['SCENARIO_SDK_API_KEY', 'SCENARIO_SDK_API_SECRET'] as const;

/** The environment without the key pair: what a child process (a build tool) may see. */
export function withoutCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of CREDENTIAL_ENV) delete copy[name];
  return copy;
}

export function envCredentials(env: NodeJS.ProcessEnv): MemoryCredentialStore | undefined {
  const apiKey = env['SCENARIO_SDK_API_KEY']?.trim();
  const apiSecret = env['SCENARIO_SDK_API_SECRET']?.trim();
  return apiKey && apiSecret ? new MemoryCredentialStore({ apiKey, apiSecret }) : undefined;
}
