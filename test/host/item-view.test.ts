import { describe, expect, it } from 'vitest';
import { itemViewSchema } from '../../src/shared/contract';
import { itemView } from '../../src/main/host/views';
import type { QueueItem } from '../../src/main/engine/queue/types';

const failed: QueueItem = {
  id: 'item-1',
  queueId: 'q1',
  inputPath: '/art/in/chair.png',
  inputKind: 'png',
  inputSize: 1234,
  modelKey: 'vtracer',
  params: {},
  output: { dir: '/art/out', template: '{name}.{ext}', collision: 'keep-both' },
  position: 1,
  state: 'failed',
  progress: 0,
  error: 'Scenario job job_1 failed: network share is full',
  failureKind: 'job-failed',
  outputs: [],
  downloadedAssetIds: [],
  attempts: 0,
  createdAt: 1,
  updatedAt: 2,
  finishedAt: 2,
};

describe('the item view carries the kind of failure to the window (src/shared/contract.ts)', () => {
  it('passes the recorded kind beside the error, and the contract accepts it', () => {
    const view = itemViewSchema.parse(itemView(failed));
    expect(view).toMatchObject({ state: 'failed', error: failed.error, failureKind: 'job-failed' });
  });

  it('leaves it out for an item without one, and refuses a kind the words do not know', () => {
    const { failureKind: _, ...before } = failed;
    expect(itemViewSchema.parse(itemView(before)).failureKind).toBeUndefined();
    expect(itemViewSchema.safeParse({ ...itemView(failed), failureKind: 'gremlins' }).success).toBe(false);
  });
});
