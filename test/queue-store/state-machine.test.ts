import { describe, expect, it } from 'vitest';
import { RESUMABLE_STATES, TRANSITIONS, canTransition } from '../../src/main/engine/queue/state-machine';
import type { ItemState } from '../../src/main/engine/queue/types';

const WORKING: ItemState[] = ['queued', 'uploading', 'submitted', 'processing', 'downloading'];

describe('state machine', () => {
  it('allows the happy path', () => {
    const path: ItemState[] = ['queued', 'uploading', 'submitted', 'processing', 'downloading', 'done'];
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });

  it('lets every working state fail, be canceled or wait for the network', () => {
    for (const from of WORKING) {
      for (const to of ['failed', 'canceled', 'waiting-for-network'] as const) expect(canTransition(from, to), `${from}→${to}`).toBe(true);
    }
  });

  it('returns from waiting-for-network only to where it came from, or to queued/canceled/failed', () => {
    for (const resume of RESUMABLE_STATES) {
      for (const to of WORKING) expect(canTransition('waiting-for-network', to, resume), `${resume}: →${to}`).toBe(to === resume || to === 'queued');
      expect(canTransition('waiting-for-network', 'canceled', resume)).toBe(true);
      expect(canTransition('waiting-for-network', 'failed', resume)).toBe(true);
      expect(canTransition('waiting-for-network', 'done', resume)).toBe(false);
      expect(canTransition('waiting-for-network', 'waiting-for-network', resume)).toBe(false);
    }
  });

  it('supports retry, redo, restart recovery and progress updates', () => {
    expect(canTransition('failed', 'queued')).toBe(true);
    expect(canTransition('canceled', 'queued')).toBe(true);
    expect(canTransition('failed', 'submitted')).toBe(true); // retry re-polls an existing job
    expect(canTransition('done', 'queued')).toBe(true);
    expect(canTransition('uploading', 'queued')).toBe(true);
    expect(canTransition('downloading', 'downloading')).toBe(true);
    expect(canTransition('downloading', 'processing')).toBe(true);
    expect(canTransition('processing', 'processing')).toBe(true);
    expect(canTransition('submitted', 'downloading')).toBe(true); // a job finished before we saw it run
  });

  it('refuses skipping ahead, leaving done except by redo, and no-op self loops', () => {
    expect(canTransition('queued', 'submitted')).toBe(false);
    expect(canTransition('queued', 'done')).toBe(false);
    expect(canTransition('uploading', 'downloading')).toBe(false);
    expect(canTransition('uploading', 'done')).toBe(false);
    expect(canTransition('submitted', 'done')).toBe(false);
    expect(canTransition('done', 'failed')).toBe(false);
    expect(canTransition('done', 'downloading')).toBe(false);
    expect(canTransition('failed', 'done')).toBe(false);
    expect(canTransition('canceled', 'uploading')).toBe(false);
    expect(canTransition('queued', 'queued')).toBe(false);
    expect(canTransition('done', 'done')).toBe(false);
    expect(canTransition('failed', 'waiting-for-network')).toBe(false);
  });

  it('lets a local conversion go straight from queued to processing to done', () => {
    expect(canTransition('queued', 'processing')).toBe(true);
    expect(canTransition('processing', 'done')).toBe(true);
  });

  it('is a table over every state', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual(
      ['canceled', 'done', 'downloading', 'failed', 'processing', 'queued', 'submitted', 'uploading', 'waiting-for-network'].sort(),
    );
  });
});
