import { scenarioClient } from '../main/engine/create-engine';
import type { QueueStore } from '../main/engine/queue/store';
import type { Credentials, ScenarioApi } from '../main/engine/scenario/types';
import { SwitchableApi } from '../main/host/switchable-api';
import { KeychainCredentialStore, KeychainUnavailableError } from '../main/host/credentials';
import { UsageError, type ConvertArgs } from './args';

const HOW = 'export SCENARIO_SDK_API_KEY and SCENARIO_SDK_API_SECRET (Scenario → Project Settings → API Keys), or save the pair in the Kiln app (Settings)';

/**
 * The key pair a command needs: none for `--engine local` (it never calls Scenario), else the
 * environment, else the OS keychain entry the desktop app saved. Missing or half-set is bad usage.
 */
export async function cliCredentials(
  engine: ConvertArgs['engine'],
  env: NodeJS.ProcessEnv,
  keychain: Pick<KeychainCredentialStore, 'get'> = new KeychainCredentialStore(),
): Promise<Credentials | undefined> {
  if (engine === 'local') return undefined;
  const apiKey = env['SCENARIO_SDK_API_KEY']?.trim();
  const apiSecret = env['SCENARIO_SDK_API_SECRET']?.trim();
  if (apiKey && apiSecret) return { apiKey, apiSecret };
  if (apiKey || apiSecret) {
    throw new UsageError(`${apiKey ? 'SCENARIO_SDK_API_SECRET' : 'SCENARIO_SDK_API_KEY'} is not set (the other is): ${HOW}`);
  }
  let saved: Credentials | undefined;
  try {
    saved = await keychain.get();
  } catch (error) {
    if (!(error instanceof KeychainUnavailableError)) throw error;
    throw new UsageError(`SCENARIO_SDK_API_KEY and SCENARIO_SDK_API_SECRET are not set, and ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}: ${HOW}.\nDetails: ${error.details}`);
  }
  if (!saved) throw new UsageError(`SCENARIO_SDK_API_KEY and SCENARIO_SDK_API_SECRET are not set, and no key pair is saved in the keychain: ${HOW}`);
  return saved;
}

/** Scenario for a command: the HTTP client, or for `--engine local` an API that refuses every call (nothing goes on the network). */
export function cliApi(
  args: Pick<ConvertArgs, 'apiUrl' | 'uploadTimeout' | 'projectId'>,
  credentials: Credentials | undefined,
  store: QueueStore,
): ScenarioApi {
  if (!credentials) return new SwitchableApi();
  return scenarioClient(store, credentials, { apiUrl: args.apiUrl, uploadImportTimeoutMs: args.uploadTimeout * 60_000, ...(args.projectId ? { projectId: args.projectId } : {}) });
}
