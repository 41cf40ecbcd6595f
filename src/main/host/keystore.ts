import type { Credentials } from '../engine/scenario/types';
import { KeychainUnavailableError, type CredentialStore, type KeyLocation } from './credentials';

/**
 * The OS keychain first; where none answers, a second store (Electron: an encrypted file; the
 * browser host: this session only). Which one holds the key is decided by the keychain's answer,
 * and `location()` says so, with the keychain's own error under Details.
 */
export class FallbackCredentialStore implements CredentialStore {
  /** Why the keychain was not used; undefined while it answers (or before it was asked). */
  private keychainFailure: string | undefined;
  private asked = false;

  constructor(
    private readonly keychain: CredentialStore,
    private readonly fallback: CredentialStore,
  ) {}

  private async use<T>(action: (store: CredentialStore) => Promise<T>): Promise<T> {
    if (this.keychainFailure === undefined) {
      try {
        const result = await action(this.keychain);
        this.asked = true;
        return result;
      } catch (error) {
        if (!(error instanceof KeychainUnavailableError)) throw error;
        this.asked = true;
        this.keychainFailure = error.details;
      }
    }
    return action(this.fallback);
  }

  get(): Promise<Credentials | undefined> {
    return this.use((store) => store.get());
  }

  set(credentials: Credentials): Promise<void> {
    return this.use((store) => store.set(credentials));
  }

  clear(): Promise<void> {
    return this.use((store) => store.clear());
  }

  async location(): Promise<KeyLocation> {
    if (!this.asked) await this.get().catch(() => undefined);
    if (this.keychainFailure === undefined) return (await this.keychain.location?.()) ?? { kind: 'keychain', description: 'in the system keychain' };
    const where = (await this.fallback.location?.()) ?? { kind: 'session', description: 'for this session only' };
    const why = `No keychain answered: ${this.keychainFailure}`;
    return { ...where, details: where.details ? `${why}. ${where.details}` : why };
  }
}
