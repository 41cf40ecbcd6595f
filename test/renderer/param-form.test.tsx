// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QueueConfig } from '../../src/shared/contract';
import { QueueEditor } from '../../src/renderer/queues/QueueEditor';
import { ApiProvider } from '../../src/renderer/transport/context';
import { KilnCallError } from '../../src/renderer/transport/errors';
import { FakeApi, MODEL_INFOS } from './fake-api';

afterEach(cleanup);

function renderEditor(api = new FakeApi(), props: { queue?: QueueConfig; hostKind?: 'web' | 'electron' } = {}) {
  const onSaved = vi.fn();
  render(
    <ApiProvider api={api}>
      <QueueEditor models={MODEL_INFOS} hostKind={props.hostKind ?? 'web'} defaultOutputDir="/home/artist/Kiln" queue={props.queue}
        onSaved={onSaved} onCancel={() => undefined} />
    </ApiProvider>,
  );
  return { api, onSaved, save: () => screen.getByRole('button', { name: /Create queue|Save changes/ }) as HTMLButtonElement };
}

const precision = () => screen.getByLabelText(/Colour detail/) as HTMLInputElement;
const custom = () => userEvent.selectOptions(screen.getByLabelText('Preset'), 'custom');

describe('parameter form', () => {
  it('generates fields from the model parameters with ranges, defaults and help written for artists', async () => {
    renderEditor();
    await custom();
    const input = precision();
    expect(input.type).toBe('number');
    expect(input.min).toBe('1');
    expect(input.max).toBe('8');
    expect(input.step).toBe('1');
    expect(input.placeholder).toBe('6');
    expect(screen.getByText(/How finely colours are told apart/)).toBeTruthy();
    expect(document.body.textContent).not.toMatch(/Phoenix param|Only used with preset/);
    // presetName is chosen by the preset picker, so it is not a second, conflicting field.
    expect(screen.queryByLabelText(/Preset name/)).toBeNull();
  });

  it('offers enum values as select options', async () => {
    renderEditor();
    await custom();
    const mode = screen.getByLabelText('Curves') as HTMLSelectElement;
    expect(mode.tagName).toBe('SELECT');
    expect(Array.from(mode.options).map((o) => o.value)).toEqual(['', 'spline', 'polygon', 'pixel', 'none']);
    expect(mode.options[0]?.textContent).toBe('Default (spline)');
  });

  it('shows the settings only with the Custom preset; any other preset is one line saying what it does', async () => {
    renderEditor();
    expect(screen.queryByLabelText(/Colour detail/)).toBeNull();
    expect(screen.getByText('Choose the Custom preset to set each option yourself.')).toBeTruthy();
    expect(screen.getAllByText(/Flat colour artwork/).length).toBeGreaterThan(0);
    await custom();
    expect(precision().disabled).toBe(false);
    expect(screen.queryByText('Choose the Custom preset to set each option yourself.')).toBeNull();
  });

  it('rejects an out-of-range colorPrecision with a message and disables Save', async () => {
    const { save } = renderEditor();
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), 'Logos');
    await userEvent.selectOptions(screen.getByLabelText('Preset'), 'custom');
    expect(save().disabled).toBe(false);

    await userEvent.type(precision(), '12');
    expect(screen.getByText('Must be a whole number from 1 to 8')).toBeTruthy();
    expect(precision().getAttribute('aria-invalid')).toBe('true');
    expect(save().disabled).toBe(true);

    await userEvent.clear(precision());
    await userEvent.type(precision(), '0');
    expect(screen.getByText('Must be a whole number from 1 to 8')).toBeTruthy();

    await userEvent.clear(precision());
    await userEvent.type(precision(), '5');
    expect(screen.queryByText(/Must be/)).toBeNull();
    expect(save().disabled).toBe(false);
  });

  it('rejects fractions for whole-number parameters and values outside float ranges', async () => {
    const { save } = renderEditor();
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), 'Logos');
    await userEvent.selectOptions(screen.getByLabelText('Preset'), 'custom');
    await userEvent.type(screen.getByLabelText(/Gradient steps/), '2.5');
    expect(screen.getByText('Must be a whole number from 0 to 255')).toBeTruthy();
    await userEvent.type(screen.getByLabelText(/Curve smoothness/), '3');
    expect(screen.getByText('Must be a number from 3.5 to 10')).toBeTruthy();
    expect(save().disabled).toBe(true);
  });

  it('ignores values typed for Custom once another preset is chosen: the form is valid again', async () => {
    const { save } = renderEditor();
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), 'Logos');
    await userEvent.selectOptions(screen.getByLabelText('Preset'), 'custom');
    await userEvent.type(precision(), '99');
    expect(save().disabled).toBe(true);
    await userEvent.selectOptions(screen.getByLabelText('Preset'), 'poster');
    expect(save().disabled).toBe(false);
  });

  it('cannot be saved without a name, a full output path or a valid template', async () => {
    const { save } = renderEditor();
    expect(save().disabled).toBe(true);
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), 'Logos');
    expect(save().disabled).toBe(false);
    const out = screen.getByLabelText('Output folder');
    await userEvent.clear(out);
    await userEvent.type(out, 'relative/dir');
    await userEvent.tab();
    expect(screen.getByText(/Use a full path/)).toBeTruthy();
    expect(save().disabled).toBe(true);
    await userEvent.clear(out);
    await userEvent.type(out, '/home/artist/svg');
    const tpl = screen.getByLabelText('File names');
    await userEvent.clear(tpl);
    await userEvent.type(tpl, '{{name}-{{size}');
    expect(screen.getByText(/uses an unknown field \{size\}/)).toBeTruthy();
    expect(save().disabled).toBe(true);
  });

  it('shows a live example of the naming template', async () => {
    renderEditor();
    const tpl = screen.getByLabelText('File names');
    await userEvent.clear(tpl);
    await userEvent.type(tpl, '{{name}_{{model}.{{ext}');
    expect(screen.getByText('logo_vtracer.svg')).toBeTruthy();
  });

  it('creates the queue with the preset and only the custom values that apply', async () => {
    const api = new FakeApi();
    api.handle('queues.create', (q) => ({ ...q, id: 'q9' }));
    const { onSaved, save } = renderEditor(api);
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), 'Logos');
    await userEvent.selectOptions(screen.getByLabelText('Preset'), 'custom');
    await userEvent.type(precision(), '5');
    await userEvent.selectOptions(screen.getByLabelText('Curves'), 'polygon');
    await userEvent.click(save());
    expect(api.callsTo('queues.create')).toEqual([{
      name: 'Logos', modelKey: 'vtracer', preset: 'custom', params: { colorPrecision: 5, mode: 'polygon' },
      outputDir: '/home/artist/Kiln', nameTemplate: '{name}.{ext}', collision: 'keep-both', engine: 'cloud',
    }]);
    expect(onSaved).toHaveBeenCalledWith(expect.objectContaining({ id: 'q9' }));
  });

  it('shows a rejected save inline and keeps the form', async () => {
    const api = new FakeApi();
    api.handle('queues.create', () => Promise.reject(new KilnCallError({ code: 'invalid-input', message: 'The output folder is inside the input folder' })));
    const { onSaved, save } = renderEditor(api);
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), 'Logos');
    await userEvent.click(save());
    expect((await screen.findByRole('alert')).textContent).toBe('The output folder is inside the input folder');
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('builds the Tripo form: integer faceLimit without a default, checkboxes for booleans, no engine choice', async () => {
    const { save } = renderEditor();
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), 'Retopo');
    await userEvent.selectOptions(screen.getByLabelText('Model'), 'tripo-retopology');
    expect(screen.queryByLabelText('Engine')).toBeNull();
    // A 3D queue's example is a 3D file.
    expect(screen.getByText(/chair\.glb →/)).toBeTruthy();
    await custom();
    expect((screen.getByLabelText('Quads') as HTMLInputElement).type).toBe('checkbox');
    expect((screen.getByLabelText(/Keep the look/) as HTMLInputElement).checked).toBe(true);
    await userEvent.type(screen.getByLabelText(/Face count/), '1500.5');
    expect(screen.getByText('Must be a whole number from 1 to 2000000')).toBeTruthy();
    expect(save().disabled).toBe(true);
  });

  it('offers "Choose…" for the output folder only in Electron', async () => {
    const api = new FakeApi('electron');
    api.handle('dialog.chooseFolder', () => '/Volumes/Art/out');
    renderEditor(api, { hostKind: 'electron' });
    await userEvent.click(screen.getByRole('button', { name: 'Choose…' }));
    expect((screen.getByLabelText('Output folder') as HTMLInputElement).value).toBe('/Volumes/Art/out');
    cleanup();
    renderEditor(new FakeApi('web'));
    expect(screen.queryByRole('button', { name: 'Choose…' })).toBeNull();
  });
});
