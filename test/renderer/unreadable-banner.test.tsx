// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { Banners } from '../../src/renderer/app/Banners';
import { ApiProvider } from '../../src/renderer/transport/context';
import { FakeApi } from './fake-api';

afterEach(cleanup);

function renderBanners(api: FakeApi) {
  return render(
    <ApiProvider api={api}>
      <Banners connectivity={undefined} waiting={0} noCredentials={false} authFailure={undefined} teamLimit={{ limit: undefined, concurrency: 4 }} transport="open"
        onOpenSettings={() => undefined} onDismissAuth={() => undefined} onTryNow={() => undefined} />
    </ApiProvider>,
  );
}

describe('items the queue database cannot read back', () => {
  it('shows nothing while every item reads back', async () => {
    const api = new FakeApi().handle('items.unreadable', () => []);
    renderBanners(api);
    await waitFor(() => expect(api.callsTo('items.unreadable')).toHaveLength(1));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('are announced with the window (found earlier) and as found, with the database\'s reason under Details, until dismissed', async () => {
    const api = new FakeApi().handle('items.unreadable', () => [{ itemId: 'i1', detail: 'Queue item i1 is corrupt in the queue database: params is not valid JSON' }]);
    renderBanners(api);
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toMatch(/^An item could not be read from Kiln's queue database — it is left out of the queue lists\./);
    expect(banner.querySelector('details')?.textContent).toBe('DetailsQueue item i1 is corrupt in the queue database: params is not valid JSON');

    act(() => api.emit('item.unreadable', { itemId: 'i2', detail: 'Queue item i2 is corrupt in the queue database: output is not valid JSON' }));
    expect(screen.getByRole('alert').textContent).toMatch(/^2 items could not be read .* they are left out of the queue lists/);
    // The same item reported again is one item.
    act(() => api.emit('item.unreadable', { itemId: 'i2', detail: 'Queue item i2 is corrupt in the queue database: output is not valid JSON' }));
    expect(screen.getByRole('alert').textContent).toMatch(/^2 items/);

    await userEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
    act(() => api.emit('item.unreadable', { itemId: 'i3', detail: 'Queue item i3 is corrupt in the queue database: state is not a state' }));
    expect(screen.getByRole('alert').textContent).toMatch(/^3 items/);
  });
});
