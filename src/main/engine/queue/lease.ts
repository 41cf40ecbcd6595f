import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Who owns an item (issue 13.7). The app and any number of `kiln convert` runs may share one queue
 * database; each process opens the store with its own owner id, and every write that moves an item
 * into a working state (uploading … downloading, waiting-for-network) takes the item's lease in the
 * same UPDATE, guarded by "nobody else holds a live lease" (store.ts `write`). Leaving for queued or
 * a final state gives the lease up. A runner renews its leases on a heartbeat (runner.ts); a lease
 * not renewed for LEASE_MS has expired, and the next runner that accepts the item takes it over
 * (restart recovery: a submitted job is polled again, an upload redone). On the same machine a
 * holder whose process is gone (kill -9) is known dead at once, so a rerun does not wait out the lease.
 *
 * Which items a runner accepts at all is separate: the CLI runs only its own batch, the app only
 * the queues it shows (host/service.ts). The lease is what stops two runners that accept the same
 * item (two `kiln convert` of one batch) from both working it.
 */

/** A lease not renewed for this long has expired. */
export const DEFAULT_LEASE_MS = 30_000;

/** `host/pid/random`: unique per store opened, and tells another process on this host whether we live. */
export function newOwnerId(): string {
  return `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

/** The process id in an owner id, if it names one on this host. */
export function localPid(owner: string): number | undefined {
  const [host, pid] = owner.split('/');
  if (host !== hostname()) return undefined;
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** True only when the owner is a process of this host that no longer exists. */
export function ownerIsGone(owner: string): boolean {
  const pid = localPid(owner);
  if (pid === undefined || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Words for the artist: "another Kiln process (pid 1234)". */
export function describeOwner(owner: string): string {
  const pid = localPid(owner);
  if (pid !== undefined) return `another Kiln process (pid ${pid})`;
  const [host] = owner.split('/');
  return `Kiln on ${host ?? 'another computer'}`;
}

/** Another live process holds the item: not a failure of the item, just not ours to touch. */
export class LeaseHeldError extends Error {
  override readonly name = 'LeaseHeldError';
  constructor(
    readonly itemId: string,
    readonly owner: string,
  ) {
    super(`Item ${itemId} is being worked on by ${describeOwner(owner)}`);
  }
}
