// @vitest-environment jsdom
import { act, cleanup, render, renderHook, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useKiln } from '../../src/renderer/app/use-kiln';
import { DropZone } from '../../src/renderer/drop/DropZone';
import type { WatchProblem } from '../../src/renderer/drop/summary';
import { ApiProvider } from '../../src/renderer/transport/context';
import { FakeApi } from './fake-api';

afterEach(cleanup);

describe('files a watch folder could not add', () => {
  it('are gathered per queue from watch.problem events until the artist dismisses them', () => {
    const api = new FakeApi('electron');
    const { result } = renderHook(() => useKiln(api));
    act(() => {
      api.emit('watch.problem', { queueId: 'q1', folder: '/inbox', files: [{ path: '/inbox/a.png', reason: 'not a PNG: the file holds text' }] });
      api.emit('watch.problem', { queueId: 'q2', folder: '/other', files: [], message: 'cannot read /other: permission denied' });
      api.emit('watch.problem', { queueId: 'q1', folder: '/inbox', files: [{ path: '/inbox/b.png', reason: 'the file is empty' }] });
    });
    expect(result.current.state.watchProblems.get('q1')).toEqual({
      files: [{ path: '/inbox/a.png', reason: 'not a PNG: the file holds text' }, { path: '/inbox/b.png', reason: 'the file is empty' }],
    });
    expect(result.current.state.watchProblems.get('q2')).toEqual({ files: [], message: 'cannot read /other: permission denied' });
    act(() => result.current.dismissWatchProblem('q1'));
    expect(result.current.state.watchProblems.has('q1')).toBe(false);
    expect(result.current.state.watchProblems.has('q2')).toBe(true);
  });

  it('are shown on the queue with each file and its reason, and can be dismissed', async () => {
    const problem: WatchProblem = {
      files: [{ path: '/inbox/a.png', reason: 'not a PNG: the file holds text' }, { path: '/inbox/b.png', reason: 'the file is empty' }],
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
        <DropZone queueId="q1" queueName="Logos" accepts={['png']} watchProblem={{ files: [], message: 'the folder /inbox no longer exists' }}>
          <p>queue content</p>
        </DropZone>
      </ApiProvider>,
    );
    expect(screen.getByRole('status').textContent).toContain('Watch folder: the folder /inbox no longer exists');
  });
});
