// @vitest-environment jsdom
import { act, cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/renderer/app/App';
import type { QueueStats } from '../../src/shared/contract';
import { FakeApi, makeItem } from './fake-api';

afterEach(cleanup);

const queue = { id: 'q1', name: 'Logos', modelKey: 'vtracer', params: {}, outputDir: '/out', nameTemplate: '{name}.{ext}', collision: 'keep-both' as const, engine: 'cloud' as const };
const stats = (waiting: number): QueueStats => ({
  queueId: 'q1', total: waiting + 2, paused: false, progress: 0,
  byState: { queued: 2, uploading: 0, submitted: 0, processing: 0, downloading: 0, done: 0, failed: 0, canceled: 0, 'waiting-for-network': waiting },
});

function app(hasCredentials: boolean, q: typeof queue & { watchFolder?: string } = queue) {
  const api = new FakeApi()
    .handle('host.info', () => ({ kind: 'web', version: 't', hasCredentials, online: true }))
    .handle('queues.list', () => [q])
    .handle('queues.stats', () => [stats(0)])
    .handle('settings.get', () => ({ apiUrl: 'http://127.0.0.1:1/v1', concurrency: 4, defaultOutputDir: '/out' }))
    .handle('watch.problems', () => [])
    .handle('items.list', () => []);
  render(<App api={api} />);
  return api;
}

describe('the banners above every view', () => {
  it('keep the offline count live from the queues, not from the moment the network went away, and offer "Try now"', async () => {
    const api = app(true);
    await screen.findByRole('region', { name: 'Logos' });
    act(() => api.emit('connectivity', { online: false, waiting: 1, reason: 'ECONNREFUSED' }));
    act(() => api.emit('queue.stats', stats(8)));
    await screen.findByText(/8 items waiting/);
    act(() => api.emit('queue.stats', stats(3)));
    await screen.findByText(/3 items waiting/);
    await userEvent.click(screen.getByRole('button', { name: 'Try now' }));
    expect(api.callsTo('network.checkNow')).toEqual([{}]);
  });

  it('say "No API key yet" when none was ever entered, and forget a refusal once a cloud job succeeds', async () => {
    const fresh = app(false);
    expect(await screen.findByText('No API key yet')).toBeTruthy();
    act(() => fresh.emit('auth.failed', { message: 'No Scenario API key and secret are set' }));
    expect(screen.queryByText(/refused/)).toBeNull();
    cleanup();

    const api = app(true);
    await screen.findByRole('region', { name: 'Logos' });
    act(() => api.emit('auth.failed', { message: 'Scenario rejected the API key and secret (HTTP 401)' }));
    await screen.findByText('Scenario refused the API key');
    act(() => api.emit('item', makeItem(1, { state: 'done', engine: 'cloud', outputs: ['/out/a.svg'], updatedAt: 9 })));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByText('Scenario refused the API key')).toBeNull();
  });
});

describe("the team's limit of jobs at once", () => {
  it('is explained when Scenario runs fewer jobs at once than "Conversions at once" asks, and can be dismissed until it changes', async () => {
    const api = app(true);
    await screen.findByRole('region', { name: 'Logos' });
    expect(screen.queryByText(/at once for your team/)).toBeNull();
    act(() => api.emit('team.limit', { limit: 2 }));
    const banner = (await screen.findByText('Scenario runs 2 jobs at once for your team')).closest('[role=status]');
    expect(banner?.textContent).toMatch(/at most 2 of your 4 conversions at once run in the cloud and the others wait their turn\. Nothing fails because of it\.$/);
    await userEvent.click(within(banner as HTMLElement).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByText(/at once for your team/)).toBeNull();
    act(() => api.emit('team.limit', { limit: 1 }));
    expect(await screen.findByText('Scenario runs 1 job at once for your team')).toBeTruthy();
  });

  it('says nothing when the limit is no lower than the setting, and shows one learned before the window opened', async () => {
    const roomy = app(true);
    await screen.findByRole('region', { name: 'Logos' });
    act(() => roomy.emit('team.limit', { limit: 4 }));
    expect(screen.queryByText(/at once for your team/)).toBeNull();
    cleanup();

    const api = new FakeApi()
      .handle('host.info', () => ({ kind: 'web', version: 't', hasCredentials: true, online: true, jobCeiling: 3 }))
      .handle('queues.list', () => [queue])
      .handle('queues.stats', () => [stats(0)])
      .handle('settings.get', () => ({ apiUrl: 'http://127.0.0.1:1/v1', concurrency: 8, defaultOutputDir: '/out' }))
      .handle('watch.problems', () => []);
    render(<App api={api} />);
    expect(await screen.findByText('Scenario runs 3 jobs at once for your team')).toBeTruthy();
  });
});

describe('the queue header', () => {
  it('shows the folder the queue watches', async () => {
    app(true, { ...queue, watchFolder: '/Users/ana/Art/inbox' });
    await screen.findByRole('region', { name: 'Logos' });
    expect(screen.getByText('Watching').closest('div')?.textContent).toContain('/Users/ana/Art/inbox');
  });
});
