// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DropZone } from '../../src/renderer/drop/DropZone';
import { ApiProvider } from '../../src/renderer/transport/context';
import { FakeApi, makeItem } from './fake-api';

afterEach(cleanup);

function renderZone(api: FakeApi) {
  render(
    <ApiProvider api={api}>
      <DropZone queueId="q1" queueName="Logos" accepts={['png', 'jpeg']}>
        <p>queue content</p>
      </DropZone>
    </ApiProvider>,
  );
  return screen.getByTestId('dropzone');
}

const file = (name: string, body = 'x') => new File([body], name, { type: name.endsWith('.png') ? 'image/png' : 'text/plain' });

/** A DataTransfer as jsdom cannot build one: files plus the "Files" type browsers set for OS drops. */
function dataTransfer(files: File[], items: unknown[] = []) {
  return { files, items, types: ['Files'], dropEffect: 'none' };
}

describe('DropZone', () => {
  it('uploads dropped files in the browser and summarises skipped and failed ones with reasons', async () => {
    const api = new FakeApi('web');
    api.uploadResult = () => ({
      added: [makeItem(1, { inputName: 'a.png' }), makeItem(2, { inputName: 'b.png' })],
      skipped: [{ path: 'readme.txt', reason: 'not an image VTracer takes' }],
      rejected: [{ path: 'huge.png', reason: 'larger than 50 MB' }],
      alreadyConverted: [],
    });
    const zone = renderZone(api);
    const files = [file('a.png'), file('b.png'), file('readme.txt'), file('huge.png')];
    fireEvent.dragEnter(zone, { dataTransfer: dataTransfer(files) });
    expect(screen.getByText(/Drop to add to “Logos”/)).toBeTruthy();
    fireEvent.drop(zone, { dataTransfer: dataTransfer(files) });

    await screen.findByText(/2 added/);
    expect(api.uploads).toHaveLength(1);
    expect(api.uploads[0]?.queueId).toBe('q1');
    expect(api.uploads[0]?.files.map((f) => f.relativePath)).toEqual(['a.png', 'b.png', 'readme.txt', 'huge.png']);
    expect(api.uploads[0]?.files[0]?.file).toBe(files[0]);
    const summary = screen.getByRole('status').textContent ?? '';
    expect(summary).toContain('1 skipped (readme.txt: not an image VTracer takes)');
    expect(summary).toContain('1 failed (huge.png: larger than 50 MB)');
    expect(screen.queryByText(/Drop to add/)).toBeNull();

    await userEvent.click(screen.getByRole('button', { name: 'Details' }));
    expect(screen.getByText('readme.txt')).toBeTruthy();
    expect(screen.getByText(/— larger than 50 MB/)).toBeTruthy();
  });

  it('reads dropped folders recursively with their relative paths', async () => {
    const api = new FakeApi('web');
    const logo = file('logo.png');
    const icon = file('icon.png');
    const fileEntry = (f: File) => ({ isFile: true, isDirectory: false, name: f.name, fullPath: `/${f.name}`, file: (ok: (f: File) => void) => ok(f) });
    const dir = (name: string, children: unknown[]) => {
      let read = false;
      return {
        isFile: false, isDirectory: true, name, fullPath: `/${name}`,
        createReader: () => ({ readEntries: (ok: (e: unknown[]) => void) => { ok(read ? [] : children); read = true; } }),
      };
    };
    const tree = dir('art', [fileEntry(logo), { isFile: true, isDirectory: false, name: '.DS_Store', fullPath: '', file: () => undefined }, dir('icons', [fileEntry(icon)])]);
    const zone = renderZone(api);
    fireEvent.drop(zone, { dataTransfer: dataTransfer([], [{ kind: 'file', webkitGetAsEntry: () => tree }]) });
    await screen.findByText(/0 added/);
    expect(api.uploads[0]?.files.map((f) => f.relativePath)).toEqual(['art/logo.png', 'art/icons/icon.png']);
  });

  it('sends file paths with items.addPaths in Electron', async () => {
    const api = new FakeApi('electron');
    api.handle('items.addPaths', ({ paths }) => ({ added: paths.map((p, i) => makeItem(i, { inputPath: p })), skipped: [], rejected: [], alreadyConverted: [] }));
    const zone = renderZone(api);
    fireEvent.drop(zone, { dataTransfer: dataTransfer([file('a.png'), file('art')]) });
    await screen.findByText(/2 added/);
    expect(api.callsTo('items.addPaths')).toEqual([{ queueId: 'q1', paths: ['/drop/a.png', '/drop/art'] }]);
  });

  it('offers "Convert again" for already converted files and redoes only those', async () => {
    const api = new FakeApi('electron');
    let round = 0;
    api.handle('items.addPaths', ({ paths }) => (round++ === 0
      ? { added: [makeItem(1)], skipped: [], rejected: [], alreadyConverted: [{ path: '/drop/old.png', itemId: 'item-9', outputs: ['/out/old.svg'] }] }
      : { added: paths.map((p, i) => makeItem(10 + i, { inputPath: p })), skipped: [], rejected: [], alreadyConverted: [] }));
    const zone = renderZone(api);
    fireEvent.drop(zone, { dataTransfer: dataTransfer([file('new.png'), file('old.png')]) });
    await screen.findByText(/1 added · 1 already converted/);
    await userEvent.click(screen.getByRole('button', { name: 'Convert again (1)' }));
    await screen.findByText(/^2 added$/);
    expect(api.callsTo('items.addPaths')[1]).toEqual({ queueId: 'q1', paths: ['/drop/old.png'], redo: true });
  });

  it('passes redo to the upload in the browser', async () => {
    const api = new FakeApi('web');
    api.uploadResult = (files, options) => (options?.redo
      ? { added: files.map((_, i) => makeItem(i)), skipped: [], rejected: [], alreadyConverted: [] }
      : { added: [], skipped: [], rejected: [], alreadyConverted: [{ path: 'old.png', itemId: 'item-9', outputs: [] }] });
    const zone = renderZone(api);
    fireEvent.drop(zone, { dataTransfer: dataTransfer([file('old.png'), file('other.png')]) });
    await userEvent.click(await screen.findByRole('button', { name: 'Convert again (1)' }));
    await waitFor(() => expect(api.uploads).toHaveLength(2));
    expect(api.uploads[1]?.files.map((f) => f.relativePath)).toEqual(['old.png']);
    expect(api.uploads[1]?.options?.redo).toBe(true);
  });

  it('shows a rejected call as an error in the summary', async () => {
    const api = new FakeApi('electron');
    api.handle('items.addPaths', () => Promise.reject(new Error('The queue "Logos" no longer exists')));
    const zone = renderZone(api);
    fireEvent.drop(zone, { dataTransfer: dataTransfer([file('a.png')]) });
    await screen.findByText('The queue "Logos" no longer exists');
  });

  it('ignores drags that carry no files (e.g. text)', () => {
    const api = new FakeApi('web');
    const zone = renderZone(api);
    fireEvent.drop(zone, { dataTransfer: { files: [], items: [], types: ['text/plain'] } });
    expect(api.uploads).toHaveLength(0);
    expect(screen.queryByRole('status')).toBeNull();
  });
});

describe('the drop summary', () => {
  it('closes by itself after a plain success, and stays while something needs a look', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const api = new FakeApi('web');
      api.uploadResult = () => ({ added: [makeItem(1)], skipped: [], rejected: [], alreadyConverted: [] });
      const zone = renderZone(api);
      fireEvent.drop(zone, { dataTransfer: dataTransfer([file('a.png')]) });
      await screen.findByText('1 added');
      act(() => vi.advanceTimersByTime(6000));
      await waitFor(() => expect(screen.queryByText('1 added')).toBeNull());

      api.uploadResult = () => ({ added: [], skipped: [], rejected: [{ path: 'bad.png', reason: 'the file is empty (0 bytes)' }], alreadyConverted: [] });
      fireEvent.drop(zone, { dataTransfer: dataTransfer([file('bad.png')]) });
      await screen.findByText(/0 added · 1 failed/);
      act(() => vi.advanceTimersByTime(60_000));
      expect(screen.getByText(/0 added · 1 failed/)).toBeTruthy();
    } finally {
      vi.useRealTimers();
    }
  });
});
