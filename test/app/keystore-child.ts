/**
 * Runs the real credential chain in a process of its own, so the test decides what keychain it has:
 * started with DBUS_SESSION_BUS_ADDRESS pointing nowhere, keytar meets no Secret Service, exactly as
 * on a Linux workstation without one. Prints one JSON line: what `get` returned and `location()`.
 * argv: <electron|web> <state dir> <keychain service> <set|get>
 */
import { join } from 'node:path';
import { SafeStorageCredentialStore } from '../../src/main/app/safe-storage-store';
import { KeychainCredentialStore, MemoryCredentialStore } from '../../src/main/host/credentials';
import { FallbackCredentialStore } from '../../src/main/host/keystore';
import { testSafeStorage } from './safe-storage-double';

const [host, dir, service, action] = process.argv.slice(2) as [string, string, string, string];
const fallback = host === 'electron' ? new SafeStorageCredentialStore(join(dir, 'scenario-key.bin'), testSafeStorage(process.env['KILN_TEST_SAFE_KEY'] as string)) : new MemoryCredentialStore();
const store = new FallbackCredentialStore(new KeychainCredentialStore(service), fallback);
if (action === 'set') await store.set({ apiKey: 'child-key', apiSecret: 'child-secret-value' });
const got = await store.get();
console.log(JSON.stringify({ got: got ?? null, where: await store.location() }));
if (action === 'set' && process.env['KILN_TEST_CLEAR'] === '1') await store.clear();
