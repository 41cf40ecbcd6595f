// @vitest-environment jsdom
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useKiln } from '../../src/renderer/app/use-kiln';
import { DropZone } from '../../src/renderer/drop/DropZone';
import type { WatchProblemView } from '../../src/shared/contract';
import { mergeWatchProblem, WATCH_PROBLEM_FILES_KEPT } from '../../src/shared/watch-problems';
import { ApiProvider } from '../../src/renderer/transport/context';
import { FakeApi } from './fake-api';

afterEach(cleanup);

describe('files a watch folder could not add', () => {
  it('are loaded with the app, gathered per queue from watch.problem events, and dismissed in the service too', async () => {
    const api = new FakeApi('electron')
      .handle('host.info', () => ({ kind: 'electron', version: 'test', hasCredentials: true, online: true }))
      .handle('queues.list', () => [])
      .handle('queues.stats', () => [])
      .handle('settings.get', () => ({ apiUrl: 'https://api.cloud.scenario.com/v1', concurrency: 4, defaultOutputDir: '/out' }));
    // Reported before this window opened (files already in the folder when the app started).
    api.handle('watch.problems', () => [{ queueId: 'q1', folder: '/inbox', files: [{ path: '/inbox/a.png', reason: 'not a PNG: the file holds text' }] }]);
    const { result } = renderHook(() => useKiln(api));
    await waitFor(() => expect(result.current.state.watchProblems.get('q1')?.files).toHaveLength(1));
    act(() => {
      api.emit('watch.problem', { queueId: 'q2', folder: '/other', files: [], message: 'the folder /other is not there: nothing is picked up until it is' });
      api.emit('watch.problem', { queueId: 'q1', folder: '/inbox', files: [{ path: '/inbox/b.png', reason: 'the file is empty (0 bytes)' }] });
      // The same file rewritten, still broken: listed once, with its latest reason.
      api.emit('watch.problem', { queueId: 'q1', folder: '/inbox', files: [{ path: '/inbox/a.png', reason: 'the file is empty (0 bytes)' }] });
    });
    expect(result.current.state.watchProblems.get('q1')).toEqual({
      queueId: 'q1', folder: '/inbox',
      files: [{ path: '/inbox/b.png', reason: 'the file is empty (0 bytes)' }, { path: '/inbox/a.png', reason: 'the file is empty (0 bytes)' }],
    });
    expect(result.current.state.watchProblems.get('q2')?.message).toBe('the folder /other is not there: nothing is picked up until it is');
    act(() => result.current.dismissWatchProblem('q1'));
    expect(result.current.state.watchProblems.has('q1')).toBe(false);
    expect(result.current.state.watchProblems.has('q2')).toBe(true);
    expect(api.callsTo('watch.dismiss')).toEqual([{ queueId: 'q1' }]);
  });

  it('are shown on the queue with each file and its reason, and can be dismissed', async () => {
    const problem: WatchProblemView = {
      queueId: 'q1', folder: '/inbox', files: [{ path: '/inbox/a.png', reason: 'not a PNG: the file holds text' }, { path: '/inbox/b.png', reason: 'the file is empty' }],
    };
    const onDismiss = vi.fn();
    render(
      <ApiProvider api={new FakeApi('electron')}>
        <DropZone queueId="q1" queueName="Logos" accepts={['png']} watchProblem={problem} onDismissWatchProblem={onDismiss}>
          <p>queue content</p>
        </DropZone>
      </ApiProvider>,
    );
    expect(screen.getByRole('status').textContent).toContain('Watch folder: 2 files not added (a.png: not a PNG: the file holds text, +1 more)');
    await userEvent.click(screen.getByRole('button', { name: 'Details' }));
    expect(screen.getByText('b.png').closest('li')?.textContent).toBe('Failed b.png — the file is empty');
    await userEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(onDismiss).toHaveBeenCalledOnce();
  });

  it('include why the folder itself cannot be watched', () => {
    render(
      <ApiProvider api={new FakeApi('electron')}>
        <DropZone queueId="q1" queueName="Logos" accepts={['png']} watchProblem={{ queueId: 'q1', folder: '/inbox', files: [], message: 'the folder /inbox no longer exists' }}>
          <p>queue content</p>
        </DropZone>
      </ApiProvider>,
    );
    expect(screen.getByRole('status').textContent).toContain('Watch folder: the folder /inbox no longer exists');
  });
});

describe('mergeWatchProblem', () => {
  const at = (folder: string, paths: string[], message?: string): WatchProblemView =>
    ({ queueId: 'q1', folder, files: paths.map((path) => ({ path, reason: 'broken' })), ...(message ? { message } : {}) });

  it('keeps the newest files when a folder keeps producing broken ones', () => {
    let gathered: WatchProblemView | undefined;
    for (let i = 0; i < WATCH_PROBLEM_FILES_KEPT + 100; i++) gathered = mergeWatchProblem(gathered, at('/inbox', [`/inbox/${i}.png`]));
    expect(gathered?.files).toHaveLength(WATCH_PROBLEM_FILES_KEPT);
    expect(gathered?.files[0]?.path).toBe('/inbox/100.png');
  });

  it('starts afresh when the queue watches another folder', () => {
    const old = at('/old', ['/old/a.png'], 'the folder /old is not there: nothing is picked up until it is');
    expect(mergeWatchProblem(old, at('/new', ['/new/b.png']))).toEqual(at('/new', ['/new/b.png']));
  });
});
