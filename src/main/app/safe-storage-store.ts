import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Credentials } from '../engine/scenario/types';
import { MemoryCredentialStore, type CredentialStore, type KeyLocation } from '../host/credentials';

/** The part of Electron's `safeStorage` this store uses (passed in, so tests run in plain Node). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron: 'basic_text' means a key built into Electron, not a keyring. */
  getSelectedStorageBackend?(): string;
}

const storedSchema = z.object({ apiKey: z.string().min(1), apiSecret: z.string().min(1) });

/**
 * Where the desktop app keeps the key pair when no keychain answers: encrypted with Electron's
 * safeStorage in a file of the app's data folder (owner-only, written whole then renamed). Where
 * safeStorage cannot encrypt at all, the pair is kept for this session only, and Settings says so.
 */
export class SafeStorageCredentialStore implements CredentialStore {
  private readonly session = new MemoryCredentialStore();

  constructor(
    private readonly file: string,
    private readonly safeStorage: SafeStorageLike,
  ) {}

  private get encrypts(): boolean {
    return this.safeStorage.isEncryptionAvailable();
  }

  async get(): Promise<Credentials | undefined> {
    if (!this.encrypts) return this.session.get();
    let bytes: Buffer;
    try {
      bytes = await readFile(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`The saved API key could not be read from ${this.file}: ${(error as Error).message}`, { cause: error });
    }
    let plain: string;
    try {
      plain = this.safeStorage.decryptString(bytes);
    } catch (error) {
      throw new Error(`The saved API key in ${this.file} could not be decrypted (was it copied from another computer or user?); enter it again in Settings. Details: ${(error as Error).message}`, { cause: error });
    }
    const parsed = storedSchema.safeParse(JSON.parse(plain));
    if (!parsed.success) throw new Error(`The saved API key in ${this.file} is damaged; enter it again in Settings.`);
    return parsed.data;
  }

  async set(credentials: Credentials): Promise<void> {
    if (!this.encrypts) return this.session.set(credentials);
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, this.safeStorage.encryptString(JSON.stringify({ apiKey: credentials.apiKey, apiSecret: credentials.apiSecret })), { mode: 0o600 });
    await rename(temp, this.file);
  }

  async clear(): Promise<void> {
    await this.session.clear();
    await rm(this.file, { force: true });
  }

  async location(): Promise<KeyLocation> {
    if (!this.encrypts) {
      return { ...(await this.session.location()), details: 'Electron cannot encrypt on this computer (safeStorage is unavailable), so nothing is written to disk.' };
    }
    const backend = this.safeStorage.getSelectedStorageBackend?.();
    if (backend === 'basic_text') {
      return {
        kind: 'encrypted-file',
        description: `in ${this.file}, obscured with a key built into Electron`,
        details: "Linux offers only Electron's basic_text backend here (no keyring): anyone who can read your files can read this key pair.",
      };
    }
    return { kind: 'encrypted-file', description: `in ${this.file}, encrypted by the operating system for your user account` };
  }
}
