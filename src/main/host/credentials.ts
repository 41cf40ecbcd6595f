import type { Credentials } from '../engine/scenario/types';

/** Where the Scenario key pair lives. The secret goes in, a yes/no comes out to the UI; only the engine reads it back. */
export interface CredentialStore {
  get(): Promise<Credentials | undefined>;
  set(credentials: Credentials): Promise<void>;
  clear(): Promise<void>;
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

  async get(): Promise<Credentials | undefined> {
    const keytar = await this.load();
    const [entry] = await keytar.findCredentials(this.service);
    return entry ? { apiKey: entry.account, apiSecret: entry.password } : undefined;
  }

  async set(credentials: Credentials): Promise<void> {
    const keytar = await this.load();
    for (const old of await keytar.findCredentials(this.service)) {
      if (old.account !== credentials.apiKey) await keytar.deletePassword(this.service, old.account);
    }
    await keytar.setPassword(this.service, credentials.apiKey, credentials.apiSecret);
  }

  async clear(): Promise<void> {
    const keytar = await this.load();
    for (const old of await keytar.findCredentials(this.service)) await keytar.deletePassword(this.service, old.account);
  }
}

/** Credentials held only in memory, from the environment (CLI-style) — never written anywhere. */
export class MemoryCredentialStore implements CredentialStore {
  constructor(private value: Credentials | undefined = undefined) {}
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
