// Spawned by crash.test.ts: hammers a store with transitions until it is SIGKILLed.
// Prints "<id> <state>" after each committed transition so the parent knows what was durable.
import { QueueStore } from '../../src/main/engine/queue/store';
import { ITEM_STATES } from '../../src/shared/item-states';
import { canTransition } from '../../src/main/engine/queue/state-machine';
import type { ItemState } from '../../src/main/engine/queue/types';
import { newItem } from './helpers';

const dir = process.argv[2];
if (!dir) throw new Error('usage: crash-child.ts <stateDir>');
const store = QueueStore.open(dir);
if (store.counts().total === 0) store.addItems(Array.from({ length: 200 }, (_, i) => newItem({ queueId: `q${i % 3}`, dedupeKey: `k${i}` })));
const ids = store.list().map((i) => i.id);
process.stdout.write('ready\n');

let n = 0;
for (;;) {
  const id = ids[Math.floor(Math.random() * ids.length)]!;
  const item = store.get(id)!;
  const targets = ITEM_STATES.filter((to: ItemState) => canTransition(item.state, to, item.resumeState));
  const to = targets[Math.floor(Math.random() * targets.length)]!;
  const patch =
    to === 'waiting-for-network' && item.state === 'waiting-for-network'
      ? {}
      : { progress: Math.random(), jobId: `job-${n}`, outputs: [`/out/${n}.svg`], downloadedAssetIds: [`a${n}`], error: `e${n}` };
  store.transition(id, to, patch);
  // Pipes are synchronous in Node on Linux: once this returns, the parent can read the line.
  process.stdout.write(`${id} ${to}\n`);
  n++;
  if (n % 50 === 0) {
    // Reorders interleave with transitions, so a kill can land in one of those too.
    const a = ids[n % ids.length]!;
    const b = ids[(n * 7 + 1) % ids.length]!;
    const sameQueue = store.get(a)?.queueId === store.get(b)?.queueId;
    store.reorder(a, sameQueue && a !== b ? b : null);
  }
}
