import type { KeyLocation } from '../../shared/contract';
import type { Credentials } from '../engine/scenario/types';

export type { KeyLocation };

/** Where the Scenario key pair lives. The secret goes in, a yes/no comes out to the UI; only the engine reads it back. */
export interface CredentialStore {
  get(): Promise<Credentials | undefined>;
  set(credentials: Credentials): Promise<void>;
  clear(): Promise<void>;
  /** Where a key pair is (or would be) kept, in words Settings shows as they are. */
  location?(): Promise<KeyLocation>;
}

/** No OS keychain answered: the message says so in plain words, the library's own words go under Details. */
export class KeychainUnavailableError extends Error {
  override name = 'KeychainUnavailableError';
  constructor(readonly details: string) {
    super('No keychain answered on this computer (on Linux: no Secret Service such as GNOME Keyring or KWallet is running)');
  }
}

export const KEYCHAIN_SERVICE = 'Kiln Scenario API';

interface KeytarModule {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/**
 * The OS keychain through keytar (macOS Keychain, Windows Credential Vault, the Secret Service on
 * Linux). One entry: the account is the API key, the password the secret.
 */
export class KeychainCredentialStore implements CredentialStore {
  private keytar: Promise<KeytarModule> | undefined;

  constructor(private readonly service: string = KEYCHAIN_SERVICE) {}

  private load(): Promise<KeytarModule> {
    // Loaded on first use so a machine without a keychain still starts (and says why when asked).
    this.keytar ??= import('keytar').then((m) => (m.default ?? m) as KeytarModule);
    return this.keytar;
  }

  /** Every keytar failure (module missing, no D-Bus, no Secret Service, locked) means: this keychain cannot be used. */
  private async withKeytar<T>(action: (keytar: KeytarModule) => Promise<T>): Promise<T> {
    let keytar: KeytarModule;
    try {
      keytar = await this.load();
    } catch (error) {
      this.keytar = undefined;
      throw new KeychainUnavailableError(`keytar could not be loaded: ${(error as Error).message}`);
    }
    try {
      return await action(keytar);
    } catch (error) {
      throw new KeychainUnavailableError(error instanceof Error ? error.message : String(error));
    }
  }

  async get(): Promise<Credentials | undefined> {
    return this.withKeytar(async (keytar) => {
      const [entry] = await keytar.findCredentials(this.service);
      return entry ? { apiKey: entry.account, apiSecret: entry.password } : undefined;
    });
  }

  async set(credentials: Credentials): Promise<void> {
    await this.withKeytar(async (keytar) => {
      for (const old of await keytar.findCredentials(this.service)) {
        if (old.account !== credentials.apiKey) await keytar.deletePassword(this.service, old.account);
      }
      await keytar.setPassword(this.service, credentials.apiKey, credentials.apiSecret);
    });
  }

  async clear(): Promise<void> {
    await this.withKeytar(async (keytar) => {
      for (const old of await keytar.findCredentials(this.service)) await keytar.deletePassword(this.service, old.account);
    });
  }

  async location(): Promise<KeyLocation> {
    return { kind: 'keychain', description: `in ${keychainName()}` };
  }
}

/** What the OS calls its keychain, for Settings. */
export function keychainName(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'the macOS Keychain';
  if (platform === 'win32') return 'the Windows Credential Manager';
  return 'the system keyring (Secret Service)';
}

/** Credentials held only in memory (from the environment, or "for this session only") — never written anywhere. */
export class MemoryCredentialStore implements CredentialStore {
  constructor(private value: Credentials | undefined = undefined) {}
  async location(): Promise<KeyLocation> {
    return { kind: 'session', description: 'for this session only: in memory, forgotten when Kiln stops' };
  }
  async get(): Promise<Credentials | undefined> {
    return this.value;
  }
  async set(credentials: Credentials): Promise<void> {
    this.value = { ...credentials };
  }
  async clear(): Promise<void> {
    this.value = undefined;
  }
}
