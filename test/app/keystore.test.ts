import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeStorageCredentialStore } from '../../src/main/app/safe-storage-store';
import { KeychainCredentialStore, type KeyLocation } from '../../src/main/host/credentials';
import { FallbackCredentialStore } from '../../src/main/host/keystore';
import { tempDir } from '../support/files';
import { testSafeStorage } from './safe-storage-double';

const root = fileURLToPath(new URL('../..', import.meta.url));
const NO_BUS = 'unix:path=/nonexistent/kiln-test-bus';
const hasSecretService = Boolean(process.env['DBUS_SESSION_BUS_ADDRESS']);
const key = randomBytes(32).toString('hex');

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir('kiln-keystore-');
});
afterEach(async () => {
  await dir.remove();
});

async function child(host: 'electron' | 'web', action: 'set' | 'get', env: NodeJS.ProcessEnv, service = `Kiln keystore ${randomUUID()}`) {
  const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'bin/run-ts.js'), 'test/app/keystore-child.ts', host, dir.path, service, action], {
    cwd: root,
    env: { ...process.env, KILN_TEST_SAFE_KEY: key, DISPLAY: '', ...env },
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as { got: { apiKey: string; apiSecret: string } | null; where: KeyLocation };
}

describe('where no keychain answers (no Secret Service on the session bus)', () => {
  it('the app keeps the pair encrypted with safeStorage in its data folder, and says so with the keychain error under Details', async () => {
    const saved = await child('electron', 'set', { DBUS_SESSION_BUS_ADDRESS: NO_BUS });
    expect(saved.got).toEqual({ apiKey: 'child-key', apiSecret: 'child-secret-value' });
    expect(saved.where.kind).toBe('encrypted-file');
    expect(saved.where.description).toContain(join(dir.path, 'scenario-key.bin'));
    expect(saved.where.details).toMatch(/^No keychain answered: .+/);
    const onDisk = await readFile(join(dir.path, 'scenario-key.bin'));
    expect(onDisk.includes('child-secret-value')).toBe(false);
    expect(onDisk.includes('child-key')).toBe(false);
    // The next start (another process) reads it back.
    const again = await child('electron', 'get', { DBUS_SESSION_BUS_ADDRESS: NO_BUS });
    expect(again.got).toEqual({ apiKey: 'child-key', apiSecret: 'child-secret-value' });
  });

  it('the browser host keeps it for this session only, and writes nothing', async () => {
    const saved = await child('web', 'set', { DBUS_SESSION_BUS_ADDRESS: NO_BUS });
    expect(saved.got).toEqual({ apiKey: 'child-key', apiSecret: 'child-secret-value' });
    expect(saved.where).toMatchObject({ kind: 'session', description: expect.stringContaining('for this session only') });
    expect(saved.where.details).toMatch(/^No keychain answered: /);
    expect(await readdir(dir.path)).toEqual([]);
    expect((await child('web', 'get', { DBUS_SESSION_BUS_ADDRESS: NO_BUS })).got).toBeNull();
  });
});

describe('the safeStorage file', () => {
  it('says when Linux offers only basic_text, which anyone reading the files can undo', async () => {
    const store = new SafeStorageCredentialStore(join(dir.path, 'k.bin'), testSafeStorage(key, { backend: 'basic_text' }));
    expect(await store.location()).toMatchObject({ kind: 'encrypted-file', details: expect.stringContaining('basic_text') });
  });

  it('keeps the pair for this session only where safeStorage cannot encrypt, and writes nothing', async () => {
    const store = new SafeStorageCredentialStore(join(dir.path, 'k.bin'), testSafeStorage(key, { available: false }));
    await store.set({ apiKey: 'a', apiSecret: 'b' });
    expect(await store.get()).toEqual({ apiKey: 'a', apiSecret: 'b' });
    expect(await store.location()).toMatchObject({ kind: 'session' });
    expect(await readdir(dir.path)).toEqual([]);
  });

  it('refuses a file it cannot decrypt with a message that says what to do', async () => {
    const path = join(dir.path, 'k.bin');
    await new SafeStorageCredentialStore(path, testSafeStorage(key)).set({ apiKey: 'a', apiSecret: 'b' });
    const otherUser = new SafeStorageCredentialStore(path, testSafeStorage(randomBytes(32).toString('hex')));
    await expect(otherUser.get()).rejects.toThrow(/could not be decrypted .*enter it again in Settings\. Details: /);
  });

  it('is removed by clear', async () => {
    const store = new SafeStorageCredentialStore(join(dir.path, 'k.bin'), testSafeStorage(key));
    await store.set({ apiKey: 'a', apiSecret: 'b' });
    await store.clear();
    expect(await readdir(dir.path)).toEqual([]);
    expect(await store.get()).toBeUndefined();
  });
});

describe.runIf(hasSecretService)('where the keychain answers (real Secret Service)', () => {
  it('keeps the pair in the keychain, not in the fallback file, and says so', async () => {
    const service = `Kiln keystore ${randomUUID()}`;
    const store = new FallbackCredentialStore(new KeychainCredentialStore(service), new SafeStorageCredentialStore(join(dir.path, 'k.bin'), testSafeStorage(key)));
    try {
      await store.set({ apiKey: 'kk', apiSecret: 'ss' });
      expect(await new KeychainCredentialStore(service).get()).toEqual({ apiKey: 'kk', apiSecret: 'ss' });
      expect(await store.location()).toMatchObject({ kind: 'keychain', description: expect.stringContaining('Secret Service') });
      expect(await readdir(dir.path)).toEqual([]);
    } finally {
      await store.clear();
    }
  });
});
