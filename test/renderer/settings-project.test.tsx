// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsView } from '../../src/renderer/settings/SettingsView';
import { ApiProvider } from '../../src/renderer/transport/context';
import type { Settings } from '../../src/shared/contract';
import { FakeApi } from './fake-api';

afterEach(cleanup);

const base: Settings = { apiUrl: 'https://api.cloud.scenario.com/v1', concurrency: 4, defaultOutputDir: '/out' };

function settingsView(settings: Settings) {
  const api = new FakeApi().handle('settings.update', (patch) => ({ ...settings, ...(patch as Partial<Settings>) }));
  const saved: Settings[] = [];
  render(
    <ApiProvider api={api}>
      <SettingsView host={undefined} settings={settings} welcome={false} onCredentialsChanged={() => undefined}
        onCredentialsVerified={() => undefined} onSettingsSaved={(s) => saved.push(s)} />
    </ApiProvider>,
  );
  return { api, saved };
}

describe('the Scenario project in Settings', () => {
  it('is saved when typed, so every call is scoped to it', async () => {
    const { api, saved } = settingsView(base);
    await userEvent.type(screen.getByLabelText(/Scenario project/), 'proj_42');
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(api.callsTo('settings.update')).toEqual([{ ...base, projectId: 'proj_42' }]);
    expect(saved.at(-1)?.projectId).toBe('proj_42');
  });

  it('is cleared by emptying the field (an empty id means none)', async () => {
    const { api } = settingsView({ ...base, projectId: 'proj_42' });
    const field = screen.getByLabelText(/Scenario project/);
    expect((field as HTMLInputElement).value).toBe('proj_42');
    await userEvent.clear(field);
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(api.callsTo('settings.update')).toEqual([{ ...base, projectId: '' }]);
  });
});
